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

// What a finding id means and how to fix it, for people: one per id (audit::findingGuide).
// The reports that explain findings (HTML, Markdown) take it as a lookup, so that the report
// module needs no audit code.
struct FindingGuide {
  std::string_view id;
  std::string_view explanation;  // what is wrong and why it matters, one or two sentences
  std::string_view fix;          // what the operator does about it
};

}  // namespace dotscan::model
