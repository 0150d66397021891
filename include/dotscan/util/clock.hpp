// dotscan/util/clock.hpp — time as an injected dependency.
//
// Everything that has a timeout asks a Clock, never the system directly, so that tests drive time
// by hand (ManualClock) and no test sleeps (Envoy time sources, Unbound testcode/fake_event.c).
#pragma once

#include <chrono>

namespace dotscan {

using MonotonicClock = std::chrono::steady_clock;
using TimePoint = MonotonicClock::time_point;
using Duration = MonotonicClock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
};

// The monotonic clock of the machine.
class SteadyClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return MonotonicClock::now(); }
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return now_; }
  void advance(Duration by) { now_ += by; }

 private:
  TimePoint now_{std::chrono::hours(1)};
};

}  // namespace dotscan
