// The audit's findings, each provoked by a fixture certificate of the test CA
// (scripts/make-test-ca.sh), described by the tls module exactly as a scan describes it.
#include "dotscan/audit/findings.hpp"

#include <openssl/pem.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "dotscan/tls/certificate.hpp"
#include "dotscan/tls/openssl_ptr.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::audit {
namespace {

using model::Severity;

// 2026-11-23T00:00:00Z, as in the tls tests.
constexpr std::time_t kNow = 1795392000;

model::CertificateInfo describe(const std::string& name) {
  const char* dir = std::getenv("DOTSCAN_TEST_CA");
  const std::string path = std::string(dir != nullptr ? dir : "") + "/" + name + ".crt";
  const tls::BioPtr bio(BIO_new_file(path.c_str(), "r"));
  tls::X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!certificate) {
    ADD_FAILURE() << "cannot load " << path;
    return {};
  }
  return tls::describeCertificate(*certificate, kNow, false);
}

// A completed, trusted TLS 1.3 session with ALPN dot, whose chain is `leaf` + the intermediate.
model::ProbeResult session(const std::string& leaf, const std::string& name = "dot.test") {
  model::ProbeResult result;
  result.address = *Address::parse("127.0.0.1");
  result.port = 853;
  result.name = name;
  model::TlsSession tls;
  tls.version = "TLSv1.3";
  tls.alpn = "dot";
  tls.auth_name = name;
  tls.verification.trusted = true;
  tls.verification.reason = "ok";
  tls.verification.trust_store = "ca.crt";
  result.tls = tls;
  result.certificates = {describe(leaf), describe("intermediate")};
  return result;
}

std::set<std::string> ids(const model::ProbeResult& result, const AuditOptions& options = {}) {
  std::set<std::string> found;
  for (const model::Finding& finding : findingsFor(result, options)) found.insert(finding.id);
  return found;
}

const model::Finding* find(const std::vector<model::Finding>& findings, const std::string& id) {
  for (const model::Finding& finding : findings) {
    if (finding.id == id) return &finding;
  }
  return nullptr;
}

TEST(Findings, CleanServerHasNone) {
  EXPECT_EQ(ids(session("ecdsa")), std::set<std::string>{});
  EXPECT_EQ(ids(session("rsa")), std::set<std::string>{});
}

TEST(Findings, NothingWithoutAHandshake) {
  model::ProbeResult result;
  result.outcome = model::Outcome::Filtered;
  EXPECT_TRUE(findingsFor(result, {}).empty());
}

TEST(Findings, Expired) {
  const auto findings = findingsFor(session("expired"), {});
  const model::Finding* expired = find(findings, "cert-expired");
  ASSERT_NE(expired, nullptr);
  EXPECT_EQ(expired->severity, Severity::Critical);
  EXPECT_EQ(expired->certificate, 0);
}

TEST(Findings, ExpiresSoonByThresholds) {
  // The leaves are valid to 2049-12-31: 8438 days from kNow. Thresholds make that "soon".
  const model::ProbeResult result = session("ecdsa");
  const auto medium = findingsFor(result, {9000, 7, {}, false, {}});
  ASSERT_NE(find(medium, "cert-expires-soon"), nullptr);
  EXPECT_EQ(find(medium, "cert-expires-soon")->severity, Severity::Medium);
  const auto high = findingsFor(result, {9000, 8500, {}, false, {}});
  EXPECT_EQ(find(high, "cert-expires-soon")->severity, Severity::High);
  EXPECT_EQ(find(findingsFor(result, {30, 7, {}, false, {}}), "cert-expires-soon"), nullptr);
}

TEST(Findings, NotYetValidFromVerification) {
  model::ProbeResult result = session("notyet");
  result.tls->verification.trusted = false;
  result.tls->verification.errors = {{0, 9, "certificate is not yet valid"}};
  const auto found = ids(result);
  EXPECT_TRUE(found.count("cert-not-yet-valid"));
  EXPECT_TRUE(found.count("chain-untrusted"));
}

