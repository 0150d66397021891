// dotscan/report/readable.hpp — what the reports for people (--html, --markdown) share: their
// options, and the private digest (src/report/digest.hpp) that counts the scan for their summaries.
#pragma once

#include <cstddef>
#include <string_view>

#include "dotscan/model/finding.hpp"

namespace dotscan::report {

namespace digest {
class Digest;
class Details;
}  // namespace digest

// What the reports for people (HTML, Markdown) are told beyond the results.
struct ReadableReportOptions {
  // The explanation and fix of a finding id (audit::findingGuide); nullptr: none shown.
  using Guide = const model::FindingGuide* (*)(std::string_view id);
  Guide guide = nullptr;
  // Bytes of table rows and of server details held for the sorted page; past them, servers are
  // counted, not shown. The defaults keep a page of any scan under about 5 MB.
  std::size_t row_budget = 1'500'000;
  std::size_t detail_budget = 3'000'000;
};

}  // namespace dotscan::report
