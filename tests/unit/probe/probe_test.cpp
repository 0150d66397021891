// The probe state machine, driven by a scripted transport and a manual clock.
#include "dotscan/probe/probe.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>

#include "dotscan/dns/message.hpp"
#include "dotscan/util/text.hpp"

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
    ProbeTarget target{*Address::parse("127.0.0.1"), 853, "dot.test", "dot.test", "dot.test"};
    return Probe(target, std::move(owned), settings_, clock_);
  }

  Next start(Probe& probe) { return probe.start(std::chrono::system_clock::now()); }

  // The transport the cleartext check will get from sibling().
  ScriptedTransport& cleartextScript() {
    transport_->sibling_script = std::make_unique<ScriptedTransport>();
    return *transport_->sibling_script;
  }

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
  next = probe.onReady();  // connected, and the first handshake step in the same call
  EXPECT_EQ(next.interest, net::Interest::Read);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(5));
  EXPECT_EQ(probe.phase(), Phase::TlsHandshake);

  clock_.advance(milliseconds(10));
  next = probe.onReady();
  EXPECT_EQ(next.interest, net::Interest::Write);
  clock_.advance(milliseconds(5));
  next = probe.onReady();
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
  EXPECT_EQ(result.reason, "TLSv1.3 handshake completed (no DNS query asked for)");
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
  ASSERT_TRUE(probe.onReady().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Closed);
  EXPECT_EQ(result.phase, Phase::Connect);
  EXPECT_EQ(result.reason, "connection refused");
  EXPECT_FALSE(result.timings.tcp_connect_ms);
}

TEST_F(ProbeTest, ResetAfterAcceptIsATlsFailureNotClosed) {
  // ECONNREFUSED answers a SYN; ECONNRESET (or EPIPE) means the peer accepted, then reset.
  for (const int error : {ECONNRESET, EPIPE}) {
    Probe probe = make();
    transport_->connects = {{IoStatus::NeedWrite, 0}};
    transport_->connect_results = {{IoStatus::Failed, error}};
    start(probe);
    clock_.advance(milliseconds(4));
    ASSERT_TRUE(probe.onReady().done);
    const model::ProbeResult result = probe.takeResult();
    EXPECT_EQ(result.outcome, Outcome::TlsFailed);
    EXPECT_EQ(result.phase, Phase::TlsHandshake);
    EXPECT_EQ(result.reason,
              "the peer accepted the connection, then reset it before the TLS "
              "handshake (" +
                  errorText(error) + ")");
    ASSERT_TRUE(result.timings.tcp_connect_ms);
    EXPECT_DOUBLE_EQ(*result.timings.tcp_connect_ms, 4.0);
  }
}

TEST_F(ProbeTest, ConnectDeadlineLooksAtTheSocketBeforeFiltered) {
  // The loop was too busy to read the refusal before the deadline: the refusal is still the
  // answer, and the late flag tells the loop it was behind.
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  transport_->connect_results = {{IoStatus::Failed, ECONNREFUSED}};
  transport_->ready_checks = {true};
  start(probe);
  clock_.advance(seconds(3));
  const Next next = probe.onTimeout();
  ASSERT_TRUE(next.done);
  EXPECT_TRUE(next.late);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Closed);
  EXPECT_EQ(result.attempts, 1);
}

TEST_F(ProbeTest, ConnectedAtTheDeadlineGoesOnToTheHandshake) {
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  transport_->connect_results = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  transport_->ready_checks = {true};
  start(probe);
  clock_.advance(seconds(3));
  const Next next = probe.onTimeout();
  EXPECT_FALSE(next.done);
  EXPECT_TRUE(next.late);
  EXPECT_EQ(probe.phase(), Phase::TlsHandshake);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(5));  // the handshake's own, fresh deadline
}

TEST_F(ProbeTest, HandshakeProgressAtTheDeadlineDoesNotExtendIt) {
  // Bytes were waiting, but the handshake still needs more: the deadline stands.
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead, IoStatus::NeedRead};
  transport_->prefix = {0x16, 0x03, 0x03};
  transport_->ready_checks = {true};
  start(probe);
  clock_.advance(seconds(5));
  const Next next = probe.onTimeout();
  ASSERT_TRUE(next.done);
  EXPECT_EQ(transport_->handshake_calls, 2);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout);
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
}