TEST(Findings, WeakKeyAndSha1Signature) {
  EXPECT_TRUE(ids(session("weak")).count("weak-key"));
  EXPECT_TRUE(ids(session("sha1")).count("weak-signature"));
  EXPECT_FALSE(ids(session("ecdsa")).count("weak-signature"));
}

TEST(Findings, SelfSignedLeaf) {
  model::ProbeResult result = session("selfsigned");
  result.certificates.resize(1);
  EXPECT_TRUE(ids(result).count("self-signed-leaf"));
}

TEST(Findings, NoServerAuthEku) {
  const auto absent = findingsFor(session("noeku"), {});
  ASSERT_NE(find(absent, "no-server-auth-eku"), nullptr);
  EXPECT_EQ(find(absent, "no-server-auth-eku")->severity, Severity::Low);
  model::ProbeResult client_only = session("ecdsa");
  client_only.certificates[0].extended_key_usage = {"clientAuth"};
  EXPECT_EQ(find(findingsFor(client_only, {}), "no-server-auth-eku")->severity, Severity::Medium);
}

TEST(Findings, NoSanOnlyCn) {
  EXPECT_TRUE(ids(session("nosan")).count("no-san"));
}

TEST(Findings, AddressNotInSanComparedAsBytes) {
  // An address target (no name): 127.0.0.1 and ::1 are in the fixtures' SANs.
  EXPECT_FALSE(ids(session("ecdsa", "")).count("address-not-in-san"));
  model::ProbeResult v6 = session("ecdsa", "");
  v6.address = *Address::parse("0:0:0:0:0:0:0:1");  // another spelling of ::1
  EXPECT_FALSE(ids(v6).count("address-not-in-san"));
  model::ProbeResult other = session("ecdsa", "");
  other.address = *Address::parse("127.0.0.2");
  EXPECT_TRUE(ids(other).count("address-not-in-san"));
  // A target with an authentication name (its own or --auth-name) is judged by that name.
  other.tls->auth_name = "dot.test";
  EXPECT_FALSE(ids(other).count("address-not-in-san"));
  // An IPv4-mapped IPv6 SAN is 16 bytes: X509_check_ip does not match it to an IPv4 address.
  model::ProbeResult mapped = session("ecdsa", "");
  mapped.certificates[0].san.ip = {"::ffff:127.0.0.1"};
  EXPECT_TRUE(ids(mapped).count("address-not-in-san"));
}

TEST(Findings, SessionFindings) {
  model::ProbeResult result = session("ecdsa");
  result.tls->version = "TLSv1.1";
  result.tls->alpn.reset();
  result.tls->verification.trusted = false;
  result.tls->verification.reason = "unable to get local issuer certificate";
  const auto findings = findingsFor(result, {});
  EXPECT_EQ(find(findings, "tls-below-1.2")->severity, Severity::High);
  EXPECT_EQ(find(findings, "alpn-not-dot")->severity, Severity::Info);
  EXPECT_EQ(find(findings, "chain-untrusted")->message,
            "the chain does not verify against ca.crt: unable to get local issuer certificate");
  // SSLv3 is below 1.2 as well; a version name OpenSSL did not know is not judged.
  result.tls->version = "SSLv3";
  EXPECT_NE(find(findingsFor(result, {}), "tls-below-1.2"), nullptr);
  result.tls->version = "unknown";
  EXPECT_EQ(find(findingsFor(result, {}), "tls-below-1.2"), nullptr);
}

TEST(Severity, NamesRoundTrip) {
  for (const Severity severity :
       {Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical}) {
    EXPECT_EQ(model::severityFromString(model::toString(severity)), severity);
  }
  EXPECT_FALSE(model::severityFromString("severe"));
}

// --- verdicts (RFC 8310) ---------------------------------------------------------------------

