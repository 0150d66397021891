// dotscan/report/html.hpp — --html: one self-contained HTML page about the scan, for people.
//
// The page holds a summary (targets, DoT servers, verdicts, findings by severity), a table of the
// servers that answered (sortable and filterable by verdict, finding, issuer and text, by a small
// inline script), the expiry timeline of the leaf certificates by month, the issuer mix, every
// finding id with its explanation, fix and affected servers, and per server its chain, DNS answer,
// verdict with reasons and findings (the script copies each explanation and fix under them).
// Targets that did not answer are only counted. Invariants: the page loads nothing (its
// Content-Security-Policy forbids every fetch, and allows only its own script, by hash); every text
// from the network or the command line goes through xmlText (report/escape.hpp), so a certificate
// cannot add markup; JavaScript never turns data into markup (textContent and data attributes
// only). Memory is bounded: the summary is counts (report/digest), and the table rows and server
// details are held up to a byte budget each, past which servers are counted and the page says how
// many were left out. Nothing is written before finish(), which writes the whole page, also when
// the scan was interrupted or failed.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string_view>

#include "dotscan/report/readable.hpp"
#include "dotscan/report/writer.hpp"

namespace dotscan::report {

class HtmlWriter final : public Writer {
 public:
  explicit HtmlWriter(std::FILE* out, ReadableReportOptions options = {});  // does not own `out`
  HtmlWriter(const HtmlWriter&) = delete;
  HtmlWriter& operator=(const HtmlWriter&) = delete;
  HtmlWriter(HtmlWriter&&) = delete;
  HtmlWriter& operator=(HtmlWriter&&) = delete;
  ~HtmlWriter() override;
  void add(const model::ProbeResult& result) override;
  void finish(const ScanMetadata& metadata) override;  // the whole page

 private:
  std::FILE* out_;
  ReadableReportOptions options_;
  std::unique_ptr<digest::Digest> digest_;
  std::unique_ptr<digest::Details> rows_;
  std::unique_ptr<digest::Details> details_;
  std::uint64_t next_id_ = 0;
};

// The page's inline script, and the CSP source that allows it ('sha256-BASE64' of its bytes;
// a unit test recomputes it).
std::string_view htmlScript();
std::string_view htmlScriptHash();

}  // namespace dotscan::report
