// dotscan/report/finding_text.hpp — what the reports say of a finding beyond its id and message.
#pragma once

#include <string>

#include "dotscan/model/finding.hpp"

namespace dotscan::report {

// The policy's rule on the finding, for people: "suppressed by policy group 'lab' until
// 2027-01-31: lab servers", "re-rated from medium by the policy", "the policy's rule for it
// expired 2026-01-31: ..."; empty without a rule. Plain text: each writer escapes it for its
// format (the reason comes from the policy file).
std::string policyNote(const model::Finding& finding);

}  // namespace dotscan::report