model::Verdict judged(model::ProbeResult result, const AuditOptions& options = {}) {
  result.outcome = model::Outcome::Dot;
  result.findings = findingsFor(result, options);
  return verdictFor(result, options);
}

TEST(Verdict, TrustedAndNameMatchIsStrictPkix) {
  model::ProbeResult result = session("ecdsa");
  result.tls->auth_name = "dot.test";
  result.tls->name_matches = true;
  const model::Verdict verdict = judged(result);
  EXPECT_EQ(verdict.profile, "strict-pkix");
  EXPECT_TRUE(verdict.reasons.empty());
}

TEST(Verdict, NameMismatchIsOpportunisticWithItsReasonAndFinding) {
  model::ProbeResult result = session("wrongname");
  result.tls->auth_name = "dot.test";
  result.tls->name_matches = false;
  const model::Verdict verdict = judged(result);
  EXPECT_EQ(verdict.profile, "opportunistic-only");
  EXPECT_EQ(verdict.reasons, std::vector<std::string>{"name-mismatch"});
  EXPECT_TRUE(ids(result).count("name-mismatch"));
}

TEST(Verdict, SelfSignedExpiredUntrustedWeakAllListed) {
  model::ProbeResult result = session("selfsigned");
  result.certificates.resize(1);
  result.tls->name_matches = true;
  result.tls->verification.trusted = false;
  result.tls->verification.errors = {{0, 18, "self-signed certificate"}};
  EXPECT_EQ(judged(result).reasons, (std::vector<std::string>{"self-signed", "untrusted"}));
  model::ProbeResult old = session("expired");
  old.tls->name_matches = true;
  old.tls->verification.trusted = false;
  old.tls->verification.errors = {{0, 10, "certificate has expired"}};
  EXPECT_EQ(judged(old).reasons, (std::vector<std::string>{"expired", "untrusted"}));
  model::ProbeResult weak = session("weak");
  weak.tls->name_matches = true;
  EXPECT_EQ(judged(weak).reasons, std::vector<std::string>{"weak-key"});
  EXPECT_EQ(judged(weak).profile, "opportunistic-only");  // trusted, the name matches: still not
}

TEST(Verdict, IncompleteChainIsNamed) {
  model::ProbeResult result = session("ecdsa");
  result.certificates.resize(1);
  result.tls->chain_length = 1;
  result.tls->name_matches = true;
  result.tls->verification.trusted = false;
  result.tls->verification.errors = {{0, 20, "unable to get local issuer certificate"}};
  EXPECT_EQ(judged(result).reasons, (std::vector<std::string>{"untrusted", "incomplete-chain"}));
}

TEST(Verdict, PinOnAnyCertificateOfTheChain) {
  model::ProbeResult result = session("selfsigned");
  result.tls->verification.trusted = false;
  AuditOptions options;
  options.pins = {"not-this-one", result.certificates[1].spki_pin_sha256};  // the intermediate
  const model::Verdict verdict = judged(result, options);
  EXPECT_EQ(verdict.profile, "strict-pin");
  EXPECT_EQ(verdict.pin_match, 1);
  options.pins = {"not-this-one"};
  EXPECT_EQ(judged(result, options).profile, "opportunistic-only");
}

TEST(Verdict, NoDnsAnswerIsNotDot) {
  model::ProbeResult result = session("ecdsa");
  result.outcome = model::Outcome::DnsTimeout;
  EXPECT_EQ(verdictFor(result, {}).profile, "not-dot");
  model::ProbeResult filtered;
  filtered.outcome = model::Outcome::Filtered;
  EXPECT_EQ(verdictFor(filtered, {}).profile, "not-dot");
}

// What the policy or the pin file expects (policy.hpp), judged on the same fixtures.

