#include "dotscan/cli/diff.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "dotscan/cli/stop_signals.hpp"
#include "dotscan/diff/diff.hpp"
#include "dotscan/diff/writers.hpp"
#include "dotscan/model/finding.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

constexpr const char* kDiffHelp =
    R"(Usage: dotscan diff [OPTIONS] OLD.jsonl NEW.jsonl

Compares two scans saved with -oJ, target by target (address, port, name): targets that
appeared or disappeared, outcome, leaf certificate (rotation, new issuer, new or same key),
verdict, findings added, fixed or re-rated, TLS version and ALPN. Times, timings, query IDs and
byte counts are ignored. One line per change on stdout, grouped by target, then the counts.
Memory stays bounded: each file is sorted in runs under --tmp-dir (docs/diff.md).

Options:
  -oJ FILE          Also write one JSON object per change, then a "diff" record, to FILE
                    ('-' is stdout, which then carries no text)
  --fail-on LEVEL   Exit 1 when a change is at or above LEVEL: info, low, medium, high,
                    critical, never (default)
  --tmp-dir DIR     Directory for the sorted runs (default: $TMPDIR, else /tmp)
  --sort-memory MB  Memory for each file's sort before it spills a run (default 16)
  -h, --help        This text

Severities: a DoT server gone (disappeared, or its outcome no longer dot) and a verdict that
lost authentication are high; a new finding has the finding's severity; a rotation to a trusted
chain is info (low with a new issuer, medium when the new chain does not verify). A finding the
policy suppressed counts for nothing: never added or fixed; one that became suppressed is
finding-suppressed (info).

Exit codes: 0 done (no change at or above --fail-on), 1 a change at or above --fail-on,
2 usage or input error (names the file and line), 3 the output or a temporary file failed,
130 interrupted (Ctrl-C); the temporary files are removed.
)";

struct DiffOptions {
  std::vector<std::string> files;
  std::string json_path;
  std::optional<model::Severity> fail_on;
  diff::SortOptions sort;
};

// The value after an option; usage error when it is missing.
std::string valueOf(int& i, int argc, const char* const* argv, const std::string& option) {
  if (i + 1 >= argc || argv[i + 1] == nullptr) {
    throw UsageError("diff: " + option + " needs a value");
  }
  return argv[++i];
}

std::optional<DiffOptions> parseDiffOptions(int argc, const char* const* argv) {
  DiffOptions options;
  bool options_end = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i] != nullptr ? argv[i] : "";
    if (options_end || arg == "-" || !arg.starts_with("-")) {
      options.files.push_back(arg);
    } else if (arg == "--") {
      options_end = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << kDiffHelp;
      return std::nullopt;
    } else if (arg == "-oJ") {
      options.json_path = valueOf(i, argc, argv, arg);
    } else if (arg == "--fail-on") {
      const std::string level = valueOf(i, argc, argv, arg);
      if (level != "never") {
        options.fail_on = model::severityFromString(level);
        if (!options.fail_on) {
          throw UsageError("diff: --fail-on: unknown level " + quoteInput(level) +
                           " (info, low, medium, high, critical or never)");
        }
      }
    } else if (arg == "--tmp-dir") {
      options.sort.temp_dir = valueOf(i, argc, argv, arg);
    } else if (arg == "--sort-memory") {
      const std::string value = valueOf(i, argc, argv, arg);
      std::size_t used = 0;
      unsigned long megabytes = 0;
      try {
        megabytes = std::stoul(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != value.size() || megabytes == 0 || megabytes > 65536) {
        throw UsageError("diff: --sort-memory: " + quoteInput(value) +
                         " is not a number of megabytes from 1 to 65536");
      }
      options.sort.run_bytes = static_cast<std::size_t>(megabytes) << 20U;
    } else {
      throw UsageError("diff: unknown option " + quoteInput(arg) + " (see dotscan diff --help)");
    }
  }
  if (options.files.size() != 2) {
    throw UsageError("diff: expected two files, OLD.jsonl and NEW.jsonl (see dotscan diff --help)");
  }
  for (const std::string& file : options.files) {
    if (file == "-") throw UsageError("diff: OLD and NEW must be files, not standard input");
  }
  return options;
}

struct FileCloser {
  void operator()(std::FILE* file) const {
    (void)std::fclose(file);  // NOLINT(cppcoreguidelines-owning-memory)
  }
};

// -oJ FILE, opened before anything is read; never one of the inputs, which it would truncate.
std::unique_ptr<std::FILE, FileCloser> openJson(const DiffOptions& options) {
  if (options.json_path.empty() || options.json_path == "-") return nullptr;
  for (const std::string& input : options.files) {
    std::error_code error;
    if (std::filesystem::equivalent(options.json_path, input, error)) {
      throw UsageError("diff: -oJ " + quoteInput(options.json_path) + " is the input " +
                       quoteInput(input));
    }
  }
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> file(
      std::fopen(options.json_path.c_str(), "w"));  // NOLINT(cppcoreguidelines-owning-memory)
  if (!file) {
    throw UsageError("diff: -oJ: cannot write " + quoteInput(options.json_path) + ": " +
                     errorText(errno != 0 ? errno : EIO));
  }
  return file;
}

}  // namespace

int runDiff(int argc, const char* const* argv) {
  const auto options = parseDiffOptions(argc, argv);
  if (!options) return static_cast<int>(ExitCode::Ok);
  // `dotscan diff ... | head`: a gone reader is EPIPE (exit 3, runs removed), not a death by
  // SIGPIPE that leaves the sorted runs in --tmp-dir.
  (void)::signal(SIGPIPE, SIG_IGN);
  auto json_file = openJson(*options);
  const bool json_stdout = options->json_path == "-";
  diff::TextWriter text(stdout);
  std::optional<diff::JsonWriter> json;
  if (json_file) json.emplace(json_file.get());
  if (json_stdout) json.emplace(stdout);
  std::vector<diff::ChangeSink*> sinks;
  if (!json_stdout) sinks.push_back(&text);
  if (json) sinks.push_back(&*json);
  const diff::DiffSummary summary =
      diff::diffFiles(options->files[0], options->files[1], options->sort, sinks,
                      [] { return stopRequests() > 0; });
  if (json_file) {
    errno = 0;
    if (std::fclose(json_file.release()) != 0) {  // NOLINT(cppcoreguidelines-owning-memory)
      throw Error(ExitCode::RuntimeError, "diff: -oJ: cannot write " +
                                              quoteInput(options->json_path) + ": " +
                                              errorText(errno != 0 ? errno : EIO));
    }
  }
  if (options->fail_on && summary.worst && *summary.worst >= *options->fail_on) {
    return static_cast<int>(ExitCode::Findings);
  }
  return static_cast<int>(ExitCode::Ok);
}

}  // namespace dotscan::cli
