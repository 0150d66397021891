#include "dotscan/probe/engine.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <csignal>
#include <exception>
#include <mutex>
#include <thread>

#include "dotscan/net/deadline_queue.hpp"
#include "dotscan/net/rate_limiter.hpp"
#include "dotscan/net/socket.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::probe {

namespace {

constexpr std::uint32_t kWakeToken = ~std::uint32_t{0};
constexpr std::size_t kEventBatch = 256;
// New probes started in one pass of the loop, so that starting never holds off the events of
// probes already in flight for long.
constexpr std::uint64_t kStartChunk = 128;

int ceilMs(Duration duration) {
  if (duration <= Duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(duration).count();
  return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

// The latency the loop allows itself: a tenth of the shortest phase timeout, within [2, 50] ms.
Duration latencyTarget(const ProbeSettings& probe) {
  Duration shortest = std::min(probe.connect_timeout, probe.tls_timeout);
  if (probe.dns) shortest = std::min(shortest, probe.dns->timeout);
  if (probe.adaptive.enabled) shortest = std::min(shortest, probe.adaptive.min);
  const Duration target = shortest / 10;
  return std::clamp<Duration>(target, std::chrono::milliseconds(2), std::chrono::milliseconds(50));
}

}  // namespace

// One event loop: its probes, its epoll set, its deadlines, its pacer and its congestion window.
//
// The window (nmap's scan engine has the same idea) keeps the loop from starting more probes than
// it can serve: a loop that is behind sees readiness late, and a deadline would then be taken for
// silence. Each period of latencyTarget(), the loop halves the window when it was congested (the
// answers of one wake-up took longer than the target to handle, or a deadline found its answer
// already waiting), and otherwise, when the window was what held it back, doubles it (before the
// first congestion) or grows it by an eighth. Timeouts never count as congestion: a filtered range
// is silence, not overload. --max-parallel is the ceiling, never a target.
class Engine::Loop {
 public:
  Loop(Engine& engine, std::uint64_t capacity)
      : engine_(engine),
        capacity_(capacity),
        window_(static_cast<double>(capacity)),
        target_(latencyTarget(engine.settings_.probe)) {}

  void wake() const noexcept { wakeup_.notify(); }

  void run();

  [[nodiscard]] LoopStats stats() const { return stats_; }

 private:
  // One socket of a probe as the epoll set knows it.
  struct Watch {
    int fd = -1;
    int generation = 0;  // the probe's socket count when fd was registered
    bool added = false;
    net::Interest interest = net::Interest::None;
  };
  // A probe and its two sockets: its own, and the cleartext check's (token slot * 2 + 1).
  struct Slot {
    std::unique_ptr<Probe> probe;
    Watch own;
    Watch cleartext;
    std::unique_ptr<FollowUp> follow_up;  // the target's probes after the first, if any
  };

  void startProbes();
  void startOne(ProbeTarget&& target);
  static model::ProbeResult unstarted(const ProbeTarget& target, model::Outcome outcome,
                                      std::string reason);
  void dropPending();
  void apply(std::uint32_t slot, const Next& next);
  // The slot's probe ended: its follow-up's next probe starts, or the target's result goes out.
  void ended(std::uint32_t slot);
  // Registers `fd` for `interest` under `token` as needed; false (errno set) when epoll refused.
  bool watch(Watch& watch, int fd, int generation, std::uint32_t token, net::Interest interest);
  // Runs one probe step; anything thrown ends that probe alone with internal-error.
  template <typename Step>
  void step(std::uint32_t slot, Step&& action);
  void abortAll(const std::string& reason);
  void handleEvents(std::span<const epoll_event> events);
  void expireDeadlines();
  void adjustWindow(Duration answering, TimePoint now);
  [[nodiscard]] std::uint64_t limit() const;
  [[nodiscard]] bool canStart() const;
  [[nodiscard]] int waitTimeout(TimePoint now) const;

  Engine& engine_;
  std::uint64_t capacity_;  // this loop's share of --max-parallel; 0 leaves the loop idle
  double window_;           // probes this loop may have in flight now, at most capacity_
  Duration target_;
  TimePoint period_start_{};
  bool congested_ = false;       // in this period
  bool window_limited_ = false;  // in this period, the window held back a start
  bool ever_congested_ = false;
  LoopStats stats_;
  net::Epoll epoll_;
  net::Wakeup wakeup_;
  net::DeadlineQueue deadlines_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t in_flight_ = 0;
  std::optional<ProbeTarget> pending_;  // taken from the source, waiting for its rate slot
  bool source_done_ = false;
  bool source_idle_ = false;  // the source said NotYet: ask again after a wake-up
  std::optional<TimePoint> grace_until_;
};

void Engine::Loop::run() {
  if (capacity_ == 0) return;
  if (!epoll_.watch(wakeup_.fd(), kWakeToken, net::Interest::Read, false)) {
    throw Error(ExitCode::RuntimeError,
                "epoll_ctl: cannot watch the wake-up descriptor: " + errorText(errno));
  }
  std::array<epoll_event, kEventBatch> events{};
  const Clock& clock = engine_.clock_;
  period_start_ = clock.now();
  for (;;) {
    TimePoint now = clock.now();
    const int level = engine_.stop_level_.load();
    if (level >= 1) dropPending();
    if (level >= 2) {
      abortAll("interrupted: a second stop signal ended the probe at once");
      return;
    }
    if (level == 1 && !grace_until_) {
      grace_until_ = now + engine_.settings_.grace;
      source_done_ = true;
    }
    if (grace_until_ && now >= *grace_until_) {
      abortAll("interrupted: the scan was stopped and the grace period ran out");
      return;
    }
    startProbes();
    if (in_flight_ == 0 && source_done_ && !pending_) return;

    int count = epoll_.wait(events, waitTimeout(clock.now()));
    const TimePoint woke = clock.now();
    // Every ready event before any deadline: a deadline must never fire for a socket whose answer
    // is already waiting in the kernel. A full batch means more may wait: ask again at once.
    for (std::uint64_t rounds = 0; count > 0; ++rounds) {
      handleEvents(std::span<const epoll_event>(events).first(static_cast<std::size_t>(count)));
      if (static_cast<std::size_t>(count) < events.size() || rounds > in_flight_ / kEventBatch) {
        break;
      }
      count = epoll_.wait(events, 0);
    }
    // The time the answers of this wake-up took to handle: more than the loop allows itself means
    // it has more in flight than it can serve. Timeouts are not counted: a burst of real silence
    // (a filtered range) is no reason to narrow the window.
    const Duration answering = clock.now() - woke;
    expireDeadlines();
    adjustWindow(answering, clock.now());
  }
}

void Engine::Loop::handleEvents(std::span<const epoll_event> events) {
  for (const epoll_event& event : events) {
    const std::uint32_t token = event.data.u32;
    if (token == kWakeToken) {
      wakeup_.drain();
      source_idle_ = false;
      continue;
    }
    const std::uint32_t slot = token / 2;
    const bool cleartext = (token % 2) != 0;
    if (slot < slots_.size() && slots_[slot].probe) {
      // The probe reads the clock itself at each step: deadlines and timings count from when
      // the step ran, not from when the batch began.
      step(slot, [&](Probe& probe) { return probe.onReady(cleartext); });
    }
  }
}

void Engine::Loop::expireDeadlines() {
  TimePoint now = engine_.clock_.now();
  while (const auto expired = deadlines_.popExpired(now)) {
    if (!slots_[*expired].probe) continue;
    step(*expired, [&](Probe& probe) { return probe.onTimeout(); });
    now = engine_.clock_.now();
  }
}

void Engine::Loop::adjustWindow(Duration answering, TimePoint now) {
  if (answering > target_) congested_ = true;
  if (now - period_start_ < target_) return;
  const double floor = std::min<double>(static_cast<double>(capacity_), 8.0);
  if (congested_) {
    window_ = std::max(floor, window_ / 2);
    ever_congested_ = true;
    ++stats_.window_cuts;
  } else if (window_limited_) {
    window_ = std::min(static_cast<double>(capacity_),
                       ever_congested_ ? window_ + std::max(1.0, window_ / 8) : window_ * 2);
  }
  stats_.smallest_window = std::min(stats_.smallest_window, static_cast<std::uint64_t>(window_));
  congested_ = false;
  window_limited_ = false;
  period_start_ = now;
}

std::uint64_t Engine::Loop::limit() const {
  return std::min(capacity_, static_cast<std::uint64_t>(window_));
}

bool Engine::Loop::canStart() const {
  return (pending_ || (!source_done_ && !source_idle_)) && in_flight_ < limit() &&
         engine_.stop_level_.load() == 0;
}

int Engine::Loop::waitTimeout(TimePoint now) const {
  int timeout = deadlines_.epollTimeoutMs(now);
  const auto bound = [&timeout](int ms) { timeout = timeout < 0 ? ms : std::min(timeout, ms); };
  if (canStart()) {
    const auto due = engine_.nextStartDue(now);
    bound(due ? ceilMs(*due - now) : 0);
  }
  if (grace_until_) bound(ceilMs(*grace_until_ - now));
  return timeout;
}

void Engine::Loop::startProbes() {
  for (std::uint64_t started = 0; started < kStartChunk; ++started) {
    if (engine_.stop_level_.load() != 0) return;
    if (in_flight_ >= limit()) {
      if (pending_ || !source_done_) window_limited_ = in_flight_ < capacity_;
      return;
    }
    // The target first, its rate slot second: a loop whose source is empty ends at once instead
    // of waiting for a slot it has no use for.
    if (!pending_) {
      if (source_done_ || source_idle_) return;
      ProbeTarget target;
      const Pull pulled = engine_.source_.next(target);
      if (pulled == Pull::Finished) {
        source_done_ = true;
        return;
      }
      if (pulled == Pull::NotYet) {
        source_idle_ = true;
        return;
      }
      pending_ = std::move(target);
    }
    const TimePoint now = engine_.clock_.now();
    if (!engine_.acquireStart(now)) return;
    ProbeTarget target = std::move(*pending_);
    pending_.reset();
    startOne(std::move(target));
  }
}

model::ProbeResult Engine::Loop::unstarted(const ProbeTarget& target, model::Outcome outcome,
                                           std::string reason) {
  model::ProbeResult result;
  result.address = target.address;
  result.port = target.port;
  result.name = target.name;
  result.sni = target.sni;
  result.started = result.ended = std::chrono::system_clock::now();
  result.outcome = outcome;
  result.reason = std::move(reason);
  return result;
}

void Engine::Loop::dropPending() {
  // A target taken from the source gets its one result, even when it never started.
  if (!pending_) return;
  model::ProbeResult result =
      unstarted(*pending_, model::Outcome::Interrupted,
                "interrupted: the scan was stopped before this probe started");
  pending_.reset();
  engine_.sink_.consume(std::move(result));
}

void Engine::Loop::startOne(ProbeTarget&& target) {
  std::uint32_t slot = 0;
  if (free_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_.back();
    free_.pop_back();
  }
  ++in_flight_;
  const auto wall = std::chrono::system_clock::now();
  try {
    if (engine_.settings_.follow_up) slots_[slot].follow_up = engine_.settings_.follow_up(target);
    auto transport = engine_.factory_(target);
    slots_[slot].probe = std::make_unique<Probe>(std::move(target), std::move(transport),
                                                 engine_.settings_.probe, engine_.clock_);
  } catch (const std::exception& e) {
    // Without a probe there is no state machine to end: report the target directly.
    model::ProbeResult result = unstarted(target, model::Outcome::InternalError,
                                          std::string("could not start the probe: ") + e.what());
    slots_[slot] = Slot{};
    engine_.sink_.consume(std::move(result));
    --in_flight_;
    free_.push_back(slot);
    return;
  }
  step(slot, [&](Probe& probe) { return probe.start(wall); });
}

template <typename Step>
void Engine::Loop::step(std::uint32_t slot, Step&& action) {
  Probe& probe = *slots_[slot].probe;
  Next next;
  try {
    next = action(probe);
  } catch (const std::exception& e) {
    next = probe.abort(model::Outcome::InternalError, std::string("internal error: ") + e.what());
  }
  apply(slot, next);
}

void Engine::Loop::apply(std::uint32_t slot, const Next& next) {
  Slot& entry = slots_[slot];
  if (next.late) {
    congested_ = true;
    ++stats_.late_answers;
  }
  if (next.done) {
    deadlines_.disarm(slot);
    ended(slot);
    return;
  }
  Probe& probe = *entry.probe;
  // The check's socket opens at most once, so its generation is whether it is open.
  if (!watch(entry.own, probe.fd(), probe.generation(), slot * 2, next.interest) ||
      !watch(entry.cleartext, probe.cleartextFd(), 1, slot * 2 + 1, next.cleartext_interest)) {
    // Without readiness events the probe would only ever see its deadline: end it now.
    const std::string reason = "epoll_ctl: " + errorText(errno);
    apply(slot, probe.abort(model::Outcome::Error, reason));
    return;
  }
  deadlines_.arm(slot, next.deadline);
}

void Engine::Loop::ended(std::uint32_t slot) {
  Slot& entry = slots_[slot];
  // The transport closed its sockets, which also took them out of the epoll set.
  if (entry.probe->cleartextStarted()) ++stats_.cleartext_checks;
  model::ProbeResult result;
  if (entry.follow_up) {
    std::unique_ptr<Probe> next = entry.follow_up->after(*entry.probe, engine_.stop_level_ != 0);
    if (next) {
      // The same target on a new connection: new sockets, registered afresh.
      entry.probe = std::move(next);
      entry.own = Watch{};
      entry.cleartext = Watch{};
      const auto wall = std::chrono::system_clock::now();
      step(slot, [&](Probe& probe) { return probe.start(wall); });
      return;
    }
    result = entry.follow_up->result();
  } else {
    result = entry.probe->takeResult();
  }
  entry = Slot{};
  free_.push_back(slot);
  --in_flight_;
  engine_.sink_.consume(std::move(result));
}

bool Engine::Loop::watch(Watch& watch, int fd, int generation, std::uint32_t token,
                         net::Interest interest) {
  if (fd != watch.fd || generation != watch.generation) {
    // A new socket (a retry): the old one was closed, and with it its registration.
    watch = Watch{fd, generation, false, net::Interest::None};
  }
  if (fd < 0 || interest == net::Interest::None || (watch.added && watch.interest == interest)) {
    return true;
  }
  if (!epoll_.watch(fd, token, interest, watch.added)) return false;
  watch.added = true;
  watch.interest = interest;
  return true;
}

void Engine::Loop::abortAll(const std::string& reason) {
  for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
    if (!slots_[slot].probe) continue;
    step(slot, [&](Probe& probe) { return probe.abort(model::Outcome::Interrupted, reason); });
  }
}

Engine::Engine(const EngineSettings& settings, TargetSource& source, ResultSink& sink,
               TransportFactory factory, const Clock& clock)
    : settings_(settings),
      source_(source),
      sink_(sink),
      factory_(std::move(factory)),
      clock_(clock),
      // A loop that wakes late may catch up by one millisecond's worth of starts, no more.
      limiter_(settings.rate,
               static_cast<std::uint32_t>(std::max(1.0, std::ceil(settings.rate / 1000.0)))) {
  const std::uint32_t threads = std::max<std::uint32_t>(settings_.threads, 1);
  const std::uint64_t parallel = std::max<std::uint64_t>(settings_.max_parallel, 1);
  // --max-parallel is shared out exactly: the first `parallel % threads` loops take one more.
  for (std::uint32_t i = 0; i < threads; ++i) {
    const std::uint64_t share = parallel / threads + (i < parallel % threads ? 1 : 0);
    loops_.push_back(std::make_unique<Loop>(*this, share));
  }
}

Engine::~Engine() = default;

LoopStats Engine::stats() const {
  LoopStats total;
  for (const auto& loop : loops_) {
    const LoopStats one = loop->stats();
    total.late_answers += one.late_answers;
    total.cleartext_checks += one.cleartext_checks;
    total.window_cuts += one.window_cuts;
    total.smallest_window = std::min(total.smallest_window, one.smallest_window);
  }
  return total;
}

bool Engine::acquireStart(TimePoint now) {
  if (limiter_.unlimited()) return true;
  const std::lock_guard lock(rate_mutex_);
  return limiter_.tryAcquire(now);
}

std::optional<TimePoint> Engine::nextStartDue(TimePoint now) {
  if (limiter_.unlimited()) return std::nullopt;
  const std::lock_guard lock(rate_mutex_);
  return limiter_.nextDue(now);
}

void Engine::run() {
  // OpenSSL writes to sockets with write(2): a peer that reset the connection must give EPIPE,
  // not kill the scanner. A scanner has no use for SIGPIPE anywhere.
  (void)::signal(SIGPIPE, SIG_IGN);
  std::vector<std::thread> helpers;
  std::exception_ptr failure;
  std::mutex failure_lock;
  // A loop that fails (the sink could not write, the kernel refused an epoll set) fails the whole
  // scan: the other loops are stopped at once rather than left scanning for nobody.
  const auto runLoop = [this, &failure, &failure_lock](std::size_t i) {
    try {
      loops_[i]->run();
    } catch (...) {
      {
        const std::lock_guard lock(failure_lock);
        if (!failure) failure = std::current_exception();
      }
      stop_level_.store(2);
      for (const auto& loop : loops_) loop->wake();
    }
  };
  for (std::size_t i = 1; i < loops_.size(); ++i) helpers.emplace_back(runLoop, i);
  runLoop(0);
  for (std::thread& helper : helpers) helper.join();
  if (failure) std::rethrow_exception(failure);
}

void Engine::requestStop() noexcept {
  stop_level_.fetch_add(1);
  wake();
}

void Engine::wake() noexcept {
  for (const auto& loop : loops_) loop->wake();
}

}  // namespace dotscan::probe
