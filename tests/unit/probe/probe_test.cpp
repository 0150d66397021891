// The probe state machine, driven by a scripted transport and a manual clock.
#include "dotscan/probe/probe.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "support/scripted_transport.hpp"

namespace dotscan::probe {
namespace {

using model::Outcome;
using model::Phase;
using net::ConnectStep;
using net::IoStatus;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ScriptedTransport;

class ProbeTest : public ::testing::Test {
 protected:
  ProbeTest() {
    settings_.connect_timeout = seconds(3);
    settings_.tls_timeout = seconds(5);
    settings_.retries = 1;
  }

  Probe make() {
    auto owned = std::make_unique<ScriptedTransport>();
    transport_ = owned.get();
    ProbeTarget target{*Address::parse("127.0.0.1"), 853, "dot.test", "dot.test"};
    return Probe(target, std::move(owned), settings_);
  }

  Next start(Probe& probe) { return probe.start(clock_.now(), std::chrono::system_clock::now()); }

  ManualClock clock_;
  ProbeSettings settings_;
  ScriptedTransport* transport_ = nullptr;
};

TEST_F(ProbeTest, ConnectThenHandshakeAcrossWakeUps) {
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  transport_->connect_results = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead, IoStatus::NeedWrite, IoStatus::Done};

  Next next = start(probe);
  EXPECT_FALSE(next.done);
  EXPECT_EQ(next.interest, net::Interest::Write);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(3));

  clock_.advance(milliseconds(20));
  next = probe.onReady(clock_.now());  // connected, and the first handshake step in the same call
  EXPECT_EQ(next.interest, net::Interest::Read);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(5));
  EXPECT_EQ(probe.phase(), Phase::TlsHandshake);

  clock_.advance(milliseconds(10));
  next = probe.onReady(clock_.now());
  EXPECT_EQ(next.interest, net::Interest::Write);
  clock_.advance(milliseconds(5));
  next = probe.onReady(clock_.now());
  ASSERT_TRUE(next.done);

  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsOk);
  EXPECT_EQ(result.phase, Phase::Done);
  EXPECT_EQ(result.attempts, 1);
  ASSERT_TRUE(result.timings.tcp_connect_ms);
  EXPECT_DOUBLE_EQ(*result.timings.tcp_connect_ms, 20.0);
  ASSERT_TRUE(result.timings.tls_handshake_ms);
  EXPECT_DOUBLE_EQ(*result.timings.tls_handshake_ms, 15.0);
  EXPECT_DOUBLE_EQ(result.timings.total_ms, 35.0);
  ASSERT_TRUE(result.tls);
  EXPECT_EQ(result.reason, "TLSv1.3 handshake completed");
  EXPECT_EQ(result.sni, "dot.test");
  EXPECT_EQ(transport_->close_calls, 1);
}

TEST_F(ProbeTest, ImmediateConnectGoesStraightToTheHandshake) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::Done};
  const Next next = start(probe);
  ASSERT_TRUE(next.done);
  EXPECT_EQ(probe.takeResult().outcome, Outcome::TlsOk);
}

TEST_F(ProbeTest, RefusedIsClosed) {
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  transport_->connect_results = {{IoStatus::Failed, ECONNREFUSED}};
  start(probe);
  ASSERT_TRUE(probe.onReady(clock_.now()).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Closed);
  EXPECT_EQ(result.phase, Phase::Connect);
  EXPECT_EQ(result.reason, "connection refused");
  EXPECT_FALSE(result.timings.tcp_connect_ms);
}

TEST_F(ProbeTest, NoRouteIsUnreachable) {
  for (const int error : {EHOSTUNREACH, ENETUNREACH}) {
    Probe probe = make();
    transport_->connects = {{IoStatus::Failed, error}};  // the kernel knows at once
    ASSERT_TRUE(start(probe).done);
    const model::ProbeResult result = probe.takeResult();
    EXPECT_EQ(result.outcome, Outcome::Unreachable);
    EXPECT_EQ(result.reason, errorText(error));
  }
}

TEST_F(ProbeTest, LocalFailureIsError) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Failed, EMFILE}};
  ASSERT_TRUE(start(probe).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Error);
  EXPECT_EQ(result.reason, "connect: " + errorText(EMFILE));
}

TEST_F(ProbeTest, ConnectTimeoutIsRetriedThenFiltered) {
  settings_.retries = 2;
  Probe probe = make();
  transport_->connects = {
      {IoStatus::NeedWrite, 0}, {IoStatus::NeedWrite, 0}, {IoStatus::NeedWrite, 0}};
  Next next = start(probe);
  const int first_fd = probe.fd();
  for (int attempt = 1; attempt <= 2; ++attempt) {
    clock_.advance(seconds(3));
    next = probe.onTimeout(clock_.now());
    ASSERT_FALSE(next.done) << "attempt " << attempt;
    EXPECT_EQ(next.deadline, clock_.now() + seconds(3));
    EXPECT_NE(probe.fd(), first_fd);  // a new socket for each attempt
  }
  clock_.advance(seconds(3));
  ASSERT_TRUE(probe.onTimeout(clock_.now()).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Filtered);
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(result.reason, "no answer to 3 connection attempts (connect timeout 3000 ms)");
  EXPECT_EQ(transport_->connect_calls, 3);
  EXPECT_DOUBLE_EQ(result.timings.total_ms, 9000.0);
}

