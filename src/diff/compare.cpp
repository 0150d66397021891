#include "dotscan/diff/compare.hpp"

#include <algorithm>

#include "dotscan/model/tls_version.hpp"

namespace dotscan::diff {

namespace {

using model::Severity;

// DoT was there: DNS answered inside TLS, or the handshake completed with --no-dns.
bool isDot(std::string_view outcome) {
  return outcome == "dot" || outcome == "tls-ok";
}

// Outcomes that say something about the scanner, not the server.
bool saysNothing(std::string_view outcome) {
  return outcome == "interrupted" || outcome == "error" || outcome == "internal-error";
}

Severity outcomeSeverity(std::string_view before, std::string_view after) {
  if (saysNothing(after)) return Severity::Low;
  if (after == "cleartext-dns") return Severity::High;  // RFC 7858 section 3.1
  if (isDot(before) && !isDot(after)) return Severity::High;
  if (isDot(after)) return Severity::Info;
  return Severity::Low;
}

std::string verdictText(const TargetState& state) {
  std::string text = state.verdict;
  if (!state.verdict_reasons.empty()) {
    text += ":";
    for (std::size_t i = 0; i < state.verdict_reasons.size(); ++i) {
      text += (i == 0 ? " " : ",") + state.verdict_reasons[i];
    }
  }
  return text;
}

bool addsReason(const TargetState& before, const TargetState& after) {
  return std::any_of(after.verdict_reasons.begin(), after.verdict_reasons.end(),
                     [&before](const std::string& reason) {
                       return std::find(before.verdict_reasons.begin(),
                                        before.verdict_reasons.end(),
                                        reason) == before.verdict_reasons.end();
                     });
}

void compareVerdicts(const TargetState& before, const TargetState& after, bool outcome_changed,
                     std::vector<Change>& changes) {
  if (before.verdict == after.verdict && before.verdict_reasons == after.verdict_reasons) return;
  const int old_rank = verdictRank(before.verdict);
  const int new_rank = verdictRank(after.verdict);
  // A server that went down (or came up) is the outcome change; "strict-pkix -> not-dot" would
  // only say it twice.
  if (outcome_changed && (old_rank <= 0 || new_rank <= 0)) return;
  Severity severity = Severity::Info;
  if (old_rank < 0 || new_rank < 0) {
    severity = Severity::Info;  // a scan without a verdict: nothing to rank
  } else if (new_rank < old_rank) {
    severity = old_rank == 2 ? Severity::High : Severity::Medium;  // lost authentication
  } else if (new_rank == old_rank && addsReason(before, after)) {
    severity = Severity::Low;
  }
  changes.push_back(
      {ChangeKind::Verdict, severity, verdictText(before), verdictText(after), {}, {}});
}

void compareCertificates(const TargetState& before, const TargetState& after,
                         std::vector<Change>& changes) {
  if (!before.leaf_sha256.empty() && !after.leaf_sha256.empty() &&
      before.leaf_sha256 != after.leaf_sha256) {
    CertificateChange cert;
    cert.new_issuer = before.leaf_issuer != after.leaf_issuer;
    cert.same_key = !after.leaf_spki_pin.empty() && before.leaf_spki_pin == after.leaf_spki_pin;
    cert.trusted = after.trusted;
    cert.issuer_before = before.leaf_issuer;
    cert.issuer_after = after.leaf_issuer;
    Severity severity = Severity::Info;
    if (after.trusted != true) {
      severity = Severity::Medium;  // a rotation to a chain that does not verify
    } else if (cert.new_issuer) {
      severity = Severity::Low;
    }
    changes.push_back({ChangeKind::Certificate,
                       severity,
                       before.leaf_sha256,
                       after.leaf_sha256,
                       {},
                       std::move(cert)});
  }
}

void compareProtocol(const TargetState& before, const TargetState& after,
                     std::vector<Change>& changes) {
  if (before.tls_version != after.tls_version) {
    const auto old_version = model::parseTlsVersion(before.tls_version);
    const auto new_version = model::parseTlsVersion(after.tls_version);
    const bool lower = !new_version || (old_version && *new_version < *old_version);
    changes.push_back({ChangeKind::TlsVersion,
                       lower ? Severity::Medium : Severity::Info,
                       before.tls_version,
                       after.tls_version,
                       {},
                       {}});
  }
  if (before.alpn != after.alpn) {
    changes.push_back({ChangeKind::Alpn, Severity::Info, before.alpn, after.alpn, {}, {}});
  }
}

// Both lists are sorted by id, one entry per id (target_state.hpp). Only findings that count
// are in them: a suppressed one that appears or goes is no change, and one that counts again (its
// rule expired or was removed) is added.
void compareFindings(const TargetState& before, const TargetState& after,
                     std::vector<Change>& changes) {
  // A finding is "fixed" only where it could still be seen: with a TLS session on the new side,
  // or when it needs none (both sides without one: dot-missing, cleartext-dns).
  const bool can_fix = after.session || !before.session;
  auto old_it = before.findings.begin();
  auto new_it = after.findings.begin();
  while (old_it != before.findings.end() || new_it != after.findings.end()) {
    if (new_it == after.findings.end() ||
        (old_it != before.findings.end() && old_it->id < new_it->id)) {
      if (std::binary_search(after.suppressed.begin(), after.suppressed.end(), old_it->id)) {
        // Still there, accepted by the policy: it stopped counting, it was not fixed.
        changes.push_back({ChangeKind::FindingSuppressed,
                           Severity::Info,
                           std::string(model::toString(old_it->severity)),
                           "suppressed",
                           old_it->id,
                           {}});
      } else if (can_fix) {
        changes.push_back({ChangeKind::FindingFixed,
                           Severity::Info,
                           std::string(model::toString(old_it->severity)),
                           {},
                           old_it->id,
                           {}});
      }
      ++old_it;
    } else if (old_it == before.findings.end() || new_it->id < old_it->id) {
      changes.push_back({ChangeKind::FindingAdded,
                         new_it->severity,
                         {},
                         std::string(model::toString(new_it->severity)),
                         new_it->id,
                         {}});
      ++new_it;
    } else {
      if (old_it->severity != new_it->severity) {
        changes.push_back({ChangeKind::FindingSeverity,
                           new_it->severity > old_it->severity ? new_it->severity : Severity::Info,
                           std::string(model::toString(old_it->severity)),
                           std::string(model::toString(new_it->severity)),
                           new_it->id,
                           {}});
      }
      ++old_it;
      ++new_it;
    }
  }
}

}  // namespace

std::string_view toString(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::Appeared:
      return "appeared";
    case ChangeKind::Disappeared:
      return "disappeared";
    case ChangeKind::Outcome:
      return "outcome";
    case ChangeKind::Certificate:
      return "certificate";
    case ChangeKind::Verdict:
      return "verdict";
    case ChangeKind::FindingAdded:
      return "finding-added";
    case ChangeKind::FindingFixed:
      return "finding-fixed";
    case ChangeKind::FindingSeverity:
      return "finding-severity";
    case ChangeKind::FindingSuppressed:
      return "finding-suppressed";
    case ChangeKind::TlsVersion:
      return "tls-version";
    case ChangeKind::Alpn:
      return "alpn";
  }
  return "outcome";
}