TEST(Expectations, MetExpectationsAddNothing) {
  model::ProbeResult result = session("ecdsa");
  result.outcome = model::Outcome::Dot;
  Expectations expect;
  expect.group = "resolvers";
  expect.pins = {result.certificates[0].spki_pin_sha256};
  expect.min_tls = model::TlsVersion::Tls13;
  expect.min_days = 30;
  expect.issuers = {"cn=dotscan test intermediate CA, o=dotscan test"};
  expect.require_dot = true;
  EXPECT_EQ(findingsFor(result, {}, expect).size(), 0U);
  const model::Verdict verdict = verdictFor(result, {}, expect);
  EXPECT_EQ(verdict.profile, "strict-pin");
  EXPECT_EQ(verdict.pin_match, 0);
  EXPECT_EQ(verdict.policy_group, "resolvers");
}

TEST(Expectations, PinMismatchFromAnySource) {
  model::ProbeResult result = session("ecdsa");
  result.outcome = model::Outcome::Dot;
  const std::string other = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  Expectations expect;
  expect.pins = {other};
  const auto findings = findingsFor(result, {}, expect);
  ASSERT_NE(find(findings, "pin-mismatch"), nullptr);
  EXPECT_EQ(find(findings, "pin-mismatch")->severity, Severity::High);
  AuditOptions options;
  options.pins = {other};
  EXPECT_NE(find(findingsFor(result, options), "pin-mismatch"), nullptr);
  // One pin of the set on the intermediate satisfies the whole set, from either source.
  expect.pins = {other, result.certificates[1].spki_pin_sha256};
  EXPECT_EQ(find(findingsFor(result, options, expect), "pin-mismatch"), nullptr);
  EXPECT_EQ(verdictFor(result, options, expect).pin_match, 1);
  // The target's own pins carry the policy's severity; --pin alone is high.
  expect.pins = {other};
  expect.severity = Severity::Critical;
  EXPECT_EQ(find(findingsFor(result, options, expect), "pin-mismatch")->severity,
            Severity::Critical);
  // No pins expected: no pin finding.
  EXPECT_EQ(find(findingsFor(result, {}), "pin-mismatch"), nullptr);
}

TEST(Expectations, MinimumTlsVersion) {
  model::ProbeResult result = session("ecdsa");
  Expectations expect;
  expect.min_tls = model::TlsVersion::Tls13;
  expect.severity = Severity::Critical;
  result.tls->version = "TLSv1.2";
  const auto findings = findingsFor(result, {}, expect);
  ASSERT_NE(find(findings, "policy-min-tls"), nullptr);
  EXPECT_EQ(find(findings, "policy-min-tls")->severity, Severity::Critical);
  EXPECT_NE(find(findings, "policy-min-tls")->message.find("at least TLSv1.3"), std::string::npos);
  expect.min_tls = model::TlsVersion::Tls12;
  EXPECT_EQ(find(findingsFor(result, {}, expect), "policy-min-tls"), nullptr);
  result.tls->version = "SSLv3";
  EXPECT_NE(find(findingsFor(result, {}, expect), "policy-min-tls"), nullptr);
}

TEST(Expectations, MinimumDaysLeft) {
  // The leaf has 8438 days left at kNow.
  model::ProbeResult result = session("ecdsa");
  Expectations expect;
  expect.min_days = 9000;
  const auto findings = findingsFor(result, {}, expect);
  ASSERT_NE(find(findings, "policy-min-days"), nullptr);
  EXPECT_EQ(find(findings, "policy-min-days")->certificate, 0);
  expect.min_days = 8438;
  EXPECT_EQ(find(findingsFor(result, {}, expect), "policy-min-days"), nullptr);
  // An expired leaf is cert-expired (critical), not also short of days.
  expect.min_days = 9000;
  const auto expired = ids(session("expired"), {});
  EXPECT_TRUE(expired.count("cert-expired"));
  EXPECT_EQ(find(findingsFor(session("expired"), {}, expect), "policy-min-days"), nullptr);
}

