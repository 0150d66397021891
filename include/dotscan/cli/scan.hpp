// dotscan/cli/scan.hpp — running a scan: the engine between the target order and the reports.
//
// Owns the process-wide parts a scan needs: the open-file limit, the link from the stop signals to
// the engine (cli/stop_signals.hpp: the first signal stops new probes and gives those in flight a
// grace period, the second ends them at once) and the output files, which are valid JSON Lines
// ending with the metadata record however the scan ends: finished, interrupted (also before it
// started), or stopped by an error (the record then says which).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dotscan/cli/options.hpp"
#include "dotscan/cli/resume.hpp"

namespace dotscan::cli {

struct ScanPlan {
  std::string version;
  std::uint64_t seed = 0;
  std::string targets_planned;  // decimal
  // A fresh order of the same targets (same seed and shard): -sS walks it once per pass.
  std::function<std::unique_ptr<targets::TargetOrder>()> make_order;
  const ResumeState* resume = nullptr;  // --resume: the earlier runs, added to the metadata
  // --resume: cuts the file back (prepareResumeFile) once every other start-up check passed.
  std::function<void()> before_outputs;
  // Whether an address was listed on its own (targets::TargetSet::listed), for --require-dot.
  // Unset: every target counts as listed.
  std::function<bool(const Address&)> listed;
};

// One "dotscan: warning: ..." line on stderr. -q never hides a warning (README: "errors and
// warnings still appear").
void warn(const std::string& message);

// Scans every target of `order`; returns the exit code (0, 1 with --fail-on, or 130 when
// interrupted). Throws for an error that stops the scan, after writing the metadata record.
int scan(const ScanConfig& config, targets::TargetOrder& order, const ScanPlan& plan);

}  // namespace dotscan::cli