TEST_F(ProbeTest, NothingThereAtTheDeadlineIsSilence) {
  settings_.retries = 0;
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  transport_->ready_checks = {false};
  start(probe);
  clock_.advance(seconds(3));
  const Next next = probe.onTimeout();
  ASSERT_TRUE(next.done);
  EXPECT_FALSE(next.late);
  EXPECT_EQ(transport_->ready_check_calls, 1);
  EXPECT_EQ(probe.takeResult().outcome, Outcome::Filtered);
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
    next = probe.onTimeout();
    ASSERT_FALSE(next.done) << "attempt " << attempt;
    EXPECT_EQ(next.deadline, clock_.now() + seconds(3));
    EXPECT_NE(probe.fd(), first_fd);  // a new socket for each attempt
  }
  clock_.advance(seconds(3));
  ASSERT_TRUE(probe.onTimeout().done);
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
  ASSERT_TRUE(probe.onTimeout().done);
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
  const Next next = probe.onTimeout();
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
  ASSERT_TRUE(probe.onTimeout().done);
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
  ASSERT_TRUE(probe.onTimeout().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout);
  EXPECT_EQ(result.reason, "the TLS handshake stalled (TLS timeout (5000 ms))");
  EXPECT_EQ(result.first_bytes_hex, "160303007a");
}

TEST_F(ProbeTest, SlowNonTlsBytesSayHowManyNotThatTheyStopped) {
  // A peer that dribbles garbage a byte at a time never completes a record header: the reason
  // says what came, not "then nothing" (it may still be sending).
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  transport_->prefix = {'S', 'S', 'H'};
  transport_->not_tls = true;
  start(probe);
  clock_.advance(seconds(5));
  ASSERT_TRUE(probe.onTimeout().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::NotTls);
  EXPECT_EQ(result.reason,
            "the peer sent 3 bytes that are not TLS, and no complete record before the deadline "
            "(TLS timeout (5000 ms))");
}

TEST_F(ProbeTest, HandshakeFailureKeepsOpenSslReason) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead, IoStatus::Failed};
  transport_->prefix = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
  start(probe);
  ASSERT_TRUE(probe.onReady().done);
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
  const Next next = probe.onReady();
  // The TLS phase would last to 2 s + 5 s; the host deadline at 4 s comes first.
  EXPECT_EQ(next.deadline, clock_.now() + seconds(2));
  clock_.advance(seconds(2));
  ASSERT_TRUE(probe.onTimeout().done);
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
  ASSERT_TRUE(probe.onTimeout().done);
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
  ASSERT_TRUE(probe.abort(Outcome::Interrupted, "interrupted").done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Interrupted);
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
  EXPECT_DOUBLE_EQ(result.timings.total_ms, 7.0);
  EXPECT_EQ(transport_->close_calls, 1);
}

// --- the DNS phases --------------------------------------------------------------------------

class DnsProbeTest : public ProbeTest {
 protected:
  DnsProbeTest() {
    dns::QueryOptions options;
    options.name = "dot.test";
    options.type = 1;
    auto dns = std::make_shared<DnsSettings>();
    dns->queries.emplace_back(options);
    dns->timeout = seconds(2);
    settings_.dns = dns;
  }

  // Connected and handshaken at once: the same wake-up goes on to the DNS phases, which play
  // `sends` and `receives`.
  using Receives = std::deque<std::pair<IoStatus, std::vector<std::uint8_t>>>;
  Probe handshaken(Next& next, std::deque<net::IoResult> sends, Receives receives = {}) {
    Probe probe = make();
    transport_->connects = {{IoStatus::Done, 0}};
    transport_->handshakes = {IoStatus::Done};
    transport_->sends = std::move(sends);
    transport_->receives = std::move(receives);
    next = start(probe);
    return probe;
  }

  // A valid answer to what the probe sent: the query itself with QR set, framed.
  std::vector<std::uint8_t> answerToSent() const {
    std::vector<std::uint8_t> answer = transport_->sent;
    answer.at(4) |= 0x80;  // after the two-byte length: the flags' first byte
    return answer;
  }
};