TEST(Expectations, AllowedIssuers) {
  const model::ProbeResult result = session("ecdsa");
  Expectations expect;
  expect.issuers = {"CN=Some Public CA,O=Elsewhere"};
  const auto findings = findingsFor(result, {}, expect);
  ASSERT_NE(find(findings, "policy-issuer"), nullptr);
  EXPECT_NE(find(findings, "policy-issuer")->message.find("CN=dotscan test intermediate CA"),
            std::string::npos);
  expect.issuers.emplace_back("CN=dotscan test intermediate CA,O=dotscan test");
  EXPECT_EQ(find(findingsFor(result, {}, expect), "policy-issuer"), nullptr);
}

// judge(): the scan's one call per result, with the expectations of the policy's group.
TEST(Judge, FindingsThenVerdictFromThePolicy) {
  Policy policy;
  policy.loadJson(R"({"dotscan_policy": 1, "groups": [{"name": "core", "targets": ["192.0.2.1"],
                      "require_dot": true}]})",
                  "test.json");
  model::ProbeResult closed;
  closed.address = *Address::parse("192.0.2.1");
  closed.outcome = model::Outcome::Closed;
  judge(closed, {}, policy);
  ASSERT_EQ(closed.findings.size(), 1U);
  EXPECT_EQ(closed.findings[0].id, "dot-missing");
  ASSERT_TRUE(closed.verdict);
  EXPECT_EQ(closed.verdict->profile, "not-dot");
  EXPECT_EQ(closed.verdict->policy_group, "core");
  // Outside the group, and with no policy at all: the same as findingsFor and verdictFor.
  model::ProbeResult result = session("expired");
  result.outcome = model::Outcome::Dot;
  model::ProbeResult expected = result;
  expected.findings = findingsFor(expected, {});
  judge(result, {}, Policy{});
  EXPECT_EQ(result.findings.size(), expected.findings.size());
  EXPECT_EQ(result.verdict->profile, verdictFor(expected, {}).profile);
  EXPECT_EQ(result.verdict->reasons, verdictFor(expected, {}).reasons);
}

TEST(Expectations, RequiredDotOnATargetThatIsNot) {
  model::ProbeResult closed;
  closed.outcome = model::Outcome::Closed;
  closed.reason = "connection refused";
  Expectations expect;
  expect.group = "core";
  expect.require_dot = true;
  expect.severity = Severity::Medium;
  const auto findings = findingsFor(closed, {}, expect);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].id, "dot-missing");
  EXPECT_EQ(findings[0].severity, Severity::Medium);
  EXPECT_NE(findings[0].message.find("'core'"), std::string::npos);
  EXPECT_NE(findings[0].message.find("closed (connection refused)"), std::string::npos);
  EXPECT_EQ(verdictFor(closed, {}, expect).policy_group, "core");
  // A session without a DNS answer is not DoT either.
  model::ProbeResult silent = session("ecdsa");
  silent.outcome = model::Outcome::DnsTimeout;
  EXPECT_NE(find(findingsFor(silent, {}, expect), "dot-missing"), nullptr);
  silent.outcome = model::Outcome::Dot;
  EXPECT_EQ(find(findingsFor(silent, {}, expect), "dot-missing"), nullptr);
  // A probe that the scan stopped, or that failed locally, says nothing about the server.
  for (const auto outcome :
       {model::Outcome::Interrupted, model::Outcome::Error, model::Outcome::InternalError}) {
    model::ProbeResult stopped;
    stopped.outcome = outcome;
    EXPECT_TRUE(findingsFor(stopped, {}, expect).empty()) << model::toString(outcome);
  }
  expect.require_dot = false;
  EXPECT_TRUE(findingsFor(closed, {}, expect).empty());
}

TEST(Verdict, WorstSeverity) {
  EXPECT_FALSE(worstSeverity({}));
  EXPECT_EQ(worstSeverity(findingsFor(session("expired"), {})), Severity::Critical);
}

