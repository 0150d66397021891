// The audit over real handshakes: every finding provoked by a fixture of the test CA
// (scripts/make-test-ca.sh) served by the in-process test server, probed by the engine without DNS
// (outcome tls-ok), then judged by findingsFor and verdictFor. The unit tests (tests/unit/audit)
// judge hand-built results; these check that what a scan really records sets each rule off.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/audit/findings.hpp"

#include "support/collecting.hpp"
#include "support/test_server.hpp"

namespace dotscan::audit {
namespace {

using model::Finding;
using model::Outcome;
using model::Severity;
using std::chrono::milliseconds;
using testing::Behaviour;
using testing::ServerOptions;
using testing::testCaPath;
using testing::TestServer;

const Address kLoopback = *Address::parse("127.0.0.1");

// "id(severity)@index, ...": what a failed assertion shows.
std::string describe(const std::vector<Finding>& findings) {
  std::string text;
  for (const Finding& finding : findings) {
    text += (text.empty() ? "" : ", ") + finding.id + "(" +
            std::string(model::toString(finding.severity)) + ")";
    if (finding.certificate) text += "@" + std::to_string(*finding.certificate);
  }
  return text.empty() ? "no findings" : text;
}

// The first finding with `id`, about certificate `index` when one is given.
const Finding* find(const model::ProbeResult& result, std::string_view id,
                    std::optional<int> index = std::nullopt) {
  for (const Finding& finding : result.findings) {
    if (finding.id == id && (!index || finding.certificate == index)) return &finding;
  }
  return nullptr;
}

// Among the known ids (audit::findingIds()), exactly `expected` were raised, and no id outside
// them (an id docs/audit.md would not explain).
::testing::AssertionResult raisesExactly(const model::ProbeResult& result,
                                         const std::set<std::string_view>& expected) {
  std::string wrong;
  for (const Finding& finding : result.findings) {
    if (!audit::isFindingId(finding.id)) wrong += " unknown id " + finding.id;
  }
  for (const std::string_view id : audit::findingIds()) {
    const bool raised = find(result, id) != nullptr;
    if (raised != (expected.count(id) == 1)) {
      wrong += std::string(raised ? " unexpected " : " missing ") + std::string(id);
    }
  }
  if (wrong.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << wrong << " (found: " << describe(result.findings) << ")";
}

bool hasReason(const model::Verdict& verdict, std::string_view reason) {
  return std::find(verdict.reasons.begin(), verdict.reasons.end(), reason) != verdict.reasons.end();
}

std::string reasonsOf(const model::Verdict& verdict) {
  std::string text;
  for (const std::string& reason : verdict.reasons) text += (text.empty() ? "" : ",") + reason;
  return text;
}

// Fails the test unless `result` has the finding `id` with `severity`, about certificate `index`
// when one is given. Returns the finding, or nullptr.
const Finding* expectFinding(const model::ProbeResult& result, std::string_view id,
                             Severity severity, std::optional<int> index = std::nullopt) {
  const Finding* finding = find(result, id, index);
  EXPECT_NE(finding, nullptr) << id << " missing: " << describe(result.findings);
  if (finding == nullptr) return nullptr;
  EXPECT_EQ(finding->severity, severity) << id;
  if (index) {
    EXPECT_EQ(finding->certificate, *index) << id;
  }
  return finding;
}

class AuditEngineTest : public ::testing::Test {
 protected:
  AuditEngineTest() {
    settings_.threads = 1;
    settings_.max_parallel = 4;
    // Generous: no assertion here is about speed, and the machine may be busy.
    settings_.probe.connect_timeout = milliseconds(5000);
    settings_.probe.tls_timeout = milliseconds(5000);
    settings_.grace = milliseconds(200);
    tls_.ca_file = testCaPath("ca.crt");  // the test root: the fixtures' chains verify to it
  }

  // Serves `chain` with `key` (test CA file names) as `behaviour` asks, probes it once with
  // `auth_name` as the authentication name and SNI (empty: an address target, judged by its
  // address), and fills in the findings and the verdict as a scan does: findings first, since the
  // verdict reads them.
  model::ProbeResult judge(Behaviour behaviour, const std::string& chain, const std::string& key,
                           const std::string& auth_name, const ServerOptions& server_options) {
    TestServer server(behaviour, testCaPath(chain), testCaPath(key), 0, server_options);
    auto results = testing::scanOverTls(
        settings_, tls_, {{kLoopback, server.port(), auth_name, auth_name, auth_name}}, clock_);
    EXPECT_EQ(results.size(), 1U);
    if (results.empty()) return {};
    model::ProbeResult result = std::move(results.front());
    result.findings = findingsFor(result, options_, expect_);
    result.verdict = verdictFor(result, options_, expect_);
    return result;
  }

  // judge() on a server that completes the handshake: every case but one needs that.
  model::ProbeResult audit(const std::string& chain, const std::string& key,
                           const std::string& auth_name = "dot.test",
                           const ServerOptions& server_options = {}) {
    model::ProbeResult result = judge(Behaviour::Normal, chain, key, auth_name, server_options);
    EXPECT_EQ(result.outcome, Outcome::TlsOk) << chain << ": " << result.reason;
    EXPECT_TRUE(result.tls) << chain;
    return result;
  }

  probe::EngineSettings settings_;
  tls::ClientOptions tls_;
  AuditOptions options_;
  Expectations expect_;  // what a policy group or the pin file would ask of the target
  SteadyClock clock_;
};

// --- a clean server -------------------------------------------------------------------------

TEST_F(AuditEngineTest, CleanServerHasNoFindingsAndIsStrictPkix) {
  // Both good leaves: an ECDSA one (TLS 1.3) and an RSA one, whose key and signature sizes differ.
  for (const char* name : {"ecdsa", "rsa"}) {
    const model::ProbeResult result =
        audit(std::string(name) + "-chain.pem", std::string(name) + ".key");
    ASSERT_TRUE(result.tls) << name;
    EXPECT_EQ(result.tls->alpn, "dot") << name;  // the server selected dot
    EXPECT_TRUE(result.tls->verification.trusted)
        << name << ": " << result.tls->verification.reason;
    EXPECT_TRUE(result.findings.empty()) << name << ": " << describe(result.findings);
    ASSERT_TRUE(result.verdict);
    EXPECT_EQ(result.verdict->profile, "strict-pkix") << name;
    EXPECT_TRUE(result.verdict->reasons.empty()) << name << ": " << reasonsOf(*result.verdict);
    EXPECT_FALSE(result.verdict->pin_match) << name;
  }
}

// --- one case per finding -------------------------------------------------------------------

TEST_F(AuditEngineTest, ExpiredLeaf) {
  const model::ProbeResult result = audit("expired-chain.pem", "expired.key");
  expectFinding(result, "cert-expired", Severity::Critical, 0);
  // Expiry also fails verification; nothing else about this leaf (P-256, SHA-256, SANs) is wrong.
  EXPECT_TRUE(raisesExactly(result, {"cert-expired", "chain-untrusted"}));
}

TEST_F(AuditEngineTest, ExpiresSoonIsMediumInsideWarnDaysAndHighInsideCritDays) {
  // The fixtures last until 2049, so "soon" is made long instead: 20,000 days (about 55 years).
  options_.warn_days = 20000;
  options_.crit_days = 7;
  const model::ProbeResult warned = audit("ecdsa-chain.pem", "ecdsa.key");
  expectFinding(warned, "cert-expires-soon", Severity::Medium, 0);
  // The intermediate (until 2050) is inside the window too, and judged on its own.
  expectFinding(warned, "cert-expires-soon", Severity::Medium, 1);
  EXPECT_TRUE(raisesExactly(warned, {"cert-expires-soon"}));
  // A warning, not a reason to leave the strict profile.
  EXPECT_EQ(warned.verdict->profile, "strict-pkix");

  options_.crit_days = 20000;
  const model::ProbeResult critical = audit("ecdsa-chain.pem", "ecdsa.key");
  expectFinding(critical, "cert-expires-soon", Severity::High, 0);
  EXPECT_TRUE(raisesExactly(critical, {"cert-expires-soon"}));
}

TEST_F(AuditEngineTest, NotYetValidLeaf) {
  const model::ProbeResult result = audit("notyet-chain.pem", "notyet.key");
  expectFinding(result, "cert-not-yet-valid", Severity::High, 0);
  // Only the verification sees it (days_left counts to notAfter): not expired, not expiring soon.
  EXPECT_TRUE(raisesExactly(result, {"cert-not-yet-valid", "chain-untrusted"}));
  EXPECT_TRUE(hasReason(*result.verdict, "not-yet-valid")) << reasonsOf(*result.verdict);
}

TEST_F(AuditEngineTest, WeakKey) {
  const model::ProbeResult result = audit("weak-chain.pem", "weak.key");
  expectFinding(result, "weak-key", Severity::High, 0);
  // Security level 0 on both sides: the 1024-bit key neither stops the handshake nor the chain.
  EXPECT_TRUE(raisesExactly(result, {"weak-key"}));
  EXPECT_TRUE(hasReason(*result.verdict, "weak-key")) << reasonsOf(*result.verdict);
  // Trusted and the name matches, but a client at OpenSSL's default security level refuses the
  // key: not strict.
  EXPECT_EQ(result.verdict->profile, "opportunistic-only");
}

TEST_F(AuditEngineTest, WeakSignature) {
  const model::ProbeResult result = audit("sha1-chain.pem", "sha1.key");
  expectFinding(result, "weak-signature", Severity::Medium, 0);
  // The intermediate is signed with SHA-256 and the key is P-256: the signature alone is weak.
  EXPECT_TRUE(raisesExactly(result, {"weak-signature"}));
}

TEST_F(AuditEngineTest, SelfSignedLeaf) {
  // The certificate alone: a self-signed leaf has no chain file.
  const model::ProbeResult result = audit("selfsigned.crt", "selfsigned.key");
  expectFinding(result, "self-signed-leaf", Severity::Medium, 0);
  EXPECT_TRUE(raisesExactly(result, {"self-signed-leaf", "chain-untrusted"}));
}

TEST_F(AuditEngineTest, NoExtendedKeyUsageIsLow) {
  const model::ProbeResult result = audit("noeku-chain.pem", "noeku.key");
  const Finding* finding = find(result, "no-server-auth-eku");
  ASSERT_NE(finding, nullptr) << describe(result.findings);
  // No extension at all is allowed by RFC 5280, unlike a list without serverAuth (medium).
  EXPECT_EQ(finding->severity, Severity::Low);
  EXPECT_EQ(finding->certificate, 0);
  // Without the extension the chain still verifies for a TLS server.
  EXPECT_TRUE(raisesExactly(result, {"no-server-auth-eku"}));
  EXPECT_EQ(result.verdict->profile, "strict-pkix");
}

TEST_F(AuditEngineTest, NoSan) {
  const model::ProbeResult result = audit("nosan-chain.pem", "nosan.key");
  expectFinding(result, "no-san", Severity::Medium);
  // OpenSSL's X509_check_host falls back to the CN (dot.test), so the name itself matches.
  EXPECT_TRUE(raisesExactly(result, {"no-san"}));
}

TEST_F(AuditEngineTest, AddressNotInSanForAnAddressTarget) {
  // No authentication name: the leaf (SAN DNS:other.test only) is judged by the address.
  const model::ProbeResult result = audit("wrongname-chain.pem", "wrongname.key", "");
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->auth_name, "");
  const Finding* finding = expectFinding(result, "address-not-in-san", Severity::Medium);
  ASSERT_NE(finding, nullptr);
  EXPECT_NE(finding->message.find("127.0.0.1"), std::string::npos) << finding->message;
  // name-mismatch is for a target with an authentication name only.
  EXPECT_TRUE(raisesExactly(result, {"address-not-in-san"}));
}

TEST_F(AuditEngineTest, NameMismatch) {
  const model::ProbeResult result = audit("wrongname-chain.pem", "wrongname.key", "dot.test");
  const Finding* finding = expectFinding(result, "name-mismatch", Severity::High);
  ASSERT_NE(finding, nullptr);
  EXPECT_NE(finding->message.find("dot.test"), std::string::npos) << finding->message;
  // The chain itself is fine: the name is all that is wrong.
  EXPECT_TRUE(raisesExactly(result, {"name-mismatch"}));
}

TEST_F(AuditEngineTest, IncompleteChainIsUntrusted) {
  // The leaf without its intermediate; the client trusts the root only.
  const model::ProbeResult result = audit("leaf-onlyleaf.pem", "ecdsa.key");
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->chain_length, 1);
  const Finding* finding = expectFinding(result, "chain-untrusted", Severity::High);
  ASSERT_NE(finding, nullptr);
  EXPECT_FALSE(finding->certificate);  // about the chain, not one certificate
  EXPECT_TRUE(raisesExactly(result, {"chain-untrusted"}));
  EXPECT_EQ(result.verdict->profile, "opportunistic-only");
  EXPECT_TRUE(hasReason(*result.verdict, "incomplete-chain")) << reasonsOf(*result.verdict);
  EXPECT_TRUE(hasReason(*result.verdict, "untrusted")) << reasonsOf(*result.verdict);
}

TEST_F(AuditEngineTest, TlsBelow12) {
  tls_.min_version = tls::TlsVersion::Tls10;  // the scanner accepts what the server offers
  ServerOptions server;
  server.max_tls_version = testing::kTls11Version;
  const model::ProbeResult result = audit("ecdsa-chain.pem", "ecdsa.key", "dot.test", server);
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->version, "TLSv1.1");
  expectFinding(result, "tls-below-1.2", Severity::High);
  EXPECT_TRUE(raisesExactly(result, {"tls-below-1.2"}));
}

