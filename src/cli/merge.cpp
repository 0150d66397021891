#include "dotscan/cli/merge.hpp"

#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "dotscan/cli/help.hpp"
#include "dotscan/cli/options.hpp"
#include "dotscan/cli/outputs.hpp"
#include "dotscan/cli/stop_signals.hpp"
#include "dotscan/merge/merge.hpp"
#include "dotscan/targets/spec.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

// The options of a scan that take a value and may differ between its shards.
std::vector<std::string> perShardOptions() {
  std::vector<std::string> options = {"--shard", "--output-all", "--metadata", "--stats-every"};
  for (const FormatInfo& format : formats()) options.emplace_back(format.long_option);
  return options;
}

// The -p list of a shard's arguments, for nmap XML's scaninfo; 853 when none is given.
targets::PortList scanPorts(const std::vector<std::string>& arguments) {
  std::string list = "853";
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& arg = arguments[i];
    if ((arg == "-p" || arg == "--ports") && i + 1 < arguments.size()) {
      list = arguments[i + 1];
    } else if (arg.starts_with("--ports=")) {
      list = arg.substr(8);
    } else if (arg.starts_with("-p") && arg.size() > 2 && arg[2] != '-') {
      list = arg.substr(2);
    }
  }
  try {
    return targets::parsePortList(list);
  } catch (const Error&) {
    return {853};
  }
}

// The merge's own outputs deleted after a refusal: a file without its metadata record or footer
// must not stay behind under the name the user asked for.
class OutputCleanup {
 public:
  explicit OutputCleanup(std::vector<std::string> paths) : paths_(std::move(paths)) {}
  OutputCleanup(const OutputCleanup&) = delete;
  OutputCleanup& operator=(const OutputCleanup&) = delete;
  OutputCleanup(OutputCleanup&&) = delete;
  OutputCleanup& operator=(OutputCleanup&&) = delete;
  ~OutputCleanup() {
    if (done_) return;
    for (const std::string& path : paths_) {
      if (path != "-") (void)std::remove(path.c_str());
    }
  }
  void done() { done_ = true; }

 private:
  std::vector<std::string> paths_;
  bool done_ = false;
};

[[noreturn]] void refuseSameFile(const std::string& command, const std::string& output,
                                 const std::string& input) {
  throw UsageError(command + ": the output " + quoteInput(output) + " is the input " +
                   quoteInput(input) + ": write the " + command + " to another file");
}

// An output opened for writing would truncate an input that is the same file.
void checkInputsKept(const std::vector<std::string>& inputs, const ScanConfig& config,
                     const std::string& command) {
  std::vector<std::string> outputs;
  for (const Output& output : config.scan.output.files) outputs.push_back(output.path);
  if (!config.scan.output.metadata_path.empty()) {
    outputs.push_back(config.scan.output.metadata_path);
  }
  for (const std::string& output : outputs) {
    struct stat out {};
    if (output == "-" || ::stat(output.c_str(), &out) != 0) continue;
    for (const std::string& input : inputs) {
      struct stat in {};
      if (::stat(input.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
        refuseSameFile(command, output, input);
      }
    }
  }
}

}  // namespace

std::vector<std::string> scanArguments(const std::vector<std::string>& arguments) {
  const std::vector<std::string> with_value = perShardOptions();
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& arg = arguments[i];
    if (arg == "-q" || arg == "--quiet" || arg == "--verbose" ||
        (arg.size() >= 2 && arg[0] == '-' && arg.find_first_not_of('v', 1) == std::string::npos)) {
      continue;
    }
    const bool option_with_value =
        std::any_of(with_value.begin(), with_value.end(), [&arg](const std::string& option) {
          return arg == option || arg.starts_with(option + "=");
        });
    if (option_with_value) {
      if (arg.find('=') == std::string::npos) ++i;  // and its value
      continue;
    }
    kept.push_back(arg);
  }
  return kept;
}

namespace {

// The start of a command's --help: its usage line and what it does.
void putHelpHead(std::ostream& out, std::string_view usage, std::string_view what) {
  out << "Usage: " << usage << "\n\n";
  for (const std::string& line : wrap(what, kHelpColumns)) out << line << "\n";
}

// The scan's output options, shared by merge and report (the rows of the format table).
void putOutputOptions(std::ostream& out) {
  for (const FormatInfo& format : formats()) {
    putColumns(out,
               std::string(format.short_option) + ", " + std::string(format.long_option) + " FILE",
               format.help, 2, kTextColumn);
  }
  putColumns(out, "-oA, --output-all BASE",
             "Write BASE.nmap, BASE.xml, BASE.gnmap and BASE.jsonl at once", 2, kTextColumn);
}

}  // namespace

