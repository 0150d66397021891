// dotscan/cli/merge.hpp — `dotscan merge SHARD.jsonl... [outputs]`: the command line of the merge;
// the merging itself is merge/merge.hpp.
//
// The outputs are the scan's (the format table of cli/outputs.hpp, -oA, --metadata, the listing
// on standard output unless an output is '-'). A refused merge removes the output files it had
// begun, so that no half result is left looking like a whole one.
#pragma once

#include <string>
#include <vector>

namespace dotscan::cli {

// `dotscan merge ...`: argv[0] is "merge". Returns the exit code; throws dotscan::Error.
int runMerge(int argc, const char* const* argv);

// A shard's recorded arguments less those that may differ between the shards of one scan: --shard,
// the outputs (-oJ, -oA, --metadata, ...), -v, -q and --stats-every.
std::vector<std::string> scanArguments(const std::vector<std::string>& arguments);

// The text of `dotscan merge --help`.
std::string mergeHelp();

}  // namespace dotscan::cli
