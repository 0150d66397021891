// dotscan/cli/subcommands.hpp — the commands that work on saved results rather than scan:
// `dotscan diff OLD NEW`, `dotscan merge SHARD...`, `dotscan report FILE`.
//
// A command is chosen by the first argument alone, exactly as spelled in the table; anything else
// is a scan. A host whose name is a command's name is scanned as the fully qualified name with
// its final dot (`dotscan merge.`), or after other options (`dotscan -p 853 merge`).
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>

namespace dotscan::cli {

struct Subcommand {
  std::string_view name;
  std::string_view summary;  // one line for `dotscan --help`
  // argv[0] is the command's name; returns the exit code. Errors are thrown as dotscan::Error
  // (one line on stderr, printed by run()).
  int (*run)(int argc, const char* const* argv);
};

// Every command, in the order --help lists them.
std::span<const Subcommand> subcommands();

// The command named by argv[1], if any.
std::optional<Subcommand> findSubcommand(int argc, const char* const* argv);

}  // namespace dotscan::cli
