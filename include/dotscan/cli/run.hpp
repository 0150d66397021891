// dotscan/cli/run.hpp — the program: parse, expand, then list or scan. main() only calls run().
#pragma once

#include <cstdio>

#include "dotscan/cli/options.hpp"

namespace dotscan::cli {

// Runs dotscan; returns the process exit code. Start-up errors are printed on stderr as one line.
int run(int argc, const char* const* argv);

// --list-targets: every target of this shard, in scan order, one "ADDRESS PORT [NAME]" line each
// (the -iL line format, so the list can be fed back), until a stop signal. Returns the number
// written.
u128 listTargets(targets::TargetOrder& order, std::FILE* out);

}  // namespace dotscan::cli
