#include "dotscan/model/conformance.hpp"

namespace dotscan::model {

std::string_view toString(CheckStatus status) {
  switch (status) {
    case CheckStatus::Pass:
      return "pass";
    case CheckStatus::Fail:
      return "fail";
    case CheckStatus::NotApplicable:
      return "not-applicable";
    case CheckStatus::Error:
      return "error";
  }
  return "error";
}

std::optional<CheckStatus> checkStatusFromString(std::string_view text) {
  for (const CheckStatus status :
       {CheckStatus::Pass, CheckStatus::Fail, CheckStatus::NotApplicable, CheckStatus::Error}) {
    if (toString(status) == text) return status;
  }
  return std::nullopt;
}

}  // namespace dotscan::model
