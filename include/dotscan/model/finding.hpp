// dotscan/model/finding.hpp — one thing the audit found about a target, as plain data.
//
// Invariant: `id` is stable across versions (automation keys on it); `message` is for people.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dotscan::model {

enum class Severity : std::uint8_t { Info, Low, Medium, High, Critical };

std::string_view toString(Severity severity);
std::optional<Severity> severityFromString(std::string_view text);

struct Finding {
  std::string id;  // "cert-expired", "weak-key", ...
  Severity severity = Severity::Info;
  std::string message;
  std::optional<int> certificate;  // index in the chain (0 = leaf) when it is about one
};

}  // namespace dotscan::model
