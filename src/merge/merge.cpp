#include "dotscan/merge/merge.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <variant>

#include "dotscan/merge/duplicates.hpp"
#include "dotscan/report/json_lines_reader.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"
#include "dotscan/util/uint128.hpp"

namespace dotscan::merge {

namespace {

using File = std::unique_ptr<std::FILE, decltype(&std::fclose)>;

// `command`: the one whose error this is, "merge" or "report".
[[noreturn]] void refuse(const std::string& path, const std::string& why,
                         std::string_view command = "merge") {
  throw UsageError(std::string(command) + ": " + quoteInput(path) + " " + why);
}

std::string shardName(const report::ScanMetadata& m) {
  return "shard " + std::to_string(m.shard_index) + " of " + std::to_string(m.shard_count);
}

// The last line of `in` (without its newline), read from the end in growing windows up to
// kMaxLineBytes; nullopt when the file does not end with a newline.
std::optional<std::string> lastLine(std::FILE* in, const std::string& path,
                                    std::string_view command) {
  if (std::fseek(in, 0, SEEK_END) != 0) refuse(path, "cannot be read from its end", command);
  const long size = std::ftell(in);
  if (size < 0) refuse(path, "cannot be read from its end", command);
  if (size == 0) {
    refuse(path, "is empty: the scan wrote nothing (killed before its first record)", command);
  }
  std::string tail;
  for (long window = 65536;; window *= 8) {
    const long start = std::max(0L, size - std::min<long>(window, report::kMaxLineBytes + 1));
    tail.resize(static_cast<std::size_t>(size - start));
    if (std::fseek(in, start, SEEK_SET) != 0 ||
        std::fread(tail.data(), 1, tail.size(), in) != tail.size()) {
      refuse(path, std::string("cannot be read: ") + std::strerror(errno), command);
    }
    if (tail.back() != '\n') return std::nullopt;
    tail.pop_back();
    const std::size_t newline = tail.rfind('\n');
    if (newline != std::string::npos) return tail.substr(newline + 1);
    if (start == 0) return tail;  // the file is one line
    if (size - start > static_cast<long>(report::kMaxLineBytes)) {
      refuse(path,
             "ends with a line longer than " + std::to_string(report::kMaxLineBytes) + " bytes",
             command);
    }
  }
}

// The first argument where two scans differ, for the message.
std::string firstDifference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? quoteInput(a[i]) : "(nothing)";
    const std::string y = i < b.size() ? quoteInput(b[i]) : "(nothing)";
    if (x != y) {
      std::string difference = "argument ";
      difference.append(std::to_string(i + 1)).append(" is ").append(y).append(", not ").append(x);
      return difference;
    }
  }
  return "the arguments are the same";
}

std::vector<std::string> scanArguments(const report::ScanMetadata& m,
                                       const MergeSettings& settings) {
  return settings.scan_arguments ? settings.scan_arguments(m.arguments) : m.arguments;
}

u128 planned(const Shard& shard) {
  const auto value = parseU128(shard.metadata.targets_planned);
  if (!value) refuse(shard.path, "has a targets_planned that is not a number");
  return *value;
}

// The (address, port, name) at `line` of `path`, read again to confirm a candidate duplicate.
std::optional<std::string> keyAt(const std::string& path, std::uint64_t line) {
  report::JsonLinesReader reader(path);
  while (reader.line() + 1 < line && reader.skip()) {
  }
  if (auto record = reader.next(); record && reader.line() == line) {
    const auto* result = std::get_if<model::ProbeResult>(&*record);
    if (result == nullptr) return std::nullopt;
    return result->address.toString() + " port " + std::to_string(result->port) +
           (result->name.empty() ? std::string() : " name " + quoteInput(result->name));
  }
  return std::nullopt;
}

