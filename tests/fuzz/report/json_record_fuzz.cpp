// Fuzz target: one JSON Lines record (report/json_lines_reader.hpp), read back and written again.
// Any exception but RecordError is a bug; so is a record that, written and read again, does not
// give the same line (the reader must be the writer's exact inverse on what the writer makes).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "dotscan/report/json_lines.hpp"
#include "dotscan/report/json_lines_reader.hpp"

namespace {

std::string write(const dotscan::report::Record& record) {
  if (const auto* result = std::get_if<dotscan::model::ProbeResult>(&record)) {
    return dotscan::report::resultToJson(*result);
  }
  return dotscan::report::metadataToJson(std::get<dotscan::report::ScanMetadata>(record));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libFuzzer's bytes as text
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const std::string once = write(dotscan::report::parseRecord(text));
    if (write(dotscan::report::parseRecord(once)) != once) __builtin_trap();
  } catch (const dotscan::report::RecordError&) {
  }
  return 0;
}
