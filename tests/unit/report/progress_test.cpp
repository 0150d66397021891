#include "dotscan/report/progress.hpp"

#include <gtest/gtest.h>

#include <cstddef>

namespace dotscan::report {
namespace {

using model::Outcome;

std::size_t at(Outcome outcome) {
  return static_cast<std::size_t>(outcome);
}

TEST(Progress, ClockIsHoursMinutesSeconds) {
  EXPECT_EQ(formatClock(0), "0:00:00");
  EXPECT_EQ(formatClock(7.9), "0:00:07");
  EXPECT_EQ(formatClock(3599), "0:59:59");
  EXPECT_EQ(formatClock(3600 * 125 + 61), "125:01:01");
  EXPECT_EQ(formatClock(-1), "?");
  EXPECT_EQ(formatClock(1e300), "?");
}

TEST(Progress, PercentRoundsDownSoThatHundredMeansDone) {
  EXPECT_EQ(percentDone(0, 4096), "0.0");
  EXPECT_EQ(percentDone(1234, 4096), "30.1");
  EXPECT_EQ(percentDone(4095, 4096), "99.9");
  EXPECT_EQ(percentDone(4096, 4096), "100.0");
  EXPECT_EQ(percentDone(5, 0), "100.0");
  EXPECT_EQ(percentDone(1, 3e38), "0.0");  // a 2^128-target range
}

TEST(Progress, LineHasRateEtaAndOutcomes) {
  ProgressSnapshot s;
  s.done = 1234;
  s.total = "4096";
  s.elapsed_s = 3.0;
  s.counts.at(at(Outcome::Dot)) = 3;
  s.counts.at(at(Outcome::Closed)) = 1200;
  s.counts.at(at(Outcome::Filtered)) = 31;
  // 411.3 a second, 2862 left: 6.96 s, rounded up.
  EXPECT_EQ(progressLine(s),
            "dotscan stats: 0:00:03 elapsed, 1234 of 4096 targets (30.1%), 411.3/s, ETA 0:00:07; "
            "3 dot, 1200 closed, 31 filtered");
}

TEST(Progress, BeforeTheFirstResultTheEtaIsUnknown) {
  ProgressSnapshot s;
  s.total = "1";
  s.elapsed_s = 0.25;
  EXPECT_EQ(progressLine(s),
            "dotscan stats: 0:00:00 elapsed, 0 of 1 target (0.0%), 0.0/s, ETA ?; 0 dot");
  s.elapsed_s = 0;  // no division by zero
  EXPECT_EQ(progressLine(s),
            "dotscan stats: 0:00:00 elapsed, 0 of 1 target (0.0%), 0.0/s, ETA ?; 0 dot");
}

TEST(Progress, DoneScanHasNoTimeLeft) {
  ProgressSnapshot s;
  s.done = 256;
  s.total = "256";
  s.elapsed_s = 2.05;
  s.counts.at(at(Outcome::TlsTimeout)) = 6;
  s.counts.at(at(Outcome::Dot)) = 250;
  EXPECT_EQ(progressLine(s),
            "dotscan stats: 0:00:02 elapsed, 256 of 256 targets (100.0%), 124.9/s, ETA 0:00:00; "
            "250 dot, 6 tls-timeout");
}

}  // namespace
}  // namespace dotscan::report
