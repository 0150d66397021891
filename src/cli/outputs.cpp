#include "dotscan/cli/outputs.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "dotscan/audit/findings.hpp"
#include "dotscan/cli/options.hpp"
#include "dotscan/cli/scan.hpp"
#include "dotscan/report/csv.hpp"
#include "dotscan/report/grepable.hpp"
#include "dotscan/report/html.hpp"
#include "dotscan/report/human.hpp"
#include "dotscan/report/json_lines.hpp"
#include "dotscan/report/markdown.hpp"
#include "dotscan/report/nmap_xml.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

// The listing's warning when it has more hosts than it sorts (report/human.hpp).
report::ListingOptions listingOptions(std::string where, bool comments, int verbosity) {
  report::ListingOptions options;
  options.comments = comments;
  options.verbosity = verbosity;
  options.on_sort_limit = [where = std::move(where)](std::size_t limit) {
    warn(where + " has more than " + std::to_string(limit) +
         " hosts to show: those are sorted by address, the rest follow in the order they "
         "were scanned");
  };
  return options;
}

std::unique_ptr<report::Writer> makeJson(std::FILE* out, const ScanConfig& config,
                                         const std::string& /*path*/) {
  report::JsonLinesOptions options;
  options.metadata = config.scan.output.metadata_path.empty();
  options.include_pem = config.scan.include_pem;  // -oX alone asks the probes for PEMs
  return std::make_unique<report::JsonLinesWriter>(out, options);
}

std::unique_ptr<report::Writer> makeNormal(std::FILE* out, const ScanConfig& config,
                                           const std::string& path) {
  return std::make_unique<report::HumanReport>(
      out, listingOptions("-oN " + quoteInput(path), true, config.scan.output.verbosity));
}

std::unique_ptr<report::Writer> makeXml(std::FILE* out, const ScanConfig& config,
                                        const std::string& /*path*/) {
  report::NmapXmlOptions options;
  options.scan_type = config.scan.discovery.syn ? "syn" : "connect";
  options.ports = config.expand.ports.ports();
  return std::make_unique<report::NmapXmlWriter>(out, options);
}

std::unique_ptr<report::Writer> makeGrepable(std::FILE* out, const ScanConfig& /*config*/,
                                             const std::string& /*path*/) {
  return std::make_unique<report::GrepableWriter>(out);
}

std::unique_ptr<report::Writer> makeCsv(std::FILE* out, const ScanConfig& /*config*/,
                                        const std::string& /*path*/) {
  return std::make_unique<report::CsvWriter>(out);
}

report::ReadableReportOptions readableOptions() {
  report::ReadableReportOptions options;
  options.guide = &audit::findingGuide;
  return options;
}

std::unique_ptr<report::Writer> makeHtml(std::FILE* out, const ScanConfig& /*config*/,
                                         const std::string& /*path*/) {
  return std::make_unique<report::HtmlWriter>(out, readableOptions());
}

std::unique_ptr<report::Writer> makeMarkdown(std::FILE* out, const ScanConfig& /*config*/,
                                             const std::string& /*path*/) {
  return std::make_unique<report::MarkdownWriter>(out, readableOptions());
}

// -oA BASE writes the files in this order: BASE.nmap, BASE.xml, BASE.gnmap, BASE.jsonl.
constexpr std::array<FormatInfo, 7> kFormats = {{
    {Format::Normal, "-oN", "--output-normal", "nmap",
     "Write the listing (what stdout shows) to FILE, with nmap's # header and footer", makeNormal},
    {Format::Xml, "-oX", "--output-xml", "xml",
     "Write nmap XML to FILE (nmap.dtd; ssl-cert tables; ndiff and nmap.xsl read it)", makeXml},
    {Format::Grepable, "-oG", "--output-grepable", "gnmap",
     "Write nmap's grepable format to FILE: one 'Host: ... Ports: ...' line per host",
     makeGrepable},
    {Format::Json, "-oJ", "--output-json", "jsonl",
     "Write JSON Lines to FILE: one record per target, then the metadata record", makeJson},
    {Format::Csv, "-oC", "--csv", "",
     "Write CSV to FILE: one row per target, a header row (docs/outputs.md)", makeCsv},
    {Format::Html, "--html", "--html", "",
     "Write a self-contained HTML report to FILE: summary, sortable servers table, expiry, "
     "issuers, findings with fixes, per-server detail (loads nothing)",
     makeHtml},
    {Format::Markdown, "--markdown", "--markdown", "",
     "Write a Markdown findings report to FILE (summary, findings by severity, servers)",
     makeMarkdown},
}};

}  // namespace

std::span<const FormatInfo> formats() {
  return kFormats;
}

const FormatInfo& formatInfo(Format format) {
  for (const FormatInfo& info : kFormats) {
    if (info.format == format) return info;
  }
  return kFormats.front();
}

bool OutputSettings::listingOnStdout() const {
  if (!stdout_listing) return false;
  for (const Output& file : files) {
    if (file.path == "-") return false;
  }
  return true;
}

bool OutputSettings::has(Format format) const {
  for (const Output& file : files) {
    if (file.format == format) return true;
  }
  return false;
}

// An output file opened before the scan starts, so that a bad path fails at once.
struct OutputSet::File {
  File(const std::string& path, const std::string& option, bool append = false) {
    if (path == "-") {
      out = stdout;
      return;
    }
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): closed in the destructor
    out = std::fopen(path.c_str(), append ? "a" : "w");
    if (out == nullptr) {
      throw UsageError(option + ": cannot write " + quoteInput(path) + ": " + std::strerror(errno));
    }
    owned = true;
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  File(File&&) = delete;
  File& operator=(File&&) = delete;
  ~File() {
    if (owned) (void)std::fclose(out);  // NOLINT(cppcoreguidelines-owning-memory)
  }
  std::FILE* out = nullptr;
  bool owned = false;
};

OutputSet::OutputSet(const ScanConfig& config) {
  const OutputSettings& settings = config.scan.output;
  for (const Output& output : settings.files) {
    files_.push_back(std::make_unique<File>(output.path, output.option, output.append));
    writers_.push_back(formatInfo(output.format).make(files_.back()->out, config, output.path));
  }
  if (!settings.metadata_path.empty()) {
    files_.push_back(std::make_unique<File>(settings.metadata_path, "--metadata"));
    report::JsonLinesOptions options;
    options.results = false;
    writers_.push_back(std::make_unique<report::JsonLinesWriter>(files_.back()->out, options));
  }
  // Last, so that the files are complete before the summary lines show on a terminal.
  if (settings.listingOnStdout()) {
    writers_.push_back(std::make_unique<report::HumanReport>(
        stdout, listingOptions("the listing", false, settings.verbosity)));
  }
}

OutputSet::~OutputSet() = default;

std::vector<report::Writer*> OutputSet::writers() const {
  std::vector<report::Writer*> writers;
  writers.reserve(writers_.size());
  for (const auto& writer : writers_) writers.push_back(writer.get());
  return writers;
}

}  // namespace dotscan::cli
