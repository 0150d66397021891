// dotscan/report/markdown.hpp — --markdown: the scan as a findings report, for tickets and wikis.
//
// A summary table (targets, outcomes, DoT servers, verdicts, findings by severity), then the
// findings grouped by severity, each id with its explanation, fix and affected servers, then one
// section per server that answered (chain, DNS answer, verdict with reasons, findings). Targets
// that did not answer are only counted. CommonMark with GFM tables.
// Invariants: every text from the network or the command line goes through markdownText
// (report/escape.hpp), so a certificate cannot add markup, links or raw HTML, nor break a table
// cell; memory is bounded as in the HTML report (report/readable.hpp: server sections up to a byte
// budget, then counted, with a note); nothing is written before finish().
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>

#include "dotscan/report/readable.hpp"
#include "dotscan/report/writer.hpp"

namespace dotscan::report {

class MarkdownWriter final : public Writer {
 public:
  explicit MarkdownWriter(std::FILE* out, ReadableReportOptions options = {});  // does not own
  MarkdownWriter(const MarkdownWriter&) = delete;
  MarkdownWriter& operator=(const MarkdownWriter&) = delete;
  MarkdownWriter(MarkdownWriter&&) = delete;
  MarkdownWriter& operator=(MarkdownWriter&&) = delete;
  ~MarkdownWriter() override;
  void add(const model::ProbeResult& result) override;
  void finish(const ScanMetadata& metadata) override;  // the whole report

 private:
  std::FILE* out_;
  ReadableReportOptions options_;
  std::unique_ptr<digest::Digest> digest_;
  std::unique_ptr<digest::Details> details_;
};

}  // namespace dotscan::report