// Every finding id of docs/audit.md's table has one explanation and fix for the reports (HTML,
// Markdown), and the guide has no id the docs do not know.
TEST(FindingGuides, OnePerDocumentedId) {
  std::ifstream file(std::string(DOTSCAN_DOCS_DIR) + "/audit.md");
  ASSERT_TRUE(file) << "cannot read docs/audit.md";
  std::stringstream text;
  text << file.rdbuf();
  const std::string docs = text.str();
  const auto start = docs.find("| id | severity | when |");
  ASSERT_NE(start, std::string::npos);
  const auto end = docs.find("\n\n", start);
  const std::string table = docs.substr(start, end - start);
  std::set<std::string> documented;
  // Rows "| `ID` | ...": the id between the first pair of backquotes of each line.
  const std::string row_start = "\n| `";
  for (auto at = table.find(row_start); at != std::string::npos; at = table.find(row_start, at)) {
    at += row_start.size();
    const auto close = table.find("` |", at);
    if (close == std::string::npos) break;
    documented.insert(table.substr(at, close - at));
  }
  EXPECT_GE(documented.size(), 18U);
  std::set<std::string> guided;
  for (const model::FindingGuide& guide : findingGuides()) {
    EXPECT_TRUE(guided.insert(std::string(guide.id)).second) << "twice: " << guide.id;
    EXPECT_FALSE(guide.explanation.empty()) << guide.id;
    EXPECT_FALSE(guide.fix.empty()) << guide.id;
    EXPECT_EQ(findingGuide(guide.id), &guide);
  }
  EXPECT_EQ(guided, documented);
  // ...and both are every id the audit can emit (the engine tests check that every id raised is
  // one of findingIds()).
  std::set<std::string> ids;
  for (const std::string_view id : findingIds()) ids.emplace(id);
  EXPECT_EQ(guided, ids);
  EXPECT_EQ(findingGuide("no-such-finding"), nullptr);
  // ...and the JSON schema's enum of finding ids (data/result.schema.json) is the same set.
  std::ifstream schema_file(std::string(DOTSCAN_DATA_DIR) + "/result.schema.json");
  ASSERT_TRUE(schema_file) << "cannot read data/result.schema.json";
  std::stringstream schema_text;
  schema_text << schema_file.rdbuf();
  const std::string schema = schema_text.str();
  const auto described = schema.find("\"Stable identifier of the finding\"");
  ASSERT_NE(described, std::string::npos);
  const auto open = schema.rfind("\"enum\": [", described);
  const auto close = schema.find(']', open);
  ASSERT_LT(close, described);
  std::set<std::string> enumerated;
  for (auto at = schema.find('"', open + 8); at < close; at = schema.find('"', at + 1)) {
    const auto quote = schema.find('"', at + 1);
    enumerated.insert(schema.substr(at + 1, quote - at - 1));
    at = quote;
  }
  EXPECT_EQ(enumerated, ids);
}

// A failed conformance check (--checks) raises its finding; a passing, not applicable or
// unfinished one raises nothing.
TEST(CheckFindings, FailedChecksOnly) {
  model::ProbeResult result = session("ecdsa");
  const auto check = [](std::string name, model::CheckStatus status) {
    return model::ConformanceCheck{std::move(name), status, "what was seen", {}};
  };
  result.checks = {check("pipelining", model::CheckStatus::Pass),
                   check("keepalive", model::CheckStatus::Fail),
                   check("padding", model::CheckStatus::Fail),
                   check("resumption", model::CheckStatus::NotApplicable),
                   check("sni", model::CheckStatus::Error),
                   check("versions", model::CheckStatus::Fail),
                   check("ddr", model::CheckStatus::Fail),
                   check("nsid", model::CheckStatus::Pass)};
  const auto findings = findingsFor(result, {});
  EXPECT_EQ(ids(result), (std::set<std::string>{"keepalive-broken", "no-padding",
                                                "legacy-tls-accepted", "ddr-unverified"}));
  const auto* padding = find(findings, "no-padding");
  ASSERT_NE(padding, nullptr);
  EXPECT_EQ(padding->severity, Severity::Medium);
  EXPECT_EQ(padding->message, "padding check: what was seen");
  EXPECT_EQ(find(findings, "keepalive-broken")->severity, Severity::Low);
  EXPECT_EQ(find(findings, "legacy-tls-accepted")->severity, Severity::Medium);
  result.checks = {check("pipelining", model::CheckStatus::Fail),
                   check("resumption", model::CheckStatus::Fail),
                   check("sni", model::CheckStatus::Fail)};
  EXPECT_EQ(ids(result),
            (std::set<std::string>{"no-pipelining", "no-resumption", "sni-dependent-cert"}));
}

}  // namespace
}  // namespace dotscan::audit

