// dotscan/diff/diff.hpp — two saved scans (JSON Lines) compared target by target, in bounded
// memory.
//
// Each file is read once, line by line: every result record becomes a compact TargetState that
// goes into an external sort keyed by (address, port, name) (external_sort.hpp); the two sorted
// streams are then merge-joined, and each target's changes (compare.hpp) go to the sinks. So
// memory is the sort's chunks, not the files: about SortOptions::run_bytes per side, whatever the
// number of targets. Invariants: the sinks see targets in key order (IPv4 before IPv6, address,
// port, name), each target once; when a file holds a target twice (a merged or hand-edited
// file), its last record counts and the others are counted as duplicates. A line that is not
// JSON, or a result record without address, port or outcome, is a UsageError naming the file and
// the line; so is a file with no dotscan record at all.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dotscan/diff/compare.hpp"
#include "dotscan/diff/external_sort.hpp"
#include "dotscan/diff/target_state.hpp"

namespace dotscan::diff {

// One side of the comparison, as read.
struct ScanSide {
  std::string path;
  std::optional<ScanInfo> scan;  // its metadata record, when it has one
  std::uint64_t results = 0;     // result records read
  std::uint64_t duplicates = 0;  // result records for a target seen before in the same file
};

struct DiffSummary {
  ScanSide old_side, new_side;
  std::uint64_t targets = 0;          // distinct targets in either file
  std::uint64_t targets_changed = 0;  // targets with at least one change
  std::uint64_t changes = 0;
  std::array<std::uint64_t, kChangeKindCount> by_kind{};  // indexed by ChangeKind
  std::array<std::uint64_t, 5> by_severity{};             // indexed by model::Severity
  std::optional<model::Severity> worst;                   // the highest severity of a change
};

// Receives the comparison as it is made.
class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  virtual void begin(const ScanSide& old_side, const ScanSide& new_side) = 0;
  // One target with at least one change; `target` carries its key (the new result's, or the old
  // one's when it disappeared).
  virtual void target(const TargetState& target, const std::vector<Change>& changes) = 0;
  virtual void finish(const DiffSummary& summary) = 0;
};

// Compares OLD with NEW, handing every change to each sink. Throws UsageError for an unreadable
// or malformed input, Error(RuntimeError) when the temporary files fail, and
// Error(Interrupted) as soon as `stopped` (asked every 1024 lines and targets) returns true; the
// temporary files are removed in every case.
DiffSummary diffFiles(const std::string& old_path, const std::string& new_path,
                      const SortOptions& options, const std::vector<ChangeSink*>& sinks,
                      const std::function<bool()>& stopped = {});

}  // namespace dotscan::diff
