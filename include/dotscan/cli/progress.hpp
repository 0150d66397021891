// dotscan/cli/progress.hpp — the status of a running scan on stderr: a live line on a terminal,
// a plain line every --stats-every T otherwise, and one on SIGUSR1 at any time.
//
// Costs nothing per result: one thread wakes a few times a second, reads the counters the report
// sink keeps as atomics (a snapshot function), and writes at most one line. The SIGUSR1 handler
// only sets a flag, which that thread reads. Invariants: nothing goes to stdout or to an output
// file; the live line is erased before any other text is written on stderr (writeStderr(), which
// warnings go through) and when the reporter stops, so that it never mixes with other lines.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <termios.h>
#include <thread>

#include "dotscan/report/progress.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::cli {

// Installs the SIGUSR1 handler (it only sets a flag), so that the signal never ends dotscan;
// restores the previous handler when destroyed.
class StatusSignal {
 public:
  StatusSignal();
  StatusSignal(const StatusSignal&) = delete;
  StatusSignal& operator=(const StatusSignal&) = delete;
  StatusSignal(StatusSignal&&) = delete;
  StatusSignal& operator=(StatusSignal&&) = delete;
  ~StatusSignal();
};

// True once per SIGUSR1 received (or per burst of them) since the last call.
bool takeStatusRequest() noexcept;

// Writes `text` on stderr, after erasing the live status line if one is shown.
void writeStderr(const std::string& text);

enum class ProgressMode {
  None,   // only SIGUSR1 prints a line
  Live,   // one line redrawn in place (stderr is a terminal)
  Lines,  // one plain line every `every` (--stats-every)
};

struct ProgressSettings {
  ProgressMode mode = ProgressMode::None;
  Duration every = std::chrono::milliseconds(250);  // Lines: the interval; Live: the redraw
};

// The mode for these options: --stats-every wins (even with -q, even on a terminal, as nmap);
// else a live line when stderr is a terminal, unless -q, or unless stdout is that terminal too
// and results stream to it (`-oJ -`), which a line redrawn in place would cut.
ProgressSettings chooseProgress(bool quiet, std::optional<Duration> stats_every,
                                bool stderr_terminal, bool stdout_streams_to_terminal);

// A key pressed on the terminal asks for a status line, as in nmap. While it lives, and only when
// stdin is a terminal whose foreground process group is ours, the terminal is switched to
// non-canonical mode without echo (each key is read at once, and not shown); the destructor puts
// the modes back. Anything else on stdin (a pipe, a file, a background job) is left alone.
class KeyPress {
 public:
  KeyPress();
  KeyPress(const KeyPress&) = delete;
  KeyPress& operator=(const KeyPress&) = delete;
  KeyPress(KeyPress&&) = delete;
  KeyPress& operator=(KeyPress&&) = delete;
  ~KeyPress();
  // Whether a key was pressed since the last call; never blocks, consumes what was typed.
  bool taken();

 private:
  bool active_ = false;
  termios saved_{};  // the modes to restore
};

class ProgressReporter {
 public:
  using Snapshot = std::function<report::ProgressSnapshot()>;
  // Starts the thread; `snapshot` is called from it, and must only read atomics.
  ProgressReporter(ProgressSettings settings, Snapshot snapshot);
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;
  ProgressReporter(ProgressReporter&&) = delete;
  ProgressReporter& operator=(ProgressReporter&&) = delete;
  ~ProgressReporter();
  // Ends the thread and erases the live line; idempotent.
  void stop();

 private:
  void run();

  ProgressSettings settings_;
  Snapshot snapshot_;
  TimePoint started_;
  KeyPress keys_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dotscan::cli
