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

// What the policy decided about one finding (its "findings" rules, docs/audit.md): turned off
// (suppressed) or given another severity, with the auditor's reason and an optional expiry. An
// expired rule is recorded but not applied, so that the reports show it ran out.
struct FindingOverride {
  std::string group;            // the policy group whose rule applied; empty: the defaults
  bool suppressed = false;      // the finding no longer counts (--fail-on, summaries)
  std::optional<Severity> was;  // the severity before a re-rating
  std::string reason;           // the auditor's, as written in the policy; may be empty
  std::string until;            // "YYYY-MM-DD" (UTC), the last day it applies; empty: no expiry
  bool expired = false;         // `until` has passed: nothing was changed
};

struct Finding {
  std::string id;  // "cert-expired", "weak-key", ...
  Severity severity = Severity::Info;
  std::string message;
  std::optional<int> certificate;         // index in the chain (0 = leaf) when it is about one
  std::optional<FindingOverride> policy;  // set when a policy rule names this finding's id

  // Whether the finding counts: towards --fail-on, the worst severity and the summaries.
  [[nodiscard]] bool counts() const { return !policy || policy->expired || !policy->suppressed; }
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
