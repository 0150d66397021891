// The conformance checks (issue 13) end to end over loopback: the engine, real OpenSSL, and the
// in-process test server behaving one way and the opposite way, so that each check is seen to
// pass and to fail. No assertion is about speed.
#include "dotscan/checks/checks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
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

  // A DoT server that answers every query of a session (Behaviour::DnsSession), as `options` say.
  model::ProbeResult scanSession(ServerOptions options, std::vector<Check> checks,
                                 const std::string& chain = "ecdsa-chain.pem",
                                 const std::string& key = "ecdsa.key") {
    settings_.checks = std::move(checks);
    TestServer server(Behaviour::DnsSession, testCaPath(chain), testCaPath(key), 0,
                      std::move(options));
    model::ProbeResult result = scan(server.port());
    EXPECT_EQ(result.outcome, Outcome::Dot) << result.reason;
    return result;
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
    text +=
        check.name + " " + std::string(model::toString(check.status)) + ": " + check.summary + "\n";
  }
  return text;
}

TEST(CheckList, ParsesNamesAndAll) {
  EXPECT_EQ(parseCheckList("sni,pipelining"), (std::vector<Check>{Check::Pipelining, Check::Sni}));
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
  options.min_tls_version = testing::kTls12Version;
  options.max_tls_version = testing::kTls12Version;
  TestServer server(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"), 0,
                    options);
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

// --- each check passing against one behaviour and failing against the opposite one ------------

TEST_F(ChecksTest, PipeliningInOrderOutOfOrderAndClosed) {
  model::ProbeResult result = scanSession({}, {Check::Pipelining});
  const ConformanceCheck* pipelining = &check(result, "pipelining");
  EXPECT_EQ(pipelining->status, CheckStatus::Pass) << describe(result);
  EXPECT_EQ(*pipelining->get<std::int64_t>("answered"), 3);
  EXPECT_FALSE(*pipelining->get<bool>("out_of_order"));
  EXPECT_EQ(*pipelining->get<std::vector<std::string>>("answer_order"),
            (std::vector<std::string>{"1", "2", "3"}));

  ServerOptions reversed;
  reversed.out_of_order = true;
  result = scanSession(reversed, {Check::Pipelining});
  pipelining = &check(result, "pipelining");
  EXPECT_EQ(pipelining->status, CheckStatus::Pass) << describe(result);
  EXPECT_TRUE(*pipelining->get<bool>("out_of_order"));
  EXPECT_EQ(*pipelining->get<std::vector<std::string>>("answer_order"),
            (std::vector<std::string>{"3", "2", "1"}));

  ServerOptions one;
  one.close_after_answer = true;
  result = scanSession(one, {Check::Pipelining});
  pipelining = &check(result, "pipelining");
  EXPECT_EQ(pipelining->status, CheckStatus::Fail) << describe(result);
  // One answer at most: closing with the other queries unread makes the server's kernel send a
  // RST, which may discard the answer before it is read.
  EXPECT_LE(*pipelining->get<std::int64_t>("answered"), 1);
}

TEST_F(ChecksTest, KeepaliveHonouredIgnoredAndBroken) {
  ServerOptions announced;
  announced.keepalive_timeout_units = 100;  // 10 s
  model::ProbeResult result = scanSession(announced, {Check::Keepalive});
  const ConformanceCheck* keepalive = &check(result, "keepalive");
  EXPECT_EQ(keepalive->status, CheckStatus::Pass) << describe(result);
  EXPECT_EQ(*keepalive->get<std::int64_t>("timeout_ms"), 10000);
  EXPECT_EQ(*keepalive->get<std::int64_t>("idle_ms"), 300);  // --keepalive-wait, below 10 s / 2
  EXPECT_TRUE(*keepalive->get<bool>("open_after_idle"));

  ServerOptions ignored;
  ignored.keepalive_timeout_units = -1;
  result = scanSession(ignored, {Check::Keepalive});
  keepalive = &check(result, "keepalive");
  EXPECT_EQ(keepalive->status, CheckStatus::Fail) << describe(result);
  EXPECT_EQ(keepalive->get<std::int64_t>("timeout_ms"), nullptr);
  EXPECT_TRUE(*keepalive->get<bool>("open_after_idle"));

  // Announces 10 s, closes after 100 ms idle.
  ServerOptions broken = announced;
  broken.idle_close = milliseconds(100);
  result = scanSession(broken, {Check::Keepalive});
  keepalive = &check(result, "keepalive");
  EXPECT_EQ(keepalive->status, CheckStatus::Fail) << describe(result);
  EXPECT_FALSE(*keepalive->get<bool>("open_after_idle"));
  ASSERT_NE(keepalive->get<std::int64_t>("closed_after_ms"), nullptr);
  EXPECT_LT(*keepalive->get<std::int64_t>("closed_after_ms"), 10000);
}

TEST_F(ChecksTest, PaddingPaddedUnpaddedAndNone) {
  model::ProbeResult result = scanSession({}, {Check::Padding});
  const ConformanceCheck* padding = &check(result, "padding");
  EXPECT_EQ(padding->status, CheckStatus::Pass) << describe(result);
  EXPECT_TRUE(*padding->get<bool>("block_468"));
  EXPECT_EQ(*padding->get<std::int64_t>("answer_size") % 468, 0);
  EXPECT_FALSE(*padding->get<bool>("pads_unpadded"));

  ServerOptions always;
  always.pad_unpadded = true;
  always.pad_block = 128;
  result = scanSession(always, {Check::Padding});
  padding = &check(result, "padding");
  EXPECT_EQ(padding->status, CheckStatus::Pass) << describe(result);
  EXPECT_FALSE(*padding->get<bool>("block_468"));
  EXPECT_TRUE(*padding->get<bool>("pads_unpadded"));

  ServerOptions never;
  never.pad_answers = false;
  result = scanSession(never, {Check::Padding});
  padding = &check(result, "padding");
  EXPECT_EQ(padding->status, CheckStatus::Fail) << describe(result);
  EXPECT_FALSE(*padding->get<bool>("padded"));
}

TEST_F(ChecksTest, ResumptionAcceptedAndRefusedInBothVersions) {
  for (const int version : {testing::kTls12Version, testing::kTls13Version}) {
    ServerOptions options;
    options.min_tls_version = version;
    options.max_tls_version = version;
    model::ProbeResult result = scanSession(options, {Check::Resumption});
    const ConformanceCheck* resumption = &check(result, "resumption");
    EXPECT_EQ(resumption->status, CheckStatus::Pass) << describe(result);
    EXPECT_TRUE(*resumption->get<bool>("resumed"));
    EXPECT_TRUE(*resumption->get<bool>("dns_after_resumption"));

    options.resumption = false;
    result = scanSession(options, {Check::Resumption});
    resumption = &check(result, "resumption");
    EXPECT_EQ(resumption->status, CheckStatus::Fail) << version << ": " << describe(result);
    const bool* resumed = resumption->get<bool>("resumed");
    EXPECT_TRUE(resumed == nullptr || !*resumed);
  }
}

TEST_F(ChecksTest, SniOtherCertificateWithoutSniFails) {
  ServerOptions options;
  options.no_sni_chain_file = testCaPath("wrongname-chain.pem");
  options.no_sni_key_file = testCaPath("wrongname.key");
  const model::ProbeResult result = scanSession(options, {Check::Sni});
  const ConformanceCheck& sni = check(result, "sni");
  EXPECT_EQ(sni.status, CheckStatus::Fail) << describe(result);
  EXPECT_FALSE(*sni.get<bool>("same_certificate"));
  EXPECT_FALSE(*sni.get<bool>("without_sni_matches_name"));
  EXPECT_TRUE(*sni.get<bool>("with_name_matches_name"));
  // The unknown name is an SNI too: the server's usual certificate.
  EXPECT_TRUE(*sni.get<bool>("unknown_sni_matches_name"));
}

TEST_F(ChecksTest, VersionsLegacyAccepted) {
  ServerOptions options;
  options.min_tls_version = testing::kTls10Version;
  const model::ProbeResult result = scanSession(options, {Check::Versions});
  const ConformanceCheck& versions = check(result, "versions");
  EXPECT_EQ(versions.status, CheckStatus::Fail) << describe(result);
  EXPECT_EQ(*versions.get<std::vector<std::string>>("accepted"),
            (std::vector<std::string>{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}));
}

TEST_F(ChecksTest, DdrVerifiedUnverifiedAndAbsent) {
  ServerOptions options;
  options.ddr = true;
  model::ProbeResult result = scanSession(options, {Check::Ddr});
  const ConformanceCheck* ddr = &check(result, "ddr");
  EXPECT_EQ(ddr->status, CheckStatus::Pass) << describe(result);
  EXPECT_EQ(*ddr->get<std::vector<std::string>>("designated_resolvers"),
            std::vector<std::string>{"1 dot.test. alpn=dot port=853 ipv4hint=127.0.0.1"});
  EXPECT_TRUE(*ddr->get<bool>("verified"));

  // A certificate without the address in its IP SANs cannot verify the discovery.
  result = scanSession(options, {Check::Ddr}, "wrongname-chain.pem", "wrongname.key");
  ddr = &check(result, "ddr");
  EXPECT_EQ(ddr->status, CheckStatus::Fail) << describe(result);
  EXPECT_FALSE(*ddr->get<bool>("address_in_san"));

  result = scanSession({}, {Check::Ddr});
  EXPECT_EQ(check(result, "ddr").status, CheckStatus::NotApplicable) << describe(result);
}

TEST_F(ChecksTest, AllPassAgainstAWellBehavedServer) {
  ServerOptions options;
  options.ddr = true;
  const model::ProbeResult result =
      scanSession(options, std::vector<Check>(kAllChecks.begin(), kAllChecks.end()));
  ASSERT_EQ(result.checks.size(), kAllChecks.size());
  for (const ConformanceCheck& one : result.checks) {
    EXPECT_EQ(one.status, CheckStatus::Pass) << describe(result);
  }
}

// A stop while a check runs: still one result, every check asked for present, the unfinished
// ones "interrupted".
TEST_F(ChecksTest, StopDuringAChecksIdleTimeKeepsEveryCheck) {
  settings_.keepalive_wait = std::chrono::seconds(20);
  TestServer server(Behaviour::DnsSession, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const tls::ClientContext context(tls_);
  const Runner runner(settings_, context, engine_.probe, clock_);
  probe::EngineSettings engine = engine_;
  engine.follow_up = [&runner](const probe::ProbeTarget& target) {
    return runner.forTarget(target);
  };
  testing::VectorSource source(
      {probe::ProbeTarget{kLoopback, server.port(), "dot.test", "dot.test", "dot.test"}});
  testing::CollectingSink sink;
  probe::Engine run(engine, source, sink, testing::tlsTransports(context), clock_);
  std::thread stopper([&] {
    // The pipelining check's connection, then the keepalive check's.
    while (server.accepted() < 3) std::this_thread::sleep_for(milliseconds(10));
    std::this_thread::sleep_for(milliseconds(200));
    run.requestStop();
  });
  run.run();
  stopper.join();
  const auto results = sink.results();
  ASSERT_EQ(results.size(), 1U);
  const model::ProbeResult& result = results.front();
  EXPECT_EQ(result.outcome, Outcome::Dot);
  ASSERT_EQ(result.checks.size(), kAllChecks.size()) << describe(result);
  EXPECT_EQ(check(result, "pipelining").status, CheckStatus::Pass) << describe(result);
  for (const char* name : {"keepalive", "padding", "versions"}) {
    EXPECT_EQ(check(result, name).status, CheckStatus::Error) << describe(result);
    EXPECT_NE(check(result, name).summary.find("interrupted"), std::string::npos);
  }
}

}  // namespace
}  // namespace dotscan::checks
