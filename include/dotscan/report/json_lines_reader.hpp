// dotscan/report/json_lines_reader.hpp — reading JSON Lines results back: the inverse of
// report/json_lines.hpp, for the commands that work on saved scans (merge, report, diff).
//
// A "result" record becomes a model::ProbeResult and the "metadata" record a ScanMetadata, with
// every field the writer writes, so that writing what was read gives the same bytes again (what
// the writer left out, such as a PEM the scan did not keep, cannot come back). Invariants: the
// reader streams, one line in memory at a time, and a line longer than kMaxLineBytes is refused
// rather than read; malformed input of any kind (not JSON, a missing field, a field of the wrong
// type or out of range, an unknown record, a last line without its newline) is a dotscan::Error
// with exit code 2 whose one line names the file and the line, never a crash and never a made-up
// value.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "dotscan/model/result.hpp"
#include "dotscan/report/metadata.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::report {

// The longest line read: far above any record the writer makes (a result with a ten-certificate
// chain and its PEMs is some 60 KB), low enough that a file of garbage cannot take the memory.
inline constexpr std::size_t kMaxLineBytes = 8U << 20U;

// One line that is not a record the writer could have written. The message says what is wrong
// with it ("result record: \"port\" is not a number from 0 to 65535"), without file or line.
class RecordError : public UsageError {
 public:
  using UsageError::UsageError;
};

using Record = std::variant<model::ProbeResult, ScanMetadata>;

// One record from one line (without its newline). Throws RecordError.
Record parseRecord(std::string_view line);

// "2026-11-23T10:00:00.123Z" (formatTime) back to a time point; nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parseTime(std::string_view text);

// Reads a JSON Lines file record by record. Not thread-safe.
class JsonLinesReader {
 public:
  // Opens `path` ("-" is standard input); throws UsageError naming it when it cannot be read.
  explicit JsonLinesReader(std::string path);
  JsonLinesReader(const JsonLinesReader&) = delete;
  JsonLinesReader& operator=(const JsonLinesReader&) = delete;
  JsonLinesReader(JsonLinesReader&&) = delete;
  JsonLinesReader& operator=(JsonLinesReader&&) = delete;
  ~JsonLinesReader();

  // The next record, or nullopt at the end of the file. Throws UsageError "FILE line N: ..." for
  // a malformed line, a line over kMaxLineBytes, a last line cut short, or a read error.
  std::optional<Record> next();
  // Passes over the next line without parsing it (to reach a known line fast); false at the end.
  // Throws as next() does for an overlong line or a last line cut short.
  bool skip();

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::uint64_t line() const { return line_; }  // of the last record returned

 private:
  [[noreturn]] void fail(const std::string& why) const;
  bool readLine();  // into buffer_; false at the end

  std::string path_;
  std::FILE* in_ = nullptr;
  bool owned_ = false;
  std::uint64_t line_ = 0;
  std::string buffer_;
};

}  // namespace dotscan::report