std::string mergeHelp() {
  std::ostringstream out;
  putHelpHead(
      out, "dotscan merge SHARD.jsonl... [OUTPUTS]",
      "Join the -oJ outputs of the shards of one scan (--shards N --shard I --seed S) into one "
      "result, in every output format a scan writes. Checked first: every shard of the scan "
      "once, each ending with its metadata record (finished, not interrupted), all with the same "
      "seed, shard count, dotscan version and scan options; then each shard's results against "
      "its planned count, and no target twice. A refused merge exits 2 with one line naming the "
      "shard, and removes the output files it began. docs/scale-out.md says more.");
  out << "\nOutputs (the listing goes to stdout unless an output is '-'):\n";
  putOutputOptions(out);
  putColumns(out, "--metadata FILE",
             "Write the merged metadata record to FILE instead of the end of the -oJ output", 2,
             kTextColumn);
  putColumns(out, "-v, --verbose",
             "The listing shows the whole chain; -vv adds the DNS answer section", 2, kTextColumn);
  out << "\nOther options:\n";
  putColumns(out, "--tmp-dir DIR",
             "Where the sorted runs of target hashes go: 32 bytes per result, removed at the end "
             "(default: $TMPDIR, else /tmp)",
             2, kTextColumn);
  putColumns(out, "-h, --help", "Print this help and exit", 2, kTextColumn);
  out << "\nExample:\n"
         "  dotscan merge shard-0.jsonl shard-1.jsonl shard-2.jsonl shard-3.jsonl -oJ all.jsonl\n"
         "\nExit codes:\n";
  putColumns(out, "0", "merged", 2, 8);
  putColumns(out, "2", "refused: a usage error, or shards that do not make one whole scan", 2, 8);
  putColumns(out, "3", "an output or a temporary file could not be written", 2, 8);
  putColumns(out, "130", "interrupted (Ctrl-C, SIGTERM): the outputs it began are removed", 2, 8);
  return out.str();
}

namespace {

// The command line of `dotscan merge` and `dotscan report`: input files and a scan's outputs.
struct SavedResultsCommand {
  std::vector<std::string> inputs;
  ScanConfig config;
  merge::MergeSettings settings;
  bool help = false;
};

// `-o FILE` of `dotscan report`: the format from the file's extension.
Format formatOfExtension(const std::string& path) {
  const std::size_t dot = path.rfind('.');
  const std::string extension = dot == std::string::npos ? "" : asciiLower(path.substr(dot + 1));
  static const std::map<std::string, Format> kByExtension = {
      {"html", Format::Html},         {"htm", Format::Html},  {"md", Format::Markdown},
      {"markdown", Format::Markdown}, {"xml", Format::Xml},   {"jsonl", Format::Json},
      {"json", Format::Json},         {"csv", Format::Csv},   {"gnmap", Format::Grepable},
      {"nmap", Format::Normal},       {"txt", Format::Normal}};
  const auto found = kByExtension.find(extension);
  if (found == kByExtension.end()) {
    throw UsageError("report: -o " + quoteInput(path) +
                     ": no format for this file name (.html, .md, .xml, .jsonl, .csv, .gnmap, "
                     ".nmap or .txt), or use --html, --markdown, -oX, ...");
  }
  return found->second;
}

SavedResultsCommand parseSavedResults(std::string_view command, int argc, const char* const* argv) {
  // `dotscan merge ... -oJ - | head`: a gone reader is EPIPE, and its writer is dropped while
  // the others go on (merge.hpp), as in a scan; SIGPIPE would kill the command mid-file and
  // leave its runs in --tmp-dir.
  (void)::signal(SIGPIPE, SIG_IGN);
  const std::string name(command);
  SavedResultsCommand parsed;
  CLI::App app("dotscan " + name, "dotscan " + name);
  app.set_help_flag();  // --help is answered by the caller
  app.add_flag("-h,--help", parsed.help);
  app.add_option("inputs", parsed.inputs);
  std::map<Format, std::string> output_paths;  // a map: CLI11 keeps a reference to each path
  for (const FormatInfo& format : formats()) {
    app.add_option(std::string(format.long_option), output_paths[format.format]);
  }
  std::string output_all;
  app.add_option("--output-all", output_all);
  std::vector<std::string> by_extension;
  if (command == "report") {
    app.add_option("-o,--output", by_extension)
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  app.add_option("--metadata", parsed.config.scan.output.metadata_path);
  app.add_flag("-v,--verbose", parsed.config.scan.output.verbosity);
  if (command == "merge") app.add_option("--tmp-dir", parsed.settings.temp_directory);

  std::vector<std::string> args = rewriteNmapStyle(argc, argv);  // -oJ and -oA, as in a scan
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw UsageError(name + ": " + clipInput(e.what()) + " (see dotscan " + name + " --help)");
  }
  if (parsed.help) return parsed;
  for (const std::string& file : by_extension) {
    std::string& path = output_paths[formatOfExtension(file)];
    if (!path.empty()) {
      throw UsageError("report: " + quoteInput(file) + " and " + quoteInput(path) +
                       " are both outputs of one format");
    }
    path = file;
  }
  parsed.config.scan.output.files = outputFiles(output_paths, output_all);
  // A report written to files is not also listed on the terminal; without one, the listing is
  // the output.
  if (command == "report") {
    parsed.config.scan.output.stdout_listing = parsed.config.scan.output.files.empty();
  }
  checkOutputsDistinct(parsed.config);
  checkInputsKept(parsed.inputs, parsed.config, name);
  parsed.settings.command_line = name;
  for (int i = 1; i < argc; ++i) parsed.settings.command_line += std::string(" ") + argv[i];
  return parsed;
}

// What the writers need of the scan's options, from its (first) metadata record; then `write`
// with the outputs open. The outputs are removed if `write` throws.
template <typename Write>
void writeOutputs(ScanConfig& config, const report::ScanMetadata& first, Write&& write) {
  config.scan.include_pem = true;  // the PEMs the inputs hold stay; the others were never there
  config.scan.discovery.syn = first.discovery.has_value();
  config.expand.ports = scanPorts(first.arguments);
  std::vector<std::string> paths;
  for (const Output& output : config.scan.output.files) paths.push_back(output.path);
  if (!config.scan.output.metadata_path.empty()) paths.push_back(config.scan.output.metadata_path);
  OutputCleanup cleanup(paths);
  {
    const OutputSet outputs(config);
    write(outputs.writers());
  }
  cleanup.done();
}

}  // namespace

