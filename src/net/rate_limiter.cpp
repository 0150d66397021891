#include "dotscan/net/rate_limiter.hpp"

#include <algorithm>
#include <chrono>

namespace dotscan::net {

RateLimiter::RateLimiter(double rate, std::uint32_t burst) {
  if (rate > 0) {
    interval_ = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1.0 / rate));
    if (interval_ == Duration::zero()) interval_ = Duration(1);
    slack_ = interval_ * (std::max<std::uint32_t>(burst, 1) - 1);
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

std::optional<TimePoint> RateLimiter::nextDue(TimePoint now) const {
  if (unlimited()) return std::nullopt;
  if (!next_) return now;
  return std::max(*next_, now);
}

}  // namespace dotscan::net
