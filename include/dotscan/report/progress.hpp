// dotscan/report/progress.hpp — the status line of a running scan (--stats-every, SIGUSR1, the live
// line on a terminal), as text from a snapshot of the scan's counters.
//
// Pure: no clock, no I/O, no locale, so a test gives fixed inputs and reads a fixed line. The line
// holds only text dotscan makes (numbers and outcome names), never bytes from the network.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "dotscan/model/result.hpp"

namespace dotscan::report {

// What the scan has done so far, read from its counters.
struct ProgressSnapshot {
  std::uint64_t done = 0;   // results so far, every outcome
  std::string total = "0";  // targets planned, decimal (may pass 2^64)
  double elapsed_s = 0;     // since the scan started
  std::array<std::uint64_t, model::kOutcomeCount> counts{};  // results by outcome
};

// "0:00:07": hours (as many digits as needed), minutes and seconds, rounded down.
std::string formatClock(double seconds);

// Percent done rounded down to a tenth, so that 100.0 means every target: "99.9".
std::string percentDone(std::uint64_t done, double total);

// "dotscan stats: 0:00:03 elapsed, 1234 of 4096 targets (30.1%), 411.3/s, ETA 0:00:07; 3 dot,
// 1200 closed, 31 filtered". The dot count always shows (DoT found so far); the other outcomes
// when not zero, in the order of model::Outcome. The ETA is "?" before the first result.
std::string progressLine(const ProgressSnapshot& snapshot);

}  // namespace dotscan::report
