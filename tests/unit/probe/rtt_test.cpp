// Round-trip time smoothing (RFC 6298 section 2) and the timeouts a probe derives from it.
#include "dotscan/probe/rtt.hpp"

#include <gtest/gtest.h>

#include "dotscan/probe/probe.hpp"

#include "support/scripted_transport.hpp"

namespace dotscan::probe {
namespace {

using net::IoStatus;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RttEstimatorTest, FollowsRfc6298) {
  RttEstimator rtt;
  rtt.sample(milliseconds(100));
  EXPECT_EQ(rtt.srtt(), milliseconds(100));   // SRTT = R
  EXPECT_EQ(rtt.rttvar(), milliseconds(50));  // RTTVAR = R/2
  EXPECT_EQ(rtt.timeout(), milliseconds(300));
  rtt.sample(milliseconds(200));
  // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5.
  EXPECT_EQ(rtt.rttvar(), std::chrono::microseconds(62500));
  EXPECT_EQ(rtt.srtt(), std::chrono::microseconds(112500));
  EXPECT_EQ(rtt.samples(), 2U);
}

TEST(RttEstimatorTest, VariationNeverBelowTheClockGranularity) {
  RttEstimator rtt;
  for (int i = 0; i < 50; ++i) rtt.sample(milliseconds(10));
  EXPECT_EQ(rtt.timeout(), milliseconds(11));
}

TEST(RttTableTest, NetworkFirstThenScanThenNothing) {
  RttTable table;
  const Address a1 = *Address::parse("192.0.2.1");
  const Address a2 = *Address::parse("192.0.2.200");
  const Address other = *Address::parse("198.51.100.7");
  EXPECT_FALSE(table.suggest(RttKind::Connect, a1));
  for (std::uint32_t i = 0; i < RttTable::kMinSamples; ++i) {
    table.record(RttKind::Connect, a1, milliseconds(400));
  }
  EXPECT_EQ(table.suggest(RttKind::Connect, a2),
            milliseconds(400) + table.scan(RttKind::Connect).rttvar() * 4);
  // A fast network of its own, once it has enough samples, is not held to the slow one's times.
  for (std::uint32_t i = 0; i < RttTable::kMinSamples - 1; ++i) {
    table.record(RttKind::Connect, other, milliseconds(2));
  }
  EXPECT_GT(*table.suggest(RttKind::Connect, other), milliseconds(200));  // the scan's
  table.record(RttKind::Connect, other, milliseconds(2));
  EXPECT_LT(*table.suggest(RttKind::Connect, other), milliseconds(10));  // its own
  EXPECT_FALSE(table.suggest(RttKind::Handshake, a1));                   // kinds are kept apart
}

TEST(RttTableTest, Ipv6NetworksAreSlash64) {
  RttTable table;
  for (std::uint32_t i = 0; i < RttTable::kMinSamples; ++i) {
    table.record(RttKind::Dns, *Address::parse("2001:db8::1"), milliseconds(5));
    table.record(RttKind::Dns, *Address::parse("2001:db8:1::1"), milliseconds(900));
  }
  EXPECT_LT(*table.suggest(RttKind::Dns, *Address::parse("2001:db8::ffff")), milliseconds(50));
}

class AdaptiveProbeTest : public ::testing::Test {
 protected:
  AdaptiveProbeTest() {
    settings_.connect_timeout = seconds(1);
    settings_.tls_timeout = milliseconds(1500);
    settings_.rtt = std::make_shared<RttTable>();
    settings_.adaptive.enabled = true;
    settings_.adaptive.min = seconds(1);
    settings_.adaptive.max = milliseconds(1500);
  }

  // A probe that connects at once and waits for its handshake: returns the handshake deadline.
  Duration handshakeTimeout() {
    auto owned = std::make_unique<testing::ScriptedTransport>();
    owned->connects = {{IoStatus::Done, 0}};
    owned->handshakes = {IoStatus::NeedRead};
    Probe probe(ProbeTarget{address_, 853, "", "", ""}, std::move(owned), settings_, clock_);
    return probe.start(std::chrono::system_clock::now()).deadline - clock_.now();
  }

