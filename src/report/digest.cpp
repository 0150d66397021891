#include "digest.hpp"

#include <algorithm>

namespace dotscan::report::digest {

std::string endpoint(const model::ProbeResult& result) {
  const std::string address = result.address.toString();
  return (result.address.isV4() ? address : "[" + address + "]") + ":" +
         std::to_string(result.port);
}

void Digest::add(const model::ProbeResult& result) {
  ++results;
  ++outcomes.at(static_cast<std::size_t>(result.outcome));
  if (model::answered(result.outcome)) ++answered;
  if (result.outcome == model::Outcome::Dot) ++dot;
  if (result.verdict && model::answered(result.outcome)) ++verdicts[result.verdict->profile];
  for (const model::Finding& finding : result.findings) {
    if (!finding.counts()) {
      ++suppressed;
      continue;
    }
    ++by_severity.at(static_cast<std::size_t>(finding.severity));
    FindingStats& stats = findings[{finding.severity, finding.id}];
    ++stats.count;
    if (stats.affected.size() < kAffectedKept) {
      stats.affected.push_back({endpoint(result), result.name, finding.message});
    }
  }
  if (result.certificates.empty()) return;
  const model::CertificateInfo& leaf = result.certificates.front();
  if (const auto found = issuers.find(leaf.issuer); found != issuers.end()) {
    ++found->second;
  } else if (issuers.size() < kIssuersKept) {
    issuers.emplace(leaf.issuer, 1);
  } else {
    ++other_issuers;
  }
  if (leaf.days_left && *leaf.days_left < 0) {
    ++expired;
  } else if (leaf.not_after.size() >= 7) {
    const std::string month = leaf.not_after.substr(0, 7);  // ISO 8601: "YYYY-MM"
    if (const auto found = months.find(month); found != months.end()) {
      ++found->second;
    } else if (months.size() < kMonthsKept) {
      months.emplace(month, 1);
    } else {
      ++other_months;
    }
  }
}

std::vector<std::pair<std::string, std::uint64_t>> issuersByCount(const Digest& digest) {
  std::vector<std::pair<std::string, std::uint64_t>> sorted(digest.issuers.begin(),
                                                            digest.issuers.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return sorted;
}

bool Details::add(const model::ProbeResult& result, std::string text) {
  if (used_ + text.size() > budget_) {
    ++left_out_;
    return false;
  }
  used_ += text.size();
  smallest_ = held_.empty() ? text.size() : std::min(smallest_, text.size());
  held_.emplace_back(model::sortKey(result), std::move(text));
  return true;
}

std::vector<std::string> Details::sorted() {
  std::stable_sort(held_.begin(), held_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> texts;
  texts.reserve(held_.size());
  for (auto& [key, text] : held_) texts.push_back(std::move(text));
  held_.clear();
  used_ = 0;
  return texts;
}

bool detailed(const model::ProbeResult& result) {
  return model::answered(result.outcome);
}

std::string clipped(std::string_view text, std::size_t limit,
                    std::string (*escape)(std::string_view)) {
  if (text.size() <= limit) return escape(text);
  return escape(text.substr(0, limit)) + "...";
}

std::string plural(std::uint64_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

}  // namespace dotscan::report::digest
