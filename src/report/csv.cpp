#include "dotscan/report/csv.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "dotscan/report/escape.hpp"

#include "put.hpp"

namespace dotscan::report {

namespace {

std::string joined(const std::vector<std::string>& first, const std::vector<std::string>& second) {
  std::string text;
  for (const auto* names : {&first, &second}) {
    for (const std::string& name : *names) text += (text.empty() ? "" : " ") + name;
  }
  return text;
}

}  // namespace

std::string csvRow(const model::ProbeResult& r) {
  std::vector<std::string> cells;
  cells.push_back(r.address.toString());
  cells.push_back(std::to_string(r.port));
  cells.push_back(csvField(r.name));
  cells.emplace_back(model::toString(r.outcome));
  cells.push_back(r.tls ? csvField(r.tls->version) : "");
  if (r.certificates.empty()) {
    cells.insert(cells.end(), 7, "");
  } else {
    const model::CertificateInfo& leaf = r.certificates.front();
    cells.push_back(csvField(leaf.subject));
    cells.push_back(csvField(joined(leaf.san.dns, leaf.san.ip)));
    cells.push_back(csvField(leaf.issuer));
    cells.push_back(csvField(leaf.not_after));
    cells.push_back(leaf.days_left ? std::to_string(*leaf.days_left) : "");
    cells.push_back(csvField(leaf.sha256));
    cells.push_back(csvField(leaf.spki_pin_sha256));
  }
  cells.push_back(r.verdict ? csvField(r.verdict->profile) : "");
  // The worst finding that counts: one the policy suppressed is not the row's worst.
  const model::Finding* worst = nullptr;
  for (const model::Finding& finding : r.findings) {
    if (finding.counts() && (worst == nullptr || finding.severity > worst->severity)) {
      worst = &finding;
    }
  }
  cells.push_back(worst == nullptr
                      ? ""
                      : csvField(std::string(model::toString(worst->severity)) + " " + worst->id));
  std::string row;
  for (const std::string& cell : cells) row += (row.empty() ? "" : ",") + cell;
  return row + "\r\n";
}

CsvWriter::CsvWriter(std::FILE* out) : out_(out) {}

void CsvWriter::begin(const ScanMetadata& /*planned*/) {
  put(out_, std::string(kCsvHeader) + "\r\n");
  begun_ = true;
}

void CsvWriter::add(const model::ProbeResult& result) {
  put(out_, csvRow(result));
}

void CsvWriter::finish(const ScanMetadata& metadata) {
  if (!begun_) begin(metadata);
  put(out_, {});
}

}  // namespace dotscan::report
