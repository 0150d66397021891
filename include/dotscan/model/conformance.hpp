// dotscan/model/conformance.hpp — the DoT conformance checks of one server (issue 13), as plain
// data.
//
// The checks module fills them (--checks), the audit turns failures into findings, the report
// writes them. Invariants: a check is present only when it was asked for; its status is one of
// four; `summary` says in one line what was seen; `evidence` holds the facts behind the status,
// each key at most once, in the order the check found them (docs/conformance.md lists every key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dotscan::model {

enum class CheckStatus : std::uint8_t {
  Pass,           // the server does what the check asks of it
  Fail,           // it does not; the audit raises the check's finding
  NotApplicable,  // the check cannot apply (no name to compare SNI with, a probe without TLS)
  Error,          // the check could not conclude: its connection failed, or the scan stopped
};

std::string_view toString(CheckStatus status);
// The inverse of toString; nullopt for any other text.
std::optional<CheckStatus> checkStatusFromString(std::string_view text);

// One fact of a check: a boolean, a count or milliseconds (integers), a text, or a list of texts.
using EvidenceValue = std::variant<bool, std::int64_t, std::string, std::vector<std::string>>;

struct Evidence {
  std::string key;
  EvidenceValue value;
  friend bool operator==(const Evidence&, const Evidence&) = default;
};

struct ConformanceCheck {
  std::string name;  // "pipelining", "keepalive", "padding", "resumption", "sni", "versions", ...
  CheckStatus status = CheckStatus::Error;
  std::string summary;  // one line
  std::vector<Evidence> evidence;
  friend bool operator==(const ConformanceCheck&, const ConformanceCheck&) = default;

  // The value under `key`, null when absent or of another type.
  template <typename T>
  [[nodiscard]] const T* get(std::string_view key) const {
    for (const Evidence& item : evidence) {
      if (item.key == key) return std::get_if<T>(&item.value);
    }
    return nullptr;
  }
};

}  // namespace dotscan::model
