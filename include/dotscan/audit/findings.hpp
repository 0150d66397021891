// dotscan/audit/findings.hpp — judging what a probe recorded: findings with stable ids.
//
// Pure functions over a model::ProbeResult: no I/O, no OpenSSL, so every rule is unit-tested on
// hand-built results. Issue 5 (in progress): findings, the verdict and pins are here; the
// policy file comes next.
//
// Finding ids (stable): cert-expired, cert-expires-soon, cert-not-yet-valid, weak-key,
// weak-signature, self-signed-leaf, no-server-auth-eku, no-san, address-not-in-san, name-mismatch,
// chain-untrusted, tls-below-1.2, alpn-not-dot.
#pragma once

#include <vector>

#include "dotscan/model/finding.hpp"
#include "dotscan/model/result.hpp"

namespace dotscan::audit {

struct AuditOptions {
  int warn_days = 30;             // a leaf expiring within this many days is a medium finding
  int crit_days = 7;              // ... within this many, a high one
  std::vector<std::string> pins;  // --pin: SPKI SHA-256 pins in base64 (RFC 7858 section 4.2)
};

// Every finding for one result; none for a result without a completed handshake.
std::vector<model::Finding> findingsFor(const model::ProbeResult& result,
                                        const AuditOptions& options);

// The RFC 8310 verdict: strict-pkix (trusted chain and the authentication name matches),
// strict-pin (a --pin matches any certificate of the chain), opportunistic-only with every reason
// (self-signed, expired, not-yet-valid, name-mismatch, untrusted, incomplete-chain, weak-key), or
// not-dot (DNS did not answer inside TLS). Uses the findings already in `result`.
model::Verdict verdictFor(const model::ProbeResult& result, const AuditOptions& options);

// The highest severity among the findings, if any.
std::optional<model::Severity> worstSeverity(const std::vector<model::Finding>& findings);

}  // namespace dotscan::audit
