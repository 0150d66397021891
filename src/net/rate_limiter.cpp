#include "dotscan/net/rate_limiter.hpp"

#include <algorithm>
#include <chrono>

namespace dotscan::net {

RateLimiter::RateLimiter(double rate, std::uint32_t burst) {
  if (rate > 0) {
    interval_ = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1.0 / rate));
    if (interval_ == Duration::zero()) interval_ = Duration(1);
    // A loop wakes a millisecond or more after a start was due (epoll_wait counts in whole
    // milliseconds, and a busy machine's scheduler adds its own delay). Lateness within
    // kLateness is made up by the next starts instead of pushing the whole schedule back, which
    // would lose that time for good (the achieved rate fell to 80-94% of the requested one).
    constexpr Duration kLateness = std::chrono::milliseconds(10);
    slack_ = std::max(interval_ * (std::max<std::uint32_t>(burst, 1) - 1), kLateness);
  }
}

bool RateLimiter::tryAcquire(TimePoint now) {
  if (unlimited()) return true;
  if (!next_) {
    next_ = now + interval_;
    return true;
  }
  if (now < *next_) return false;
  // Idle time is not saved up beyond the burst allowance.
  next_ = std::max(*next_, now - slack_) + interval_;
  return true;
}

std::uint32_t RateLimiter::acquire(TimePoint now, std::uint32_t wanted) {
  if (unlimited()) return wanted;
  std::uint32_t taken = 0;
  while (taken < wanted && tryAcquire(now)) ++taken;
  return taken;
}

std::optional<TimePoint> RateLimiter::nextDue(TimePoint now) const {
  if (unlimited()) return std::nullopt;
  if (!next_) return now;
  return std::max(*next_, now);
}

}  // namespace dotscan::net