int runMerge(int argc, const char* const* argv) {
  SavedResultsCommand command = parseSavedResults("merge", argc, argv);
  if (command.help) {
    std::cout << mergeHelp();
    return static_cast<int>(ExitCode::Ok);
  }
  if (command.inputs.empty()) {
    throw UsageError("merge: no shard files given (see dotscan merge --help)");
  }
  command.settings.scan_arguments = scanArguments;
  // A Ctrl-C or SIGTERM (scancel) stops the merge: its outputs and runs are removed (exit 130).
  command.settings.stopped = [] { return stopRequests() > 0; };
  std::vector<merge::Shard> shards;
  shards.reserve(command.inputs.size());
  for (const std::string& input : command.inputs) shards.push_back(merge::readShard(input));
  shards = merge::checkShards(std::move(shards), command.settings);
  writeOutputs(command.config, shards.front().metadata,
               [&](const std::vector<report::Writer*>& writers) {
                 merge::mergeShards(shards, writers, command.settings);
               });
  return static_cast<int>(ExitCode::Ok);
}

std::string reportHelp() {
  std::ostringstream out;
  putHelpHead(
      out, "dotscan report SCAN.jsonl [OUTPUTS]",
      "Write the results of a saved scan (its -oJ output, ending with its metadata record) in "
      "other formats: the HTML and Markdown reports, the listing, nmap XML, grepable, CSV. The "
      "results are written as the scan judged them, unchanged. Without an output option, the "
      "listing goes to standard output; with one, nothing does unless an output is '-'.");
  out << "\nOutputs:\n";
  putColumns(out, "-o, --output FILE",
             "The format from FILE's extension: .html, .md, .xml, .jsonl, .csv, .gnmap, .nmap or "
             ".txt",
             2, kTextColumn);
  putOutputOptions(out);
  putColumns(out, "-v, --verbose",
             "The listing shows the whole chain; -vv adds the DNS answer section", 2, kTextColumn);
  putColumns(out, "-h, --help", "Print this help and exit", 2, kTextColumn);
  out << "\nExample:\n"
         "  dotscan report scan.jsonl -o scan.html -o scan.md\n"
         "\nExit codes:\n";
  putColumns(out, "0", "written", 2, 8);
  putColumns(out, "2", "a usage error, or a file that is not a whole saved scan", 2, 8);
  putColumns(out, "3", "an output could not be written", 2, 8);
  putColumns(out, "130", "interrupted (Ctrl-C, SIGTERM): the outputs it began are removed", 2, 8);
  return out.str();
}

int runReport(int argc, const char* const* argv) {
  SavedResultsCommand command = parseSavedResults("report", argc, argv);
  if (command.help) {
    std::cout << reportHelp();
    return static_cast<int>(ExitCode::Ok);
  }
  if (command.inputs.size() != 1) {
    throw UsageError(
        "report: give exactly one saved scan (-oJ output); to join the shards of "
        "a scan, use dotscan merge (see dotscan report --help)");
  }
  const merge::Shard scan = merge::readShard(command.inputs.front(), "report");
  writeOutputs(command.config, scan.metadata, [&](const std::vector<report::Writer*>& writers) {
    merge::rewriteScan(scan, writers, [] { return stopRequests() > 0; });
  });
  return static_cast<int>(ExitCode::Ok);
}

}  // namespace dotscan::cli