// --- what a policy group expects (docs/audit.md), met and not met ---------------------------

TEST_F(AuditEngineTest, PolicyMetRaisesNothing) {
  expect_.group = "lab";
  expect_.min_tls = model::TlsVersion::Tls13;
  expect_.min_days = 30;
  expect_.issuers = {"CN=dotscan test intermediate CA,O=dotscan test"};
  expect_.require_dot = true;
  const model::ProbeResult result = audit("ecdsa-chain.pem", "ecdsa.key");
  EXPECT_TRUE(raisesExactly(result, {}));
  EXPECT_EQ(result.verdict->profile, "strict-pkix");
  EXPECT_EQ(result.verdict->policy_group, "lab");
}

TEST_F(AuditEngineTest, PolicyMinimumTlsVersion) {
  ServerOptions server;
  server.max_tls_version = testing::kTls12Version;
  expect_.min_tls = model::TlsVersion::Tls13;
  expect_.severity = Severity::Critical;
  const model::ProbeResult result = audit("ecdsa-chain.pem", "ecdsa.key", "dot.test", server);
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->version, "TLSv1.2");
  expectFinding(result, "policy-min-tls", Severity::Critical);
  EXPECT_TRUE(raisesExactly(result, {"policy-min-tls"}));
}

TEST_F(AuditEngineTest, PolicyMinimumDays) {
  expect_.min_days = 20000;  // the leaf lasts until 2049: fewer days than that
  const model::ProbeResult result = audit("ecdsa-chain.pem", "ecdsa.key");
  expectFinding(result, "policy-min-days", Severity::High, 0);
  EXPECT_TRUE(raisesExactly(result, {"policy-min-days"}));
}

