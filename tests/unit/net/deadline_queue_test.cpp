#include "dotscan/net/deadline_queue.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace dotscan::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(DeadlineQueue, NearestFirstAndRearmReplaces) {
  ManualClock clock;
  const TimePoint t0 = clock.now();
  DeadlineQueue q;
  EXPECT_FALSE(q.nearest());
  q.arm(7, t0 + milliseconds(30));
  q.arm(3, t0 + milliseconds(10));
  q.arm(5, t0 + milliseconds(20));
  EXPECT_EQ(*q.nearest(), t0 + milliseconds(10));
  q.arm(3, t0 + milliseconds(40));  // re-arm: replaces, never duplicates
  EXPECT_EQ(q.size(), 3U);
  EXPECT_EQ(*q.nearest(), t0 + milliseconds(20));
  q.disarm(5);
  q.disarm(5);   // harmless twice
  q.disarm(99);  // and for a slot never armed
  EXPECT_FALSE(q.armed(5));
  EXPECT_TRUE(q.armed(7));
  EXPECT_EQ(*q.nearest(), t0 + milliseconds(30));
}

TEST(DeadlineQueue, PopsOnlyWhatHasExpiredInOrder) {
  ManualClock clock;
  DeadlineQueue q;
  const TimePoint t0 = clock.now();
  q.arm(1, t0 + milliseconds(5));
  q.arm(2, t0 + milliseconds(1));
  q.arm(3, t0 + milliseconds(9));
  EXPECT_FALSE(q.popExpired(t0));
  clock.advance(milliseconds(5));
  EXPECT_EQ(q.popExpired(clock.now()), std::optional<std::uint32_t>(2));
  EXPECT_EQ(q.popExpired(clock.now()), std::optional<std::uint32_t>(1));  // exactly at its deadline
  EXPECT_FALSE(q.popExpired(clock.now()));
  EXPECT_FALSE(q.armed(1));
  EXPECT_TRUE(q.armed(3));
}

TEST(DeadlineQueue, EpollTimeoutNeverWakesEarly) {
  ManualClock clock;
  DeadlineQueue q;
  EXPECT_EQ(q.epollTimeoutMs(clock.now()), -1);
  q.arm(0, clock.now() + nanoseconds(1));
  EXPECT_EQ(q.epollTimeoutMs(clock.now()), 1);  // rounded up, not down to a busy 0
  q.arm(0, clock.now() + milliseconds(250) + nanoseconds(1));
  EXPECT_EQ(q.epollTimeoutMs(clock.now()), 251);
  clock.advance(milliseconds(300));
  EXPECT_EQ(q.epollTimeoutMs(clock.now()), 0);
  q.arm(0, clock.now() + std::chrono::hours(24 * 365 * 100));
  EXPECT_EQ(q.epollTimeoutMs(clock.now()), std::numeric_limits<int>::max());
}

TEST(DeadlineQueue, MatchesAReferenceUnderRandomOperations) {
  std::mt19937 rng(2026);
  DeadlineQueue q;
  std::map<std::uint32_t, TimePoint> reference;
  const TimePoint t0{};
  TimePoint now = t0;
  for (int step = 0; step < 20000; ++step) {
    const auto slot = static_cast<std::uint32_t>(rng() % 64);
    switch (rng() % 4) {
      case 0:
      case 1: {
        const TimePoint when = now + milliseconds(rng() % 1000);
        q.arm(slot, when);
        reference[slot] = when;
        break;
      }
      case 2:
        q.disarm(slot);
        reference.erase(slot);
        break;
      default: {
        now += milliseconds(rng() % 100);
        while (auto expired = q.popExpired(now)) {
          auto it = reference.find(*expired);
          ASSERT_NE(it, reference.end());
          ASSERT_LE(it->second, now);
          // Nothing left in the reference may be earlier than what was popped.
          for (const auto& [s, when] : reference) ASSERT_GE(when, it->second);
          reference.erase(it);
        }
        for (const auto& [s, when] : reference) ASSERT_GT(when, now);
      }
    }
    ASSERT_EQ(q.size(), reference.size());
    if (!reference.empty()) {
      TimePoint earliest = reference.begin()->second;
      for (const auto& [s, when] : reference) earliest = std::min(earliest, when);
      ASSERT_EQ(*q.nearest(), earliest);
    }
  }
}

}  // namespace
}  // namespace dotscan::net
