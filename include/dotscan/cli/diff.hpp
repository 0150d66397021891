// dotscan/cli/diff.hpp — `dotscan diff OLD.jsonl NEW.jsonl`: the command line of the diff module
// (diff/diff.hpp). docs/diff.md describes the output, the change kinds and their severities.
#pragma once

namespace dotscan::cli {

// argv[0] is "diff". Returns 0, or 1 when --fail-on LEVEL was given and a change is at or above
// it; throws dotscan::Error for usage and input errors (exit 2) and for failed writes (exit 3).
int runDiff(int argc, const char* const* argv);

}  // namespace dotscan::cli