// The writers of the merge. One whose pipe lost its reader (`dotscan merge ... | head`) is
// dropped quietly and the others go on, as in a scan (report/writer.hpp, OutputClosed).
class Writers {
 public:
  explicit Writers(std::vector<report::Writer*> writers) : writers_(std::move(writers)) {}
  template <typename Action>
  void each(Action&& action) {
    for (report::Writer*& writer : writers_) {
      if (writer == nullptr) continue;
      try {
        action(*writer);
      } catch (const report::OutputClosed&) {
        writer = nullptr;
      }
    }
  }

 private:
  std::vector<report::Writer*> writers_;  // null: its reader has gone
};

}  // namespace

Shard readShard(const std::string& path, std::string_view command) {
  errno = 0;
  const File in(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!in) refuse(path, std::string("cannot be read: ") + std::strerror(errno), command);
  const auto line = lastLine(in.get(), path, command);
  if (!line) {
    refuse(path, "is truncated: its last line has no newline (the scan was killed mid-write)",
           command);
  }
  report::Record record;
  try {
    record = report::parseRecord(*line);
  } catch (const report::RecordError& e) {
    refuse(path, std::string("ends with a malformed line: ") + e.what(), command);
  }
  auto* metadata = std::get_if<report::ScanMetadata>(&record);
  if (metadata == nullptr) {
    refuse(path,
           "has no metadata record at its end: the scan did not finish writing it (killed, or "
           "still running), or --metadata put it in another file",
           command);
  }
  return Shard{path, std::move(*metadata)};
}

std::vector<Shard> checkShards(std::vector<Shard> shards, const MergeSettings& settings) {
  if (shards.empty()) throw UsageError("merge: no input files (see dotscan merge --help)");
  const Shard& first = shards.front();
  const report::ScanMetadata& f = first.metadata;
  const std::vector<std::string> first_arguments = scanArguments(f, settings);
  for (const Shard& shard : shards) {
    const report::ScanMetadata& m = shard.metadata;
    const std::string than = " than " + quoteInput(first.path);
    if (m.merged_shards != 0) refuse(shard.path, "is already a merged result");
    if (m.version != f.version) {
      refuse(shard.path, "was written by dotscan " + quoteInput(m.version) + ", " +
                             quoteInput(first.path) + " by " + quoteInput(f.version) +
                             ": the target order may differ between versions");
    }
    if (m.seed != f.seed) {
      refuse(shard.path, "has seed " + std::to_string(m.seed) + ", " + quoteInput(first.path) +
                             " seed " + std::to_string(f.seed) +
                             ": shards of one scan share their --seed");
    }
    if (m.shard_count != f.shard_count) {
      refuse(shard.path, "is " + shardName(m) + ", " + quoteInput(first.path) + " " + shardName(f) +
                             ": shards of one scan share their --shards");
    }
    if (m.shard_index >= m.shard_count) refuse(shard.path, "has a shard index out of range");
    const std::vector<std::string> arguments = scanArguments(m, settings);
    if (arguments != first_arguments) {
      refuse(shard.path, "is a shard of another scan" + than + ": " +
                             firstDifference(first_arguments, arguments));
    }
    if (m.interrupted || m.error) {
      refuse(shard.path, "(" + shardName(m) + ") did not finish: " +
                             (m.error ? "stopped by an error: " + quoteInput(*m.error)
                                      : std::string("interrupted")) +
                             "; complete it with dotscan --resume " + quoteInput(shard.path));
    }
  }
  const std::uint32_t count = f.shard_count;  // f is a slot of `shards`, sorted below
  const std::uint64_t seed = f.seed;
  std::sort(shards.begin(), shards.end(), [](const Shard& a, const Shard& b) {
    return a.metadata.shard_index < b.metadata.shard_index;
  });
  for (std::size_t i = 1; i < shards.size(); ++i) {
    if (shards[i].metadata.shard_index == shards[i - 1].metadata.shard_index) {
      throw UsageError("merge: " + shardName(shards[i].metadata) + " is given twice: " +
                       quoteInput(shards[i - 1].path) + " and " + quoteInput(shards[i].path));
    }
  }
  std::vector<std::uint32_t> missing;
  std::size_t next = 0;
  for (std::uint32_t index = 0; index < count && missing.size() < 10; ++index) {
    if (next < shards.size() && shards[next].metadata.shard_index == index) {
      ++next;
    } else {
      missing.push_back(index);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const std::uint32_t index : missing) {
      list += (list.empty() ? "" : ", ") + std::to_string(index);
    }
    const std::size_t absent = count - shards.size();
    throw UsageError("merge: " + std::string(absent == 1 ? "shard " : "shards ") + list +
                     (absent > missing.size() ? ", ..." : "") + " of " + std::to_string(count) +
                     (absent == 1 ? " is" : " are") + " missing (seed " + std::to_string(seed) +
                     "): " + std::to_string(shards.size()) + " of " + std::to_string(count) +
                     " given");
  }
  return shards;
}