namespace dotscan::audit {
namespace {

TEST(Expectations, RequiredDotOnlyOfListedTargets) {
  model::ProbeResult closed;
  closed.address = *Address::parse("192.0.2.7");
  closed.outcome = model::Outcome::Filtered;
  Expectations expect;
  expect.require_dot = true;
  expect.listed = false;  // one address of a range: a range is not expected to be all DoT
  EXPECT_TRUE(findingsFor(closed, {}, expect).empty());
  expect.listed = true;
  const auto findings = findingsFor(closed, {}, expect);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].id, "dot-missing");
  EXPECT_EQ(findings[0].severity, Severity::High);
  EXPECT_NE(findings[0].message.find("the outcome is filtered"), std::string::npos);
}

// --require-dot reaches judge() through AuditOptions, with or without a policy.
TEST(Judge, RequireDotOptionAndListedTargets) {
  AuditOptions options;
  options.require_dot = true;
  model::ProbeResult down;
  down.address = *Address::parse("192.0.2.1");
  down.name = "dns.example";
  down.outcome = model::Outcome::Closed;
  down.reason = "connection refused";
  judge(down, options, Policy{}, true);
  ASSERT_EQ(down.findings.size(), 1U);
  EXPECT_EQ(down.findings[0].id, "dot-missing");
  EXPECT_EQ(worstSeverity(down.findings), Severity::High);
  judge(down, options, Policy{}, false);
  EXPECT_TRUE(down.findings.empty());
  options.require_dot = false;
  judge(down, options, Policy{}, true);
  EXPECT_TRUE(down.findings.empty());
}

TEST(Findings, CleartextDnsOnTheDotPortIsHigh) {
  model::ProbeResult cleartext;
  cleartext.address = *Address::parse("192.0.2.1");
  cleartext.port = 853;
  cleartext.outcome = model::Outcome::CleartextDns;
  const auto findings = findingsFor(cleartext, {});
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].id, "cleartext-dns");
  EXPECT_EQ(findings[0].severity, Severity::High);
  EXPECT_NE(findings[0].message.find("port 853"), std::string::npos);
  // Not for a peer that speaks no TLS and did not answer DNS either.
  cleartext.outcome = model::Outcome::NotTls;
  EXPECT_TRUE(findingsFor(cleartext, {}).empty());
}

TEST(Findings, EveryIdIsKnownOnce) {
  const auto ids = findingIds();
  const std::set<std::string_view> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size());
  EXPECT_TRUE(isFindingId("cleartext-dns"));
  EXPECT_TRUE(isFindingId("dot-missing"));
  EXPECT_FALSE(isFindingId("policy-not-dot"));  // renamed dot-missing
  EXPECT_FALSE(isFindingId(""));
}

std::vector<model::Finding> sampleFindings() {
  return {{"address-not-in-san", Severity::Medium, "m", 0, std::nullopt},
          {"alpn-not-dot", Severity::Info, "a", std::nullopt, std::nullopt},
          {"chain-untrusted", Severity::High, "c", std::nullopt, std::nullopt}};
}

