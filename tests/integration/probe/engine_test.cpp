// The engine end to end over loopback: real sockets, real OpenSSL, the in-process test server
// misbehaving on demand. Timeouts here are short but generous; no assertion is about speed.
#include "dotscan/probe/engine.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <thread>

#include "dotscan/cli/timing.hpp"
#include "dotscan/dns/message.hpp"
#include "dotscan/probe/queue_source.hpp"
#include "dotscan/probe/tls_transport.hpp"
#include "dotscan/util/error.hpp"

#include "support/collecting.hpp"
#include "support/test_server.hpp"

namespace dotscan::probe {
namespace {

using model::Outcome;
using model::Phase;
using std::chrono::milliseconds;
using testing::Behaviour;
using testing::testCaPath;
using testing::TestServer;

const Address kLoopback = *Address::parse("127.0.0.1");

// A loopback port with nothing listening: bound, then closed.
std::uint16_t closedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast)
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  ::close(fd);
  return ntohs(address.sin_port);
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() {
    settings_.threads = 2;
    settings_.max_parallel = 64;
    settings_.probe.connect_timeout = milliseconds(1500);
    settings_.probe.tls_timeout = milliseconds(1500);
    settings_.grace = milliseconds(200);
    tls_.ca_file = testCaPath("ca.crt");
  }

  std::vector<model::ProbeResult> scan(std::vector<ProbeTarget> targets) {
    return testing::scanOverTls(settings_, tls_, std::move(targets), clock_, include_pem_);
  }

  model::ProbeResult scanOne(std::uint16_t port, const std::string& sni = "dot.test") {
    auto results = scan({ProbeTarget{kLoopback, port, sni, sni, sni}});
    EXPECT_EQ(results.size(), 1U);
    return results.empty() ? model::ProbeResult{} : results.front();
  }

  EngineSettings settings_;
  tls::ClientOptions tls_;
  bool include_pem_ = false;
  SteadyClock clock_;
};

TEST_F(EngineTest, HandshakeRecordsSessionAndChain) {
  TestServer server(Behaviour::Normal, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scanOne(server.port());
  EXPECT_EQ(result.outcome, Outcome::TlsOk) << result.reason;
  EXPECT_EQ(result.phase, Phase::Done);
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.tls->version, "TLSv1.3");
  EXPECT_EQ(result.tls->cipher.rfind("TLS_", 0), 0U) << result.tls->cipher;
  EXPECT_FALSE(result.tls->group.empty());
  EXPECT_EQ(result.tls->alpn, "dot");  // the test server selects dot when it is offered
  EXPECT_EQ(result.tls->chain_length, 2);
  EXPECT_GT(result.tls->bytes_received, 500U);
  EXPECT_GT(result.tls->bytes_sent, 100U);
  EXPECT_TRUE(result.tls->verification.trusted) << result.tls->verification.reason;
  EXPECT_EQ(result.tls->verification.reason, "ok");
  ASSERT_EQ(result.certificates.size(), 2U);
  EXPECT_EQ(result.certificates[0].subject, "CN=dot.test");
  EXPECT_EQ(result.certificates[1].subject, "CN=dotscan test intermediate CA,O=dotscan test");
  EXPECT_TRUE(result.timings.tcp_connect_ms);
  EXPECT_TRUE(result.timings.tls_handshake_ms);
  EXPECT_EQ(result.sni, "dot.test");
  EXPECT_EQ(server.handshakesWhenAtLeast(1), 1);
}

// Drives `step` until it is no longer NeedRead/NeedWrite, waiting on the transport's socket; the
// server's own timeouts bound it, never a timed assertion here.
template <typename Step>
net::IoStatus untilDone(const Transport& transport, Step step) {
  for (;;) {
    const net::IoStatus status = step();
    if (status != net::IoStatus::NeedRead && status != net::IoStatus::NeedWrite) return status;
    pollfd entry{transport.fd(),
                 static_cast<short>(status == net::IoStatus::NeedRead ? POLLIN : POLLOUT), 0};
    if (::poll(&entry, 1, 5000) != 1) return net::IoStatus::Failed;
  }
}