TEST_F(ProbeTest, RetriesZeroMeansOneAttempt) {
  settings_.retries = 0;
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  start(probe);
  clock_.advance(seconds(3));
  ASSERT_TRUE(probe.onTimeout(clock_.now()).done);
  EXPECT_EQ(probe.takeResult().reason,
            "no answer to 1 connection attempt (connect timeout 3000 ms)");
}

TEST_F(ProbeTest, RefusalIsNeverRetried) {
  settings_.retries = 3;
  Probe probe = make();
  transport_->connects = {{IoStatus::Failed, ECONNREFUSED}};
  ASSERT_TRUE(start(probe).done);
  EXPECT_EQ(probe.takeResult().attempts, 1);
  EXPECT_EQ(transport_->connect_calls, 1);
}

TEST_F(ProbeTest, EarlyWakeUpKeepsWaiting) {
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  const Next first = start(probe);
  clock_.advance(seconds(1));
  const Next next = probe.onTimeout(clock_.now());
  EXPECT_FALSE(next.done);
  EXPECT_EQ(next.interest, net::Interest::Write);
  EXPECT_EQ(next.deadline, first.deadline);
}

TEST_F(ProbeTest, SilentAfterConnectIsTlsTimeout) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  const Next next = start(probe);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(5));
  clock_.advance(seconds(5));
  ASSERT_TRUE(probe.onTimeout(clock_.now()).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout);
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
  EXPECT_EQ(result.reason, "connected, then no answer to the ClientHello (TLS timeout (5000 ms))");
  EXPECT_TRUE(result.timings.tcp_connect_ms);
  EXPECT_FALSE(result.timings.tls_handshake_ms);
}

TEST_F(ProbeTest, StallMidHandshakeIsTlsTimeoutWithTheBytesSeen) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  transport_->prefix = {0x16, 0x03, 0x03, 0x00, 0x7a};
  start(probe);
  clock_.advance(seconds(5));
  ASSERT_TRUE(probe.onTimeout(clock_.now()).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout);
  EXPECT_EQ(result.reason, "the TLS handshake stalled (TLS timeout (5000 ms))");
  EXPECT_EQ(result.first_bytes_hex, "160303007a");
}

TEST_F(ProbeTest, HandshakeFailureKeepsOpenSslReason) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead, IoStatus::Failed};
  transport_->prefix = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
  start(probe);
  ASSERT_TRUE(probe.onReady(clock_.now()).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsFailed);
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
  EXPECT_EQ(result.reason, "sslv3 alert handshake failure");
  EXPECT_EQ(result.first_bytes_hex, "15030300020228");
}

TEST_F(ProbeTest, NonTlsBytesAreNotTls) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::Failed};
  transport_->failure = "wrong version number";
  transport_->not_tls = true;
  transport_->prefix = {'S', 'S', 'H', '-'};
  ASSERT_TRUE(start(probe).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::NotTls);
  EXPECT_EQ(result.first_bytes_hex, "5353482d");
  EXPECT_EQ(result.reason, "the peer answered with bytes that are not TLS (wrong version number)");
}

TEST_F(ProbeTest, HostTimeoutCutsAcrossPhases) {
  settings_.host_timeout = seconds(4);
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  transport_->connect_results = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  start(probe);
  clock_.advance(seconds(2));
  const Next next = probe.onReady(clock_.now());
  // The TLS phase would last to 2 s + 5 s; the host deadline at 4 s comes first.
  EXPECT_EQ(next.deadline, clock_.now() + seconds(2));
  clock_.advance(seconds(2));
  ASSERT_TRUE(probe.onTimeout(clock_.now()).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout);
  EXPECT_EQ(result.reason, "connected, then no answer to the ClientHello (host timeout (4000 ms))");
}

TEST_F(ProbeTest, HostTimeoutDuringConnectIsFiltered) {
  settings_.host_timeout = seconds(2);
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  start(probe);
  clock_.advance(seconds(2));
  ASSERT_TRUE(probe.onTimeout(clock_.now()).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Filtered);
  EXPECT_EQ(result.attempts, 1);  // no retry past the host deadline
  EXPECT_EQ(result.reason, "host timeout (2000 ms)");
}

TEST_F(ProbeTest, AbortRecordsWhereItStopped) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  start(probe);
  clock_.advance(milliseconds(7));
  ASSERT_TRUE(probe.abort(clock_.now(), Outcome::Interrupted, "interrupted").done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Interrupted);
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
  EXPECT_DOUBLE_EQ(result.timings.total_ms, 7.0);
  EXPECT_EQ(transport_->close_calls, 1);
}

}  // namespace
}  // namespace dotscan::probe
