#include "dotscan/report/finding_text.hpp"

namespace dotscan::report {

std::string policyNote(const model::Finding& finding) {
  if (!finding.policy) return "";
  const model::FindingOverride& rule = *finding.policy;
  std::string note;
  if (rule.expired) {
    note = "the policy's rule for it expired " + rule.until;
  } else {
    note = rule.suppressed || !rule.was
               ? std::string("suppressed")
               : "re-rated from " + std::string(model::toString(*rule.was));
    note += rule.group.empty() ? " by the policy" : " by policy group '" + rule.group + "'";
    if (!rule.until.empty()) note += " until " + rule.until;
  }
  if (!rule.reason.empty()) note += ": " + rule.reason;
  return note;
}

}  // namespace dotscan::report