TEST_F(DnsProbeTest, QueryThenAnswerAcrossWakeUps) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::NeedWrite, 0, false}});
  EXPECT_FALSE(next.done);
  EXPECT_EQ(probe.phase(), Phase::DnsQuery);
  EXPECT_EQ(next.interest, net::Interest::Write);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(2));

  transport_->sends = {{IoStatus::Done, 0, false}};
  transport_->receives = {{IoStatus::NeedRead, {}}};
  next = probe.onReady();
  EXPECT_EQ(probe.phase(), Phase::DnsAnswer);
  EXPECT_EQ(next.interest, net::Interest::Read);
  // One write: the length and the message together (RFC 7858 section 3.3).
  ASSERT_GE(transport_->sent.size(), 14U);
  const std::size_t framed = (std::size_t{transport_->sent[0]} << 8U) | transport_->sent[1];
  EXPECT_EQ(framed + 2U, transport_->sent.size());

  // The answer arrives in three pieces, one of them the length split in two.
  const std::vector<std::uint8_t> answer = answerToSent();
  clock_.advance(milliseconds(30));
  transport_->receives = {{IoStatus::Done, {answer[0]}}, {IoStatus::NeedRead, {}}};
  EXPECT_FALSE(probe.onReady().done);
  transport_->receives = {{IoStatus::Done, {answer.begin() + 1, answer.begin() + 20}},
                          {IoStatus::NeedRead, {}}};
  EXPECT_FALSE(probe.onReady().done);
  clock_.advance(milliseconds(10));
  transport_->receives = {{IoStatus::Done, {answer.begin() + 20, answer.end()}}};
  ASSERT_TRUE(probe.onReady().done);

  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Dot) << result.reason;
  EXPECT_EQ(result.phase, Phase::Done);
  ASSERT_TRUE(result.dns);
  EXPECT_EQ(result.dns->query.id, (transport_->sent[2] << 8) | transport_->sent[3]);
  EXPECT_EQ(result.dns->bytes_received, answer.size());
  ASSERT_TRUE(result.timings.dns_rtt_ms);
  EXPECT_DOUBLE_EQ(*result.timings.dns_rtt_ms, 40.0);
  EXPECT_TRUE(result.tls);  // described at the end, after the exchange
}

// Two exchanges in one session (issue 13): the second query goes out once the first answer is
// judged, with an ID of its own, and its answer is read from the same stream, starting with
// bytes that came together with the first answer. The result keeps the first exchange.
TEST_F(DnsProbeTest, ExchangesRunInSequenceOverOneStreamOfFrames) {
  dns::QueryOptions second;
  second.name = "second.test";
  second.type = 28;
  auto dns = std::make_shared<DnsSettings>(*settings_.dns);
  dns->queries.emplace_back(second);
  settings_.dns = dns;
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 0, false}}, {{IoStatus::NeedRead, {}}});
  EXPECT_EQ(probe.phase(), Phase::DnsAnswer);
  const std::vector<std::uint8_t> first_answer = answerToSent();
  const std::size_t first_size = transport_->sent.size();

  // The first answer and the first byte of the second one's length arrive together.
  clock_.advance(milliseconds(20));
  std::vector<std::uint8_t> piece = first_answer;
  const std::size_t second_size = dns->queries.back().size();
  piece.push_back(static_cast<std::uint8_t>(second_size >> 8U));
  transport_->sends = {{IoStatus::Done, 0, false}};
  transport_->receives = {{IoStatus::Done, piece}, {IoStatus::NeedRead, {}}};
  next = probe.onReady();
  EXPECT_FALSE(next.done);
  EXPECT_EQ(probe.phase(), Phase::DnsAnswer);
  ASSERT_EQ(transport_->sent.size(), first_size + second_size + 2);
  std::vector<std::uint8_t> second_answer(
      transport_->sent.begin() + static_cast<std::ptrdiff_t>(first_size), transport_->sent.end());
  const int first_id = (transport_->sent[2] << 8) | transport_->sent[3];
  second_answer.at(4) |= 0x80;

  clock_.advance(milliseconds(30));
  transport_->receives = {{IoStatus::Done, {second_answer.begin() + 1, second_answer.end()}}};
  ASSERT_TRUE(probe.onReady().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Dot) << result.reason;
  EXPECT_EQ(result.phase, Phase::Done);
  ASSERT_TRUE(result.dns);
  EXPECT_EQ(result.dns->query.name, "dot.test.");
  EXPECT_EQ(result.dns->query.id, first_id);
  EXPECT_EQ(result.dns->bytes_received, piece.size());
  ASSERT_TRUE(result.timings.dns_rtt_ms);
  EXPECT_DOUBLE_EQ(*result.timings.dns_rtt_ms, 20.0);  // the first exchange's

  // A wrong ID in the second answer fails the probe as it would the first.
  Next again;
  Probe wrong = handshaken(again, {{IoStatus::Done, 0, false}}, {{IoStatus::NeedRead, {}}});
  const std::vector<std::uint8_t> answer = answerToSent();
  transport_->sends = {{IoStatus::Done, 0, false}};
  transport_->receives = {{IoStatus::Done, answer}, {IoStatus::NeedRead, {}}};
  EXPECT_FALSE(wrong.onReady().done);
  std::vector<std::uint8_t> bad(transport_->sent.begin() + static_cast<long>(answer.size()),
                                transport_->sent.end());
  bad.at(4) |= 0x80;
  bad.at(3) ^= 1;
  transport_->receives = {{IoStatus::Done, bad}};
  ASSERT_TRUE(wrong.onReady().done);
  const model::ProbeResult failed = wrong.takeResult();
  EXPECT_EQ(failed.outcome, Outcome::DnsMalformed);
  EXPECT_NE(failed.reason.find("id:"), std::string::npos) << failed.reason;
}

