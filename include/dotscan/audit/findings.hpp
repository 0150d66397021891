// dotscan/audit/findings.hpp — judging what a probe recorded: findings with stable ids.
//
// Pure functions over a model::ProbeResult: no I/O, no OpenSSL, so every rule is unit-tested on
// hand-built results. What a target is expected to be beyond that (policy file, pin file) comes in
// as Expectations (policy.hpp), resolved by the caller.
//
// Finding ids (stable; findingIds() lists them): cert-expired, cert-expires-soon,
// cert-not-yet-valid, weak-key, weak-signature, self-signed-leaf, no-server-auth-eku, no-san,
// address-not-in-san, name-mismatch, chain-untrusted, tls-below-1.2, alpn-not-dot, cleartext-dns,
// pin-mismatch; required by --require-dot or the policy: dot-missing; from the policy:
// policy-min-tls, policy-min-days, policy-issuer. (dot-missing was policy-not-dot before 0.2.)
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "dotscan/audit/policy.hpp"
#include "dotscan/model/finding.hpp"
#include "dotscan/model/result.hpp"

namespace dotscan::audit {

struct AuditOptions {
  int warn_days = 30;             // a leaf expiring within this many days is a medium finding
  int crit_days = 7;              // ... within this many, a high one
  std::vector<std::string> pins;  // --pin: SPKI SHA-256 pins in base64 (RFC 7858 section 4.2)
  bool require_dot = false;       // --require-dot: every listed target must confirm DoT
  std::string today;              // "YYYY-MM-DD" (UTC): policy rules with an earlier "until" expire
};

// Every finding id the audit can emit, in the order of docs/audit.md.
std::span<const std::string_view> findingIds();
bool isFindingId(std::string_view id);

// Every finding for one result. Without a completed handshake there is none, except
// dot-missing when the expectations require DoT of a listed target, and cleartext-dns.
std::vector<model::Finding> findingsFor(const model::ProbeResult& result,
                                        const AuditOptions& options,
                                        const Expectations& expectations = {});

// The RFC 8310 verdict: strict-pkix (trusted chain and the authentication name matches),
// strict-pin (a pin of --pin, the pin file or the policy matches any certificate of the chain),
// opportunistic-only with every reason (self-signed, expired, not-yet-valid, name-mismatch,
// untrusted, incomplete-chain, weak-key), or not-dot (DNS did not answer inside TLS). Uses the
// findings already in `result`.
model::Verdict verdictFor(const model::ProbeResult& result, const AuditOptions& options,
                          const Expectations& expectations = {});

// Applies the expectations' finding rules (re-rating, suppression) to `findings` in place: each
// finding whose id has a rule gets its `policy` record; a rule whose "until" is before `today`
// is recorded as expired and changes nothing.
void applyRules(std::vector<model::Finding>& findings, const Expectations& expectations,
                std::string_view today);

// Judges one result in place: its findings, then the policy's rules on them, then its verdict
// (which reads them), against what `policy` expects of the target (its group, pins,
// authentication name). `listed`: the target was listed on its own (targets::TargetSet::listed),
// which --require-dot and "require_dot" need. The one call a scan makes per result, so that no
// caller can get the order wrong.
void judge(model::ProbeResult& result, const AuditOptions& options, const Policy& policy,
           bool listed = true);

// What each finding id means and how to fix it (src/audit/finding_guides.cpp): one entry per id
// above, in that order. findingGuide returns nullptr for an id it does not know.
std::span<const model::FindingGuide> findingGuides();
const model::FindingGuide* findingGuide(std::string_view id);

// The highest severity among the findings that count (not suppressed), if any.
std::optional<model::Severity> worstSeverity(const std::vector<model::Finding>& findings);

}  // namespace dotscan::audit