// The transport keeps the TLS session (issue 13, for resumption later) only when asked, and
// past close(), with the TLS 1.3 tickets that came with the answer.
TEST_F(EngineTest, TlsTransportKeepsTheSessionWhenAsked) {
  TestServer server(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const tls::ClientContext context(tls_);
  dns::QueryOptions options;
  options.name = "dot.test";
  options.type = 1;
  const dns::Query query(options);
  for (const bool keep : {false, true}) {
    TlsTransport transport(
        context, ProbeTarget{kLoopback, server.port(), "dot.test", "dot.test", "dot.test"}, false);
    transport.keepSession(keep);
    net::ConnectStep connecting = transport.connect();
    ASSERT_NE(connecting.status, net::IoStatus::Failed);
    ASSERT_EQ(untilDone(transport, [&] { return transport.finishConnect().status; }),
              net::IoStatus::Done);
    ASSERT_EQ(untilDone(transport, [&] { return transport.handshake(); }), net::IoStatus::Done)
        << transport.handshakeFailure();
    EXPECT_EQ(transport.session() != nullptr, keep);
    const std::vector<std::uint8_t> wire = query.framed(0x4242);
    ASSERT_EQ(untilDone(transport, [&] { return transport.send(wire).status; }),
              net::IoStatus::Done);
    std::array<std::uint8_t, 4096> buffer{};
    ASSERT_EQ(untilDone(transport, [&] { return transport.receive(buffer).status; }),
              net::IoStatus::Done)
        << transport.ioFailure();
    transport.close();
    if (!keep) {
      EXPECT_EQ(transport.session(), nullptr);
      continue;
    }
    ASSERT_NE(transport.session(), nullptr);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(transport.session().get()), TLS1_3_VERSION);
    EXPECT_EQ(SSL_SESSION_is_resumable(transport.session().get()), 1);
  }
}

TEST_F(EngineTest, TlsVersionBoundsAreHonoured) {
  tls_.max_version = tls::TlsVersion::Tls12;
  TestServer server(Behaviour::Normal, testCaPath("rsa-chain.pem"), testCaPath("rsa.key"));
  const model::ProbeResult result = scanOne(server.port());
  ASSERT_EQ(result.outcome, Outcome::TlsOk) << result.reason;
  EXPECT_EQ(result.tls->version, "TLSv1.2");
  EXPECT_EQ(result.tls->cipher.rfind("TLS_ECDHE_RSA_", 0), 0U) << result.tls->cipher;
}

TEST_F(EngineTest, BadCertificatesStillCompleteWithTheReasonRecorded) {
  struct Case {
    const char* name;
    const char* reason;
    int depth;
  };
  for (const Case& c : {Case{"expired", "certificate has expired", 0},
                        Case{"notyet", "certificate is not yet valid", 0}, Case{"weak", "", -1},
                        Case{"sha1", "", -1}}) {
    TestServer server(Behaviour::Normal, testCaPath(std::string(c.name) + "-chain.pem"),
                      testCaPath(std::string(c.name) + ".key"));
    const model::ProbeResult result = scanOne(server.port());
    ASSERT_EQ(result.outcome, Outcome::TlsOk) << c.name << ": " << result.reason;
    if (c.depth >= 0) {
      EXPECT_FALSE(result.tls->verification.trusted) << c.name;
      EXPECT_EQ(result.tls->verification.reason, c.reason) << c.name;
      ASSERT_FALSE(result.tls->verification.errors.empty());
      EXPECT_EQ(result.tls->verification.errors.front().depth, c.depth);
    }
  }
}

TEST_F(EngineTest, SelfSignedAndUnknownIssuer) {
  {
    TestServer server(Behaviour::Normal, testCaPath("selfsigned.crt"),
                      testCaPath("selfsigned.key"));
    const model::ProbeResult result = scanOne(server.port());
    ASSERT_EQ(result.outcome, Outcome::TlsOk) << result.reason;
    EXPECT_EQ(result.tls->verification.reason, "self-signed certificate");
    EXPECT_TRUE(result.certificates.at(0).self_signed);
  }
  {
    tls_.ca_file = testCaPath("root.crt");  // the root alone: the server leaves out no link
    TestServer server(Behaviour::Normal, testCaPath("leaf-onlyleaf.pem"), testCaPath("ecdsa.key"));
    const model::ProbeResult result = scanOne(server.port());
    ASSERT_EQ(result.outcome, Outcome::TlsOk) << result.reason;
    EXPECT_EQ(result.tls->chain_length, 1);
    EXPECT_EQ(result.tls->verification.reason, "unable to get local issuer certificate");
  }
}

TEST_F(EngineTest, SniOnlyWhenAsked) {
  TestServer server(Behaviour::Normal, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  auto results = scan({ProbeTarget{kLoopback, server.port(), "", "", ""}});
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0].outcome, Outcome::TlsOk);
  EXPECT_EQ(results[0].sni, "");
}

TEST_F(EngineTest, ClosedPortIsClosed) {
  const model::ProbeResult result = scanOne(closedPort());
  EXPECT_EQ(result.outcome, Outcome::Closed);
  EXPECT_EQ(result.phase, Phase::Connect);
  EXPECT_EQ(result.attempts, 1);
}