TEST_F(AuditEngineTest, PolicyAllowedIssuers) {
  expect_.issuers = {"CN=Some Public CA,O=Elsewhere"};
  const model::ProbeResult result = audit("rsa-chain.pem", "rsa.key");
  expectFinding(result, "policy-issuer", Severity::High, 0);
  EXPECT_TRUE(raisesExactly(result, {"policy-issuer"}));
}

TEST_F(AuditEngineTest, PolicyPinsNotMatched) {
  expect_.pins = {"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="};
  expect_.severity = Severity::Medium;
  const model::ProbeResult result = audit("ecdsa-chain.pem", "ecdsa.key");
  expectFinding(result, "pin-mismatch", Severity::Medium);
  EXPECT_TRUE(raisesExactly(result, {"pin-mismatch"}));
  EXPECT_EQ(result.verdict->profile, "strict-pkix");  // the chain and name still hold
}

TEST_F(AuditEngineTest, PolicyRequiresDotOfAServerThatFails) {
  expect_.group = "core";
  expect_.require_dot = true;
  const model::ProbeResult result =
      judge(Behaviour::Alert, "ecdsa-chain.pem", "ecdsa.key", "dot.test", {});
  EXPECT_EQ(result.outcome, Outcome::TlsFailed);
  expectFinding(result, "dot-missing", Severity::High);
  EXPECT_TRUE(raisesExactly(result, {"dot-missing"}));
  EXPECT_EQ(result.verdict->profile, "not-dot");
  EXPECT_EQ(result.verdict->policy_group, "core");
}

