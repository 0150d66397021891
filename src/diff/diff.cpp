#include "dotscan/diff/diff.hpp"

#include <cerrno>
#include <fstream>
#include <memory>

#include "dotscan/report/json_lines_reader.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::diff {

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw UsageError("diff: " + quoteInput(path) + ": " + why);
}

constexpr std::uint64_t kStopCheckEvery = 1024;

void checkStop(const std::function<bool()>& stopped, std::uint64_t count) {
  if (count % kStopCheckEvery == 0 && stopped && stopped()) {
    throw Error(ExitCode::Interrupted, "diff: interrupted");
  }
}

// One line into `line`, without its newline; false at the end of the file. `cut`: it ended at
// the end of the file, with no newline. A line longer than report::kMaxLineBytes is refused
// before it is held, as the JSON Lines reader refuses it: a file of garbage (or of one endless
// line) cannot take the memory.
bool readLine(std::streambuf& in, std::string& line, bool& cut, const std::string& path,
              std::uint64_t number) {
  line.clear();
  cut = false;
  for (;;) {
    const auto c = in.sbumpc();
    if (c == std::char_traits<char>::eof()) {
      cut = true;
      return !line.empty();
    }
    if (c == '\n') return true;
    if (line.size() == report::kMaxLineBytes) {
      refuse(path, "line " + std::to_string(number) + ": longer than " +
                       std::to_string(report::kMaxLineBytes) + " bytes");
    }
    line.push_back(std::char_traits<char>::to_char_type(c));
  }
}

// Reads one scan file into `sorter`, line by line; fills `side`.
void readSide(const std::string& path, ExternalSorter& sorter, ScanSide& side,
              const std::function<bool()>& stopped) {
  side.path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(path, std::string("cannot read it: ") + errorText(errno));
  std::string line;
  std::uint64_t number = 0;
  bool any_record = false;
  bool cut = false;  // the last line, without its newline
  while (readLine(*in.rdbuf(), line, cut, path, number + 1)) {
    ++number;
    checkStop(stopped, number);
    if (line.empty()) continue;
    ParsedLine parsed = parseLine(line);
    switch (parsed.kind) {
      case ParsedLine::Kind::Malformed:
        refuse(path, "line " + std::to_string(number) + ": " + parsed.error +
                         (cut ? " (the last line has no newline: the file was cut short)" : ""));
      case ParsedLine::Kind::Metadata:
        side.scan = std::move(parsed.scan);
        any_record = true;
        break;
      case ParsedLine::Kind::Result: {
        const auto key = sortKey(parsed.state);
        if (!key) refuse(path, "line " + std::to_string(number) + ": a malformed address");
        sorter.add(*key, encode(parsed.state));
        ++side.results;
        any_record = true;
        break;
      }
      case ParsedLine::Kind::Other:
        break;
    }
  }
  if (in.bad()) refuse(path, "cannot read it: " + errorText(errno != 0 ? errno : EIO));
  if (!any_record) refuse(path, "no dotscan result or metadata record in it");
}

// One side's sorted records, one per target: of several records for a key, the last one added.
class Targets {
 public:
  Targets(std::unique_ptr<RecordStream> stream, ScanSide& side)
      : stream_(std::move(stream)), side_(side) {
    has_next_ = stream_->next(next_);
    advance();
  }
  [[nodiscard]] bool done() const { return !has_current_; }
  [[nodiscard]] const std::string& key() const { return current_.key; }
  [[nodiscard]] const TargetState& state() const { return state_; }
  void advance() {
    has_current_ = has_next_;
    if (!has_current_) return;
    std::swap(current_, next_);
    has_next_ = stream_->next(next_);
    while (has_next_ && next_.key == current_.key) {
      ++side_.duplicates;
      std::swap(current_, next_);  // equal keys come in the order added: the later one wins
      has_next_ = stream_->next(next_);
    }
    auto decoded = decode(current_.payload);
    if (!decoded) {
      throw Error(ExitCode::RuntimeError, "diff: a temporary run of " + quoteInput(side_.path) +
                                              " does not read back (a corrupt temporary file)");
    }
    state_ = std::move(*decoded);
  }

 private:
  std::unique_ptr<RecordStream> stream_;
  ScanSide& side_;
  SortedRecord current_, next_;
  bool has_current_ = false, has_next_ = false;
  TargetState state_;
};

void count(DiffSummary& summary, const std::vector<Change>& changes) {
  if (changes.empty()) return;
  ++summary.targets_changed;
  for (const Change& change : changes) {
    ++summary.changes;
    ++summary.by_kind.at(static_cast<std::size_t>(change.kind));
    ++summary.by_severity.at(static_cast<std::size_t>(change.severity));
    if (!summary.worst || change.severity > *summary.worst) summary.worst = change.severity;
  }
}

}  // namespace

DiffSummary diffFiles(const std::string& old_path, const std::string& new_path,
                      const SortOptions& options, const std::vector<ChangeSink*>& sinks,
                      const std::function<bool()>& stopped) {
  DiffSummary summary;
  ExternalSorter old_sorter(options);
  readSide(old_path, old_sorter, summary.old_side, stopped);
  auto old_stream = old_sorter.finish();
  ExternalSorter new_sorter(options);
  readSide(new_path, new_sorter, summary.new_side, stopped);
  auto new_stream = new_sorter.finish();

  for (ChangeSink* sink : sinks) sink->begin(summary.old_side, summary.new_side);
  Targets old_targets(std::move(old_stream), summary.old_side);
  Targets new_targets(std::move(new_stream), summary.new_side);
  // The merge-join: both streams in key order, so each step takes the smaller key, or both.
  while (!old_targets.done() || !new_targets.done()) {
    const TargetState* before = nullptr;
    const TargetState* after = nullptr;
    if (new_targets.done() || (!old_targets.done() && old_targets.key() < new_targets.key())) {
      before = &old_targets.state();
    } else if (old_targets.done() || new_targets.key() < old_targets.key()) {
      after = &new_targets.state();
    } else {
      before = &old_targets.state();
      after = &new_targets.state();
    }
    ++summary.targets;
    checkStop(stopped, summary.targets);
    const std::vector<Change> changes = compareTargets(before, after);
    count(summary, changes);
    if (!changes.empty()) {
      for (ChangeSink* sink : sinks) sink->target(after != nullptr ? *after : *before, changes);
    }
    if (before != nullptr) old_targets.advance();
    if (after != nullptr) new_targets.advance();
  }
  for (ChangeSink* sink : sinks) sink->finish(summary);
  return summary;
}

}  // namespace dotscan::diff
