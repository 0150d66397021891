// dotscan/diff/compare.hpp — the changes between two results for one target, each with a kind and
// a severity.
//
// Pure functions over TargetState (target_state.hpp): no I/O. docs/diff.md lists the kinds and the
// rule that sets each one's severity; `dotscan diff --fail-on LEVEL` exits 1 on a change at or
// above LEVEL. Invariants: a target present in one scan only gives exactly one change (appeared or
// disappeared); two equal states give none; session fields (certificate, TLS version, ALPN) are
// compared only when both results have a TLS session, so that a server that went down reads as
// one outcome change, not as a rotation; a finding that vanished with the session is not "fixed";
// only findings that count are compared: one the policy suppressed is never added or fixed, and
// one that became suppressed is "finding-suppressed", not "fixed".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/diff/target_state.hpp"
#include "dotscan/model/finding.hpp"

namespace dotscan::diff {

enum class ChangeKind : std::uint8_t {
  Appeared,           // in the new scan only
  Disappeared,        // in the old scan only
  Outcome,            // "dot" -> "closed"
  Certificate,        // another leaf (SHA-256): rotated, maybe with a new issuer or a new key
  Verdict,            // the RFC 8310 profile or its reasons
  FindingAdded,       // a finding id the old result did not have
  FindingFixed,       // a finding id gone while the session is still there
  FindingSeverity,    // the same finding id at another severity (cert-expires-soon medium -> high)
  FindingSuppressed,  // a finding id still there, but now suppressed by the policy
  TlsVersion,         // the negotiated version
  Alpn,               // the selected ALPN protocol
};
inline constexpr std::size_t kChangeKindCount = 11;

// "appeared", "disappeared", "outcome", "certificate", "verdict", "finding-added",
// "finding-fixed", "finding-severity", "finding-suppressed", "tls-version", "alpn".
std::string_view toString(ChangeKind kind);

// What a certificate change was.
struct CertificateChange {
  bool new_issuer = false;
  bool same_key = false;        // the SPKI pin is the same: a new certificate for the old key
  std::optional<bool> trusted;  // the new chain verified
  std::string issuer_before, issuer_after;
};

struct Change {
  ChangeKind kind = ChangeKind::Outcome;
  model::Severity severity = model::Severity::Info;
  // The value before and after, as text; empty when there is none (an ALPN that was not
  // selected, the target's absence). Appeared/disappeared: the outcome.
  std::string before, after;
  std::string finding;  // the finding id, for the finding kinds
  std::optional<CertificateChange> certificate;
};

// Every change from `before` to `after` (either may be null, not both), in the order of
// ChangeKind; finding changes by id.
std::vector<Change> compareTargets(const TargetState* before, const TargetState* after);

// The RFC 8310 verdict as a rank: 2 strict-pkix or strict-pin (authenticated), 1
// opportunistic-only, 0 not-dot; -1 none or unknown.
int verdictRank(std::string_view profile);

}  // namespace dotscan::diff