  void handshakes(Duration each, int count = 8) {
    for (int i = 0; i < count; ++i) settings_.rtt->record(RttKind::Handshake, address_, each);
  }

  ManualClock clock_;
  ProbeSettings settings_;
  Address address_ = *Address::parse("192.0.2.9");
};

TEST_F(AdaptiveProbeTest, InitialValueUntilThereAreSamples) {
  EXPECT_EQ(handshakeTimeout(), milliseconds(1500));
}

TEST_F(AdaptiveProbeTest, FastNetworkGoesDownToTheFloor) {
  handshakes(milliseconds(3));
  EXPECT_EQ(handshakeTimeout(), seconds(1));
}

TEST_F(AdaptiveProbeTest, SlowNetworkStopsAtTheCeiling) {
  handshakes(seconds(3));
  EXPECT_EQ(handshakeTimeout(), milliseconds(1500));
}

TEST_F(AdaptiveProbeTest, InBetweenFollowsTheSamples) {
  settings_.adaptive.max = seconds(10);
  handshakes(seconds(2));
  EXPECT_GT(handshakeTimeout(), seconds(2));
  EXPECT_LT(handshakeTimeout(), seconds(3));
}

TEST_F(AdaptiveProbeTest, AnExplicitTimeoutWins) {
  handshakes(milliseconds(3));
  settings_.adaptive.fixed[static_cast<std::size_t>(RttKind::Handshake)] = true;
  EXPECT_EQ(handshakeTimeout(), milliseconds(1500));
}

TEST_F(AdaptiveProbeTest, OffMeansTheSettings) {
  handshakes(milliseconds(3));
  settings_.adaptive.enabled = false;
  EXPECT_EQ(handshakeTimeout(), milliseconds(1500));
}

TEST_F(AdaptiveProbeTest, ADeadlineFollowsWhatTheScanLearnsMeanwhile) {
  auto owned = std::make_unique<testing::ScriptedTransport>();
  testing::ScriptedTransport& transport = *owned;
  transport.connects = {{IoStatus::Done, 0}};
  transport.handshakes = {IoStatus::NeedRead};
  Probe probe(ProbeTarget{address_, 853, "", "", ""}, std::move(owned), settings_, clock_);
  const TimePoint started = clock_.now();
  EXPECT_EQ(probe.start(std::chrono::system_clock::now()).deadline, started + milliseconds(1500));
  handshakes(milliseconds(3));  // other probes finished their handshakes
  clock_.advance(milliseconds(500));
  EXPECT_EQ(probe.onTimeout().deadline, started + seconds(1));  // an early wake-up
  clock_.advance(milliseconds(500));
  ASSERT_TRUE(probe.onTimeout().done);
  const model::ProbeResult result = probe.takeResult();
  EXPECT_EQ(result.outcome, model::Outcome::TlsTimeout);
  EXPECT_EQ(result.reason, "connected, then no answer to the ClientHello (TLS timeout (1000 ms))");
}

TEST_F(AdaptiveProbeTest, CompletedPhasesAreSampled) {
  auto owned = std::make_unique<testing::ScriptedTransport>();
  testing::ScriptedTransport& transport = *owned;
  transport.connects = {{IoStatus::NeedWrite, 0}};
  transport.connect_results = {{IoStatus::Done, 0}};
  transport.handshakes = {IoStatus::NeedRead, IoStatus::Done};
  Probe probe(ProbeTarget{address_, 853, "", "", ""}, std::move(owned), settings_, clock_);
  probe.start(std::chrono::system_clock::now());
  clock_.advance(milliseconds(20));
  probe.onReady();
  clock_.advance(milliseconds(30));
  ASSERT_TRUE(probe.onReady().done);
  EXPECT_EQ(settings_.rtt->scan(RttKind::Connect).srtt(), milliseconds(20));
  EXPECT_EQ(settings_.rtt->scan(RttKind::Handshake).srtt(), milliseconds(30));
}

}  // namespace
}  // namespace dotscan::probe
