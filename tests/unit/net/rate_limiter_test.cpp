#include "dotscan/net/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace dotscan::net {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiter, UnlimitedAlwaysGrants) {
  RateLimiter limiter(0);
  ManualClock clock;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.tryAcquire(clock.now()));
  EXPECT_FALSE(limiter.nextDue(clock.now()));
}

TEST(RateLimiter, SpacesStartsEvenly) {
  RateLimiter limiter(100);  // one every 10 ms
  ManualClock clock;
  EXPECT_TRUE(limiter.tryAcquire(clock.now()));
  EXPECT_FALSE(limiter.tryAcquire(clock.now()));
  EXPECT_EQ(*limiter.nextDue(clock.now()), clock.now() + milliseconds(10));
  clock.advance(milliseconds(9));
  EXPECT_FALSE(limiter.tryAcquire(clock.now()));
  clock.advance(milliseconds(1));
  EXPECT_TRUE(limiter.tryAcquire(clock.now()));
  EXPECT_FALSE(limiter.tryAcquire(clock.now()));
}

TEST(RateLimiter, IdleTimeIsNotSavedUpBeyondTheBurst) {
  RateLimiter limiter(100, 3);  // one every 10 ms, catch up by at most 3
  ManualClock clock;
  EXPECT_TRUE(limiter.tryAcquire(clock.now()));
  clock.advance(std::chrono::seconds(1));
  int granted = 0;
  while (limiter.tryAcquire(clock.now())) ++granted;
  EXPECT_EQ(granted, 3);
}

TEST(RateLimiter, AcquireTakesWhatIsDueAsManyTryAcquiresWould) {
  RateLimiter batched(1000, 8);  // one a millisecond, catch up by at most 10 ms
  RateLimiter single(1000, 8);
  ManualClock clock;
  for (const auto step : {0, 0, 3, 1, 50, 2, 0, 7}) {
    clock.advance(milliseconds(step));
    std::uint32_t granted = 0;
    while (granted < 4 && single.tryAcquire(clock.now())) ++granted;
    EXPECT_EQ(batched.acquire(clock.now(), 4), granted) << "after " << step << " ms";
    EXPECT_EQ(batched.nextDue(clock.now()), single.nextDue(clock.now()));
  }
  RateLimiter unlimited(0);
  EXPECT_EQ(unlimited.acquire(clock.now(), 64), 64U);
}

TEST(RateLimiter, CatchUpAfterIdleIsBoundedByTenMilliseconds) {
  RateLimiter limiter(1000);  // one a millisecond
  ManualClock clock;
  EXPECT_TRUE(limiter.tryAcquire(clock.now()));
  clock.advance(std::chrono::seconds(1));
  int granted = 0;
  while (limiter.tryAcquire(clock.now())) ++granted;
  EXPECT_EQ(granted, 11);  // the one due now and ten milliseconds' worth of lateness
}

TEST(RateLimiter, LongRunMatchesTheRate) {
  RateLimiter limiter(250, 2);
  ManualClock clock;
  int granted = 0;
  // Poll every 3 ms for 10 s: the schedule, not the polling, sets the count.
  for (int step = 0; step < 10000 / 3; ++step) {
    while (limiter.tryAcquire(clock.now())) ++granted;
    clock.advance(milliseconds(3));
  }
  EXPECT_NEAR(granted, 2500, 3);
}

TEST(RateLimiter, LateWakeUpsDoNotLowerTheRate) {
  // A loop that always wakes 1.5 ms after a start was due (epoll_wait's whole milliseconds and the
  // scheduler) must still get the requested rate, not 100 / 1.15 a second.
  RateLimiter limiter(100);
  ManualClock clock;
  int granted = 0;
  const TimePoint end = clock.now() + std::chrono::seconds(10);
  while (clock.now() < end) {
    if (limiter.tryAcquire(clock.now())) ++granted;
    clock.advance(*limiter.nextDue(clock.now()) - clock.now() + std::chrono::microseconds(1500));
  }
  EXPECT_NEAR(granted, 1000, 10);  // within 1%
}

}  // namespace
}  // namespace dotscan::net