// Pipelined (issue 13's pipelining check): every query is written before any answer is read,
// each with an ID of its own, and the answers are matched by ID in whatever order they come.
TEST_F(DnsProbeTest, PipelinedQueriesAreMatchedByIdOutOfOrder) {
  auto dns = std::make_shared<DnsSettings>(*settings_.dns);
  for (const char* name : {"two.test", "three.test"}) {
    dns::QueryOptions more;
    more.name = name;
    dns->queries.emplace_back(more);
  }
  dns->pipelined = true;
  settings_.dns = dns;
  Next next;
  Probe probe = handshaken(
      next, {{IoStatus::Done, 0, false}, {IoStatus::Done, 0, false}, {IoStatus::Done, 0, false}},
      {{IoStatus::NeedRead, {}}});
  EXPECT_FALSE(next.done);
  EXPECT_EQ(probe.phase(), Phase::DnsAnswer);
  // Three frames written back to back, three different IDs.
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::size_t at = 0; at + 2 <= transport_->sent.size();) {
    const std::size_t length = (std::size_t{transport_->sent[at]} << 8U) | transport_->sent[at + 1];
    frames.emplace_back(transport_->sent.begin() + static_cast<long>(at),
                        transport_->sent.begin() + static_cast<long>(at + 2 + length));
    frames.back().at(4) |= 0x80;
    at += 2 + length;
  }
  ASSERT_EQ(frames.size(), 3U);
  EXPECT_NE(frames[0][2] * 256 + frames[0][3], frames[1][2] * 256 + frames[1][3]);
  EXPECT_NE(frames[1][2] * 256 + frames[1][3], frames[2][2] * 256 + frames[2][3]);
  EXPECT_NE(frames[0][2] * 256 + frames[0][3], frames[2][2] * 256 + frames[2][3]);

  // The third answer first, then the first and the second in one read.
  clock_.advance(milliseconds(10));
  transport_->receives = {{IoStatus::Done, frames[2]}, {IoStatus::NeedRead, {}}};
  EXPECT_FALSE(probe.onReady().done);
  clock_.advance(milliseconds(5));
  std::vector<std::uint8_t> both = frames[0];
  both.insert(both.end(), frames[1].begin(), frames[1].end());
  transport_->receives = {{IoStatus::Done, both}};
  ASSERT_TRUE(probe.onReady().done);
  EXPECT_EQ(probe.answerOrder(), (std::vector<std::size_t>{2, 0, 1}));
  EXPECT_EQ(probe.answeredAfter(2), milliseconds(10));
  EXPECT_EQ(probe.answeredAfter(1), milliseconds(15));
  ASSERT_NE(probe.exchange(1), nullptr);
  EXPECT_EQ(probe.exchange(1)->query.name, "two.test.");
  ASSERT_TRUE(probe.exchange(1)->response);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Dot) << result.reason;

  // An answer whose ID matches no query waiting for one fails the probe.
  Next again;
  Probe stray = handshaken(
      again, {{IoStatus::Done, 0, false}, {IoStatus::Done, 0, false}, {IoStatus::Done, 0, false}},
      {{IoStatus::NeedRead, {}}});
  std::vector<std::uint8_t> wrong(transport_->sent.begin(),
                                  transport_->sent.begin() + static_cast<long>(frames[0].size()));
  wrong.at(4) |= 0x80;
  wrong.at(3) ^= 0x55;
  wrong.at(2) ^= 0x55;
  transport_->receives = {{IoStatus::Done, wrong}};
  ASSERT_TRUE(stray.onReady().done);
  const model::ProbeResult failed = stray.takeResult();
  EXPECT_EQ(failed.outcome, Outcome::DnsMalformed);
  EXPECT_NE(failed.reason.find("matches no query"), std::string::npos) << failed.reason;
}

