// The change kinds of `dotscan diff`, each with its severity (docs/diff.md), on hand-built states.
#include "dotscan/diff/compare.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dotscan::diff {
namespace {

using model::Severity;

TargetState dotServer() {
  TargetState state;
  state.address = "192.0.2.1";
  state.port = 853;
  state.outcome = "dot";
  state.session = true;
  state.tls_version = "TLSv1.3";
  state.trusted = true;
  state.leaf_sha256 = "aa11";
  state.leaf_issuer = "CN=intermediate";
  state.leaf_spki_pin = "pin1";
  state.verdict = "strict-pkix";
  state.findings = {{"alpn-not-dot", Severity::Info}};
  return state;
}

TargetState closedTarget() {
  TargetState state;
  state.address = "192.0.2.1";
  state.port = 853;
  state.outcome = "closed";
  state.verdict = "not-dot";
  return state;
}

// "kind severity before after finding" per change, for compact expectations.
std::vector<std::string> summarize(const std::vector<Change>& changes) {
  std::vector<std::string> lines;
  for (const Change& c : changes) {
    lines.push_back(std::string(toString(c.kind)) + " " + std::string(model::toString(c.severity)) +
                    " [" + c.before + "] [" + c.after + "]" +
                    (c.finding.empty() ? "" : " " + c.finding));
  }
  return lines;
}

std::vector<std::string> diffOf(const TargetState& before, const TargetState& after) {
  return summarize(compareTargets(&before, &after));
}

TEST(DiffCompare, EqualStatesGiveNothing) {
  EXPECT_TRUE(compareTargets(nullptr, nullptr).empty());
  EXPECT_TRUE(diffOf(dotServer(), dotServer()).empty());
  EXPECT_TRUE(diffOf(closedTarget(), closedTarget()).empty());
}

TEST(DiffCompare, Appeared) {
  const TargetState server = dotServer();
  EXPECT_EQ(summarize(compareTargets(nullptr, &server)),
            std::vector<std::string>{"appeared info [] [dot]"});
}

TEST(DiffCompare, DisappearedDotServerIsHigh) {
  const TargetState server = dotServer();
  const TargetState closed = closedTarget();
  EXPECT_EQ(summarize(compareTargets(&server, nullptr)),
            std::vector<std::string>{"disappeared high [dot] []"});
  EXPECT_EQ(summarize(compareTargets(&closed, nullptr)),
            std::vector<std::string>{"disappeared info [closed] []"});
}

TEST(DiffCompare, DotLostIsOneHighOutcomeChange) {
  // No verdict change (the outcome says it) and no finding "fixed" by the server going away.
  EXPECT_EQ(diffOf(dotServer(), closedTarget()),
            std::vector<std::string>{"outcome high [dot] [closed]"});
}

TEST(DiffCompare, DotGainedIsInfoWithItsFindings) {
  EXPECT_EQ(diffOf(closedTarget(), dotServer()),
            (std::vector<std::string>{"outcome info [closed] [dot]",
                                      "finding-added info [] [info] alpn-not-dot"}));
}

TEST(DiffCompare, OutcomeSeverities) {
  TargetState before = closedTarget();
  TargetState after = closedTarget();
  after.outcome = "filtered";
  EXPECT_EQ(diffOf(before, after), std::vector<std::string>{"outcome low [closed] [filtered]"});
  after.outcome = "cleartext-dns";
  EXPECT_EQ(diffOf(before, after),
            std::vector<std::string>{"outcome high [closed] [cleartext-dns]"});
  // The scan stopped: that says nothing about the server.
  after = dotServer();
  after.outcome = "interrupted";
  after.session = false;
  EXPECT_EQ(diffOf(dotServer(), after),
            std::vector<std::string>{"outcome low [dot] [interrupted]"});
}

// The DoT server with another leaf, and what else `edit` changes.
std::vector<Change> rotation(void (*edit)(TargetState&)) {
  const TargetState before = dotServer();
  TargetState after = dotServer();
  after.leaf_sha256 = "bb22";
  edit(after);
  return compareTargets(&before, &after);
}

TEST(DiffCompare, CertificateRotationTrustedIsInfo) {
  const auto changes = rotation([](TargetState& s) { s.leaf_spki_pin = "pin2"; });
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].kind, ChangeKind::Certificate);
  EXPECT_EQ(changes[0].severity, Severity::Info);
  ASSERT_TRUE(changes[0].certificate);
  EXPECT_FALSE(changes[0].certificate->same_key);
  EXPECT_FALSE(changes[0].certificate->new_issuer);
  EXPECT_EQ(changes[0].certificate->trusted, true);
}

TEST(DiffCompare, CertificateSameKeyNewIssuerIsLow) {
  const auto changes = rotation([](TargetState& s) { s.leaf_issuer = "CN=another CA"; });
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].severity, Severity::Low);
  EXPECT_TRUE(changes[0].certificate->same_key);
  EXPECT_TRUE(changes[0].certificate->new_issuer);
  EXPECT_EQ(changes[0].certificate->issuer_after, "CN=another CA");
}

TEST(DiffCompare, CertificateToUntrustedChainIsMedium) {
  const auto changes = rotation([](TargetState& s) { s.trusted = false; });
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].kind, ChangeKind::Certificate);
  EXPECT_EQ(changes[0].severity, Severity::Medium);
}

