// dotscan/merge/merge.hpp — `dotscan merge`: the JSON Lines outputs of the shards of one scan
// (--shards N --shard I --seed S) made into one result, checked.
//
// Before the first record is written, the metadata record that ends each input (read from the
// end of the file, readShard) must show one scan: the same dotscan version, seed, shard count and
// scan arguments (those that choose the targets and how they are probed: the caller says which,
// MergeSettings::scan_arguments); every shard index once; each shard finished (not interrupted,
// no error). While the records stream to the writers, one at a time: every line is a record, the
// metadata record is the last line only, and each shard holds as many results as it planned and
// counted. At the end, before the writers are finished: no target (address, port, name) twice,
// found in bounded memory (merge/duplicates.hpp). Every refusal is a UsageError (exit 2) whose one
// line names the shard or file; after a refusal the writers are left unfinished (the caller
// removes their files). Memory does not grow with the number of records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/report/metadata.hpp"
#include "dotscan/report/writer.hpp"

namespace dotscan::merge {

// One input: its path and the metadata record that ends it.
struct Shard {
  std::string path;
  report::ScanMetadata metadata;
};

// Reads the metadata record on the last line of `path`, from the end, without reading the rest.
// Throws UsageError naming the file: unreadable, empty, a last line cut short, or a last line
// that is not a metadata record (the scan was killed or still runs, or --metadata put it in
// another file). `command` starts the error messages: "merge" or "report".
Shard readShard(const std::string& path, std::string_view command = "merge");

struct MergeSettings {
  // The arguments that make a shard part of its scan: a shard's own arguments less those that may
  // differ between shards (--shard, the outputs, verbosity). From the CLI, which knows the option
  // names; null: the arguments as recorded.
  std::function<std::vector<std::string>(const std::vector<std::string>&)> scan_arguments;
  std::string temp_directory;           // for the sorted runs of target hashes; empty: $TMPDIR
  std::size_t run_entries = 1U << 20U;  // hashes sorted in memory per run (32 bytes each)
  std::string command_line;             // of the merge: the merged record's command_line
  // Asked every 1024 records; true (Ctrl-C, SIGTERM) ends the merge with ExitCode::Interrupted,
  // its runs removed. Null: never.
  std::function<bool()> stopped;
};

// Checks that `shards` are the whole of one finished scan (see above) and returns them in shard
// order. Throws UsageError naming the missing, repeated or inconsistent shard.
std::vector<Shard> checkShards(std::vector<Shard> shards, const MergeSettings& settings);

// The metadata record of the whole scan: counts, targets and discovery figures summed, started
// the earliest, ended the latest, duration_s the time between (so achieved_rate is the rate of
// the whole scan), round-trip times averaged by their samples, shard 0 of 1, merged_shards N,
// command_line the merge's and arguments the shards' common scan arguments.
report::ScanMetadata mergedMetadata(const std::vector<Shard>& shards,
                                    const MergeSettings& settings);

// Streams the results of `shards` (as checkShards returned them) to every writer, in shard order,
// then finishes each writer with mergedMetadata(). Returns that metadata. Throws as above.
report::ScanMetadata mergeShards(const std::vector<Shard>& shards,
                                 const std::vector<report::Writer*>& writers,
                                 const MergeSettings& settings);

// `dotscan report`: the results of one saved scan (a file readShard accepted), streamed to every
// writer between begin() and finish() with the scan's own metadata record, unchecked and
// unchanged: the same results in other formats (HTML, Markdown, nmap XML, ...). Returns that
// metadata. Throws UsageError ("report: ...") for a malformed line, and Error(Interrupted) when
// `stopped` (asked every 1024 records) says so; the writers are then left unfinished.
report::ScanMetadata rewriteScan(const Shard& scan, const std::vector<report::Writer*>& writers,
                                 const std::function<bool()>& stopped = {});

}  // namespace dotscan::merge
