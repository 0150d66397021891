#include "dotscan/cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>

namespace dotscan::cli {

namespace {

std::atomic<bool> g_status_requested{false};
struct sigaction g_old_usr1 {};

// Async-signal-safe: one atomic store.
extern "C" void onStatusSignal(int /*signal*/) {
  g_status_requested.store(true);
}

static_assert(std::atomic<bool>::is_always_lock_free);

// stderr is shared by the reporter's thread and the warnings of the event loops.
std::mutex g_stderr_mutex;
bool g_live_shown = false;  // under g_stderr_mutex

constexpr std::string_view kEraseLine = "\r\033[K";
// How often the thread looks at the SIGUSR1 flag and the keyboard when it has nothing else to do.
constexpr Duration kSignalPoll = std::chrono::milliseconds(100);

void putLocked(std::string_view text) {
  (void)std::fwrite(text.data(), 1, text.size(), stderr);
  (void)std::fflush(stderr);
}

void eraseLocked() {
  if (!g_live_shown) return;
  putLocked(kEraseLine);
  g_live_shown = false;
}

// The live line must fit on one row, or the erase would leave its first rows behind.
std::string clipToTerminal(std::string line) {
  struct winsize size {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 &&
      line.size() >= size.ws_col) {
    line.resize(size.ws_col - 1U);
  }
  return line;
}

}  // namespace

StatusSignal::StatusSignal() {
  g_status_requested.store(false);
  struct sigaction action {};
  action.sa_handler = onStatusSignal;
  action.sa_flags = SA_RESTART;  // no EINTR in the middle of a write of the report
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGUSR1, &action, &g_old_usr1);
}

StatusSignal::~StatusSignal() {
  ::sigaction(SIGUSR1, &g_old_usr1, nullptr);
}

bool takeStatusRequest() noexcept {
  return g_status_requested.exchange(false);
}

void writeStderr(const std::string& text) {
  const std::lock_guard lock(g_stderr_mutex);
  eraseLocked();
  putLocked(text);
}

ProgressSettings chooseProgress(bool quiet, std::optional<Duration> stats_every,
                                bool stderr_terminal, bool stdout_streams_to_terminal) {
  ProgressSettings settings;
  if (stats_every) {
    settings.mode = ProgressMode::Lines;
    settings.every = *stats_every;
  } else if (!quiet && stderr_terminal && !stdout_streams_to_terminal) {
    settings.mode = ProgressMode::Live;
  }
  return settings;
}

KeyPress::KeyPress() {
  if (::isatty(STDIN_FILENO) != 1 || ::tcgetpgrp(STDIN_FILENO) != ::getpgrp()) return;
  if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
  termios raw = saved_;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  raw.c_cc[VMIN] = 0;  // read() returns at once, with what was typed or nothing
  raw.c_cc[VTIME] = 0;
  active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

KeyPress::~KeyPress() {
  if (active_) (void)::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
}

// NOLINTNEXTLINE(readability-make-member-function-const): it consumes what was typed
bool KeyPress::taken() {
  if (!active_) return false;
  bool pressed = false;
  std::array<unsigned char, 64> typed{};
  ssize_t got = 0;
  while ((got = ::read(STDIN_FILENO, typed.data(), typed.size())) > 0) {
    // A printable key or Enter; not the control bytes a terminal passes on by itself in this
    // mode (Ctrl-D's EOT when the other end of a pseudo-terminal closes, say).
    pressed = pressed || std::any_of(typed.begin(), typed.begin() + got, [](unsigned char c) {
                return c >= 0x20 || c == '\n' || c == '\r';
              });
  }
  return pressed;
}

ProgressReporter::ProgressReporter(ProgressSettings settings, Snapshot snapshot)
    : settings_(settings), snapshot_(std::move(snapshot)), started_(MonotonicClock::now()) {
  thread_ = std::thread([this] { run(); });
}

ProgressReporter::~ProgressReporter() {
  stop();
}

void ProgressReporter::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  const std::lock_guard lock(g_stderr_mutex);
  eraseLocked();
}

void ProgressReporter::run() {
  const Duration poll =
      settings_.mode == ProgressMode::None ? kSignalPoll : std::min(kSignalPoll, settings_.every);
  TimePoint next = started_ + settings_.every;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, poll, [this] { return stopping_; })) {
    const TimePoint now = MonotonicClock::now();
    const bool signalled = takeStatusRequest();
    const bool asked = keys_.taken() || signalled;
    const bool due = settings_.mode != ProgressMode::None && now >= next;
    if (!asked && !due) continue;
    report::ProgressSnapshot snapshot = snapshot_();
    snapshot.elapsed_s = std::chrono::duration<double>(now - started_).count();
    const std::string line = report::progressLine(snapshot);
    const std::lock_guard out(g_stderr_mutex);
    if (asked || settings_.mode == ProgressMode::Lines) {
      eraseLocked();
      putLocked(line + "\n");
    }
    if (settings_.mode == ProgressMode::Live) {
      putLocked(std::string(kEraseLine) + clipToTerminal(line));
      g_live_shown = true;
    }
    if (due) {
      next += settings_.every;
      if (next <= now) next = now + settings_.every;  // late (a suspended process): no burst
    }
  }
}

}  // namespace dotscan::cli
