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

// An output opened for writing would truncate an input that is the same file.
void checkInputsKept(const std::vector<std::string>& inputs, const ScanConfig& config) {
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
        throw UsageError("merge: the output " + quoteInput(output) + " is the input " +
                         quoteInput(input) + ": write the merge to another file");
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

std::string mergeHelp() {
  std::ostringstream out;
  const auto paragraph = [&out](std::string_view text) {
    for (const std::string& line : wrap(text, kHelpColumns)) out << line << "\n";
  };
  out << "Usage: dotscan merge SHARD.jsonl... [OUTPUTS]\n\n";
  paragraph(
      "Join the -oJ outputs of the shards of one scan (--shards N --shard I --seed S) into one "
      "result, in every output format a scan writes. Checked first: every shard of the scan "
      "once, each ending with its metadata record (finished, not interrupted), all with the same "
      "seed, shard count, dotscan version and scan options; then each shard's results against "
      "its planned count, and no target twice. A refused merge exits 2 with one line naming the "
      "shard, and removes the output files it began. docs/scale-out.md says more.");
  out << "\nOutputs (the listing goes to stdout unless an output is '-'):\n";
  for (const FormatInfo& format : formats()) {
    putColumns(out,
               std::string(format.short_option) + ", " + std::string(format.long_option) + " FILE",
               format.help, 2, kTextColumn);
  }
  putColumns(out, "-oA, --output-all BASE",
             "Write BASE.nmap, BASE.xml, BASE.gnmap and BASE.jsonl at once", 2, kTextColumn);
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

int runMerge(int argc, const char* const* argv) {
  CLI::App app("dotscan merge", "dotscan merge");
  app.set_help_flag();  // --help is answered below, from mergeHelp()
  bool help = false;
  app.add_flag("-h,--help", help);
  std::vector<std::string> inputs;
  app.add_option("shards", inputs);
  std::map<Format, std::string> output_paths;  // a map: CLI11 keeps a reference to each path
  for (const FormatInfo& format : formats()) {
    app.add_option(std::string(format.long_option), output_paths[format.format]);
  }
  std::string output_all;
  app.add_option("--output-all", output_all);
  ScanConfig config;
  app.add_option("--metadata", config.scan.output.metadata_path);
  app.add_flag("-v,--verbose", config.scan.output.verbosity);
  merge::MergeSettings settings;
  app.add_option("--tmp-dir", settings.temp_directory);

  std::vector<std::string> args = rewriteNmapStyle(argc, argv);  // -oJ and -oA, as in a scan
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw UsageError("merge: " + clipInput(e.what()) + " (see dotscan merge --help)");
  }
  if (help) {
    std::cout << mergeHelp();
    return static_cast<int>(ExitCode::Ok);
  }
  if (inputs.empty()) throw UsageError("merge: no shard files given (see dotscan merge --help)");
  config.scan.output.files = outputFiles(output_paths, output_all);
  checkOutputsDistinct(config);
  checkInputsKept(inputs, config);

  // `dotscan merge ... -oJ - | head`: a gone reader is EPIPE, and its writer is dropped while
  // the others go on (merge.hpp), as in a scan; SIGPIPE would kill the merge mid-file and leave
  // its runs in --tmp-dir.
  (void)::signal(SIGPIPE, SIG_IGN);
  settings.scan_arguments = scanArguments;
  // A Ctrl-C or SIGTERM (scancel) stops the merge: its outputs and runs are removed (exit 130).
  settings.stopped = [] { return stopRequests() > 0; };
  settings.command_line = "merge";
  for (int i = 1; i < argc; ++i) settings.command_line += std::string(" ") + argv[i];
  std::vector<merge::Shard> shards;
  shards.reserve(inputs.size());
  for (const std::string& input : inputs) shards.push_back(merge::readShard(input));
  shards = merge::checkShards(std::move(shards), settings);

  // What the writers need of the scan's options, from the first shard.
  const report::ScanMetadata& first = shards.front().metadata;
  config.scan.include_pem = true;  // the PEMs the shards hold stay; the others were never there
  config.scan.discovery.syn = first.discovery.has_value();
  config.expand.ports = scanPorts(first.arguments);

  std::vector<std::string> paths;
  for (const Output& output : config.scan.output.files) paths.push_back(output.path);
  if (!config.scan.output.metadata_path.empty()) paths.push_back(config.scan.output.metadata_path);
  OutputCleanup cleanup(paths);
  {
    const OutputSet outputs(config);
    merge::mergeShards(shards, outputs.writers(), settings);
  }
  cleanup.done();
  return static_cast<int>(ExitCode::Ok);
}

}  // namespace dotscan::cli
