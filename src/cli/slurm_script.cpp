#include "dotscan/cli/slurm_script.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "dotscan/cli/scan.hpp"
#include "dotscan/targets/spec.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/random.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

using targets::TargetInput;

// Every input in the order expansion reads it: arguments, then each file line by line.
void forEachInput(const targets::InputSources& inputs, bool exclusions,
                  const std::function<void(const TargetInput&)>& visit) {
  for (const TargetInput& input : inputs.arguments) visit(input);
  const auto pass = [&visit](TargetInput&& input) { visit(input); };
  for (const auto& [label, text] : inputs.files) {
    if (exclusions) {
      targets::forEachExcludeEntry(text, label, pass);
    } else {
      targets::forEachTargetLine(text, label, pass);
    }
  }
}

// The specs of one input, parsed (so that a bad one is refused naming where it was written).
struct ParsedInput {
  std::vector<std::string> addresses;  // the address specs, as written
  std::vector<std::string> names;      // the host names, normalised
};

ParsedInput parseInput(const TargetInput& input) {
  ParsedInput parsed;
  try {
    for (const std::string& text : targets::splitSpecList(input.specs)) {
      const targets::Spec spec = targets::parseSpec(text);
      if (const auto* named = std::get_if<targets::NameSpec>(&spec)) {
        parsed.names.push_back(named->name);
      } else {
        parsed.addresses.push_back(text);
      }
    }
  } catch (const UsageError& e) {
    if (input.origin.empty()) throw;
    throw UsageError(clipInput(input.origin) + ": " + e.what());
  }
  return parsed;
}

// A name's resolution; nullptr when names are not resolved (-n).
using Lookup = std::function<const targets::Resolution*(const std::string&)>;
// Appends the lines of one input to the file's text.
using LineWriter =
    std::function<void(std::string&, const TargetInput&, const ParsedInput&, const Lookup&)>;

// Resolves every distinct name of `inputs` once, all in parallel, as expansion does; then has
// `write` append each input's lines.
Snapshot snapshot(const targets::InputSources& inputs, bool exclusions,
                  const targets::ExpandOptions& options, const targets::Resolver& resolver,
                  const LineWriter& write) {
  std::map<std::string, std::size_t> index;
  std::vector<std::string> names;
  forEachInput(inputs, exclusions, [&](const TargetInput& input) {
    ParsedInput parsed = parseInput(input);
    for (std::string& name : parsed.names) {
      if (index.emplace(name, names.size()).second) names.push_back(std::move(name));
    }
  });
  // With -n a name stays a name: the check of the written file then refuses it, as a scan does.
  std::vector<targets::Resolution> results;
  if (options.resolve) {
    results = targets::resolveAll(resolver, names, options.family, options.resolve_parallelism);
  }
  Snapshot out;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].addresses.empty()) {
      out.warnings.push_back("cannot resolve " + quoteInput(names[i]) + ": " + results[i].error);
    }
  }
  const Lookup lookup = [&](const std::string& name) -> const targets::Resolution* {
    return results.empty() ? nullptr : &results.at(index.at(name));
  };
  forEachInput(inputs, exclusions, [&](const TargetInput& input) {
    write(out.text, input, parseInput(input), lookup);
  });
  return out;
}

// A path sbatch reads from a #SBATCH line: no blanks, quotes, backslashes or '%' (its patterns).
bool sbatchSafe(std::string_view path) {
  return std::none_of(path.begin(), path.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\'' || c == '\\' || c == '%' ||
           c == 0x7f;
  });
}

void writeFileAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      throw Error(ExitCode::RuntimeError, "--slurm-script: cannot write " + quoteInput(temporary) +
                                              ": " + errorText(errno));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw Error(ExitCode::RuntimeError,
                "--slurm-script: cannot write " + quoteInput(path) + ": " + errorText(errno));
  }
}

// DIR made if missing, as an absolute path; refused when it already holds shard files, which a
// task would take for its own finished work.
std::string prepareDirectory(const std::string& given) {
  namespace fs = std::filesystem;
  if (::mkdir(given.c_str(), 0777) != 0 && errno != EEXIST) {
    throw UsageError("--slurm-dir: cannot create " + quoteInput(given) + ": " + errorText(errno));
  }
  std::error_code error;
  const fs::path directory = fs::canonical(given, error);
  if (error || !fs::is_directory(directory)) {
    throw UsageError("--slurm-dir: " + quoteInput(given) + " is not a directory");
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("shard-") && name.ends_with(".jsonl")) {
      throw UsageError("--slurm-dir: " + quoteInput(directory.string()) + " already holds " +
                       quoteInput(name) +
                       " of an earlier job; give each job array a directory of its own");
    }
  }
  if (!sbatchSafe(directory.string())) {
    throw UsageError("--slurm-dir: " + quoteInput(directory.string()) +
                     " has a blank, a quote, a backslash or a '%', which a #SBATCH line cannot "
                     "carry; choose another directory");
  }
  return directory.string();
}

}  // namespace

