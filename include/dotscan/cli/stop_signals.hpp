// dotscan/cli/stop_signals.hpp — SIGINT and SIGTERM, from the first thing the program does.
//
// Installed by run() before the command line is read, so that no Ctrl-C can kill the process
// between its start and the end of its output. A signal is counted; while a scan's engine runs it
// is passed on (the first stops new probes and starts the grace period, the second ends the
// probes in flight). Before the scan starts, the first signal is only remembered: the scan then
// probes nothing and writes valid output (the metadata record, interrupted: true), exit 130; a
// second one there ends the process at once, as the default action would (a read of standard
// input or a long expansion cannot be cut short otherwise). After the scan, signals are counted
// and nothing more: the output being written is finished.
#pragma once

#include "dotscan/probe/engine.hpp"
#include "dotscan/syn/scanner.hpp"

namespace dotscan::cli {

class StopSignals {
 public:
  StopSignals();  // installs the handlers; restores the previous ones when destroyed
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  StopSignals(StopSignals&&) = delete;
  StopSignals& operator=(StopSignals&&) = delete;
  ~StopSignals();
};

// The stop signals received so far (async-signal-safe to read).
int stopRequests() noexcept;

// Nobody reads the results any more (every output was a pipe whose reader has gone): the scan
// ends at once, the probes in flight too, as after two signals, but it is no interruption:
// stopRequests() does not count it and the exit code stays that of a finished scan. Also before
// the engine or the SYN scanner exists: they then send nothing.
void stopUnread() noexcept;

// While it lives, stop signals go to `engine`; once it is gone, they are only counted.
class EngineStopTarget {
 public:
  explicit EngineStopTarget(probe::Engine& engine);
  EngineStopTarget(const EngineStopTarget&) = delete;
  EngineStopTarget& operator=(const EngineStopTarget&) = delete;
  EngineStopTarget(EngineStopTarget&&) = delete;
  EngineStopTarget& operator=(EngineStopTarget&&) = delete;
  ~EngineStopTarget();
};

// While it lives, every stop signal also ends SYN discovery's sending and cooldown (-sS).
class ScannerStopTarget {
 public:
  explicit ScannerStopTarget(syn::Scanner& scanner);
  ScannerStopTarget(const ScannerStopTarget&) = delete;
  ScannerStopTarget& operator=(const ScannerStopTarget&) = delete;
  ScannerStopTarget(ScannerStopTarget&&) = delete;
  ScannerStopTarget& operator=(ScannerStopTarget&&) = delete;
  ~ScannerStopTarget();
};

}  // namespace dotscan::cli
