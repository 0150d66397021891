// The conformance checks (issue 13) end to end over loopback: the engine, real OpenSSL, and the
// in-process test server behaving one way and the opposite way, so that each check is seen to
// pass and to fail. No assertion is about speed.
#include "dotscan/checks/checks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dotscan/probe/tls_transport.hpp"
#include "dotscan/util/error.hpp"

#include "support/collecting.hpp"
#include "support/test_server.hpp"

namespace dotscan::checks {
namespace {

using model::CheckStatus;
using model::ConformanceCheck;
using model::Outcome;
using std::chrono::milliseconds;
using testing::Behaviour;
using testing::ServerOptions;
using testing::testCaPath;
using testing::TestServer;

const Address kLoopback = *Address::parse("127.0.0.1");

class ChecksTest : public ::testing::Test {
 protected:
  ChecksTest() {
    engine_.threads = 1;
    engine_.max_parallel = 8;
    engine_.probe.connect_timeout = milliseconds(1500);
    engine_.probe.tls_timeout = milliseconds(1500);
    engine_.grace = milliseconds(200);
    auto dns = std::make_shared<probe::DnsSettings>();
    query_.name = "dot.test.";
    query_.type = 1;  // A
    dns->queries.emplace_back(query_);
    dns->timeout = milliseconds(1500);
    engine_.probe.dns = dns;
    tls_.ca_file = testCaPath("ca.crt");
    settings_.checks.assign(kAllChecks.begin(), kAllChecks.end());
    settings_.keepalive_wait = milliseconds(300);
    settings_.query = query_;
  }

  // One scan of the server on `port` with the checks, its one result.
  model::ProbeResult scan(std::uint16_t port, const std::string& sni = "dot.test") {
    const tls::ClientContext context(tls_);
    const Runner runner(settings_, context, engine_.probe, clock_);
    probe::EngineSettings engine = engine_;
    engine.follow_up = [&runner](const probe::ProbeTarget& target) {
      return runner.forTarget(target);
    };
    testing::VectorSource source({probe::ProbeTarget{kLoopback, port, sni, sni, sni}});
    testing::CollectingSink sink;
    probe::Engine run(engine, source, sink, testing::tlsTransports(context), clock_);
    run.run();
    auto results = sink.results();
    EXPECT_EQ(results.size(), 1U);
    return results.empty() ? model::ProbeResult{} : results.front();
  }

  static const ConformanceCheck& check(const model::ProbeResult& result, const std::string& name) {
    for (const ConformanceCheck& one : result.checks) {
      if (one.name == name) return one;
    }
    ADD_FAILURE() << "no check " << name;
    static const ConformanceCheck none;
    return none;
  }

