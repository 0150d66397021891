// dotscan/probe/engine.hpp — the parallel prober: event loops that keep many probes in flight.
//
// Each of `threads` event loops owns its probes outright: an epoll set, a DeadlineQueue keyed by
// slot index, and a pacer for new connections. Loops share only the target source and the result
// sink, both behind their own locks. epoll_wait sleeps until the nearest deadline (nmap
// nsock/src/engine_epoll.c), so a silent target costs one heap entry and never delays another.
//
// Invariants: every target taken from the source gives exactly one result to the sink, even when
// the scan is stopped or a probe throws (internal-error); at most max_parallel probes are in flight
// across all loops, fewer when a loop's congestion window says it cannot serve more; every ready
// event of a wake-up is handled before any deadline; new connections start at most `rate` per
// second, evenly spaced.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "dotscan/model/result.hpp"
#include "dotscan/net/rate_limiter.hpp"
#include "dotscan/probe/probe.hpp"
#include "dotscan/probe/transport.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::probe {

// What a loop learns when it asks its source for a target.
enum class Pull : std::uint8_t {
  Target,    // `target` was filled
  NotYet,    // none now, more may come (a discovery stage is still finding hosts)
  Finished,  // none now, and none ever again
};

// Where targets come from: a stream. Called by every loop thread: implementations lock. A source
// that answered NotYet calls Engine::wake() once it has a target again or has finished; a loop
// with nothing in flight sleeps until then.
class TargetSource {
 public:
  virtual ~TargetSource() = default;
  virtual Pull next(ProbeTarget& target) = 0;
};

// Where results go. Called by every loop thread: implementations lock.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void consume(model::ProbeResult&& result) = 0;
};

using TransportFactory = std::function<std::unique_ptr<Transport>(const ProbeTarget&)>;

// What a target needs after its first probe (issue 13: the conformance checks): more probes, one
// at a time, each on connections of its own, then the target's one result. The engine runs them
// in the first probe's slot, so they count as that one probe in flight and --rate paces only the
// first. Implementations do not throw.
class FollowUp {
 public:
  virtual ~FollowUp() = default;
  // `ended` has just ended (its result not yet taken). Returns the next probe for the same target,
  // or null when there is none left; `stopping`: the scan is being stopped, start nothing more.
  virtual std::unique_ptr<Probe> after(Probe& ended, bool stopping) = 0;
  // Once after() returned null: the target's result.
  virtual model::ProbeResult result() = 0;
};
using FollowUpFactory = std::function<std::unique_ptr<FollowUp>(const ProbeTarget&)>;

// How the loops kept up with their probes, summed over the loops (for tests and the metadata).
struct LoopStats {
  std::uint64_t late_answers = 0;      // deadlines that found their answer already waiting
  std::uint64_t window_cuts = 0;       // times a congestion window was halved
  std::uint64_t cleartext_checks = 0;  // probes that opened a second connection for the check
  std::uint64_t smallest_window = ~std::uint64_t{0};  // the smallest window any loop used
};

struct EngineSettings {
  std::uint32_t threads = 1;
  std::uint64_t max_parallel = 1024;  // across all loops
  double rate = 0;                    // new connections a second across all loops; 0: unlimited
  ProbeSettings probe;
  Duration grace = std::chrono::seconds(2);  // after a first stop request
  FollowUpFactory follow_up;                 // null: one probe per target
};

class Engine {
 public:
  Engine(const EngineSettings& settings, TargetSource& source, ResultSink& sink,
         TransportFactory factory, const Clock& clock);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  Engine(Engine&&) = delete;
  Engine& operator=(Engine&&) = delete;
  ~Engine();

  // Runs the scan to its end (or its stop) on `threads` loops, one of them the calling thread.
  // Sets SIGPIPE to be ignored, process-wide: a reset connection is a result, not a death.
  void run();

  // Async-signal-safe. The first request stops new probes and gives those in flight the grace
  // period; the second ends them at once (outcome interrupted).
  void requestStop() noexcept;
  // Async-signal-safe. Wakes every loop, e.g. because a source that answered NotYet has more.
  void wake() noexcept;
  [[nodiscard]] int stopLevel() const noexcept { return stop_level_.load(); }
  // After run(): how the loops kept up.
  [[nodiscard]] LoopStats stats() const;

 private:
  class Loop;
  // The one pacing schedule of the scan, shared by every loop (so N loops do not start N at once).
  bool acquireStart(TimePoint now);
  std::optional<TimePoint> nextStartDue(TimePoint now);

  EngineSettings settings_;
  TargetSource& source_;
  ResultSink& sink_;
  TransportFactory factory_;
  const Clock& clock_;
  std::atomic<int> stop_level_{0};
  std::mutex rate_mutex_;
  net::RateLimiter limiter_;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace dotscan::probe
