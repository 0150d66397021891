// dotscan/cli/options.hpp — the command line, turned into one ScanConfig.
//
// All reading of user-named files (-iL, --excludefile) happens here, so that the targets module
// does no I/O. Every problem is a UsageError with one line that names the bad option, file or text.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "dotscan/targets/target_order.hpp"
#include "dotscan/targets/target_set.hpp"

namespace dotscan::cli {

struct ScanConfig {
  targets::InputSources targets;   // arguments and -iL file texts
  targets::InputSources excludes;  // --exclude lists and --excludefile texts
  targets::ExpandOptions expand;
  std::optional<std::uint64_t> seed;  // nullopt: draw one at random (and report it)
  targets::Shard shard;
  std::optional<u128> max_targets;
  bool list_targets = false;
  bool quiet = false;
  std::string command_line;
};

// nmap spells some options as one dash and two letters (-iL, -sL); CLI11 takes one letter after a
// single dash, so those are rewritten to their long forms first.
std::vector<std::string> rewriteNmapStyle(int argc, const char* const* argv);

// Parses the command line. Returns nullopt when --help or --version was answered on `out`.
std::optional<ScanConfig> parseCommandLine(int argc, const char* const* argv, std::ostream& out);

// Reads a whole file named on the command line ("-" is standard input).
std::string readInputFile(const std::string& path, const std::string& option);

}  // namespace dotscan::cli