TEST(DiffCompare, VerdictSeverities) {
  TargetState after = dotServer();
  after.verdict = "opportunistic-only";
  after.verdict_reasons = {"untrusted"};
  EXPECT_EQ(diffOf(dotServer(), after),
            std::vector<std::string>{"verdict high [strict-pkix] [opportunistic-only: untrusted]"});
  EXPECT_EQ(diffOf(after, dotServer()),
            std::vector<std::string>{"verdict info [opportunistic-only: untrusted] [strict-pkix]"});
  TargetState more = after;
  more.verdict_reasons = {"untrusted", "expired"};
  EXPECT_EQ(
      diffOf(after, more),
      std::vector<std::string>{
          "verdict low [opportunistic-only: untrusted] [opportunistic-only: untrusted,expired]"});
  TargetState pin = dotServer();
  pin.verdict = "strict-pin";
  EXPECT_EQ(diffOf(dotServer(), pin),
            std::vector<std::string>{"verdict info [strict-pkix] [strict-pin]"});
  // Both without a session but judged otherwise (a policy): opportunistic-only -> not-dot with the
  // same outcome cannot happen; not-dot with a reason list change is still a verdict change.
  TargetState unknown = dotServer();
  unknown.verdict.clear();
  EXPECT_EQ(diffOf(dotServer(), unknown),
            std::vector<std::string>{"verdict info [strict-pkix] []"});
}

TEST(DiffCompare, FindingsAddedFixedAndReRated) {
  TargetState before = dotServer();
  before.findings = {{"address-not-in-san", Severity::Medium},
                     {"alpn-not-dot", Severity::Info},
                     {"cert-expires-soon", Severity::Medium}};
  TargetState after = dotServer();
  after.findings = {{"cert-expires-soon", Severity::High}, {"chain-untrusted", Severity::High}};
  EXPECT_EQ(diffOf(before, after),
            (std::vector<std::string>{"finding-fixed info [medium] [] address-not-in-san",
                                      "finding-fixed info [info] [] alpn-not-dot",
                                      "finding-severity high [medium] [high] cert-expires-soon",
                                      "finding-added high [] [high] chain-untrusted"}));
  // Lowered: info.
  EXPECT_EQ(summarize(compareTargets(&after, &before))[2],
            "finding-severity info [high] [medium] cert-expires-soon");
}

// A finding the policy suppressed counts for nothing (docs/audit.md), so the diff neither adds
// nor fixes it; one that became suppressed is still there: "finding-suppressed", info, not fixed.
TEST(DiffCompare, SuppressedFindingsCountForNothing) {
  TargetState plain = dotServer();
  plain.findings = {};
  TargetState counting = plain;
  counting.findings = {{"address-not-in-san", Severity::Medium}};
  TargetState suppressed = plain;
  suppressed.suppressed = {"address-not-in-san"};
  // New, but suppressed: no change (and so no --fail-on medium).
  EXPECT_TRUE(diffOf(plain, suppressed).empty());
  // Suppressed on both sides, or a suppressed one gone: no change.
  EXPECT_TRUE(diffOf(suppressed, suppressed).empty());
  EXPECT_TRUE(diffOf(suppressed, plain).empty());
  // Counting, then suppressed: the server did not fix it.
  EXPECT_EQ(
      diffOf(counting, suppressed),
      std::vector<std::string>{"finding-suppressed info [medium] [suppressed] address-not-in-san"});
  // Suppressed, then counting again (the rule expired or was removed): added, at its severity.
  EXPECT_EQ(diffOf(suppressed, counting),
            std::vector<std::string>{"finding-added medium [] [medium] address-not-in-san"});
  // Without a session: a server that is down, its dot-missing accepted by a new policy rule.
  TargetState missing = closedTarget();
  missing.findings = {{"dot-missing", Severity::High}};
  TargetState accepted = closedTarget();
  accepted.suppressed = {"dot-missing"};
  EXPECT_EQ(diffOf(missing, accepted),
            std::vector<std::string>{"finding-suppressed info [high] [suppressed] dot-missing"});
}

TEST(DiffCompare, FindingWithoutSessionOnBothSides) {
  // policy-not-dot needs no handshake: raised and fixed between two closed results.
  TargetState before = closedTarget();
  TargetState after = closedTarget();
  after.findings = {{"policy-not-dot", Severity::High}};
  EXPECT_EQ(diffOf(before, after),
            std::vector<std::string>{"finding-added high [] [high] policy-not-dot"});
  EXPECT_EQ(diffOf(after, before),
            std::vector<std::string>{"finding-fixed info [high] [] policy-not-dot"});
  // Going down adds policy-not-dot; alpn-not-dot is not "fixed" (it can no longer be seen).
  EXPECT_EQ(diffOf(dotServer(), after),
            (std::vector<std::string>{"outcome high [dot] [closed]",
                                      "finding-added high [] [high] policy-not-dot"}));
}

TEST(DiffCompare, TlsVersionAndAlpn) {
  TargetState after = dotServer();
  after.tls_version = "TLSv1.2";
  after.alpn = "dot";
  EXPECT_EQ(
      diffOf(dotServer(), after),
      (std::vector<std::string>{"tls-version medium [TLSv1.3] [TLSv1.2]", "alpn info [] [dot]"}));
  EXPECT_EQ(
      diffOf(after, dotServer()),
      (std::vector<std::string>{"tls-version info [TLSv1.2] [TLSv1.3]", "alpn info [dot] []"}));
}

TEST(DiffCompare, KindNames) {
  EXPECT_EQ(toString(ChangeKind::FindingAdded), "finding-added");
  EXPECT_EQ(toString(ChangeKind::TlsVersion), "tls-version");
  EXPECT_EQ(verdictRank("strict-pin"), 2);
  EXPECT_EQ(verdictRank("opportunistic-only"), 1);
  EXPECT_EQ(verdictRank("not-dot"), 0);
  EXPECT_EQ(verdictRank(""), -1);
}

}  // namespace
}  // namespace dotscan::diff
