// dotscan/audit/policy.hpp — what an auditor expects of each target: the policy file (--policy)
// and the pin file (--pin-file), resolved per target into one Expectations.
//
// Policy file, JSON (docs/audit.md, data/policy.example.json):
//   {"dotscan_policy": 1,
//    "defaults": {EXPECTATIONS},
//    "groups": [{"name": "...", "targets": ["192.0.2.0/24", "dns.example", "*.example"],
//                EXPECTATIONS}, ...]}
//   EXPECTATIONS: "auth_name": NAME, "pins": [BASE64...], "min_tls": "1.2", "min_days": N,
//                 "issuers": [DN...], "require_dot": BOOL, "severity": LEVEL,
//                 "findings": {FINDING-ID: {"severity": LEVEL or "off", "reason": TEXT,
//                                           "until": "YYYY-MM-DD"}, ...}
// A "findings" rule re-rates (or with "off" suppresses) every finding of that id for the group's
// targets, until the end of the "until" day (UTC) when one is given; the group's rules replace the
// defaults' rule of the same id, and keep the defaults' rules for other ids.
// A target takes the FIRST group that lists it: its address inside an address spec (as on the
// command line: address, CIDR, range), or its name equal to a name ("*.example" matches the names
// below example). A group without "targets" takes every target. Its expectations are the
// defaults, overridden field by field by the group's. Unknown keys and wrong types are errors:
// a policy that silently ignores a misspelt key is worse than none.
//
// Pin file: one "TARGET PIN [PIN...]" per line, '#' starts a comment; TARGET as in a group's
// "targets". A target's pin set is the union of every line that lists it, of the group's "pins"
// and of --pin.
//
// Parsing is pure (the caller reads the files); every error is a UsageError of one line that
// names the source and the place.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/model/finding.hpp"
#include "dotscan/model/tls_version.hpp"
#include "dotscan/targets/interval_set.hpp"
#include "dotscan/util/address.hpp"

namespace dotscan::audit {

// A policy's rule for one finding id: another severity, or off.
struct FindingRule {
  std::optional<model::Severity> severity;  // nullopt: off (suppressed)
  std::string reason;
  std::string until;  // "YYYY-MM-DD", empty: no expiry
  std::string group;  // the policy group that wrote it; empty: the defaults
};

// What one target is expected to be. Empty or unset fields expect nothing.
struct Expectations {
  std::string group;              // the policy group that matched; empty: none did
  std::string auth_name;          // the authentication name the leaf must match
  std::vector<std::string> pins;  // SPKI SHA-256 pins (base64); any one on the chain suffices
  std::optional<model::TlsVersion> min_tls;  // the lowest acceptable negotiated version
  std::optional<int> min_days;       // the leaf must stay valid at least this many more days
  std::vector<std::string> issuers;  // the leaf's issuer must be one of these (RFC 2253 text)
  // A target that does not confirm DoT is a finding (dot-missing), when it was listed on its own:
  // an -iL line, a single address or a name; not each address of a range.
  bool require_dot = false;
  bool listed = true;  // the target was listed on its own (set by the caller)
  model::Severity severity = model::Severity::High;  // of the policy-* and dot-missing findings
  std::vector<std::pair<std::string, FindingRule>> rules;  // by finding id, each id once
};

// A 44-character base64 text of 32 bytes, as `openssl ... | base64` and kdig +tls-pin write it.
bool isValidPin(std::string_view text);

// Whether `issuer` (RFC 2253 text, as the certificate description has it) is one of `allowed`:
// case-insensitive, blanks around ',', '+' and '=' ignored.
bool issuerAllowed(std::string_view issuer, const std::vector<std::string>& allowed);

class Policy {
 public:
  // Reads a policy file; throws UsageError("SOURCE: ...") on any error.
  void loadJson(std::string_view text, std::string_view source);
  // Reads a pin file; throws UsageError("SOURCE:LINE: ...") on any error.
  void loadPinFile(std::string_view text, std::string_view source);

  // The expectations for a target, by its address and name (empty for an address target).
  [[nodiscard]] Expectations expectationsFor(const Address& address, std::string_view name) const;

  [[nodiscard]] bool empty() const { return groups_.empty() && pin_lines_.empty() && !defaults_; }

  // Which targets a group or pin-file line covers.
  struct Selector {
    targets::IntervalSet addresses;     // normalised
    std::vector<std::string> names;     // lower case, no trailing dot
    std::vector<std::string> suffixes;  // from "*.example": ".example"
    bool everything = false;
    [[nodiscard]] bool matches(const Address& address, std::string_view name) const;
  };

  // Expectation fields as written: unset ones fall through to the defaults.
  struct Fields {
    std::optional<std::string> auth_name;
    std::optional<std::vector<std::string>> pins;
    std::optional<model::TlsVersion> min_tls;
    std::optional<int> min_days;
    std::optional<std::vector<std::string>> issuers;
    std::optional<bool> require_dot;
    std::optional<model::Severity> severity;
    std::vector<std::pair<std::string, FindingRule>> rules;  // "findings", by id
  };

 private:
  struct Group {
    std::string name;
    Selector selector;
    Fields fields;
  };
  struct PinLine {
    Selector selector;
    std::vector<std::string> pins;
  };

  std::optional<Fields> defaults_;
  std::vector<Group> groups_;
  std::vector<PinLine> pin_lines_;
  std::size_t intervals_ = 0;  // address ranges in every selector, capped
};

}  // namespace dotscan::audit
