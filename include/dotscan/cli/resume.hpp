// dotscan/cli/resume.hpp — --resume FILE: continue an interrupted scan from its -oJ output.
//
// The file's last line is the metadata record (data/result.schema.json); its `arguments`, `seed`
// and `targets_planned` rebuild the same targets in the same order. Every result record before it
// is a target already done, except `interrupted` ones (the probe never finished): those are
// scanned again, and their records dropped from the file. The scan then appends to the file and
// ends it with one metadata record for the whole scan. A line cut short by a kill (no newline at
// its end) is dropped. Every refusal is a UsageError (exit 2) naming the file.
//
// Memory: one key per recorded result ("ADDRESS PORT NAME" in a hash set), about 100 bytes each
// (docs/outputs.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dotscan/model/result.hpp"
#include "dotscan/report/metadata.hpp"
#include "dotscan/util/address.hpp"

namespace dotscan::cli {

struct ResumeState {
  std::string path;
  std::vector<std::string> arguments;  // the scan's command line, without the program name
  std::uint64_t seed = 0;
  std::string targets_planned;  // decimal, as the metadata record holds it
  std::uint32_t resumed = 0;    // times resumed before this one
  double duration_s = 0;        // of the runs before this one
  // The results kept in the file: their keys (resumeKey) and counts by outcome.
  std::unordered_set<std::string> done;
  std::array<std::uint64_t, model::kOutcomeCount> counts{};
  std::uint64_t scanned = 0;
  // Where the kept records end: the metadata record (or a partial line) starts here.
  std::uint64_t keep_bytes = 0;
  std::vector<std::uint64_t> dropped_lines;  // 1-based numbers of the `interrupted` records
};

// The key of a target or a result record: "ADDRESS PORT NAME".
std::string resumeKey(const Address& address, std::uint16_t port, std::string_view name);

// Reads and checks FILE; throws UsageError when it cannot be resumed (no metadata record last,
// a scan that was neither interrupted nor stopped by an error, a line that is not JSON).
ResumeState readResumeFile(const std::string& path);

// Cuts FILE back to its kept results (the metadata record, a partial last line and the
// `interrupted` records go), ready to be appended to. Throws Error (exit 3) when it cannot.
void prepareResumeFile(const ResumeState& state);

// Makes `metadata`, filled by this run, cover the whole scan: the kept results' counts and the
// earlier runs' time are added, and `resumed` counts this run.
void addEarlierRuns(report::ScanMetadata& metadata, const ResumeState& state);

}  // namespace dotscan::cli
