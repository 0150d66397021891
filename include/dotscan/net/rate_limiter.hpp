// dotscan/net/rate_limiter.hpp — paces new connections evenly in time.
//
// A virtual-schedule pacer (the GCRA of ATM cell scheduling, as masscan paces its packets): each
// start is due one interval after the previous one. A loop that wakes late may catch up by at most
// `burst` starts, so that the rate is smooth rather than a burst once a second; lateness of up to
// 10 ms is always made up, so that the achieved rate is the requested one and not the rate less
// the loop's wake-up delay. Time comes from the caller, so tests drive it with a ManualClock.
// Invariant: over any window of length T at most rate * (T + max(10 ms, (burst - 1) / rate)) + 1
// starts are granted.
#pragma once

#include <cstdint>
#include <optional>

#include "dotscan/util/clock.hpp"

namespace dotscan::net {

class RateLimiter {
 public:
  // rate: starts per second; 0 or less means unlimited.
  explicit RateLimiter(double rate, std::uint32_t burst = 1);

  // Takes one start if one is due at `now`.
  bool tryAcquire(TimePoint now);
  // Takes up to `wanted` starts that are due at `now`, as many calls of tryAcquire(now) would:
  // how many it took. One reading of the clock for a batch of starts.
  std::uint32_t acquire(TimePoint now, std::uint32_t wanted);
  // When the next start will be due (nullopt when unlimited).
  [[nodiscard]] std::optional<TimePoint> nextDue(TimePoint now) const;
  [[nodiscard]] bool unlimited() const { return interval_ == Duration::zero(); }

 private:
  Duration interval_{};
  Duration slack_{};  // how far behind the schedule may lag: (burst - 1) intervals, or 10 ms
  std::optional<TimePoint> next_;
};

}  // namespace dotscan::net