// Idle between exchanges (the keepalive check): the next query waits for the idle time; a close
// meanwhile ends the probe and says after how long.
TEST_F(DnsProbeTest, IdleBetweenExchangesThenTheNextQuery) {
  auto dns = std::make_shared<DnsSettings>(*settings_.dns);
  dns->queries.push_back(dns->queries.front());
  dns->idle_between = milliseconds(500);
  settings_.dns = dns;
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 0, false}}, {{IoStatus::NeedRead, {}}});
  const std::vector<std::uint8_t> answer = answerToSent();
  const std::size_t first_size = transport_->sent.size();
  transport_->receives = {{IoStatus::Done, answer}};
  next = probe.onReady();
  EXPECT_FALSE(next.done);
  EXPECT_EQ(next.interest, net::Interest::Read);  // idle: only a close can come
  EXPECT_EQ(next.deadline, clock_.now() + milliseconds(500));
  EXPECT_EQ(transport_->sent.size(), first_size);  // no second query yet
  EXPECT_EQ(probe.exchange(1), nullptr);

  // A wake-up with nothing to read (a session ticket, say) changes nothing.
  transport_->receives = {{IoStatus::NeedRead, {}}};
  EXPECT_FALSE(probe.onReady().done);
  clock_.advance(milliseconds(500));
  transport_->sends = {{IoStatus::Done, 0, false}};
  transport_->receives = {{IoStatus::NeedRead, {}}};
  next = probe.onTimeout();
  EXPECT_FALSE(next.done);
  ASSERT_GT(transport_->sent.size(), first_size);  // the second query went out
  EXPECT_EQ(probe.phase(), Phase::DnsAnswer);
  std::vector<std::uint8_t> second(transport_->sent.begin() + static_cast<long>(first_size),
                                   transport_->sent.end());
  second.at(4) |= 0x80;
  transport_->receives = {{IoStatus::Done, second}};
  ASSERT_TRUE(probe.onReady().done);
  EXPECT_FALSE(probe.idleClosedAfter());
  EXPECT_EQ(probe.takeResult().outcome, Outcome::Dot);

  // The peer closes 200 ms into the idle time.
  Next closing;
  Probe closed = handshaken(closing, {{IoStatus::Done, 0, false}}, {{IoStatus::NeedRead, {}}});
  transport_->receives = {{IoStatus::Done, answerToSent()}};
  EXPECT_FALSE(closed.onReady().done);
  clock_.advance(milliseconds(200));
  transport_->receives = {{IoStatus::Done, {}}};
  ASSERT_TRUE(closed.onReady().done);
  ASSERT_TRUE(closed.idleClosedAfter());
  EXPECT_EQ(*closed.idleClosedAfter(), milliseconds(200));
  const model::ProbeResult result = closed.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsNoDns);
  EXPECT_NE(result.reason.find("idle"), std::string::npos) << result.reason;
}

// A clock that moves on by 1 ms at every reading: whatever the probe measures must come from
// readings taken at the steps themselves, not from one time reused across a wake-up.
class TickingClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override {
    now_ += milliseconds(1);
    return now_;
  }

 private:
  mutable TimePoint now_{std::chrono::hours(1)};
};

TEST_F(DnsProbeTest, EveryPhaseIsTimedAtItsOwnStepEvenInOneWakeUp) {
  // Connect, handshake, query and the whole answer in one call (a busy loop reaching a fast
  // server late): with one time per wake-up every phase but the first read 0 ms (issue 15).
  TickingClock clock;
  auto owned = std::make_unique<ScriptedTransport>();
  ScriptedTransport& transport = *owned;
  transport.connects = {{IoStatus::NeedWrite, 0}};
  transport.connect_results = {{IoStatus::Done, 0}};
  transport.handshakes = {IoStatus::Done};
  transport.sends = {{IoStatus::Done, 0, false}};
  transport.answer_sent_query = true;
  ProbeTarget target{*Address::parse("127.0.0.1"), 853, "dot.test", "dot.test", "dot.test"};
  Probe probe(target, std::move(owned), settings_, clock);
  EXPECT_FALSE(probe.start(std::chrono::system_clock::now()).done);
  ASSERT_TRUE(probe.onReady().done);

  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::Dot) << result.reason;
  ASSERT_TRUE(result.timings.tcp_connect_ms && result.timings.tls_handshake_ms &&
              result.timings.dns_rtt_ms);
  EXPECT_GT(*result.timings.tcp_connect_ms, 0.0);
  EXPECT_GT(*result.timings.tls_handshake_ms, 0.0);
  EXPECT_GT(*result.timings.dns_rtt_ms, 0.0);
  EXPECT_LE(*result.timings.tcp_connect_ms + *result.timings.tls_handshake_ms +
                *result.timings.dns_rtt_ms,
            result.timings.total_ms);
}