int verdictRank(std::string_view profile) {
  if (profile == "strict-pkix" || profile == "strict-pin") return 2;
  if (profile == "opportunistic-only") return 1;
  if (profile == "not-dot") return 0;
  return -1;
}

std::vector<Change> compareTargets(const TargetState* before, const TargetState* after) {
  std::vector<Change> changes;
  if (before == nullptr && after == nullptr) return changes;
  if (before == nullptr) {
    changes.push_back({ChangeKind::Appeared, Severity::Info, {}, after->outcome, {}, {}});
    return changes;
  }
  if (after == nullptr) {
    // A DoT server that is no longer in the scan at all.
    changes.push_back({ChangeKind::Disappeared,
                       isDot(before->outcome) ? Severity::High : Severity::Info,
                       before->outcome,
                       {},
                       {},
                       {}});
    return changes;
  }
  const bool outcome_changed = before->outcome != after->outcome;
  if (outcome_changed) {
    changes.push_back({ChangeKind::Outcome,
                       outcomeSeverity(before->outcome, after->outcome),
                       before->outcome,
                       after->outcome,
                       {},
                       {}});
  }
  const bool sessions = before->session && after->session;
  if (sessions) compareCertificates(*before, *after, changes);
  compareVerdicts(*before, *after, outcome_changed, changes);
  compareFindings(*before, *after, changes);
  if (sessions) compareProtocol(*before, *after, changes);
  return changes;
}

}  // namespace dotscan::diff
