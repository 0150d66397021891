// dotscan/report/json_lines.hpp — the machine-readable report: one JSON object per line (JSON
// Lines).
//
// Two record types, told apart by "record": one "result" per probed target, and one "metadata"
// record that describes the scan (data/result.schema.json documents every field). Invariants: a
// record is always exactly one line of valid UTF-8 JSON, whatever bytes the network sent (invalid
// UTF-8 becomes U+FFFD, control characters are escaped); absent facts are null, never made up,
// except "checks", left out when no conformance check was asked for; times are ISO 8601 UTC with
// milliseconds; durations in milliseconds are rounded to 3 decimals.
// The writer emits whole lines only and reports a failed write as an Error, never silently.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "dotscan/model/result.hpp"
#include "dotscan/report/metadata.hpp"
#include "dotscan/report/writer.hpp"

namespace dotscan::report {

// The "schema_version" of every record; raise it when a field changes meaning or disappears.
inline constexpr int kSchemaVersion = 1;

// One line, no newline. Without `include_pem`, the certificates' "pem" fields are left out even
// when the result holds them (another writer asked for them: -oX).
std::string resultToJson(const model::ProbeResult& result, bool include_pem = true);
std::string metadataToJson(const ScanMetadata& metadata);  // one line, no newline

// A JSON text as nlohmann dumps it (valid UTF-8), with DEL and the C1 controls also written as
// \u00XX escapes: what every JSON Lines writer of dotscan sends out, so that no line can hold a
// byte a terminal takes as an escape sequence.
std::string escapeJsonControls(std::string_view dumped);

// "2026-11-23T10:00:00.123Z": UTC, milliseconds truncated toward the past.
std::string formatTime(std::chrono::system_clock::time_point time);

struct JsonLinesOptions {
  bool results = true;      // false: only the metadata record (--metadata FILE)
  bool metadata = true;     // false: no metadata record (it goes to its own file)
  bool include_pem = true;  // see resultToJson
};

// Writes whole lines to a FILE*, never a partial record, and flushes after each result so that
// what was found survives a crash; not thread-safe. Does not own `out`.
class JsonLinesWriter final : public Writer {
 public:
  explicit JsonLinesWriter(std::FILE* out, JsonLinesOptions options = {});
  void add(const model::ProbeResult& result) override;  // write() and flush()
  void finish(const ScanMetadata& metadata) override;   // writeMetadata() and flush()
  // Throw dotscan::Error(ExitCode::RuntimeError, ...) when the stream reports a write error.
  void write(const model::ProbeResult& result);
  void writeMetadata(const ScanMetadata& metadata);
  void flush();  // fflush; throws as above (disk full)

 private:
  void writeLine(std::string line);
  std::FILE* out_;
  JsonLinesOptions options_;
};

}  // namespace dotscan::report