TEST_F(EngineTest, SilentServerIsTlsTimeout) {
  settings_.probe.tls_timeout = milliseconds(300);
  TestServer server(Behaviour::StallBeforeHandshake, testCaPath("ecdsa-chain.pem"),
                    testCaPath("ecdsa.key"));
  const model::ProbeResult result = scanOne(server.port());
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout) << result.reason;
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
  EXPECT_EQ(result.reason, "connected, then no answer to the ClientHello (TLS timeout (300 ms))");
  EXPECT_GE(result.timings.total_ms, 300.0);
}

TEST_F(EngineTest, EarlyCloseResetAndAlertAreTlsFailed) {
  struct Case {
    Behaviour behaviour;
    const char* reason;
  };
  for (const Case& c : {Case{Behaviour::CloseMidHandshake, "unexpected eof while reading"},
                        Case{Behaviour::ResetMidHandshake, "Connection reset by peer"},
                        Case{Behaviour::Alert, "sslv3 alert handshake failure"}}) {
    TestServer server(c.behaviour, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
    const model::ProbeResult result = scanOne(server.port());
    EXPECT_EQ(result.outcome, Outcome::TlsFailed) << result.reason;
    EXPECT_EQ(result.phase, Phase::TlsHandshake);
    EXPECT_EQ(result.reason, c.reason);
  }
}

TEST_F(EngineTest, AlertBytesAreKept) {
  TestServer server(Behaviour::Alert, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  EXPECT_EQ(scanOne(server.port()).first_bytes_hex, "15030300020228");
}

TEST_F(EngineTest, PlainTcpIsNotTls) {
  TestServer server(Behaviour::PlainTcp, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const model::ProbeResult result = scanOne(server.port());
  EXPECT_EQ(result.outcome, Outcome::NotTls) << result.reason;
  // "SSH-2.0-", hex: the first bytes are kept.
  EXPECT_EQ(result.first_bytes_hex.substr(0, 16), "5353482d322e302d");
}

TEST_F(EngineTest, LargeChainIsDescribedWhole) {
  TestServer server(Behaviour::HugeChain, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"),
                    40);
  const model::ProbeResult result = scanOne(server.port());
  ASSERT_EQ(result.outcome, Outcome::TlsOk) << result.reason;
  EXPECT_EQ(result.tls->chain_length, 42);
  EXPECT_EQ(result.certificates.size(), 42U);
}

TEST_F(EngineTest, OversizedChainIsTlsFailedNotACrash) {
  TestServer server(Behaviour::HugeChain, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"),
                    200);
  const model::ProbeResult result = scanOne(server.port());
  EXPECT_EQ(result.outcome, Outcome::TlsFailed) << result.reason;
  EXPECT_EQ(result.reason, "excessive message size");
}

TEST_F(EngineTest, ManyTargetsEachGiveOneResult) {
  TestServer live(Behaviour::Normal, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const std::uint16_t closed = closedPort();
  settings_.max_parallel = 16;
  std::vector<ProbeTarget> targets;
  for (int i = 0; i < 150; ++i) {
    targets.push_back({kLoopback, (i % 3 == 0) ? closed : live.port(), "", "", ""});
  }
  const auto results = scan(targets);
  ASSERT_EQ(results.size(), 150U);
  EXPECT_EQ(testing::countOutcome(results, Outcome::TlsOk), 100);
  EXPECT_EQ(testing::countOutcome(results, Outcome::Closed), 50);
  EXPECT_EQ(live.handshakesWhenAtLeast(100), 100);
}

TEST_F(EngineTest, EachDistinctChainIsVerifiedOnceWithTheSameOutcome) {
  // Issue 15: thousands of servers may send one chain; its verification is replayed, errors and
  // all, and a different chain is verified on its own.
  tls_.ca_file = testCaPath("root.crt");
  TestServer untrusted(Behaviour::Normal, testCaPath("leaf-onlyleaf.pem"), testCaPath("ecdsa.key"));
  TestServer trusted(Behaviour::Normal, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  settings_.max_parallel = 4;
  std::vector<ProbeTarget> targets;
  for (int i = 0; i < 12; ++i) {
    targets.push_back({kLoopback, i % 2 == 0 ? untrusted.port() : trusted.port(), "", "", ""});
  }
  const tls::ClientContext context(tls_);
  testing::VectorSource source(std::move(targets));
  testing::CollectingSink sink;
  Engine engine(settings_, source, sink, testing::tlsTransports(context), clock_);
  engine.run();
  const auto results = sink.results();
  ASSERT_EQ(results.size(), 12U);
  std::optional<std::vector<model::VerifyError>> first_errors;
  for (const auto& result : results) {
    ASSERT_EQ(result.outcome, Outcome::TlsOk) << result.reason;
    if (result.port == untrusted.port()) {
      EXPECT_FALSE(result.tls->verification.trusted);
      EXPECT_EQ(result.tls->verification.reason, "unable to get local issuer certificate");
      // Every replay carries the same errors, in the same order, as the one verification.
      const auto& errors = result.tls->verification.errors;
      ASSERT_FALSE(errors.empty());
      if (!first_errors) first_errors = errors;
      ASSERT_EQ(errors.size(), first_errors->size());
      for (std::size_t i = 0; i < errors.size(); ++i) {
        EXPECT_EQ(errors[i].depth, (*first_errors)[i].depth);
        EXPECT_EQ(errors[i].code, (*first_errors)[i].code);
        EXPECT_EQ(errors[i].reason, (*first_errors)[i].reason);
      }
    } else {
      EXPECT_TRUE(result.tls->verification.trusted) << result.tls->verification.reason;
      EXPECT_TRUE(result.tls->verification.errors.empty());
    }
  }
  // Two chains, so at most two verifications (two more if both raced their first handshake).
  EXPECT_GE(context.chains().hits(), 8U);
  EXPECT_EQ(context.chains().hits() + context.chains().misses(), 12U);
}

// A clock that moves 4 ms every time it is read: to the engine, every step takes long, as on a
// machine too busy to keep up with thousands of probes. Each step's deadline has passed by the
// time the loop gets to look at its events.
class BusyClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override {
    return TimePoint(std::chrono::hours(1)) + std::chrono::milliseconds(4) * ticks_.fetch_add(1);
  }

 private:
  mutable std::atomic<std::int64_t> ticks_{0};
};

TEST_F(EngineTest, BusyLoopNeverTakesItsBacklogForSilence) {
  // Issue 16: a loop that started more probes than it could serve took refusals already waiting
  // in the kernel for silence, and reported closed ports as filtered.
  settings_.threads = 1;
  settings_.max_parallel = 1000;
  settings_.probe.connect_timeout = milliseconds(100);
  settings_.probe.retries = 0;
  const std::uint16_t closed = closedPort();
  std::vector<ProbeTarget> targets(600, ProbeTarget{kLoopback, closed, "", "", ""});
  const tls::ClientContext context(tls_);
  testing::VectorSource source(std::move(targets));
  testing::CollectingSink sink;
  const BusyClock busy;
  Engine engine(settings_, source, sink, testing::tlsTransports(context), busy);
  engine.run();
  const auto results = sink.results();
  ASSERT_EQ(results.size(), 600U);
  EXPECT_EQ(testing::countOutcome(results, Outcome::Closed), 600);
  // The loop saw that it was behind and narrowed its window below --max-parallel.
  EXPECT_GT(engine.stats().window_cuts, 0U);
  EXPECT_LT(engine.stats().smallest_window, 1000U);
}

TEST_F(EngineTest, RateLimitedScanEndsWithItsLastProbe) {
  // Issue 16: with --rate, each loop waited for its next rate slot before it asked the source
  // and learned there was nothing left, so one target at 0.05 a second took 20 s on 4 loops.
  settings_.threads = 4;
  settings_.rate = 0.05;
  const auto started = std::chrono::steady_clock::now();
  const model::ProbeResult result = scanOne(closedPort());
  EXPECT_EQ(result.outcome, Outcome::Closed);
  // The bound is the next rate slot (20 s), not a speed.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(EngineTest, StreamedTargetsAreProbedAsTheyArrive) {
  // A discovery stage hands live hosts to the engine while it runs: loops with nothing to do
  // sleep (NotYet), wake for each push, and end only when the stream finishes.
  TestServer live(Behaviour::Normal, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  const std::uint16_t closed = closedPort();
  const tls::ClientContext context(tls_);
  QueueSource source;
  testing::CollectingSink sink;
  Engine engine(settings_, source, sink, testing::tlsTransports(context), clock_);
  source.attach(engine);
  std::thread producer([&] {
    for (int i = 0; i < 6; ++i) {
      source.push({kLoopback, i % 2 == 0 ? live.port() : closed, "", "", ""});
      // Wait until that one is done, so that the loops run dry and must sleep in between.
      while (sink.results().size() < static_cast<std::size_t>(i + 1)) std::this_thread::yield();
    }
    source.finish();
  });
  engine.run();
  producer.join();
  const auto results = sink.results();
  ASSERT_EQ(results.size(), 6U);
  EXPECT_EQ(testing::countOutcome(results, Outcome::TlsOk), 3);
  EXPECT_EQ(testing::countOutcome(results, Outcome::Closed), 3);
}

TEST_F(EngineTest, ATargetWaitingForItsRateSlotStillGetsItsResultOnStop) {
  // With --rate, a loop holds its next target while it waits for the slot; a stop then must not
  // lose it: every target taken from the source gives one result.
  settings_.threads = 1;
  settings_.rate = 0.05;  // the second start would be due in 20 s
  const std::uint16_t closed = closedPort();
  const tls::ClientContext context(tls_);
  testing::VectorSource source(
      std::vector<ProbeTarget>(3, ProbeTarget{kLoopback, closed, "", "", ""}));
  class StoppingSink final : public ResultSink {
   public:
    Engine* engine = nullptr;
    std::vector<model::ProbeResult> results;
    void consume(model::ProbeResult&& result) override {
      results.push_back(std::move(result));
      if (results.size() == 1) engine->requestStop();
    }
  } sink;
  Engine engine(settings_, source, sink, testing::tlsTransports(context), clock_);
  sink.engine = &engine;
  engine.run();
  ASSERT_EQ(sink.results.size(), 2U);  // the third was never taken
  EXPECT_EQ(sink.results[0].outcome, Outcome::Closed);
  EXPECT_EQ(sink.results[1].outcome, Outcome::Interrupted);
  EXPECT_EQ(sink.results[1].reason, "interrupted: the scan was stopped before this probe started");
}

TEST_F(EngineTest, StopRequestEndsStalledProbesAsInterrupted) {
  settings_.probe.tls_timeout = std::chrono::seconds(60);
  settings_.grace = milliseconds(100);
  TestServer server(Behaviour::StallBeforeHandshake, testCaPath("ecdsa-chain.pem"),
                    testCaPath("ecdsa.key"));
  std::vector<ProbeTarget> targets(200, ProbeTarget{kLoopback, server.port(), "", "", ""});
  settings_.max_parallel = 8;

  const tls::ClientContext context(tls_);
  testing::VectorSource source(targets);
  testing::CollectingSink sink;
  Engine engine(settings_, source, sink, testing::tlsTransports(context), clock_);
  std::thread stopper([&engine, &server] {
    for (int i = 0; i < 1000 && server.accepted() < 8; ++i) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    engine.requestStop();
  });
  engine.run();
  stopper.join();
  const auto results = sink.results();
  // Only the probes in flight were started; each ended as interrupted, in the TLS phase.
  ASSERT_EQ(results.size(), 8U);
  for (const auto& result : results) {
    EXPECT_EQ(result.outcome, Outcome::Interrupted);
    EXPECT_EQ(result.phase, Phase::TlsHandshake);
  }
  EXPECT_EQ(engine.stopLevel(), 1);
}

// A sink whose write fails (a full disk): the whole scan stops at once with the error.
class FailingSink final : public ResultSink {
 public:
  void consume(model::ProbeResult&& /*result*/) override {
    throw Error(ExitCode::RuntimeError, "cannot write the report: No space left on device");
  }
};

TEST_F(EngineTest, SinkFailureStopsEveryLoop) {
  settings_.probe.tls_timeout = std::chrono::seconds(60);
  TestServer stalling(Behaviour::StallBeforeHandshake, testCaPath("ecdsa-chain.pem"),
                      testCaPath("ecdsa.key"));
  std::vector<ProbeTarget> targets(16, ProbeTarget{kLoopback, stalling.port(), "", "", ""});
  targets.push_back({kLoopback, closedPort(), "", "", ""});
  const tls::ClientContext context(tls_);
  testing::VectorSource source(targets);
  FailingSink sink;
  Engine engine(settings_, source, sink, testing::tlsTransports(context), clock_);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(engine.run(), Error);
  // Not the 60 s TLS timeout of the stalled probes: the other loop was told to stop.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(engine.stopLevel(), 2);
}

// --- DNS inside the session (issue 4) -------------------------------------------------------

class DnsEngineTest : public EngineTest {
 protected:
  DnsEngineTest() {
    dns::QueryOptions options;
    options.name = "dot.test";
    options.type = 1;  // A
    auto settings = std::make_shared<DnsSettings>();
    settings->queries.emplace_back(options);
    settings->timeout = milliseconds(400);
    settings_.probe.dns = settings;
  }

  model::ProbeResult scanBehaviour(Behaviour behaviour) {
    TestServer server(behaviour, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
    return scanOne(server.port());
  }

  static std::string failedChecks(const model::ProbeResult& result) {
    std::string names;
    if (!result.dns) return names;
    for (const auto& check : result.dns->checks) {
      if (!check.ok) names += (names.empty() ? "" : ",") + check.name;
    }
    return names;
  }
};

TEST_F(DnsEngineTest, CorrectAnswerConfirmsDoT) {
  const model::ProbeResult result = scanBehaviour(Behaviour::DnsAnswer);
  ASSERT_EQ(result.outcome, Outcome::Dot) << result.reason;
  EXPECT_EQ(result.phase, Phase::Done);
  EXPECT_EQ(result.reason, "DNS answered inside TLS: NOERROR");
  ASSERT_TRUE(result.dns);
  ASSERT_TRUE(result.dns->response);
  const model::DnsResponse& response = *result.dns->response;
  EXPECT_EQ(response.id, result.dns->query.id);
  EXPECT_EQ(response.short_answer, "192.0.2.53");
  EXPECT_EQ(response.ancount, 1);
  EXPECT_TRUE(response.ra);
  ASSERT_TRUE(response.edns);
  EXPECT_EQ(response.edns->nsid_text, "dotscan-test");
  EXPECT_EQ(response.edns->keepalive_ms, 10000U);
  EXPECT_EQ(failedChecks(result), "");
  EXPECT_TRUE(result.timings.dns_rtt_ms);
  EXPECT_TRUE(result.tls);  // the session facts are kept alongside
  EXPECT_EQ(result.certificates.size(), 2U);
  // The query went out padded to a 128-octet block (RFC 8467).
  EXPECT_EQ(result.dns->query.size % 128, 0U);
}

TEST_F(DnsEngineTest, AnswerThenCloseStillConfirms) {
  const model::ProbeResult result = scanBehaviour(Behaviour::DnsAnswerThenClose);
  EXPECT_EQ(result.outcome, Outcome::Dot) << result.reason;
}

TEST_F(DnsEngineTest, HugeAnswerIsRead) {
  const model::ProbeResult result = scanBehaviour(Behaviour::DnsHuge);
  ASSERT_EQ(result.outcome, Outcome::Dot) << result.reason;
  EXPECT_GT(result.dns->response->size, 65000U);
  EXPECT_EQ(result.dns->bytes_received, result.dns->response->size + 2U);
}

TEST_F(DnsEngineTest, ChecksNameWhatFailed) {
  struct Case {
    Behaviour behaviour;
    const char* failed;
  };
  for (const Case& c :
       {Case{Behaviour::DnsWrongId, "id"}, Case{Behaviour::DnsQrClear, "qr"},
        Case{Behaviour::DnsZeroLength, "framing"}, Case{Behaviour::DnsBodyCut, "framing"},
        Case{Behaviour::DnsCompressionLoop, "parse"}}) {
    const model::ProbeResult result = scanBehaviour(c.behaviour);
    EXPECT_EQ(result.outcome, Outcome::DnsMalformed) << c.failed << ": " << result.reason;
    EXPECT_EQ(result.phase, Phase::DnsAnswer) << c.failed;
    EXPECT_EQ(failedChecks(result), c.failed) << result.reason;
  }
}

TEST_F(DnsEngineTest, FramingReasons) {
  EXPECT_EQ(scanBehaviour(Behaviour::DnsZeroLength).reason, "framing: zero-length frame");
  const model::ProbeResult cut = scanBehaviour(Behaviour::DnsBodyCut);
  EXPECT_EQ(cut.reason.rfind("framing: body cut short (", 0), 0U) << cut.reason;
}

TEST_F(DnsEngineTest, SilenceAndStallsAreDnsTimeouts) {
  const model::ProbeResult silent = scanBehaviour(Behaviour::DnsSilence);
  EXPECT_EQ(silent.outcome, Outcome::DnsTimeout) << silent.reason;
  EXPECT_EQ(silent.phase, Phase::DnsAnswer);
  EXPECT_EQ(silent.reason, "no answer to the query (DNS timeout (400 ms))");

  const model::ProbeResult partial = scanBehaviour(Behaviour::DnsLengthBeyondBody);
  EXPECT_EQ(partial.outcome, Outcome::DnsTimeout) << partial.reason;
  EXPECT_EQ(partial.reason.rfind("answer incomplete: ", 0), 0U) << partial.reason;
}

TEST_F(DnsEngineTest, CloseAfterHandshakeIsTlsNoDns) {
  const model::ProbeResult result = scanBehaviour(Behaviour::CloseAfterHandshake);
  EXPECT_EQ(result.outcome, Outcome::TlsNoDns) << result.reason;
  // The server's close may reach us as a close_notify or, since our query lies unread in its
  // socket, as a reset: both are the end of the session without an answer.
  EXPECT_TRUE(result.reason == "the peer closed the session without answering" ||
              result.reason == "the session ended without an answer (Connection reset by peer)")
      << result.reason;
  EXPECT_TRUE(result.tls);
}

TEST_F(DnsEngineTest, CleartextDnsOnTheDotPortIsFound) {
  const model::ProbeResult result = scanBehaviour(Behaviour::PlainDns);
  ASSERT_EQ(result.outcome, Outcome::CleartextDns) << result.reason;
  EXPECT_EQ(result.phase, Phase::Done);
  ASSERT_TRUE(result.dns);
  EXPECT_TRUE(result.dns->cleartext);
  ASSERT_TRUE(result.dns->response);
  EXPECT_EQ(result.dns->response->short_answer, "192.0.2.53");
  EXPECT_FALSE(result.tls);
  EXPECT_EQ(result.reason.rfind("DNS answered in cleartext on the DoT port", 0), 0U)
      << result.reason;
}

TEST_F(DnsEngineTest, NonDnsPlainPeerKeepsItsOutcome) {
  // An SSH server: not TLS, and no DNS answer on the second connection either.
  const model::ProbeResult result = scanBehaviour(Behaviour::PlainTcp);
  EXPECT_EQ(result.outcome, Outcome::NotTls) << result.reason;
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
  EXPECT_NE(result.reason.find("; no cleartext DNS either ("), std::string::npos) << result.reason;
  ASSERT_TRUE(result.dns);
  EXPECT_TRUE(result.dns->cleartext);
}

TEST_F(DnsEngineTest, CleartextCheckCanBeTurnedOff) {
  auto settings = std::make_shared<DnsSettings>(*settings_.probe.dns);
  settings->cleartext_fallback = false;
  settings_.probe.dns = settings;
  const model::ProbeResult result = scanBehaviour(Behaviour::PlainDns);
  EXPECT_EQ(result.outcome, Outcome::TlsFailed) << result.reason;
  EXPECT_FALSE(result.dns);
}

// Issue 15 items 4 and 5: the cleartext check beside a silent handshake, and timing templates.
// The wall-time bounds are the deadlines the settings imply plus slack for a shared machine;
// none is a speed.
class TimingEngineTest : public DnsEngineTest {
 protected:
  static constexpr milliseconds kSlack{1500};

  struct Scan {
    std::vector<model::ProbeResult> results;
    LoopStats stats;
    milliseconds wall{};
  };

  Scan run(std::vector<ProbeTarget> targets) {
    const tls::ClientContext context(tls_);
    testing::VectorSource source(std::move(targets));
    testing::CollectingSink sink;
    settings_.probe.rtt = std::make_shared<RttTable>();
    Engine engine(settings_, source, sink, testing::tlsTransports(context), clock_);
    const auto started = std::chrono::steady_clock::now();
    engine.run();
    const auto wall = std::chrono::steady_clock::now() - started;
    return {sink.results(), engine.stats(), std::chrono::duration_cast<milliseconds>(wall)};
  }

  static void add(std::vector<ProbeTarget>& targets, const TestServer& server, int count) {
    for (int i = 0; i < count; ++i) {
      targets.push_back(ProbeTarget{kLoopback, server.port(), "dot.test", "dot.test", "dot.test"});
    }
  }

  // The settings of a timing template, as the command line sets them.
  void useTemplate(const char* name) {
    const cli::TimingTemplate& timing = *cli::findTimingTemplate(name);
    settings_.probe.connect_timeout = timing.connect_timeout;
    settings_.probe.tls_timeout = timing.tls_timeout;
    settings_.probe.retries = timing.retries;
    settings_.probe.adaptive.enabled = timing.adaptive;
    settings_.probe.adaptive.min = timing.min_rtt_timeout;
    settings_.probe.adaptive.max = timing.max_rtt_timeout;
    auto dns = std::make_shared<DnsSettings>(*settings_.probe.dns);
    dns->timeout = timing.dns_timeout;
    settings_.probe.dns = dns;
  }

  // One target on a server that behaves as `behaviour`; `accepted`: the connections it took.
  Scan runOne(Behaviour behaviour, int& accepted) {
    const TestServer server(behaviour, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
    std::vector<ProbeTarget> targets;
    add(targets, server, 1);
    Scan scan = run(std::move(targets));
    accepted = server.accepted();
    EXPECT_EQ(scan.results.size(), 1U);
    if (scan.results.empty()) scan.results.emplace_back();
    return scan;
  }
};

TEST_F(TimingEngineTest, NormalServersOpenNoSecondConnection) {
  useTemplate("normal");
  settings_.max_parallel = 4;
  TestServer good(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  std::vector<ProbeTarget> targets;
  add(targets, good, 16);
  const Scan scan = run(std::move(targets));
  EXPECT_EQ(testing::countOutcome(scan.results, Outcome::Dot), 16);
  EXPECT_EQ(scan.stats.cleartext_checks, 0U);
  EXPECT_EQ(good.accepted(), 16);
}

TEST_F(TimingEngineTest, TarpitCostsItsTlsTimeoutNotTwoTimeouts) {
  settings_.probe.tls_timeout = milliseconds(1500);
  auto dns = std::make_shared<DnsSettings>(*settings_.probe.dns);
  dns->timeout = milliseconds(1500);
  settings_.probe.dns = dns;
  int accepted = 0;
  const Scan scan = runOne(Behaviour::StallBeforeHandshake, accepted);
  const model::ProbeResult& result = scan.results.front();
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout) << result.reason;
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
  EXPECT_EQ(
      result.reason,
      "connected, then no answer to the ClientHello (TLS timeout (1500 ms)); no cleartext DNS "
      "either (no answer (DNS timeout (1500 ms)))");
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(scan.stats.cleartext_checks, 1U);
  // The check started after the floor, beside the handshake: the deadlines end at 1.7 s, where
  // one after the other they ended at 3 s.
  EXPECT_LT(scan.wall, kCleartextCheckFloor + milliseconds(1500) + kSlack) << result.reason;
}

TEST_F(TimingEngineTest, PatientCleartextServerIsFoundBeforeTheTlsTimeout) {
  useTemplate("normal");  // a TLS timeout of 5 s
  int accepted = 0;
  const Scan scan = runOne(Behaviour::PlainDnsPatient, accepted);
  const model::ProbeResult& result = scan.results.front();
  ASSERT_EQ(result.outcome, Outcome::CleartextDns) << result.reason;
  EXPECT_EQ(result.phase, Phase::Done);
  EXPECT_NE(result.reason.find("(TLS: no answer to the ClientHello in "), std::string::npos)
      << result.reason;
  EXPECT_EQ(result.dns->response->short_answer, "192.0.2.53");
  EXPECT_LT(result.timings.total_ms, 5000.0);
  EXPECT_LT(scan.wall, milliseconds(5000));
  EXPECT_EQ(accepted, 2);
}

TEST_F(TimingEngineTest, SlowServerAmongFastOnesIsStillDotUnderT4) {
  useTemplate("4");
  TestServer fast(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  TestServer slow(Behaviour::SlowHandshake, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  std::vector<ProbeTarget> targets;
  add(targets, fast, 40);
  add(targets, slow, 1);
  const Scan scan = run(std::move(targets));
  ASSERT_EQ(scan.results.size(), 41U);
  for (const model::ProbeResult& result : scan.results) {
    EXPECT_EQ(result.outcome, Outcome::Dot) << result.port << ": " << result.reason;
    if (result.port == slow.port() && result.timings.tls_handshake_ms) {
      // The server's 800 ms count from its accept, ours from when the loop saw the connect.
      EXPECT_GE(*result.timings.tls_handshake_ms, 600.0);
    }
  }
}

// The issue's /24 in small: many fast DoT servers, a tarpit and a cleartext DNS server, under
// -T4 and under the defaults, each within the deadline its template implies.
TEST_F(TimingEngineTest, TemplatesBoundAScanWithATarpitAndACleartextServer) {
  TestServer fast(Behaviour::DnsAnswer, testCaPath("ecdsa-chain.pem"), testCaPath("ecdsa.key"));
  TestServer tarpit(Behaviour::StallBeforeHandshake, testCaPath("ecdsa-chain.pem"),
                    testCaPath("ecdsa.key"));
  TestServer plain(Behaviour::PlainDnsPatient, testCaPath("ecdsa-chain.pem"),
                   testCaPath("ecdsa.key"));
  struct Case {
    const char* timing;
    Duration bound;  // the tarpit: its TLS timeout, or the check's floor and DNS timeout
  };
  // -T4: at most max-rtt-timeout for each (1.5 s); the defaults: 5 s each, the check at 200 ms.
  for (const Case& c :
       {Case{"aggressive", milliseconds(1500) + kCleartextCheckFloor + milliseconds(1500)},
        Case{"normal", kCleartextCheckFloor + milliseconds(5000)}}) {
    useTemplate(c.timing);
    std::vector<ProbeTarget> targets;
    add(targets, fast, 60);
    add(targets, tarpit, 1);
    add(targets, plain, 1);
    const Scan scan = run(std::move(targets));
    ASSERT_EQ(scan.results.size(), 62U) << c.timing;
    EXPECT_EQ(testing::countOutcome(scan.results, Outcome::Dot), 60) << c.timing;
    EXPECT_EQ(testing::countOutcome(scan.results, Outcome::TlsTimeout), 1) << c.timing;
    EXPECT_EQ(testing::countOutcome(scan.results, Outcome::CleartextDns), 1) << c.timing;
    EXPECT_LT(scan.wall, c.bound + kSlack) << c.timing;
    RecordProperty(std::string("wall_ms_") + c.timing, static_cast<int>(scan.wall.count()));
  }
}

}  // namespace
}  // namespace dotscan::probe