TEST(Rules, SuppressReRateAndExpire) {
  Policy policy;
  policy.loadJson(R"({"dotscan_policy": 1,
      "defaults": {"findings": {"address-not-in-san": {"severity": "off",
                                                       "reason": "bare-address range"},
                                "chain-untrusted": {"severity": "low", "until": "2026-12-31"}}},
      "groups": [{"name": "lab", "targets": ["192.0.2.0/24"],
                  "findings": {"chain-untrusted": {"severity": "medium", "until": "2026-01-31",
                                                   "reason": "lab CA"}}}]})",
                  "p.json");
  // Outside the group: the defaults' rules.
  const Expectations outside = policy.expectationsFor(*Address::parse("198.51.100.1"), "");
  auto findings = sampleFindings();
  applyRules(findings, outside, "2026-12-31");  // the last day of the rule still holds
  ASSERT_TRUE(findings[0].policy);
  EXPECT_TRUE(findings[0].policy->suppressed);
  EXPECT_FALSE(findings[0].counts());
  EXPECT_EQ(findings[0].severity, Severity::Medium);  // kept, for the reports
  EXPECT_EQ(findings[0].policy->reason, "bare-address range");
  EXPECT_EQ(findings[0].policy->group, "");
  EXPECT_FALSE(findings[1].policy);
  ASSERT_TRUE(findings[2].policy);
  EXPECT_EQ(findings[2].severity, Severity::Low);
  EXPECT_EQ(findings[2].policy->was, Severity::High);
  EXPECT_FALSE(findings[2].policy->suppressed);
  EXPECT_TRUE(findings[2].counts());
  // The suppressed medium does not count; the re-rated low is the worst.
  EXPECT_EQ(worstSeverity(findings), Severity::Low);

  // The group's rule for chain-untrusted replaces the default's; it expired: nothing changes.
  const Expectations lab = policy.expectationsFor(*Address::parse("192.0.2.9"), "");
  findings = sampleFindings();
  applyRules(findings, lab, "2026-11-30");
  EXPECT_TRUE(findings[0].policy && findings[0].policy->suppressed);  // the defaults' rule stays
  ASSERT_TRUE(findings[2].policy);
  EXPECT_TRUE(findings[2].policy->expired);
  EXPECT_EQ(findings[2].policy->group, "lab");
  EXPECT_EQ(findings[2].policy->until, "2026-01-31");
  EXPECT_EQ(findings[2].severity, Severity::High);
  EXPECT_TRUE(findings[2].counts());
  EXPECT_EQ(worstSeverity(findings), Severity::High);
}

std::string policyError(const std::string& findings_json) {
  Policy policy;
  try {
    policy.loadJson(R"({"dotscan_policy": 1, "defaults": {"findings": )" + findings_json + "}}",
                    "p.json");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Rules, RefusedWithTheirPlace) {
  EXPECT_EQ(policyError(R"({"no-such-id": {"severity": "off"}})"),
            "p.json: defaults.findings.no-such-id: unknown finding id (docs/audit.md lists them)");
  EXPECT_EQ(
      policyError(R"({"no-san": {"reason": "x"}})"),
      R"(p.json: defaults.findings.no-san: expected "severity": a level, or "off" to suppress)");
  EXPECT_EQ(policyError(R"({"no-san": {"severity": "loud"}})"),
            "p.json: defaults.findings.no-san.severity: expected off, info, low, medium, high or "
            "critical");
  EXPECT_EQ(policyError(R"({"no-san": {"severity": "off", "until": "2026-02-30"}})"),
            "p.json: defaults.findings.no-san.until: expected a date, YYYY-MM-DD");
  EXPECT_EQ(policyError(R"({"no-san": {"severity": "off", "by": "me"}})"),
            "p.json: defaults.findings.no-san.by: unknown key (expected severity, reason, until)");
  EXPECT_EQ(policyError(R"(["no-san"])"),
            "p.json: defaults.findings: expected an object of finding ids");
  EXPECT_EQ(policyError(R"({"no-san": {"severity": "off", "until": "2028-02-29"}})"), "");
}

}  // namespace
}  // namespace dotscan::audit