TEST_F(DnsProbeTest, EachProbeHasItsOwnId) {
  std::set<int> ids;
  for (int i = 0; i < 8; ++i) {
    Next next;
    Probe probe = handshaken(next, {{IoStatus::Done, 0, false}}, {{IoStatus::NeedRead, {}}});
    ids.insert((transport_->sent[2] << 8) | transport_->sent[3]);
  }
  EXPECT_GT(ids.size(), 4U);  // 8 draws from 65536 values: a repeat or two at most
}

TEST_F(DnsProbeTest, PartialWritesContinue) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 10, false}, {IoStatus::Done, 0, false}},
                           {{IoStatus::NeedRead, {}}});
  EXPECT_EQ(probe.phase(), Phase::DnsAnswer);
  EXPECT_EQ(transport_->sent.size(), settings_.dns->queries.front().size() + 2);
}

TEST_F(DnsProbeTest, SilenceIsDnsTimeout) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 0, false}}, {{IoStatus::NeedRead, {}}});
  clock_.advance(seconds(2));
  ASSERT_TRUE(probe.onTimeout().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::DnsTimeout);
  EXPECT_EQ(result.phase, Phase::DnsAnswer);
  EXPECT_EQ(result.reason, "no answer to the query (DNS timeout (2000 ms))");
}

TEST_F(DnsProbeTest, AnswerWaitingAtTheDeadlineIsRead) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 0, false}}, {{IoStatus::NeedRead, {}}});
  EXPECT_EQ(probe.phase(), Phase::DnsAnswer);
  transport_->receives = {{IoStatus::Done, answerToSent()}};
  transport_->ready_checks = {true};
  clock_.advance(seconds(2));
  next = probe.onTimeout();
  ASSERT_TRUE(next.done);
  EXPECT_TRUE(next.late);
  EXPECT_EQ(probe.takeResult().outcome, Outcome::Dot);
}

TEST_F(DnsProbeTest, PartialAnswerThenSilenceSaysHowMuch) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 0, false}},
                           {{IoStatus::Done, {0x00, 0x40, 1, 2, 3}}, {IoStatus::NeedRead, {}}});
  clock_.advance(seconds(2));
  ASSERT_TRUE(probe.onTimeout().done);
  EXPECT_EQ(probe.takeResult().reason, "answer incomplete: 3 of 64 bytes (DNS timeout (2000 ms))");
}

TEST_F(DnsProbeTest, CloseWithoutAnswerIsTlsNoDns) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 0, false}}, {{IoStatus::Done, {}}});  // EOF
  ASSERT_TRUE(next.done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsNoDns);
  EXPECT_EQ(result.reason, "the peer closed the session without answering");
}

TEST_F(DnsProbeTest, CloseMidAnswerIsMalformed) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 0, false}},
                           {{IoStatus::Done, {0x00, 0x40, 1, 2, 3}}, {IoStatus::Done, {}}});
  ASSERT_TRUE(next.done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::DnsMalformed);
  EXPECT_EQ(result.reason.rfind("framing: body cut short", 0), 0U) << result.reason;
}

TEST_F(DnsProbeTest, WriteFailureIsTlsNoDns) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Failed, 0, false}});
  ASSERT_TRUE(next.done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsNoDns);
  EXPECT_EQ(result.phase, Phase::DnsQuery);
  EXPECT_EQ(result.reason,
            "the session failed before the query was written (Connection reset by peer)");
}

TEST_F(DnsProbeTest, WrongIdIsMalformed) {
  Next next;
  Probe probe = handshaken(next, {{IoStatus::Done, 0, false}}, {{IoStatus::NeedRead, {}}});
  std::vector<std::uint8_t> answer = answerToSent();
  answer[3] ^= 0x01;
  transport_->receives = {{IoStatus::Done, answer}};
  ASSERT_TRUE(probe.onReady().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::DnsMalformed);
  EXPECT_EQ(result.reason.rfind("id: ", 0), 0U) << result.reason;
}

