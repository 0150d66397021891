// dotscan/cli/scan.hpp — running a scan: the engine between the target order and the reports.
//
// Owns the process-wide parts a scan needs: the open-file limit, the SIGINT/SIGTERM handlers (the
// first signal stops new probes and gives those in flight a grace period, the second ends them at
// once) and the output files, which are valid JSON Lines however the scan ends.
#pragma once

#include <cstdint>
#include <string>

#include "dotscan/cli/options.hpp"

namespace dotscan::cli {

struct ScanPlan {
  std::string version;
  std::uint64_t seed = 0;
  std::string targets_planned;  // decimal
};

// One "dotscan: warning: ..." line on stderr. -q never hides a warning (README: "errors and
// warnings still appear").
void warn(const std::string& message);

// Scans every target of `order`; returns the exit code (0, or 130 when interrupted).
int scan(const ScanConfig& config, targets::TargetOrder& order, const ScanPlan& plan);

}  // namespace dotscan::cli