std::string shellQuote(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string formatPortList(const targets::PortList& ports) {
  std::string text;
  for (const targets::PortList::Range& range : ports.ranges()) {
    if (!text.empty()) text += ',';
    text += std::to_string(range.first);
    if (range.last > range.first) text += '-' + std::to_string(range.last);
  }
  return text;
}

Snapshot snapshotTargets(const targets::InputSources& inputs, const targets::ExpandOptions& options,
                         const targets::Resolver& resolver) {
  return snapshot(
      inputs, false, options, resolver,
      [](std::string& text, const TargetInput& input, const ParsedInput& parsed,
         const Lookup& lookup) {
        const std::string ports = input.ports.empty() ? "" : " " + formatPortList(input.ports);
        const std::string column = input.name.empty() ? "" : " " + input.name;
        if (!parsed.addresses.empty()) {
          std::string specs;
          for (const std::string& spec : parsed.addresses) {
            specs += (specs.empty() ? "" : ",") + spec;
          }
          text += specs + ports + column + "\n";
        }
        for (const std::string& name : parsed.names) {
          const targets::Resolution* resolution = lookup(name);
          if (resolution == nullptr) {
            text.append(name).append(ports).append(column).append("\n");
          } else if (resolution->addresses.empty()) {
            text += "# " + name + ": cannot resolve\n";
          } else {
            // The name column is what the TLS session and the check will use: the
            // line's own, else the name looked up (docs/targets.md).
            const std::string& sni = input.name.empty() ? name : input.name;
            for (const Address& address : resolution->addresses) {
              text.append(address.toString()).append(ports).append(" ").append(sni).append("\n");
            }
          }
        }
      });
}

Snapshot snapshotExclusions(const targets::InputSources& inputs,
                            const targets::ExpandOptions& options,
                            const targets::Resolver& resolver) {
  return snapshot(
      inputs, true, options, resolver,
      [](std::string& text, const TargetInput&, const ParsedInput& parsed, const Lookup& lookup) {
        for (const std::string& spec : parsed.addresses) text += spec + "\n";
        for (const std::string& name : parsed.names) {
          const targets::Resolution* resolution = lookup(name);
          if (resolution == nullptr) {
            text += name + "\n";
            continue;
          }
          text += "# " + name + (resolution->addresses.empty() ? ": cannot resolve\n" : "\n");
          for (const Address& address : resolution->addresses) {
            text += address.toString() + "\n";
          }
        }
      });
}

std::string slurmScript(const SlurmJob& job) {
  const std::string tasks = std::to_string(job.tasks);
  const std::string seed = std::to_string(job.seed);
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# One dotscan scan as a Slurm job array of " << tasks << " shards (seed " << seed
    << "), written by\n"
    << "# `dotscan --slurm-script` (docs/scale-out.md). Every task reads the same targets, names\n"
    << "# resolved when this script was written, and writes its shard to DIR/shard-I.jsonl.\n"
    << "#   sbatch job.sh               every shard (sbatch --wait job.sh: and wait for the end)\n"
    << "#   sbatch --array=I job.sh     shard I again: nothing to do when its file is complete,\n"
    << "#                               --resume when it was interrupted, else scanned afresh\n"
    << "# Other sbatch options (--partition, --time, ...) go on sbatch's command line.\n"
    << "#SBATCH --job-name=dotscan\n"
    << "#SBATCH --array=0-" << job.tasks - 1 << "\n"
    << "#SBATCH --output=" << job.directory << "/slurm-%A_%a.out\n"
    << "set -u\n"
    << "dotscan=${DOTSCAN:-" << shellQuote(job.dotscan) << "}\n"
    << "dir=" << shellQuote(job.directory) << "\n"
    << "shard=${SLURM_ARRAY_TASK_ID:?this is a Slurm job array script: submit it with sbatch}\n"
    << "if ! [[ $shard =~ ^[0-9]+$ ]] || ((shard >= " << tasks << ")); then\n"
    << "  echo \"dotscan job: array task $shard is not a shard of this job (0 to " << job.tasks - 1
    << ")\" >&2\n"
    << "  exit 2\n"
    << "fi\n"
    << "# Relative paths among the options are read from where the script was written.\n"
    << "cd -- " << shellQuote(job.workdir) << " || exit 2\n"
    << "out=$dir/shard-$shard.jsonl\n"
    << "scan=(";
  for (const std::string& word : job.arguments) s << shellQuote(word) << " ";
  s << "\"--input-list=$dir/targets.txt\"";
  if (job.excludes) s << " \"--excludefile=$dir/excludes.txt\"";
  s << "\n      --seed=" << seed << " --shards=" << tasks
    << " \"--shard=$shard\" \"--output-json=$out\")\n"
    << "\n"
    << "# A shard file is complete when its last line, newline included, is the metadata record\n"
    << "# of a scan that ran to its end (docs/outputs.md).\n"
    << "if [[ -e $out ]]; then\n"
    << "  last=$(tail -n 1 -- \"$out\")\n"
    << "  [[ -z $(tail -c 1 -- \"$out\") ]] || last=  # cut short inside its last line\n"
    << "  if [[ $last == '{'*'\"record\":\"metadata\"'*'}' ]]; then\n"
    << "    if [[ $last != *'\"seed\":" << seed
    << "'[^0-9]* || $last != *'\"shard_count\":" << tasks << "'[^0-9]* ||\n"
    << "          $last != *\"\\\"shard_index\\\":$shard\"[^0-9]* ]]; then\n"
    << "      echo \"dotscan job: $out is another scan's (seed or shard differ); move it away\" "
       ">&2\n"
    << "      exit 2\n"
    << "    fi\n"
    << "    if [[ $last == *'\"interrupted\":false'* && $last == *'\"error\":null'* ]]; then\n"
    << "      echo \"dotscan job: shard $shard is complete ($out); nothing to do\" >&2\n"
    << "      exit 0\n"
    << "    fi\n"
    << "    echo \"dotscan job: shard $shard was interrupted; resuming $out\" >&2\n"
    << "    exec \"$dotscan\" --resume \"$out\"\n"
    << "  fi\n"
    << "  # No metadata record last: killed (SIGKILL, a node lost) or cut short; --resume cannot\n"
    << "  # trust it, so the shard is scanned again and the old file kept aside.\n"
    << "  echo \"dotscan job: $out is incomplete; kept as $out.incomplete, scanning shard $shard "
       "again\" >&2\n"
    << "  mv -f -- \"$out\" \"$out.incomplete\" || exit 2\n"
    << "fi\n"
    << "exec \"$dotscan\" \"${scan[@]}\"\n";
  return s.str();
}

int writeSlurmJob(const ScanConfig& config, std::ostream& out) {
  SlurmJob job;
  job.tasks = config.slurm.tasks;
  job.seed = config.seed ? *config.seed : randomSeed();
  job.arguments = config.slurm.arguments;
  std::error_code error;
  job.workdir = std::filesystem::current_path(error).string();
  if (error) {
    throw Error(ExitCode::RuntimeError,
                "--slurm-script: cannot find the current directory: " + error.message());
  }
  job.dotscan = std::filesystem::read_symlink("/proc/self/exe", error).string();
  if (error) job.dotscan = "dotscan";
  job.directory = prepareDirectory(config.slurm.directory);

  targets::SystemResolver resolver;
  const Snapshot targets_file = snapshotTargets(config.targets, config.expand, resolver);
  const Snapshot excludes_file = snapshotExclusions(config.excludes, config.expand, resolver);
  for (const std::string& warning : targets_file.warnings) warn(warning);
  for (const std::string& warning : excludes_file.warnings) warn(warning);
  job.excludes = !config.excludes.arguments.empty() || !config.excludes.files.empty();

  // The tasks will expand exactly these files: expanded here once, so that a problem is seen now
  // rather than in every task, and the count can be told.
  const std::string targets_path = job.directory + "/targets.txt";
  const std::string excludes_path = job.directory + "/excludes.txt";
  targets::InputSources targets_input;
  targets_input.files.emplace_back(targets_path, targets_file.text);
  targets::InputSources excludes_input;
  if (job.excludes) excludes_input.files.emplace_back(excludes_path, excludes_file.text);
  targets::ExpandReport report;
  const targets::TargetSet set =
      targets::expandTargets(targets_input, excludes_input, config.expand, resolver, report);
  for (const std::string& warning : report.warnings) warn(warning);
  if (set.size() < job.tasks) {
    warn(std::to_string(job.tasks) + " tasks for " + toString(set.size()) +
         (set.size() == 1 ? " target" : " targets") + ": some tasks will have nothing to scan");
  }

  writeFileAtomically(targets_path, targets_file.text);
  if (job.excludes) writeFileAtomically(excludes_path, excludes_file.text);
  errno = 0;
  out << slurmScript(job);
  out.flush();
  // A job script cut short (a full disk) must not pass for one: sbatch would run half of it.
  if (!out) {
    throw Error(ExitCode::RuntimeError, "--slurm-script: cannot write the job script: " +
                                            errorText(errno != 0 ? errno : EIO));
  }
  if (!config.quiet) {
    const u128 per_task = (set.size() + job.tasks - 1) / job.tasks;
    std::cerr << "dotscan: a job array of " << job.tasks << " tasks over " << toString(set.size())
              << (set.size() == 1 ? " target" : " targets") << " (at most " << toString(per_task)
              << " each, seed " << job.seed << "); wrote " << targets_path
              << (job.excludes ? " and " + excludes_path : std::string()) << "\n";
  }
  return static_cast<int>(ExitCode::Ok);
}

}  // namespace dotscan::cli