report::ScanMetadata mergedMetadata(const std::vector<Shard>& shards,
                                    const MergeSettings& settings) {
  report::ScanMetadata merged = shards.front().metadata;
  merged.command_line = settings.command_line;
  merged.arguments = scanArguments(merged, settings);
  merged.shard_index = 0;
  merged.shard_count = 1;
  merged.merged_shards = static_cast<std::uint32_t>(shards.size());
  merged.counts = {};
  merged.targets_scanned = 0;
  merged.resumed = 0;
  merged.cleartext_checks = 0;
  merged.rtt = {};
  merged.interrupted = false;
  merged.error.reset();
  if (shards.size() > 1) merged.pcap.reset();  // one file per shard: none is the merge's
  u128 total = 0;
  std::array<double, 3> srtt_sum{};
  std::array<double, 3> rttvar_sum{};
  for (const Shard& shard : shards) {
    const report::ScanMetadata& m = shard.metadata;
    total += planned(shard);
    merged.targets_scanned += m.targets_scanned;
    for (std::size_t i = 0; i < merged.counts.size(); ++i) merged.counts.at(i) += m.counts.at(i);
    merged.started = std::min(merged.started, m.started);
    merged.ended = std::max(merged.ended, m.ended);
    merged.resumed += m.resumed;
    merged.cleartext_checks += m.cleartext_checks;
    for (std::size_t i = 0; i < merged.rtt.size(); ++i) {
      const auto samples = static_cast<double>(m.rtt.at(i).samples);
      merged.rtt.at(i).samples += m.rtt.at(i).samples;
      srtt_sum.at(i) += m.rtt.at(i).srtt_ms * samples;
      rttvar_sum.at(i) += m.rtt.at(i).rttvar_ms * samples;
    }
    if (&shard != &shards.front() && merged.discovery && m.discovery) {
      report::DiscoveryMetadata& d = *merged.discovery;
      const report::DiscoveryMetadata& s = *m.discovery;
      d.sent += s.sent;
      d.send_errors += s.send_errors;
      d.live += s.live;
      d.closed += s.closed;
      d.unreachable += s.unreachable;
      d.silent += s.silent;
      d.invalid += s.invalid;
      d.duplicates += s.duplicates;
      d.captured += s.captured;
      d.capture_dropped += s.capture_dropped;
    }
  }
  for (std::size_t i = 0; i < merged.rtt.size(); ++i) {
    const auto samples = static_cast<double>(merged.rtt.at(i).samples);
    if (samples > 0) {
      merged.rtt.at(i).srtt_ms = srtt_sum.at(i) / samples;
      merged.rtt.at(i).rttvar_ms = rttvar_sum.at(i) / samples;
    }
  }
  merged.targets_planned = toString(total);
  merged.duration_s = std::chrono::duration<double>(merged.ended - merged.started).count();
  return merged;
}

