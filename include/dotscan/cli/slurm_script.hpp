// dotscan/cli/slurm_script.hpp — --slurm-script N: one scan as a Slurm job array of N shards.
//
// Generation (on the submit host) fixes everything a shard depends on, so that the N tasks cut
// one target order exactly (docs/scale-out.md):
//  - the seed: the one given, else a random one written into the script;
//  - the targets: names are resolved once, here, into DIR/targets.txt, an -iL file every task
//    reads (a task resolving names itself could get other answers, and the shards would then
//    overlap or leave gaps). Addresses and ranges are copied as written; a name becomes one
//    "ADDRESS [PORTS] NAME" line per address, so it keeps its SNI and authentication name;
//  - the exclusions: --exclude and --excludefile, names resolved the same way, go to
//    DIR/excludes.txt.
// Task I runs `--shards N --shard I -oJ DIR/shard-I.jsonl` with the other scan options as given.
// Resubmitting a task (sbatch --array=I) looks at its file first: complete (a metadata record
// that ends a scan run to its end, of this seed and shard) is left alone; one that ends with the
// metadata record of an interrupted scan is continued with --resume; one without a metadata
// record (killed, cut short) is kept as FILE.incomplete and scanned afresh; absent, scanned.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/cli/options.hpp"
#include "dotscan/targets/port_list.hpp"
#include "dotscan/targets/resolver.hpp"
#include "dotscan/targets/target_set.hpp"

namespace dotscan::cli {

// One word for a POSIX shell: as it is when it is made of safe characters only, else between
// single quotes (a ' inside becomes '\''). Any byte string survives, blanks, quotes, $ and
// newlines included.
std::string shellQuote(std::string_view word);

// "853", "443,853", "1-1024,8853": the -iL PORTS column of a port list.
std::string formatPortList(const targets::PortList& ports);

// The inputs rewritten with every host name resolved (see above): the text of an -iL file (for
// targets) or of an exclude file (for exclusions, where a name becomes its addresses). A name that
// does not resolve becomes a comment line and a warning, as a scan warns and goes on.
struct Snapshot {
  std::string text;
  std::vector<std::string> warnings;
};
Snapshot snapshotTargets(const targets::InputSources& inputs, const targets::ExpandOptions& options,
                         const targets::Resolver& resolver);
Snapshot snapshotExclusions(const targets::InputSources& inputs,
                            const targets::ExpandOptions& options,
                            const targets::Resolver& resolver);

// What the job script needs, every path absolute.
struct SlurmJob {
  std::uint64_t tasks = 1;
  std::uint64_t seed = 0;
  std::string dotscan;    // the program each task runs (overridable with DOTSCAN=... at submit)
  std::string directory;  // DIR: targets.txt, excludes.txt, shard-I.jsonl, the task logs
  std::string workdir;    // where generation ran: relative paths of the options are read there
  bool excludes = false;  // DIR/excludes.txt exists
  std::vector<std::string> arguments;  // the scan options every task passes (SlurmSettings)
};

// The sbatch script (bash) of `job`.
std::string slurmScript(const SlurmJob& job);

// --slurm-script: writes DIR/targets.txt (and DIR/excludes.txt), checks that they expand, and
// prints the script on `out`; a summary goes to stderr unless -q. Throws UsageError (a shard
// file already in DIR, a name that cannot be a target, nothing to scan) or Error.
int writeSlurmJob(const ScanConfig& config, std::ostream& out);

}  // namespace dotscan::cli
