// dotscan/probe/probe.hpp — one probe of one target, as an explicit state machine.
//
// Phases run in order: TCP connect, TLS handshake, done (the DNS phases of issue 4 come between the
// last two). The event loop calls start(), then onReady() when the socket is ready and onTimeout()
// when the deadline passed; each call runs the phases as far as they go without blocking and
// returns what to wait for next: read or write readiness and a deadline, or done. One wake-up may
// pass through several phases (PowerDNS dnsdist-healthchecks.cc). Time comes only from the `now`
// arguments, so tests drive it with a ManualClock.
//
// Invariants: every probe ends with exactly one ProbeResult whose phase is where it ended and whose
// reason says why; a phase's deadline counts from the phase's start; --retries only repeats a TCP
// connect that timed out, and the attempts are counted in the result.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "dotscan/model/result.hpp"
#include "dotscan/net/socket.hpp"
#include "dotscan/probe/transport.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::probe {

struct ProbeSettings {
  Duration connect_timeout = std::chrono::seconds(3);
  Duration tls_timeout = std::chrono::seconds(5);
  Duration host_timeout = Duration::zero();  // zero: no whole-target limit
  int retries = 1;                           // extra connect attempts after a connect timeout
};

// What the event loop should do for a probe next.
struct Next {
  bool done = false;
  net::Interest interest = net::Interest::None;
  TimePoint deadline{};
};

class Probe {
 public:
  Probe(ProbeTarget target, std::unique_ptr<Transport> transport, const ProbeSettings& settings);

  // `wall` is the system time at `now`; result timestamps are derived from it on the monotonic
  // clock, so that they stay consistent when the system clock jumps.
  Next start(TimePoint now, std::chrono::system_clock::time_point wall);
  Next onReady(TimePoint now);
  Next onTimeout(TimePoint now);
  // Ends the probe at once with `outcome` (interrupted, internal-error), wherever it is.
  Next abort(TimePoint now, model::Outcome outcome, const std::string& reason);

  [[nodiscard]] model::Phase phase() const { return phase_; }
  [[nodiscard]] int fd() const { return transport_->fd(); }
  [[nodiscard]] int attempts() const { return result_.attempts; }
  model::ProbeResult takeResult() { return std::move(result_); }

 private:
  Next advance(TimePoint now);
  Next beginConnect(TimePoint now);
  Next wait(net::IoStatus status);
  Next finish(TimePoint now, model::Outcome outcome, std::string reason);
  Next endConnect(TimePoint now, int error);
  Next endHandshake(TimePoint now);
  Next connectTimedOut(TimePoint now);
  Next handshakeTimedOut(TimePoint now, const std::string& why);
  [[nodiscard]] TimePoint deadline() const;
  void recordPrefix();

  ProbeTarget target_;
  std::unique_ptr<Transport> transport_;
  ProbeSettings settings_;
  model::ProbeResult result_;
  model::Phase phase_ = model::Phase::Connect;
  bool connecting_ = false;  // a connect() is in progress
  net::IoStatus waiting_for_ = net::IoStatus::NeedWrite;
  TimePoint started_{};
  TimePoint phase_started_{};
  TimePoint phase_deadline_{};
  TimePoint host_deadline_ = TimePoint::max();
  std::chrono::system_clock::time_point wall_started_{};
};

// The one-line text of an errno value.
std::string errorText(int error);

}  // namespace dotscan::probe
