#include "dotscan/cli/run.hpp"

#include <iostream>

#include "dotscan/cli/progress.hpp"
#include "dotscan/cli/scan.hpp"
#include "dotscan/cli/stop_signals.hpp"
#include "dotscan/report/human.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/random.hpp"

namespace dotscan::cli {

namespace {

int runConfig(const ScanConfig& config) {
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
  if (!config.quiet) {
    std::cerr << "dotscan: " << toString(order.size())
              << (order.size() == 1 ? " target of " : " targets of ") << toString(set.size())
              << " (shard " << config.shard.index << "/" << config.shard.count << ", seed " << seed
              << ")\n";
  }
  if (!config.list_targets) {
    const auto make_order = [&set, &config, seed] {
      return std::make_unique<targets::TargetOrder>(set, seed, config.shard, config.max_targets);
    };
    return scan(config, order, ScanPlan{DOTSCAN_VERSION, seed, toString(order.size()), make_order});
  }
  listTargets(order, stdout);
  return static_cast<int>(stopRequests() > 0 ? ExitCode::Interrupted : ExitCode::Ok);
}

}  // namespace

int run(int argc, const char* const* argv) {
  // First of all: a Ctrl-C while the command line or the targets are read must still leave
  // valid output (cli/stop_signals.hpp).
  const StopSignals signals;
  const StatusSignal status;  // SIGUSR1: a status line during the scan, never the end of dotscan
  try {
    auto config = parseCommandLine(argc, argv, std::cout);
    if (!config) return static_cast<int>(ExitCode::Ok);
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
