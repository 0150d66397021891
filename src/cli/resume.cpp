#include "dotscan/cli/resume.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>

#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

using Json = nlohmann::json;

std::optional<model::Outcome> outcomeFromString(std::string_view text) {
  for (std::size_t i = 0; i < model::kOutcomeCount; ++i) {
    const auto outcome = static_cast<model::Outcome>(i);
    if (model::toString(outcome) == text) return outcome;
  }
  return std::nullopt;
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw UsageError("--resume " + quoteInput(path) + ": " + why);
}

// A string field, or empty when absent or not a string.
std::string text(const Json& json, const char* key) {
  const auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The metadata record that ends the file: the scan to continue.
void readMetadata(const Json& json, ResumeState& state) {
  const std::string& path = state.path;
  const bool interrupted = json.value("interrupted", false);
  const bool failed = json.contains("error") && !json["error"].is_null();
  if (!interrupted && !failed) {
    refuse(path, "the scan was not interrupted (its metadata record says it ran to its end)");
  }
  const auto arguments = json.find("arguments");
  if (arguments == json.end() || !arguments->is_array()) {
    refuse(path, "its metadata record has no \"arguments\" (written by an older dotscan)");
  }
  for (const Json& argument : *arguments) {
    if (!argument.is_string()) refuse(path, "its metadata record has a malformed \"arguments\"");
    state.arguments.push_back(argument.get<std::string>());
  }
  const auto seed = json.find("seed");
  if (seed == json.end() || !seed->is_number_unsigned()) {
    refuse(path, "its metadata record has no seed");
  }
  state.seed = seed->get<std::uint64_t>();
  state.targets_planned = text(json, "targets_planned");
  const auto resumed = json.find("resumed");
  if (resumed != json.end() && resumed->is_number_unsigned()) {
    state.resumed = resumed->get<std::uint32_t>();
  }
  const auto duration = json.find("duration_s");
  if (duration != json.end() && duration->is_number()) state.duration_s = duration->get<double>();
}

}  // namespace

std::string resumeKey(const Address& address, std::uint16_t port, std::string_view name) {
  std::string key = address.toString();
  key += ' ';
  key += std::to_string(port);
  key += ' ';
  key += name;
  return key;
}

ResumeState readResumeFile(const std::string& path) {
  ResumeState state;
  state.path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(path, std::string("cannot read it: ") + std::strerror(errno));
  std::string line;
  std::uint64_t offset = 0;
  std::uint64_t number = 0;
  std::optional<Json> metadata;
  std::uint64_t metadata_line = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::uint64_t start = offset;
    // A last line without its newline was cut short (a kill mid-write): it is dropped.
    if (in.eof()) break;
    offset += line.size() + 1;
    Json json = Json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      refuse(path, "line " + std::to_string(number) + " is not a JSON object");
    }
    if (metadata) {
      refuse(path, "line " + std::to_string(metadata_line) +
                       " is a metadata record, but not the last line");
    }
    const std::string record = text(json, "record");
    if (record == "metadata") {
      metadata = std::move(json);
      metadata_line = number;
      state.keep_bytes = start;
      continue;
    }
    if (record != "result") continue;
    const auto outcome = outcomeFromString(text(json, "outcome"));
    const auto address = Address::parse(text(json, "address"));
    const auto port = json.find("port");
    if (!outcome || !address || port == json.end() || !port->is_number_unsigned()) {
      refuse(path, "line " + std::to_string(number) +
                       " is a result record without address, "
                       "port or outcome");
    }
    if (*outcome == model::Outcome::Interrupted) {
      // Never finished: scanned again, and this record leaves the file.
      state.dropped_lines.push_back(number);
      continue;
    }
    state.done.insert(resumeKey(*address, port->get<std::uint16_t>(), text(json, "name")));
    ++state.counts.at(static_cast<std::size_t>(*outcome));
    ++state.scanned;
  }
  if (!metadata) {
    refuse(path,
           "the file has no metadata record as its last line (the scan was killed before "
           "writing it, or --metadata put it elsewhere): it cannot be resumed safely");
  }
  readMetadata(*metadata, state);
  return state;
}

void prepareResumeFile(const ResumeState& state) {
  const std::string& path = state.path;
  const auto fail = [&path](const std::string& what) {
    throw Error(ExitCode::RuntimeError,
                "--resume " + quoteInput(path) + ": cannot " + what + ": " + std::strerror(errno));
  };
  if (state.dropped_lines.empty()) {
    if (::truncate(path.c_str(), static_cast<off_t>(state.keep_bytes)) != 0) fail("truncate it");
    return;
  }
  // `interrupted` records sit among the others: the kept lines go to a new file that replaces
  // the old one in one rename, so that a kill here leaves one of the two whole.
  const std::string temporary = path + ".resume-tmp";
  {
    std::ifstream in(path, std::ios::binary);
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!in || !out) fail("rewrite it");
    std::string line;
    std::uint64_t number = 0;
    std::uint64_t written = 0;
    auto drop = state.dropped_lines.begin();
    while (written < state.keep_bytes && std::getline(in, line)) {
      ++number;
      written += line.size() + 1;
      if (drop != state.dropped_lines.end() && *drop == number) {
        ++drop;
        continue;
      }
      out << line << '\n';
    }
    out.flush();
    if (!out) fail("write " + quoteInput(temporary));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("replace it");
}

void addEarlierRuns(report::ScanMetadata& metadata, const ResumeState& state) {
  for (std::size_t i = 0; i < metadata.counts.size(); ++i) {
    metadata.counts.at(i) += state.counts.at(i);
  }
  metadata.targets_scanned += state.scanned;
  metadata.duration_s += state.duration_s;
  metadata.resumed = state.resumed + 1;
}

}  // namespace dotscan::cli
