#include "dotscan/cli/subcommands.hpp"

#include <array>

#include "dotscan/cli/diff.hpp"
#include "dotscan/cli/merge.hpp"

namespace dotscan::cli {

namespace {

// One row per command; each command's own file defines its run function.
constexpr std::array<Subcommand, 3> kSubcommands{{
    {"diff", "Compare two -oJ scans target by target (dotscan diff --help)", runDiff},
    {"merge",
     "Join the -oJ outputs of a scan's shards into one checked result (dotscan merge --help)",
     runMerge},
    {"report",
     "Write a saved -oJ scan as the HTML or Markdown report, or any other output format "
     "(dotscan report --help)",
     runReport},
}};

}  // namespace

std::span<const Subcommand> subcommands() {
  return kSubcommands;
}

std::optional<Subcommand> findSubcommand(int argc, const char* const* argv) {
  if (argc < 2 || argv[1] == nullptr) return std::nullopt;
  const std::string_view first = argv[1];
  for (const Subcommand& command : kSubcommands) {
    if (command.name == first) return command;
  }
  return std::nullopt;
}

}  // namespace dotscan::cli