TEST_F(AuditEngineTest, AlpnNotDot) {
  ServerOptions server;
  server.select_alpn_dot = false;
  const model::ProbeResult result = audit("ecdsa-chain.pem", "ecdsa.key", "dot.test", server);
  ASSERT_TRUE(result.tls);
  EXPECT_FALSE(result.tls->alpn);
  expectFinding(result, "alpn-not-dot", Severity::Info);
  EXPECT_TRUE(raisesExactly(result, {"alpn-not-dot"}));
  // Informational only: the strict profile does not depend on ALPN.
  EXPECT_EQ(result.verdict->profile, "strict-pkix");
}

// --- the verdict ----------------------------------------------------------------------------

TEST_F(AuditEngineTest, BadCertificatesAreOpportunisticOnlyWithTheirReason) {
  struct Case {
    const char* chain;
    const char* key;
    const char* reason;
  };
  for (const Case& c : {Case{"expired-chain.pem", "expired.key", "expired"},
                        Case{"selfsigned.crt", "selfsigned.key", "self-signed"},
                        Case{"wrongname-chain.pem", "wrongname.key", "name-mismatch"}}) {
    const model::ProbeResult result = audit(c.chain, c.key);
    ASSERT_TRUE(result.verdict) << c.chain;
    EXPECT_EQ(result.verdict->profile, "opportunistic-only") << c.chain;
    EXPECT_TRUE(hasReason(*result.verdict, c.reason))
        << c.chain << ": " << reasonsOf(*result.verdict);
    EXPECT_FALSE(result.verdict->pin_match) << c.chain;
  }
}