  probe::EngineSettings engine_;
  tls::ClientOptions tls_;
  CheckSettings settings_;
  dns::QueryOptions query_;
  SteadyClock clock_;
};

std::string describe(const model::ProbeResult& result) {
  std::string text;
  for (const ConformanceCheck& check : result.checks) {
    text += check.name + " " + std::string(model::toString(check.status)) + ": " + check.summary +
            "\n";
  }
  return text;
}

TEST(CheckList, ParsesNamesAndAll) {
  EXPECT_EQ(parseCheckList("sni,pipelining"),
            (std::vector<Check>{Check::Pipelining, Check::Sni}));
  EXPECT_EQ(parseCheckList("all").size(), kAllChecks.size());
  EXPECT_EQ(parseCheckList(" Versions , versions"), std::vector<Check>{Check::Versions});
  EXPECT_THROW((void)parseCheckList("pipelining,fast"), UsageError);
  EXPECT_THROW((void)parseCheckList(""), UsageError);
}

TEST_F(ChecksTest, EveryCheckOnceInOrderAgainstOneAnswerServer) {
  TestServer server(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scan(server.port());
  ASSERT_EQ(result.outcome, Outcome::Dot) << result.reason;
  ASSERT_EQ(result.checks.size(), kAllChecks.size()) << describe(result);
  for (std::size_t i = 0; i < kAllChecks.size(); ++i) {
    EXPECT_EQ(result.checks[i].name, toString(kAllChecks[i]));
  }
  // One answer per session: the second query of pipelining and keepalive goes unanswered.
  EXPECT_EQ(check(result, "pipelining").status, CheckStatus::Fail) << describe(result);
  EXPECT_EQ(check(result, "nsid").status, CheckStatus::Pass) << describe(result);
  EXPECT_EQ(*check(result, "nsid").get<std::string>("nsid_text"), "dotscan-test");
}

TEST_F(ChecksTest, NoCheckWithoutAHandshake) {
  TestServer server(Behaviour::Alert, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scan(server.port());
  EXPECT_EQ(result.outcome, Outcome::TlsFailed);
  EXPECT_TRUE(result.checks.empty()) << describe(result);
  EXPECT_EQ(server.accepted(), 1);  // no check opened a connection of its own
}

TEST_F(ChecksTest, VersionsRefusedBelow12ByDefault) {
  settings_.checks = {Check::Versions};
  TestServer server(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scan(server.port());
  const ConformanceCheck& versions = check(result, "versions");
  EXPECT_EQ(versions.status, CheckStatus::Pass) << describe(result);
  EXPECT_EQ(*versions.get<std::vector<std::string>>("accepted"),
            (std::vector<std::string>{"TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(*versions.get<std::vector<std::string>>("refused"),
            (std::vector<std::string>{"TLSv1", "TLSv1.1"}));
  EXPECT_TRUE(*versions.get<bool>("alpn_dot"));
}

TEST_F(ChecksTest, VersionsSeesAlpnRefused) {
  settings_.checks = {Check::Versions};
  ServerOptions options;
  options.select_alpn_dot = false;
  options.max_tls_version = testing::kTls12Version;
  TestServer server(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"),
                    0, options);
  const model::ProbeResult result = scan(server.port());
  const ConformanceCheck& versions = check(result, "versions");
  EXPECT_EQ(*versions.get<std::vector<std::string>>("accepted"),
            std::vector<std::string>{"TLSv1.2"})
      << describe(result);
  EXPECT_FALSE(*versions.get<bool>("alpn_dot"));
}

TEST_F(ChecksTest, SniNotApplicableWithoutAName) {
  settings_.checks = {Check::Sni};
  TestServer server(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scan(server.port(), "");
  EXPECT_EQ(check(result, "sni").status, CheckStatus::NotApplicable) << describe(result);
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(ChecksTest, SniSameCertificatePasses) {
  settings_.checks = {Check::Sni};
  TestServer server(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scan(server.port());
  const ConformanceCheck& sni = check(result, "sni");
  EXPECT_EQ(sni.status, CheckStatus::Pass) << describe(result);
  EXPECT_TRUE(*sni.get<bool>("same_certificate"));
  EXPECT_EQ(*sni.get<std::string>("with_name_sha256"), result.certificates.at(0).sha256);
}

TEST_F(ChecksTest, ResumptionOfATls13Session) {
  settings_.checks = {Check::Resumption};
  TestServer server(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scan(server.port());
  const ConformanceCheck& resumption = check(result, "resumption");
  EXPECT_EQ(resumption.status, CheckStatus::Pass) << describe(result);
  EXPECT_TRUE(*resumption.get<bool>("resumed"));
  EXPECT_EQ(*resumption.get<std::string>("version"), "TLSv1.3");
  EXPECT_TRUE(*resumption.get<bool>("dns_after_resumption"));
}

TEST_F(ChecksTest, DnsChecksNotApplicableWhenDnsFailed) {
  TestServer server(Behaviour::DnsSilence, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scan(server.port());
  EXPECT_EQ(result.outcome, Outcome::DnsTimeout);
  ASSERT_EQ(result.checks.size(), kAllChecks.size());
  for (const char* name : {"pipelining", "keepalive", "padding", "ddr", "nsid"}) {
    EXPECT_EQ(check(result, name).status, CheckStatus::NotApplicable) << name;
  }
  EXPECT_EQ(check(result, "versions").status, CheckStatus::Pass) << describe(result);
}

}  // namespace
}  // namespace dotscan::checks
