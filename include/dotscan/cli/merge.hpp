// dotscan/cli/merge.hpp — `dotscan merge SHARD.jsonl... [outputs]` and `dotscan report SCAN.jsonl
// [outputs]`: their command lines; the merging itself is merge/merge.hpp.
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

// `dotscan report SCAN.jsonl [outputs]`: one saved scan written in other formats (merge/merge.hpp,
// rewriteScan), with the same output options and -o FILE (the format from its extension).
int runReport(int argc, const char* const* argv);
std::string reportHelp();

}  // namespace dotscan::cli
