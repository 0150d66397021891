#include "dotscan/cli/run.hpp"

#include <iostream>
#include <sstream>
#include <vector>

#include "dotscan/cli/progress.hpp"
#include "dotscan/cli/resume.hpp"
#include "dotscan/cli/scan.hpp"
#include "dotscan/cli/slurm_script.hpp"
#include "dotscan/cli/stop_signals.hpp"
#include "dotscan/cli/subcommands.hpp"
#include "dotscan/report/human.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/random.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

int runConfig(const ScanConfig& config, const ResumeState* resume = nullptr) {
  targets::ExpandReport report;
  targets::SystemResolver resolver;
  const targets::TargetSet set =
      targets::expandTargets(config.targets, config.excludes, config.expand, resolver, report);
  for (const std::string& warning : report.warnings) warn(warning);
  if (report.excluded_by_builtin != 0) {
    warn(toString(report.excluded_by_builtin) +
         " targets removed by the default exclusion lists (--no-default-exclude keeps them)");
  }

  const std::uint64_t seed = config.seed ? *config.seed : randomSeed();
  targets::TargetOrder order(set, seed, config.shard, config.max_targets);
  if (resume != nullptr && toString(order.size()) != resume->targets_planned) {
    throw UsageError("--resume " + quoteInput(resume->path) + ": its scan planned " +
                     resume->targets_planned + " targets, its command line now gives " +
                     toString(order.size()) +
                     " (an -iL or --excludefile changed, or names resolve otherwise)");
  }
  const auto skip = [resume](const targets::Target& target) {
    return resume->done.contains(resumeKey(target.address, target.port, target.name));
  };
  if (resume != nullptr) order.setSkip(skip);
  if (!config.quiet) {
    std::cerr << "dotscan: " << toString(order.size())
              << (order.size() == 1 ? " target of " : " targets of ") << toString(set.size())
              << " (shard " << config.shard.index << "/" << config.shard.count << ", seed " << seed
              << ")\n";
  }
  if (!config.list_targets) {
    const auto make_order = [&set, &config, seed, resume, skip] {
      auto fresh =
          std::make_unique<targets::TargetOrder>(set, seed, config.shard, config.max_targets);
      if (resume != nullptr) fresh->setSkip(skip);
      return fresh;
    };
    ScanPlan plan{DOTSCAN_VERSION, seed, toString(order.size()), make_order, resume, {}, {}};
    plan.listed = [&set](const Address& address) { return set.listed(address); };
    // Not before the trust store is read: a refused start must leave FILE resumable.
    if (resume != nullptr) plan.before_outputs = [resume] { prepareResumeFile(*resume); };
    return scan(config, order, plan);
  }
  listTargets(order, stdout);
  return static_cast<int>(stopRequests() > 0 ? ExitCode::Interrupted : ExitCode::Ok);
}

// --resume FILE: the scan of FILE's metadata record, on the targets not yet recorded, appending
// to FILE alone (cli/resume.hpp).
int runResume(const ScanConfig& given) {
  const ResumeState state = readResumeFile(given.resume_path);
  std::vector<const char*> argv{"dotscan"};
  for (const std::string& argument : state.arguments) argv.push_back(argument.c_str());
  std::ostringstream answered;  // --help or --version would be answered here: not a scan
  auto config = parseCommandLine(static_cast<int>(argv.size()), argv.data(), answered);
  if (!config || !config->resume_path.empty() || config->list_targets) {
    throw UsageError("--resume " + quoteInput(state.path) +
                     ": its command line is not a scan (--help, --version, -sL or --resume)");
  }
  config->seed = state.seed;
  config->quiet = config->quiet || given.quiet;
  // Only FILE is continued: the other outputs of the first run (XML, CSV, ...) cannot be.
  for (const Output& output : config->scan.output.files) {
    if (output.format == Format::Json || output.path == "-") continue;
    warn("--resume leaves " + output.option + " " + quoteInput(output.path) +
         " as the first run wrote it: only " + quoteInput(state.path) + " is continued");
  }
  config->scan.output.files = {Output{Format::Json, state.path, "--resume", true}};
  return runConfig(*config, &state);
}

}  // namespace

int run(int argc, const char* const* argv) {
  // First of all: a Ctrl-C while the command line or the targets are read must still leave
  // valid output (cli/stop_signals.hpp).
  const StopSignals signals;
  const StatusSignal status;  // SIGUSR1: a status line during the scan, never the end of dotscan
  try {
    if (const auto command = findSubcommand(argc, argv)) return command->run(argc - 1, argv + 1);
    auto config = parseCommandLine(argc, argv, std::cout);
    if (!config) return static_cast<int>(ExitCode::Ok);
    if (!config->resume_path.empty()) return runResume(*config);
    if (config->slurm.tasks != 0) return writeSlurmJob(*config, std::cout);
    return runConfig(*config);
  } catch (const Error& e) {
    // One line, whatever the message quotes from the command line or a file.
    std::cerr << "dotscan: " << report::terminalSafe(e.what()) << "\n";
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::cerr << "dotscan: out of memory\n";
    return static_cast<int>(ExitCode::RuntimeError);
  } catch (const std::exception& e) {
    std::cerr << "dotscan: internal error: " << report::terminalSafe(e.what()) << "\n";
    return static_cast<int>(ExitCode::RuntimeError);
  }
}

}  // namespace dotscan::cli