TEST_F(DnsProbeTest, NotTlsPeerIsAskedInCleartext) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::Failed};
  transport_->not_tls = true;
  transport_->prefix = {'H', 'T', 'T', 'P'};
  ScriptedTransport& check = cleartextScript();
  check.connects = {{IoStatus::NeedWrite, 0}};
  Next next = start(probe);
  ASSERT_FALSE(next.done);
  EXPECT_EQ(probe.phase(), Phase::CleartextConnect);
  // The check's own socket, for the event loop to register; the TLS one is closed.
  EXPECT_EQ(probe.fd(), -1);
  EXPECT_GE(probe.cleartextFd(), 0);
  EXPECT_EQ(next.interest, net::Interest::None);
  EXPECT_EQ(next.cleartext_interest, net::Interest::Write);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(3));

  check.connect_results = {{IoStatus::Done, 0}};
  check.sends = {{IoStatus::Done, 0, false}};
  check.receives = {{IoStatus::NeedRead, {}}};
  next = probe.onReady(true);
  EXPECT_EQ(next.cleartext_interest, net::Interest::Read);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(2));
  check.answer_sent_query = true;
  ASSERT_TRUE(probe.onReady(true).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::CleartextDns) << result.reason;
  EXPECT_TRUE(result.dns->cleartext);
  EXPECT_EQ(result.first_bytes_hex, "48545450");  // what the TLS attempt saw is kept
}

TEST_F(DnsProbeTest, CleartextRefusedKeepsTheTlsOutcome) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  cleartextScript().connects = {{IoStatus::Failed, ECONNREFUSED}};
  start(probe);
  clock_.advance(seconds(5));
  ASSERT_TRUE(probe.onTimeout().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout);
  EXPECT_EQ(result.phase, Phase::TlsHandshake);
  EXPECT_EQ(result.reason,
            "connected, then no answer to the ClientHello (TLS timeout (5000 ms)); no cleartext "
            "DNS either (connect: " +
                errorText(ECONNREFUSED) + ")");
}

// Issue 15 item 4: a silent handshake gets the cleartext check beside it after the floor (the
// connect was instant here), on a second connection, while the TLS attempt keeps waiting.
TEST_F(DnsProbeTest, SilentHandshakeGetsTheCheckBesideIt) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  Next next = start(probe);
  EXPECT_EQ(next.deadline, clock_.now() + kCleartextCheckFloor);
  EXPECT_FALSE(probe.cleartextStarted());

  ScriptedTransport& check = cleartextScript();
  check.connects = {{IoStatus::Done, 0}};
  check.sends = {{IoStatus::Done, 0, false}};
  check.receives = {{IoStatus::NeedRead, {}}};
  clock_.advance(kCleartextCheckFloor);
  next = probe.onTimeout();
  ASSERT_FALSE(next.done);
  EXPECT_TRUE(probe.cleartextStarted());
  EXPECT_EQ(probe.phase(), Phase::TlsHandshake);  // the TLS attempt waits on
  EXPECT_EQ(next.interest, net::Interest::Read);
  EXPECT_EQ(next.cleartext_interest, net::Interest::Read);
  EXPECT_EQ(next.deadline, clock_.now() + seconds(2));  // the check's DNS deadline comes first
  EXPECT_EQ(transport_->ready_check_calls, 1);          // the TLS socket was looked at first

  clock_.advance(milliseconds(3));
  check.answer_sent_query = true;
  ASSERT_TRUE(probe.onReady(true).done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::CleartextDns) << result.reason;
  EXPECT_EQ(result.phase, Phase::Done);
  EXPECT_NE(result.reason.find("(TLS: no answer to the ClientHello in 203 ms)"), std::string::npos)
      << result.reason;
  EXPECT_DOUBLE_EQ(*result.timings.dns_rtt_ms, 3.0);
  EXPECT_DOUBLE_EQ(result.timings.total_ms, 203.0);
  EXPECT_GE(transport_->close_calls, 1);  // the TLS connection is closed too
}

