// dotscan/cli/options.hpp — the command line, turned into one ScanConfig.
//
// All reading of user-named files (-iL, --excludefile) happens here, so that the targets module
// does no I/O. Every problem is a UsageError with one line that names the bad option, file or text.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dotscan/audit/findings.hpp"
#include "dotscan/audit/policy.hpp"
#include "dotscan/checks/checks.hpp"
#include "dotscan/cli/outputs.hpp"
#include "dotscan/dns/message.hpp"
#include "dotscan/probe/engine.hpp"
#include "dotscan/targets/target_order.hpp"
#include "dotscan/targets/target_set.hpp"
#include "dotscan/tls/client.hpp"

namespace dotscan::cli {

// How to probe and where to write, beyond which targets.
// How hosts are found before the TLS prober sees them (docs/discovery.md).
struct DiscoverySettings {
  bool syn = false;  // -sS: raw SYNs and a capture; false: -sT, a full connect per target
  Duration cooldown = std::chrono::seconds(3);  // -sS: wait for late answers after each pass
  std::string interface;                        // --interface; empty: the route's
  std::optional<Address> source;                // --source-ip; empty: the route's
  std::optional<std::array<std::uint8_t, 6>> gateway_mac;  // --gateway-mac; empty: looked up
  bool write_silent = false;                  // --write-silent: a record per silent target
  unsigned sender_threads = 1;                // --sender-threads: threads sending SYNs
  std::string pcap_path;                      // --pcap FILE: every packet of the scan
  int pcap_snaplen = 65535;                   // --pcap-snaplen
  std::uint64_t pcap_max_bytes = 1ULL << 30;  // --pcap-max-size
};

struct ScanSettings {
  DiscoverySettings discovery;
  probe::EngineSettings engine;               // threads, parallelism, rate, per-phase timeouts
  std::optional<std::uint64_t> max_parallel;  // nullopt: sized from the open-file limit
  tls::ClientOptions tls;
  std::string sni;          // --sni: sent to every target
  OutputSettings output;    // -oN, -oX, -oG, -oJ, -oC, -oA, --metadata, --open
  dns::QueryOptions query;  // --query and the EDNS switches
  Duration dns_timeout = std::chrono::seconds(5);
  std::size_t dns_max_size = 65535;
  audit::AuditOptions audit;               // --warn-days, --crit-days, --pin
  audit::Policy policy;                    // --policy and --pin-file: expectations per target
  std::string auth_name;                   // --auth-name: the authentication name for every target
  std::optional<model::Severity> fail_on;  // --fail-on LEVEL; nullopt: never exit 1
  bool include_pem = false;
  bool sni_address = false;       // --sni-address: send an address target's address text as SNI
  bool dns = true;                // --no-dns: stop after the handshake
  bool cleartext_check = true;    // --no-cleartext-check: do not ask non-TLS peers in cleartext
  checks::CheckSettings checks;   // --checks, --pipeline, --keepalive-wait; no check by default
  std::string timing = "normal";  // -T: the timing template's name (cli/timing.hpp)
};

// --slurm-script N: print a Slurm job array of N shards instead of scanning (cli/slurm_script.hpp).
struct SlurmSettings {
  std::uint64_t tasks = 0;      // N; 0: not asked for
  std::string directory = ".";  // --slurm-dir
  // The scan options each task passes, one word each as --long=value, in the option table's
  // order: all that was given but the targets, -iL, --exclude, --excludefile and --seed, which
  // the job fixes itself. Options that cannot be a task's are refused when parsing.
  std::vector<std::string> arguments;
};

struct ScanConfig {
  targets::InputSources targets;   // arguments and -iL file texts
  targets::InputSources excludes;  // --exclude lists and --excludefile texts
  targets::ExpandOptions expand;
  std::optional<std::uint64_t> seed;  // nullopt: draw one at random (and report it)
  targets::Shard shard;
  std::optional<u128> max_targets;
  bool list_targets = false;
  bool quiet = false;
  std::optional<Duration> stats_every;  // --stats-every T: a status line on stderr every T
  std::string command_line;
  std::vector<std::string> arguments;  // the command line, one argument each (nmap's -iL long)
  std::string resume_path;             // --resume FILE: every other setting comes from FILE
  SlurmSettings slurm;
  ScanSettings scan;
};

// nmap spells some options as one dash and two letters (-iL, -sL); CLI11 takes one letter after a
// single dash, so those are rewritten to their long forms first.
std::vector<std::string> rewriteNmapStyle(int argc, const char* const* argv);

// Parses the command line. Returns nullopt when --help or --version was answered on `out`.
std::optional<ScanConfig> parseCommandLine(int argc, const char* const* argv, std::ostream& out);

// "500ms", "3s", "1.5s", "2m", "1h"; a bare number is seconds (as in nmap). Throws UsageError.
Duration parseDuration(const std::string& text, const std::string& option);

// The outputs the format table's options name (`paths`: a path per format, empty when not given)
// and -oA BASE (`output_all`), in the order a scan writes them. Throws UsageError for -oA -.
std::vector<Output> outputFiles(const std::map<Format, std::string>& paths,
                                const std::string& output_all);

// Two outputs that are one file would interleave, truncate and overwrite each other's lines:
// -oJ F --metadata F, -oX F -oA F's F.xml, ./F and F, a link to F, '-' twice, or -oJ F with the
// listing going to F. Throws UsageError naming both.
void checkOutputsDistinct(const ScanConfig& config);

// Reads a whole file named on the command line ("-" is standard input).
std::string readInputFile(const std::string& path, const std::string& option);

}  // namespace dotscan::cli
