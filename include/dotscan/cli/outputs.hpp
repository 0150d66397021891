// dotscan/cli/outputs.hpp — the output formats of a scan, in one table (as zmap's output module
// table): each row names the format's options, its -oA extension and how its writer is made.
//
// Options, the check that no two outputs share a file, and the scan's list of writers all read
// this one table, so a new format is one row and one report::Writer.
#pragma once

#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/report/writer.hpp"

namespace dotscan::cli {

struct ScanConfig;

enum class Format { Json, Normal, Xml, Grepable, Csv, Html, Markdown };

struct FormatInfo {
  using MakeWriter = std::unique_ptr<report::Writer> (*)(std::FILE* out, const ScanConfig& config,
                                                         const std::string& path);
  Format format;
  std::string_view short_option;  // "-oX", rewritten to the long one before parsing (or the
                                  // long one itself when there is no short one)
  std::string_view long_option;   // "--output-xml"
  std::string_view extension;     // "xml": -oA BASE writes BASE.xml
  std::string_view help;
  MakeWriter make;
};

std::span<const FormatInfo> formats();
const FormatInfo& formatInfo(Format format);

// One output file of the scan as the command line named it (-oA BASE is four of them).
struct Output {
  Format format = Format::Json;
  std::string path;     // "-" is standard output
  std::string option;   // "-oX", or "-oA" for the files of -oA
  bool append = false;  // --resume: the file is continued, not replaced
};

// What the user asked for, and what the scan makes of it.
struct OutputSettings {
  std::vector<Output> files;
  std::string metadata_path;   // --metadata FILE; empty: the metadata record ends each -oJ output
  bool open_only = false;      // --open
  int verbosity = 0;           // -v, -vv: the listing's detail (report::ListingOptions)
  bool stdout_listing = true;  // false: no listing on standard output (dotscan report -o FILE)
  // The listing goes to standard output unless an output is "-" (or stdout_listing is false).
  [[nodiscard]] bool listingOnStdout() const;
  [[nodiscard]] bool has(Format format) const;
};

// The writers of a scan, each on its own file, opened when made (so that a bad path fails before
// the first packet). Throws UsageError naming the option when a file cannot be opened.
class OutputSet {
 public:
  explicit OutputSet(const ScanConfig& config);
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  OutputSet(OutputSet&&) = delete;
  OutputSet& operator=(OutputSet&&) = delete;
  ~OutputSet();
  [[nodiscard]] std::vector<report::Writer*> writers() const;

 private:
  struct File;
  std::vector<std::unique_ptr<File>> files_;
  std::vector<std::unique_ptr<report::Writer>> writers_;
};

}  // namespace dotscan::cli