TEST_F(DnsProbeTest, TlsBytesMakeTheCheckMoot) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead, IoStatus::NeedRead};
  start(probe);
  ScriptedTransport& check = cleartextScript();
  check.connects = {{IoStatus::NeedWrite, 0}};
  clock_.advance(kCleartextCheckFloor);
  EXPECT_GE(probe.onTimeout().deadline, clock_.now());
  ASSERT_TRUE(probe.cleartextStarted());
  ASSERT_GE(probe.cleartextFd(), 0);

  // The ServerHello's first bytes: a TLS record header.
  transport_->prefix = {0x16, 0x03, 0x03, 0x00, 0x7a};
  const Next next = probe.onReady();
  EXPECT_EQ(probe.cleartextFd(), -1);
  EXPECT_EQ(check.close_calls, 1);
  EXPECT_EQ(next.cleartext_interest, net::Interest::None);
  EXPECT_EQ(next.deadline, clock_.now() - kCleartextCheckFloor + seconds(5));

  transport_->handshakes = {IoStatus::Done};
  transport_->sends = {{IoStatus::Done, 0, false}};
  transport_->answer_sent_query = true;
  ASSERT_TRUE(probe.onReady().done);
  EXPECT_EQ(probe.takeResult().outcome, Outcome::Dot);
}

TEST_F(DnsProbeTest, SilentBothWaysEndsAtTheTlsDeadline) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  start(probe);
  ScriptedTransport& check = cleartextScript();
  check.connects = {{IoStatus::Done, 0}};
  check.sends = {{IoStatus::Done, 0, false}};
  check.receives = {{IoStatus::NeedRead, {}}};
  clock_.advance(kCleartextCheckFloor);
  probe.onTimeout();
  clock_.advance(seconds(2));  // the check's DNS timeout: it failed, the TLS attempt waits on
  Next next = probe.onTimeout();
  ASSERT_FALSE(next.done);
  EXPECT_EQ(next.cleartext_interest, net::Interest::None);
  EXPECT_EQ(next.deadline, clock_.now() - kCleartextCheckFloor - seconds(2) + seconds(5));
  clock_.advance(seconds(5) - seconds(2) - kCleartextCheckFloor);
  ASSERT_TRUE(probe.onTimeout().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, Outcome::TlsTimeout);
  EXPECT_EQ(result.reason,
            "connected, then no answer to the ClientHello (TLS timeout (5000 ms)); no cleartext "
            "DNS either (no answer (DNS timeout (2000 ms)))");
  EXPECT_DOUBLE_EQ(result.timings.total_ms, 5000.0);  // not 5000 + 2000 as before issue 15
  ASSERT_TRUE(result.dns);
  EXPECT_TRUE(result.dns->cleartext);
}

TEST_F(DnsProbeTest, AnswerWaitingWhenTheCheckIsDueOpensNoSecondConnection) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead, IoStatus::Done};
  transport_->sends = {{IoStatus::Done, 0, false}};
  transport_->answer_sent_query = true;
  start(probe);
  // A busy loop: the ServerHello came in time but was not read yet. No sibling is scripted, so
  // starting the check would throw.
  transport_->ready_checks = {true};
  clock_.advance(kCleartextCheckFloor + milliseconds(50));
  const Next next = probe.onTimeout();
  ASSERT_TRUE(next.done);
  EXPECT_FALSE(probe.cleartextStarted());
  EXPECT_EQ(probe.takeResult().outcome, Outcome::Dot);
}

TEST_F(DnsProbeTest, SlowConnectDelaysTheCheck) {
  Probe probe = make();
  transport_->connects = {{IoStatus::NeedWrite, 0}};
  transport_->connect_results = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  start(probe);
  clock_.advance(milliseconds(150));
  // Three connect round trips (450 ms) are longer than the floor.
  EXPECT_EQ(probe.onReady().deadline, clock_.now() + milliseconds(450));
}

TEST_F(DnsProbeTest, NoEarlyCheckWhenTurnedOff) {
  auto dns = std::make_shared<DnsSettings>(*settings_.dns);
  dns->cleartext_fallback = false;
  settings_.dns = dns;
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::NeedRead};
  EXPECT_EQ(start(probe).deadline, clock_.now() + seconds(5));
}

TEST_F(DnsProbeTest, AlertIsNotAskedInCleartext) {
  Probe probe = make();
  transport_->connects = {{IoStatus::Done, 0}};
  transport_->handshakes = {IoStatus::Failed};
  transport_->prefix = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
  ASSERT_TRUE(start(probe).done);
  EXPECT_EQ(probe.takeResult().outcome, Outcome::TlsFailed);
  EXPECT_EQ(transport_->connect_calls, 1);
}

}  // namespace
}  // namespace dotscan::probe
