#include "dotscan/audit/findings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "dotscan/util/text.hpp"

namespace dotscan::audit {

using model::Finding;
using model::Severity;

namespace {

constexpr std::array<std::string_view, 26> kFindingIds{
    "cert-expired",        "cert-expires-soon", "cert-not-yet-valid", "weak-key",
    "weak-signature",      "self-signed-leaf",  "no-server-auth-eku", "no-san",
    "address-not-in-san",  "name-mismatch",     "chain-untrusted",    "tls-below-1.2",
    "alpn-not-dot",        "cleartext-dns",     "pin-mismatch",       "dot-missing",
    "policy-min-tls",      "policy-min-days",   "policy-issuer",      "no-pipelining",
    "keepalive-broken",    "no-padding",        "no-resumption",      "sni-dependent-cert",
    "legacy-tls-accepted", "ddr-unverified"};

// The finding a failed conformance check raises (--checks, docs/conformance.md), and how severe:
// a server that does not pad answers to padded queries leaks what they say by their size (RFC
// 7830 section 3 makes padding them a MUST); one that accepts TLS below 1.2 lets a downgrade
// happen (RFC 8996); the rest cost clients speed or convenience, not privacy.
struct CheckFinding {
  std::string_view check;
  std::string_view id;
  Severity severity;
};
constexpr std::array<CheckFinding, 7> kCheckFindings{{
    {"pipelining", "no-pipelining", Severity::Low},
    {"keepalive", "keepalive-broken", Severity::Low},
    {"padding", "no-padding", Severity::Medium},
    {"resumption", "no-resumption", Severity::Info},
    {"sni", "sni-dependent-cert", Severity::Info},
    {"versions", "legacy-tls-accepted", Severity::Medium},
    {"ddr", "ddr-unverified", Severity::Low},
}};

// Findings are made here with no policy rule yet (applyRules adds it).
Finding finding(std::string id, Severity severity, std::string message,
                std::optional<int> certificate) {
  return {std::move(id), severity, std::move(message), certificate, std::nullopt};
}

bool contains(const std::vector<std::string>& values, const std::string& wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

// The weakest size still acceptable per key type (BSI TR-02102 and NIST SP 800-57 agree on these).
std::optional<int> minimumBits(const std::string& key_type) {
  if (key_type == "RSA" || key_type == "DSA") return 2048;
  if (key_type == "EC") return 256;
  return std::nullopt;
}

bool weakSignature(const std::string& algorithm) {
  const std::string lower = asciiLower(algorithm);
  return lower.find("sha1") != std::string::npos || lower.find("md5") != std::string::npos ||
         lower.find("md2") != std::string::npos;
}

// The address as the SAN lists print it: IPv4 dotted, IPv6 canonical (compared as parsed bytes).
// An IPv6 SAN never matches an IPv4 address, not even ::ffff:192.0.2.1 (X509_check_ip agrees).
bool addressInSan(const Address& address, const std::vector<std::string>& ips) {
  return std::any_of(ips.begin(), ips.end(), [&](const std::string& text) {
    const bool v6_text = text.find(':') != std::string::npos;
    const auto parsed = Address::parse(text);
    return parsed && v6_text != address.isV4() && *parsed == address;
  });
}

void certificateFindings(const model::CertificateInfo& cert, int index, bool leaf,
                         const AuditOptions& options, std::vector<Finding>& out) {
  const auto add = [&](const char* id, Severity severity, std::string message) {
    out.push_back(finding(id, severity, std::move(message), index));
  };
  const std::string which = leaf ? "the leaf" : "certificate " + std::to_string(index);
  if (cert.days_left) {
    const std::int64_t days = *cert.days_left;
    if (days < 0) {
      add("cert-expired", Severity::Critical,
          which + " expired " + std::to_string(-days) + " days ago (" + cert.not_after + ")");
    } else if (days <= options.crit_days) {
      add("cert-expires-soon", Severity::High,
          which + " expires in " + std::to_string(days) + " days (" + cert.not_after + ")");
    } else if (days <= options.warn_days) {
      add("cert-expires-soon", Severity::Medium,
          which + " expires in " + std::to_string(days) + " days (" + cert.not_after + ")");
    }
  }
  if (const auto minimum = minimumBits(cert.key_type);
      minimum && cert.key_bits > 0 && cert.key_bits < *minimum) {
    add("weak-key", Severity::High,
        which + " has a " + std::to_string(cert.key_bits) + "-bit " + cert.key_type +
            " key (under " + std::to_string(*minimum) + ")");
  }
  // A self-signed root's own signature does not matter: nobody verifies it.
  if (weakSignature(cert.signature_algorithm) && !(cert.self_signed && !leaf)) {
    add("weak-signature", Severity::Medium, which + " is signed with " + cert.signature_algorithm);
  }
}

bool confirmedDot(const model::ProbeResult& result) {
  return result.outcome == model::Outcome::Dot || result.outcome == model::Outcome::TlsOk;
}

// Outcomes that say nothing about the server: the scan stopped, or failed locally.
bool judgeable(const model::ProbeResult& result) {
  return result.outcome != model::Outcome::Interrupted && result.outcome != model::Outcome::Error &&
         result.outcome != model::Outcome::InternalError;
}

// --pin, then the target's own pins (pin file, policy), without repeats.
std::vector<std::string> pinSet(const AuditOptions& options, const Expectations& expectations) {
  std::vector<std::string> pins = options.pins;
  for (const std::string& pin : expectations.pins) {
    if (!contains(pins, pin)) pins.push_back(pin);
  }
  return pins;
}

std::optional<int> pinMatch(const model::ProbeResult& result,
                            const std::vector<std::string>& pins) {
  for (std::size_t i = 0; i < result.certificates.size(); ++i) {
    if (contains(pins, result.certificates[i].spki_pin_sha256)) return static_cast<int>(i);
  }
  return std::nullopt;
}

// Whether the negotiated `version` (OpenSSL's name) is below `minimum`: SSLv3 and older are, a
// name not known is not judged.
bool below(const std::string& version, model::TlsVersion minimum) {
  if (const auto parsed = model::parseTlsVersion(version)) return *parsed < minimum;
  return version.starts_with("SSL");
}

// What the policy (or the pin file) asked for and did not get.
void expectationFindings(const model::ProbeResult& result, const AuditOptions& options,
                         const Expectations& expect, std::vector<Finding>& out) {
  const std::string policy =
      expect.group.empty() ? std::string("the policy") : "policy group '" + expect.group + "'";
  const model::TlsSession& tls = *result.tls;
  if (const auto pins = pinSet(options, expect); !pins.empty() && !pinMatch(result, pins)) {
    // The policy's severity when the target's own pins (policy, pin file) are expected.
    out.push_back(finding("pin-mismatch", expect.pins.empty() ? Severity::High : expect.severity,
                          "no certificate of the chain matches any of the " +
                              std::to_string(pins.size()) + " expected SPKI pins",
                          std::nullopt));
  }
  if (expect.min_tls) {
    if (below(tls.version, *expect.min_tls)) {
      out.push_back(finding("policy-min-tls", expect.severity,
                            tls.version + " was negotiated; " + policy + " wants at least " +
                                std::string(model::toString(*expect.min_tls)),
                            std::nullopt));
    }
  }
  if (result.certificates.empty()) return;
  const model::CertificateInfo& leaf = result.certificates.front();
  if (expect.min_days && leaf.days_left && *leaf.days_left >= 0 &&
      *leaf.days_left < *expect.min_days) {
    out.push_back(finding("policy-min-days", expect.severity,
                          "the leaf expires in " + std::to_string(*leaf.days_left) + " days (" +
                              leaf.not_after + "); " + policy + " wants at least " +
                              std::to_string(*expect.min_days),
                          0));
  }
  if (!expect.issuers.empty() && !issuerAllowed(leaf.issuer, expect.issuers)) {
    out.push_back(
        finding("policy-issuer", expect.severity,
                "the leaf's issuer " + leaf.issuer + " is not one that " + policy + " allows", 0));
  }
}

}  // namespace

std::vector<Finding> findingsFor(const model::ProbeResult& result, const AuditOptions& options,
                                 const Expectations& expectations) {
  std::vector<Finding> out;
  if (expectations.require_dot && expectations.listed && !confirmedDot(result) &&
      judgeable(result)) {
    out.push_back(finding(
        "dot-missing", expectations.severity,
        "DoT is required of this target (" +
            std::string(expectations.group.empty() ? "--require-dot or the policy"
                                                   : "policy group '" + expectations.group + "'") +
            "); the outcome is " + std::string(model::toString(result.outcome)) +
            (result.reason.empty() ? "" : " (" + result.reason + ")"),
        std::nullopt));
  }
  if (result.outcome == model::Outcome::CleartextDns) {
    // RFC 7858 section 3.1: port 853 is for DNS over TLS; a server answering there in cleartext
    // hands its clients' queries and answers to anyone on the path, who can read and change them.
    out.push_back(finding("cleartext-dns", Severity::High,
                          "DNS answered without TLS on port " + std::to_string(result.port) +
                              ", the DoT port: queries and answers travel in the clear",
                          std::nullopt));
  }
  for (const model::ConformanceCheck& check : result.checks) {
    if (check.status != model::CheckStatus::Fail) continue;
    for (const CheckFinding& rule : kCheckFindings) {
      if (rule.check == check.name) {
        out.push_back(finding(std::string(rule.id), rule.severity,
                              std::string(rule.check) + " check: " + check.summary, std::nullopt));
      }
    }
  }
  if (!result.tls) return out;
  const model::TlsSession& tls = *result.tls;

  for (std::size_t i = 0; i < result.certificates.size(); ++i) {
    certificateFindings(result.certificates[i], static_cast<int>(i), i == 0, options, out);
  }
  if (!result.certificates.empty()) {
    const model::CertificateInfo& leaf = result.certificates.front();
    // not-yet-valid shows only in verification: days_left counts to notAfter.
    constexpr int kNotYetValid = 9;  // X509_V_ERR_CERT_NOT_YET_VALID
    for (const model::VerifyError& error : tls.verification.errors) {
      const auto depth = static_cast<std::size_t>(error.depth);
      if (error.code != kNotYetValid || error.depth < 0 || depth >= result.certificates.size()) {
        continue;
      }
      out.push_back(finding("cert-not-yet-valid", Severity::High,
                            "certificate " + std::to_string(error.depth) + " is not valid before " +
                                result.certificates[depth].not_before,
                            error.depth));
    }
    if (leaf.self_signed) {
      out.push_back(
          finding("self-signed-leaf", Severity::Medium, "the leaf certificate is self-signed", 0));
    }
    // A list without serverAuth makes TLS clients refuse the certificate. No extension at all is
    // allowed by RFC 5280 section 4.2.1.12 but not by the CA/Browser Forum baseline: low.
    if (!leaf.extended_key_usage.empty() && !contains(leaf.extended_key_usage, "serverAuth")) {
      out.push_back(finding("no-server-auth-eku", Severity::Medium,
                            "the leaf's extended key usage does not include serverAuth", 0));
    } else if (leaf.extended_key_usage.empty()) {
      out.push_back(finding("no-server-auth-eku", Severity::Low,
                            "the leaf has no extended key usage extension (so no serverAuth)", 0));
    }
    if (tls.name_matches == false && !tls.auth_name.empty()) {
      out.push_back(finding("name-mismatch", Severity::High,
                            "the leaf is not valid for the authentication name " + tls.auth_name,
                            0));
    }
    if (leaf.san.dns.empty() && leaf.san.ip.empty()) {
      out.push_back(
          finding("no-san", Severity::Medium,
                  "the leaf has no DNS or IP subjectAltName; clients that follow RFC 6125 "
                  "ignore its CN",
                  0));
    } else if (tls.auth_name.empty() && !addressInSan(result.address, leaf.san.ip)) {
      // Only a target judged by its address: one with an authentication name (its own or
      // --auth-name) is judged by that name (name-mismatch).
      out.push_back(finding(
          "address-not-in-san", Severity::Medium,
          "the address " + result.address.toString() + " is not in the leaf's IP subjectAltNames",
          0));
    }
  }
  if (!tls.verification.trusted) {
    out.push_back(finding("chain-untrusted", Severity::High,
                          "the chain does not verify against " + tls.verification.trust_store +
                              ": " + tls.verification.reason,
                          std::nullopt));
  }
  if (below(tls.version, model::TlsVersion::Tls12)) {
    out.push_back(
        finding("tls-below-1.2", Severity::High, tls.version + " was negotiated", std::nullopt));
  }
  if (tls.alpn != "dot") {
    out.push_back(finding("alpn-not-dot", Severity::Info,
                          tls.alpn ? "the server selected ALPN " + *tls.alpn + ", not dot"
                                   : std::string("the server selected no ALPN protocol"),
                          std::nullopt));
  }
  expectationFindings(result, options, expectations, out);
  return out;
}

std::span<const std::string_view> findingIds() {
  return kFindingIds;
}

bool isFindingId(std::string_view id) {
  return std::find(kFindingIds.begin(), kFindingIds.end(), id) != kFindingIds.end();
}

std::optional<Severity> worstSeverity(const std::vector<Finding>& findings) {
  std::optional<Severity> worst;
  for (const Finding& finding : findings) {
    if (!finding.counts()) continue;
    if (!worst || finding.severity > *worst) worst = finding.severity;
  }
  return worst;
}

model::Verdict verdictFor(const model::ProbeResult& result, const AuditOptions& options,
                          const Expectations& expectations) {
  model::Verdict verdict;
  verdict.policy_group = expectations.group;
  if (!confirmedDot(result) || !result.tls) {
    verdict.profile = "not-dot";
    return verdict;
  }
  verdict.pin_match = pinMatch(result, pinSet(options, expectations));
  const auto has = [&](const char* id) {
    return std::any_of(result.findings.begin(), result.findings.end(),
                       [&](const Finding& finding) { return finding.id == id; });
  };
  const auto reason = [&](const char* name, bool present) {
    if (present) verdict.reasons.emplace_back(name);
  };
  const model::Verification& verification = result.tls->verification;
  const auto verifyError = [&](int code) {
    return std::any_of(verification.errors.begin(), verification.errors.end(),
                       [&](const model::VerifyError& error) { return error.code == code; });
  };
  // X509_V_ERR_* codes: 18/19 self-signed (in chain), 20 unable to get local issuer, 10 expired.
  reason("self-signed", has("self-signed-leaf") || verifyError(18) || verifyError(19));
  reason("expired", has("cert-expired"));
  reason("not-yet-valid", has("cert-not-yet-valid"));
  reason("name-mismatch", result.tls->name_matches == false);
  reason("untrusted", !verification.trusted);
  reason("incomplete-chain", verifyError(20) && result.tls->chain_length <= 1);
  reason("weak-key", has("weak-key"));
  if (verdict.pin_match) {
    verdict.profile = "strict-pin";
  } else if (verification.trusted && result.tls->name_matches == true && !has("weak-key")) {
    // A weak key is not strict (issue 5 lists it among the opportunistic-only reasons): an RSA key
    // under 2048 bits is refused by clients at OpenSSL's default security level.
    verdict.profile = "strict-pkix";
  } else {
    verdict.profile = "opportunistic-only";
  }
  return verdict;
}

void applyRules(std::vector<Finding>& findings, const Expectations& expectations,
                std::string_view today) {
  if (expectations.rules.empty()) return;
  for (Finding& finding : findings) {
    const auto rule = std::find_if(expectations.rules.begin(), expectations.rules.end(),
                                   [&](const auto& entry) { return entry.first == finding.id; });
    if (rule == expectations.rules.end()) continue;
    const FindingRule& what = rule->second;
    model::FindingOverride record;
    record.group = what.group;
    record.reason = what.reason;
    record.until = what.until;
    // "YYYY-MM-DD" compares as text; the rule holds through its last day.
    record.expired = !what.until.empty() && !today.empty() && what.until < today;
    if (!record.expired) {
      if (what.severity) {
        record.was = finding.severity;
        finding.severity = *what.severity;
      } else {
        record.suppressed = true;
      }
    }
    finding.policy = std::move(record);
  }
}

void judge(model::ProbeResult& result, const AuditOptions& options, const Policy& policy,
           bool listed) {
  Expectations expectations =
      policy.empty() ? Expectations{} : policy.expectationsFor(result.address, result.name);
  expectations.require_dot = expectations.require_dot || options.require_dot;
  expectations.listed = listed;
  result.findings = findingsFor(result, options, expectations);
  applyRules(result.findings, expectations, options.today);
  result.verdict = verdictFor(result, options, expectations);
}

}  // namespace dotscan::audit