TEST_F(AuditEngineTest, LeafPinMakesASelfSignedServerStrictPin) {
  // Pinning is how a self-signed DoT server is used strictly (RFC 7858 section 4.2). Keys are new
  // on every run of make-test-ca.sh, so the pin comes from the recorded leaf.
  const model::ProbeResult first = audit("selfsigned.crt", "selfsigned.key");
  ASSERT_EQ(first.certificates.size(), 1U);
  ASSERT_FALSE(first.certificates[0].spki_pin_sha256.empty());
  ASSERT_EQ(first.verdict->profile, "opportunistic-only");  // before pinning

  options_.pins = {first.certificates[0].spki_pin_sha256};
  const model::ProbeResult pinned = audit("selfsigned.crt", "selfsigned.key");
  ASSERT_TRUE(pinned.verdict);
  EXPECT_EQ(pinned.verdict->profile, "strict-pin");
  EXPECT_EQ(pinned.verdict->pin_match, 0);
  // The pin does not hide what is wrong with the certificate.
  EXPECT_TRUE(hasReason(*pinned.verdict, "self-signed")) << reasonsOf(*pinned.verdict);
  EXPECT_NE(find(pinned, "self-signed-leaf"), nullptr) << describe(pinned.findings);
}

TEST_F(AuditEngineTest, IntermediatePinMatchesIndexOne) {
  // A server whose name does not match, so that only the pin can make it strict.
  const model::ProbeResult first = audit("wrongname-chain.pem", "wrongname.key");
  ASSERT_EQ(first.certificates.size(), 2U);
  ASSERT_EQ(first.verdict->profile, "opportunistic-only");

  options_.pins = {first.certificates[1].spki_pin_sha256};
  const model::ProbeResult pinned = audit("wrongname-chain.pem", "wrongname.key");
  ASSERT_TRUE(pinned.verdict);
  EXPECT_EQ(pinned.verdict->profile, "strict-pin");
  EXPECT_EQ(pinned.verdict->pin_match, 1);
}

TEST_F(AuditEngineTest, PinOfAnotherKeyMatchesNothing) {
  // The leaf key of the ecdsa fixture, offered to the self-signed server (a different key).
  const model::ProbeResult other = audit("ecdsa-chain.pem", "ecdsa.key");
  ASSERT_FALSE(other.certificates.empty());
  options_.pins = {other.certificates[0].spki_pin_sha256};
  const model::ProbeResult result = audit("selfsigned.crt", "selfsigned.key");
  ASSERT_TRUE(result.verdict);
  EXPECT_FALSE(result.verdict->pin_match);
  EXPECT_EQ(result.verdict->profile, "opportunistic-only");
  expectFinding(result, "pin-mismatch", Severity::High);
}

}  // namespace
}  // namespace dotscan::audit
