// dotscan/audit/findings.hpp — judging what a probe recorded: findings with stable ids.
//
// Pure functions over a model::ProbeResult: no I/O, no OpenSSL, so every rule is unit-tested on
// hand-built results. Issue 5 (in progress): the certificate and session findings are here; the
// authentication-name check, pins, verdicts, the policy file and --fail-on come next.
//
// Finding ids (stable): cert-expired, cert-expires-soon, cert-not-yet-valid, weak-key,
// weak-signature, self-signed-leaf, no-server-auth-eku, no-san, address-not-in-san,
// chain-untrusted, tls-below-1.2, alpn-not-dot.
#pragma once

#include <vector>

#include "dotscan/model/finding.hpp"
#include "dotscan/model/result.hpp"

namespace dotscan::audit {

struct AuditOptions {
  int warn_days = 30;  // a leaf expiring within this many days is a medium finding
  int crit_days = 7;   // ... within this many, a high one
};

// Every finding for one result; none for a result without a completed handshake.
std::vector<model::Finding> findingsFor(const model::ProbeResult& result,
                                        const AuditOptions& options);

}  // namespace dotscan::audit