report::ScanMetadata mergeShards(const std::vector<Shard>& shards,
                                 const std::vector<report::Writer*>& writers,
                                 const MergeSettings& settings) {
  report::ScanMetadata merged = mergedMetadata(shards, settings);
  DuplicateFinder duplicates(settings.temp_directory, settings.run_entries);
  Writers outputs(writers);
  outputs.each([&merged](report::Writer& writer) { writer.begin(merged); });
  for (std::uint32_t input = 0; input < shards.size(); ++input) {
    const Shard& shard = shards[input];
    report::JsonLinesReader reader(shard.path);
    std::uint64_t results = 0;
    bool ended = false;
    while (auto record = reader.next()) {
      if (ended) {
        refuse(shard.path, "line " + std::to_string(reader.line()) +
                               " follows its metadata record: two scans in one file, or a file "
                               "that grew while it was merged");
      }
      if (std::holds_alternative<report::ScanMetadata>(*record)) {
        ended = true;
        continue;
      }
      if (reader.line() % 1024 == 0 && settings.stopped && settings.stopped()) {
        throw Error(ExitCode::Interrupted, "merge: interrupted");
      }
      const auto& result = std::get<model::ProbeResult>(*record);
      duplicates.add(result.address, result.port, result.name, {input, reader.line()});
      outputs.each([&result](report::Writer& writer) { writer.add(result); });
      ++results;
    }
    if (!ended) refuse(shard.path, "lost its metadata record while it was merged");
    const report::ScanMetadata& m = shard.metadata;
    if (results != m.targets_scanned) {
      refuse(shard.path, "(" + shardName(m) + ") holds " + std::to_string(results) +
                             " result records, its metadata record counts " +
                             std::to_string(m.targets_scanned) +
                             " (written with --open, or edited): it cannot be checked");
    }
    if (results != planned(shard)) {
      refuse(shard.path, "(" + shardName(m) + ") holds " + std::to_string(results) +
                             " results of the " + m.targets_planned + " targets it planned");
    }
  }
  const auto twice = duplicates.find([&shards](const Place& a, const Place& b) {
    const auto key = keyAt(shards[a.input].path, a.line);
    return key && key == keyAt(shards[b.input].path, b.line);
  });
  if (twice) {
    const auto [a, b] = *twice;
    throw UsageError("merge: target " + keyAt(shards[a.input].path, a.line).value_or("?") +
                     " appears twice: " + quoteInput(shards[a.input].path) + " line " +
                     std::to_string(a.line) + " and " + quoteInput(shards[b.input].path) +
                     " line " + std::to_string(b.line));
  }
  outputs.each([&merged](report::Writer& writer) { writer.finish(merged); });
  return merged;
}

report::ScanMetadata rewriteScan(const Shard& scan, const std::vector<report::Writer*>& writers,
                                 const std::function<bool()>& stopped) {
  Writers outputs(writers);
  outputs.each([&scan](report::Writer& writer) { writer.begin(scan.metadata); });
  report::JsonLinesReader reader(scan.path);
  bool ended = false;
  while (auto record = reader.next()) {
    if (ended) {
      refuse(scan.path,
             "line " + std::to_string(reader.line()) +
                 " follows its metadata record: two scans in one file, or a file that grew",
             "report");
    }
    if (std::holds_alternative<report::ScanMetadata>(*record)) {
      ended = true;
      continue;
    }
    if (reader.line() % 1024 == 0 && stopped && stopped()) {
      throw Error(ExitCode::Interrupted, "report: interrupted");
    }
    const auto& result = std::get<model::ProbeResult>(*record);
    outputs.each([&result](report::Writer& writer) { writer.add(result); });
  }
  if (!ended) refuse(scan.path, "lost its metadata record while it was read", "report");
  outputs.each([&scan](report::Writer& writer) { writer.finish(scan.metadata); });
  return scan.metadata;
}

}  // namespace dotscan::merge
