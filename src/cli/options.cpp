#include "dotscan/cli/options.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "dotscan/cli/help.hpp"
#include "dotscan/cli/timing.hpp"
#include "dotscan/dns/message.hpp"
#include "dotscan/syn/route.hpp"
#include "dotscan/syn/scanner.hpp"
#include "dotscan/targets/builtin_lists.hpp"
#include "dotscan/targets/spec.hpp"
#include "dotscan/tls/client.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

// nmap's spellings of one dash and two letters, and the long options they stand for.
struct NmapAlias {
  std::string_view short_option;
  std::string_view long_option;
};

std::vector<NmapAlias> nmapAliases() {
  std::vector<NmapAlias> aliases = {{"-iL", "--input-list"},
                                    {"-sL", "--list-targets"},
                                    {"-oA", "--output-all"},
                                    {"-sS", "--syn"},
                                    {"-sT", "--connect-scan"}};
  for (const FormatInfo& format : formats()) {
    // --html has no short form: its short_option is the long one.
    if (format.short_option != format.long_option) {
      aliases.push_back({format.short_option, format.long_option});
    }
  }
  return aliases;
}

}  // namespace

std::vector<std::string> rewriteNmapStyle(int argc, const char* const* argv) {
  const std::vector<NmapAlias> aliases = nmapAliases();
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto alias = std::find_if(aliases.begin(), aliases.end(),
                                    [&](const NmapAlias& a) { return a.short_option == arg; });
    if (alias != aliases.end()) {
      args.emplace_back(alias->long_option);
    } else if (arg == "-p-") {
      args.emplace_back("--ports=-");
    } else {
      args.push_back(arg);
    }
  }
  return args;
}

std::string readInputFile(const std::string& path, const std::string& option) {
  const std::string what = path == "-" ? "standard input" : quoteInput(path);
  auto failure = [&](int error) {
    return UsageError(option + ": cannot read " + what + ": " + std::strerror(error));
  };
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw failure(errno);
  struct Closer {
    int fd;
    ~Closer() {
      if (fd != STDIN_FILENO) ::close(fd);
    }
  } closer{fd};
  struct stat info {};
  std::string content;
  if (::fstat(fd, &info) == 0) {
    if (S_ISDIR(info.st_mode)) throw failure(EISDIR);
    if (S_ISREG(info.st_mode)) content.reserve(static_cast<std::size_t>(info.st_size));
  }
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw failure(errno);
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  return content;
}

namespace {

constexpr double kMaxRate = 1e7;
// -sS: sender threads by default, one per core up to this many (more were not measured to help:
// docs/discovery.md).
constexpr unsigned kMaxDefaultSenderThreads = 2;
constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();
// Slurm's own MaxArraySize is at most 4,000,001; a site's is usually far lower (1001 by default).
constexpr std::uint64_t kMaxSlurmTasks = 4000000;

// A whole number: decimal, or hexadecimal after 0x; no sign, blank or exponent, nothing past the
// digits, no overflow (strtoull, and CLI11 2.1 after it, read "-1" as 2^64 - 1).
std::uint64_t parseWhole(const std::string& text, const std::string& option, std::uint64_t min = 0,
                         std::uint64_t max = kNoLimit) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string_view digits = std::string_view(text).substr(hex ? 2 : 0);
  std::uint64_t value = 0;
  const char* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(digits.data(), end, value, hex ? 16 : 10);
  if (!digits.empty() && error == std::errc() && stop == end && value >= min && value <= max) {
    return value;
  }
  if (min == 0 && max == kNoLimit) {
    throw UsageError(option + ": " + quoteInput(text) + " is not a non-negative integer");
  }
  throw UsageError(option + ": " + quoteInput(text) + " is not a whole number from " +
                   std::to_string(min) + " to " + std::to_string(max));
}

// A finite decimal number at the start of `text`, which starts with a digit or a point: no sign,
// "nan", "inf" or hex float (CLI11 2.1 takes "nan" for a double, and NaN passes its range checks).
// `used` gets the length of the number; what follows (a duration's unit) is the caller's.
std::optional<double> parseDecimal(std::string_view text, std::size_t& used) {
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) != 0 || text[0] == '.')) {
    return std::nullopt;
  }
  double value = 0;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || !std::isfinite(value)) return std::nullopt;
  used = static_cast<std::size_t>(stop - text.data());
  return value;
}

// The numeric options, taken as text and parsed after CLI11 by the functions above, so that
// every one refuses NaN, infinity, a sign, blanks and overflow with the same kind of message.
class NumberOptions {
 public:
  // `shown_default` is only for --help: a value not given is the caller's fallback.
  CLI::Option* add(CLI::App& app, const std::string& name, const std::string& help,
                   const std::string& shown_default = "") {
    Entry& entry = entries_[name];
    entry.option = app.add_option(name, entry.text, help)->type_name("N");
    if (!shown_default.empty()) entry.option->default_str(shown_default);
    return entry.option;
  }
  // The text given, or nullopt when the option was not on the command line ("" was given).
  [[nodiscard]] std::optional<std::string> given(const std::string& name) const {
    const Entry& entry = entries_.at(name);
    if (entry.option->count() == 0) return std::nullopt;
    return entry.text;
  }
  [[nodiscard]] std::uint64_t whole(const std::string& name, std::uint64_t fallback,
                                    std::uint64_t min = 0, std::uint64_t max = kNoLimit) const {
    const auto text = given(name);
    return text ? parseWhole(*text, name, min, max) : fallback;
  }

 private:
  struct Entry {
    CLI::Option* option = nullptr;
    std::string text;
  };
  std::map<std::string, Entry> entries_;  // a map: CLI11 keeps a reference to each text
};

// --alpn: '' offers none; otherwise every comma-separated item is a protocol name of 1 to 255
// bytes (RFC 7301 section 3.1). ",," or "dot," is refused rather than read as fewer protocols.
std::vector<std::string> parseAlpnList(const std::string& text) {
  std::vector<std::string> protocols;
  if (text.empty()) return protocols;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma == start) {
      throw UsageError("--alpn: " + quoteInput(text) + " has an empty item ('' offers no ALPN)");
    }
    if (comma - start > 255) {
      throw UsageError("--alpn: " + quoteInput(text.substr(start, comma - start)) +
                       " is longer than 255 bytes");
    }
    protocols.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return protocols;
}

// --auth-name and --sni: a host name (letters, digits, '-', '_'; labels of 1 to 63), lower-cased
// and without a trailing dot. A control character or a blank is refused, never sent.
std::string hostNameOption(const std::string& text, const std::string& option) {
  if (!targets::isValidHostName(text)) {
    throw UsageError(option + ": " + quoteInput(text) + " is not a host name");
  }
  return targets::normaliseHostName(text);
}

}  // namespace

Duration parseDuration(const std::string& text, const std::string& option) {
  const auto bad = [&] {
    return UsageError(option + ": " + quoteInput(text) +
                      " is not a duration (like 500ms, 3s, 1.5s, 2m)");
  };
  std::size_t used = 0;
  const std::optional<double> value = parseDecimal(text, used);
  if (!value) throw bad();
  const std::string unit = text.substr(used);
  double seconds = 0;
  if (unit.empty() || unit == "s") {
    seconds = *value;
  } else if (unit == "ms") {
    seconds = *value / 1000;
  } else if (unit == "m") {
    seconds = *value * 60;
  } else if (unit == "h") {
    seconds = *value * 3600;
  } else {
    throw bad();
  }
  if (!(seconds >= 0) || seconds > 86400.0 * 365) throw bad();
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

namespace {

// OpenSSL looks a hashed CA directory up only when a chain needs it, so a missing one would pass
// silently and leave every chain untrusted (a missing --ca-file fails at load time).
void checkCaDirectory(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw UsageError("--ca-dir: cannot use " + quoteInput(path) + ": " + errorText(errno));
  }
  if (!S_ISDIR(info.st_mode)) {
    throw UsageError("--ca-dir: " + quoteInput(path) + " is not a directory");
  }
}

// Where an output goes, to tell two outputs naming one file apart however they are spelled.
struct OutputTarget {
  std::string what;  // "-oJ '-'", "--metadata 'x.json'", "the listing"
  std::string path;  // as given; "-" is standard output
  std::string real;  // "-", or the real path (of its directory, for a file not there yet)
  std::optional<std::pair<dev_t, ino_t>> inode;  // a file, pipe or socket that exists
  bool device = false;                           // a character device: /dev/null, a terminal
};

OutputTarget outputTarget(std::string what, const std::string& path) {
  OutputTarget target{std::move(what), path, path, std::nullopt, false};
  struct stat info {};
  const bool exists =
      path == "-" ? ::fstat(STDOUT_FILENO, &info) == 0 : ::stat(path.c_str(), &info) == 0;
  if (exists) target.inode = std::pair{info.st_dev, info.st_ino};
  target.device = exists && S_ISCHR(info.st_mode);
  if (path == "-") return target;
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::array<char, PATH_MAX> real{};
  if (::realpath(exists ? path.c_str() : directory.c_str(), real.data()) != nullptr) {
    target.real = exists ? std::string(real.data()) : std::string(real.data()) + "/" + name;
  }
  return target;
}

}  // namespace

void checkOutputsDistinct(const ScanConfig& config) {
  const ScanSettings& scan = config.scan;
  std::vector<OutputTarget> outputs;
  for (const Output& output : scan.output.files) {
    outputs.push_back(outputTarget(output.option + " " + quoteInput(output.path), output.path));
  }
  if (!scan.output.metadata_path.empty()) {
    outputs.push_back(outputTarget("--metadata " + quoteInput(scan.output.metadata_path),
                                   scan.output.metadata_path));
  }
  if (scan.output.listingOnStdout()) outputs.push_back(outputTarget("the listing", "-"));
  if (!scan.discovery.pcap_path.empty()) {
    if (scan.discovery.pcap_path == "-") {
      throw UsageError("--pcap needs a file: standard output carries the listing or an output '-'");
    }
    outputs.push_back(
        outputTarget("--pcap " + quoteInput(scan.discovery.pcap_path), scan.discovery.pcap_path));
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      const OutputTarget& a = outputs[i];
      const OutputTarget& b = outputs[j];
      // Two writers on one character device (/dev/null, a terminal) lose nothing to each other,
      // but '-' twice is a mistake wherever standard output goes.
      const bool same =
          (a.path == "-" && b.path == "-") ||
          (!a.device && !b.device && (a.real == b.real || (a.inode && a.inode == b.inode)));
      if (same) {
        const bool stdout_both = a.path == "-" || b.path == "-";
        throw UsageError(a.what + " and " + b.what + " are the same " +
                         (stdout_both ? "output (standard output)" : "file") +
                         ": give each output its own file");
      }
    }
  }
}

std::vector<Output> outputFiles(const std::map<Format, std::string>& paths,
                                const std::string& output_all) {
  std::vector<Output> files;
  for (const FormatInfo& format : formats()) {
    const auto path = paths.find(format.format);
    if (path != paths.end() && !path->second.empty()) {
      files.push_back({format.format, path->second, std::string(format.short_option)});
    }
  }
  if (!output_all.empty()) {
    if (output_all == "-") throw UsageError("-oA needs a base name: it writes four files");
    for (const FormatInfo& format : formats()) {
      if (format.extension.empty()) continue;
      files.push_back({format.format, output_all + "." + std::string(format.extension), "-oA"});
    }
  }
  return files;
}

namespace {

// Every numeric option of the command line, with its range.
void parseNumbers(const NumberOptions& numbers, ScanConfig& config) {
  ScanSettings& scan = config.scan;
  config.expand.resolve_parallelism = static_cast<unsigned>(
      numbers.whole("--resolve-parallel", config.expand.resolve_parallelism, 1, 1024));
  if (const auto seed = numbers.given("--seed")) config.seed = parseWhole(*seed, "--seed");
  const std::uint64_t shards = numbers.whole("--shards", 1);
  const std::uint64_t shard = numbers.whole("--shard", 0);
  if (shards == 0) throw UsageError("--shards must be at least 1");
  if (shard >= shards) {
    throw UsageError("--shard " + std::to_string(shard) + " is out of range: with --shards " +
                     std::to_string(shards) + " it is 0 to " + std::to_string(shards - 1));
  }
  config.shard = {shards, shard};
  if (const auto max_targets = numbers.given("--max-targets")) {
    config.max_targets = parseU128(*max_targets);
    if (!config.max_targets) {
      throw UsageError("--max-targets: " + quoteInput(*max_targets) +
                       " is not a non-negative integer");
    }
  }
  scan.discovery.pcap_snaplen = static_cast<int>(numbers.whole(
      "--pcap-snaplen", static_cast<std::uint64_t>(scan.discovery.pcap_snaplen), 64, 262144));
  scan.discovery.pcap_max_bytes =
      numbers.whole("--pcap-max-size", scan.discovery.pcap_max_bytes, 4096);
  if (const auto max_parallel = numbers.given("--max-parallel")) {
    scan.max_parallel = parseWhole(*max_parallel, "--max-parallel");
    if (*scan.max_parallel == 0) throw UsageError("--max-parallel must be at least 1");
  }
  if (const auto rate = numbers.given("--rate")) {
    std::size_t used = 0;
    const std::optional<double> value = parseDecimal(*rate, used);
    if (!value || used != rate->size() || *value > kMaxRate) {
      throw UsageError("--rate: " + quoteInput(*rate) +
                       " is not a number of connections a second from 0 to 10000000");
    }
    scan.engine.rate = *value;
  }
  scan.engine.threads = static_cast<std::uint32_t>(
      numbers.whole("--threads", std::max(1U, std::thread::hardware_concurrency()), 1, 256));
  scan.discovery.sender_threads = static_cast<unsigned>(numbers.whole(
      "--sender-threads",
      std::clamp(std::thread::hardware_concurrency(), 1U, kMaxDefaultSenderThreads), 1, 64));
  scan.engine.probe.retries = static_cast<int>(
      numbers.whole("--retries", static_cast<std::uint64_t>(scan.engine.probe.retries), 0, 10));
  scan.dns_max_size = numbers.whole("--dns-max-size", scan.dns_max_size, 12, 65535);
  scan.audit.warn_days = static_cast<int>(
      numbers.whole("--warn-days", static_cast<std::uint64_t>(scan.audit.warn_days), 0, 36500));
  const auto days = [&](const char* option, int value) {
    return std::string(option) + " " + std::to_string(value) +
           (numbers.given(option) ? "" : " (the default)");
  };
  scan.audit.crit_days = static_cast<int>(
      numbers.whole("--crit-days", static_cast<std::uint64_t>(scan.audit.crit_days), 0, 36500));
  // High is the nearer threshold: a crit window wider than the warn window would never be medium.
  if (scan.audit.crit_days > scan.audit.warn_days) {
    throw UsageError(days("--crit-days", scan.audit.crit_days) + " is above " +
                     days("--warn-days", scan.audit.warn_days));
  }
}

// -T and the RTT bounds: which options were given, to know what a template may set.
struct TimingOptions {
  std::string level = "normal";
  std::array<CLI::Option*, 3> timeouts{};  // --connect-timeout, --tls-timeout, --dns-timeout
  CLI::Option* host_timeout = nullptr;
  CLI::Option* min_rtt = nullptr;
  CLI::Option* max_rtt = nullptr;
  std::string min_rtt_text;
  std::string max_rtt_text;
};

// The template's values for every option of its table not given explicitly, and the adaptive
// timeouts: on with -T4/-T5 or with either RTT bound given.
void applyTiming(const TimingOptions& given, const NumberOptions& numbers, ScanSettings& scan) {
  const TimingTemplate* timing = findTimingTemplate(given.level);
  if (timing == nullptr) {
    throw UsageError("-T: unknown timing template " + quoteInput(given.level) +
                     " (0 to 5, or paranoid, sneaky, polite, normal, aggressive, insane)");
  }
  scan.timing = std::string(timing->name);
  probe::ProbeSettings& probe = scan.engine.probe;
  const std::array<bool, 3> explicit_timeout = {given.timeouts[0]->count() > 0,
                                                given.timeouts[1]->count() > 0,
                                                given.timeouts[2]->count() > 0};
  if (!explicit_timeout[0]) probe.connect_timeout = timing->connect_timeout;
  if (!explicit_timeout[1]) probe.tls_timeout = timing->tls_timeout;
  if (!explicit_timeout[2]) scan.dns_timeout = timing->dns_timeout;
  if (given.host_timeout->count() == 0) probe.host_timeout = timing->host_timeout;
  if (!numbers.given("--retries")) probe.retries = timing->retries;
  if (!numbers.given("--max-parallel") && timing->max_parallel) {
    scan.max_parallel = timing->max_parallel;
  }
  if (!numbers.given("--rate")) scan.engine.rate = timing->rate;

  probe::AdaptiveTimeouts& adaptive = probe.adaptive;
  const bool min_given = given.min_rtt->count() > 0;
  const bool max_given = given.max_rtt->count() > 0;
  adaptive.enabled = timing->adaptive || min_given || max_given;
  adaptive.min = timing->adaptive ? timing->min_rtt_timeout : kDefaultMinRttTimeout;
  adaptive.max = timing->adaptive ? timing->max_rtt_timeout : kDefaultMaxRttTimeout;
  if (min_given) adaptive.min = parseDuration(given.min_rtt_text, "--min-rtt-timeout");
  if (max_given) adaptive.max = parseDuration(given.max_rtt_text, "--max-rtt-timeout");
  if (adaptive.min == Duration::zero() || adaptive.max == Duration::zero()) {
    throw UsageError("--min-rtt-timeout and --max-rtt-timeout must be above zero");
  }
  if (adaptive.min > adaptive.max) {
    throw UsageError("--min-rtt-timeout is above --max-rtt-timeout (with -T" +
                     std::to_string(timing->level) + ", " + formatMs(adaptive.min) + " and " +
                     formatMs(adaptive.max) + ")");
  }
  adaptive.fixed = explicit_timeout;
}

// Every option of --help, the man page and the completion, by topic, in the order shown. An option
// missing here (or a name here that is not an option) is a programming error that every test of
// the command line meets at once.
struct OptionGroup {
  std::string_view name;
  std::vector<std::string_view> options;  // the first long name, else the short one
};

const std::vector<OptionGroup>& optionGroups() {
  static const std::vector<OptionGroup> groups = {
      {"Targets",
       {"targets", "--input-list", "--ports", "--exclude", "--excludefile", "--no-default-exclude",
        "--exclude-reserved", "-4", "-6", "-n", "--resolve-parallel", "--seed", "--shards",
        "--shard", "--max-targets", "--list-targets", "--slurm-script", "--slurm-dir"}},
      {"Discovery",
       {"--connect-scan", "--syn", "--cooldown", "--sender-threads", "--interface", "--source-ip",
        "--gateway-mac", "--write-silent", "--pcap", "--pcap-snaplen", "--pcap-max-size"}},
      {"Timing",
       {"--timing", "--connect-timeout", "--tls-timeout", "--dns-timeout", "--host-timeout",
        "--min-rtt-timeout", "--max-rtt-timeout", "--retries", "--max-parallel", "--rate",
        "--threads"}},
      {"TLS",
       {"--tls-min", "--tls-max", "--alpn", "--sni", "--sni-address", "--ca-file", "--ca-dir",
        "--include-pem"}},
      {"DNS",
       {"--query", "--no-rd", "--no-edns", "--no-padding", "--no-nsid", "--no-keepalive",
        "--dns-max-size", "--no-dns", "--no-cleartext-check"}},
      {"Conformance checks", {"--checks", "--pipeline", "--keepalive-wait"}},
      {"Audit",
       {"--auth-name", "--pin", "--pin-file", "--policy", "--warn-days", "--crit-days",
        "--require-dot", "--fail-on"}},
      {"Output",
       {"--output-normal", "--output-xml", "--output-grepable", "--output-json", "--csv", "--html",
        "--markdown", "--output-all", "--open", "--metadata", "--resume", "--verbose", "--quiet",
        "--stats-every", "--help", "--version"}},
  };
  return groups;
}

// The values completion offers for an option's argument.
std::vector<std::string> optionChoices(std::string_view name) {
  if (name == "--timing") {
    return {"paranoid", "sneaky", "polite", "normal", "aggressive", "insane"};
  }
  if (name == "--fail-on") return {"info", "low", "medium", "high", "critical", "never"};
  if (name == "--tls-min" || name == "--tls-max") return {"1.0", "1.1", "1.2", "1.3"};
  return {};
}

std::string primaryName(const CLI::Option& option) {
  if (!option.get_lnames().empty()) return "--" + option.get_lnames().front();
  if (!option.get_snames().empty()) return "-" + option.get_snames().front();
  return option.get_name(true, false);
}

// The page every renderer of cli/help.hpp reads, from the parser's own options.
HelpPage helpPage(const CLI::App& app) {
  HelpPage page;
  page.version = DOTSCAN_VERSION;
  page.description = app.get_description();
  std::map<std::string, const CLI::Option*, std::less<>> options;
  for (const CLI::Option* option : app.get_options()) {
    if (!option->get_group().empty()) options.emplace(primaryName(*option), option);
  }
  const std::vector<NmapAlias> aliases = nmapAliases();
  std::size_t placed = 0;
  for (const OptionGroup& group : optionGroups()) {
    HelpGroup& shown = page.groups.emplace_back();
    shown.name = group.name;
    for (const std::string_view name : group.options) {
      const auto found = options.find(name);
      if (found == options.end()) {
        throw std::logic_error("help group " + std::string(group.name) + " names " +
                               std::string(name) + ", which is not an option");
      }
      const CLI::Option& option = *found->second;
      HelpOption& entry = shown.options.emplace_back();
      if (option.get_positional()) {
        entry.names.emplace_back("TARGETS...");
      } else {
        for (const NmapAlias& alias : aliases) {
          if (alias.long_option == name) entry.names.emplace_back(alias.short_option);
        }
        for (const std::string& letter : option.get_snames()) entry.names.push_back("-" + letter);
        for (const std::string& word : option.get_lnames()) entry.names.push_back("--" + word);
      }
      entry.text = option.get_description();
      if (option.get_type_size() != 0 && !option.get_positional()) {
        entry.argument = option.get_type_name();
        const std::string& shown_default = option.get_default_str();
        if (shown_default != "[]") entry.default_value = shown_default;
      }
      entry.choices = optionChoices(name);
      ++placed;
    }
  }
  if (placed != options.size()) {
    for (const auto& [name, option] : options) {
      const bool listed = std::any_of(
          optionGroups().begin(), optionGroups().end(), [&name = name](const OptionGroup& g) {
            return std::find(g.options.begin(), g.options.end(), name) != g.options.end();
          });
      if (!listed) throw std::logic_error("option " + name + " is in no help group");
    }
    throw std::logic_error("an option is in two help groups");
  }
  return page;
}

// Every name an option may be typed as, for the nearest one to a misspelt option.
std::vector<std::string> allOptionNames(const HelpPage& page) {
  std::vector<std::string> names;
  for (const HelpGroup& group : page.groups) {
    for (const HelpOption& option : group.options) {
      for (const std::string& name : option.names) {
        if (name.starts_with("-")) names.push_back(name);
      }
    }
  }
  names.emplace_back("--help-man");
  names.emplace_back("--help-bash-completion");
  return names;
}

// --slurm-script: the options every task of the array passes, as --long=value words (or a flag's
// name once per use), in the table's order. What the job script sets itself (the shard, the
// outputs, the seed) or writes into DIR (the targets and exclusions, names resolved) is left out;
// what a task cannot use is refused.
std::vector<std::string> slurmTaskArguments(const CLI::App& app) {
  static const std::vector<std::string_view> kOwnedByJob = {
      "targets",        "--input-list", "--exclude",  "--excludefile",         "--seed",
      "--slurm-script", "--slurm-dir",  "--help-man", "--help-bash-completion"};
  static const std::vector<std::pair<std::string_view, std::string_view>> kRefused = {
      {"--shards", "each task's shard is set by the job array"},
      {"--shard", "each task's shard is set by the job array"},
      {"--max-targets", "the job array scans every target"},
      {"--list-targets", "-sL lists without a job array"},
      {"--resume", "a resubmitted task resumes its own shard"},
      {"--metadata", "each task writes its metadata record into its shard file"},
      {"--output-all", "each task writes DIR/shard-I.jsonl"},
      {"--pcap", "the tasks would write one capture file at once"}};
  std::vector<std::string> words;
  for (const CLI::Option* option : app.get_options()) {
    if (option->count() == 0) continue;
    const std::string name = primaryName(*option);
    const auto refused = std::find_if(kRefused.begin(), kRefused.end(),
                                      [&name](const auto& entry) { return entry.first == name; });
    const auto format =
        std::find_if(formats().begin(), formats().end(),
                     [&name](const FormatInfo& info) { return info.long_option == name; });
    if (refused != kRefused.end() || format != formats().end()) {
      const std::string why = refused != kRefused.end()
                                  ? std::string(refused->second)
                                  : std::string("each task writes DIR/shard-I.jsonl");
      std::string message = "--slurm-script: ";
      message.append(name).append(" cannot be given (").append(why).append(")");
      throw UsageError(message);
    }
    if (std::find(kOwnedByJob.begin(), kOwnedByJob.end(), name) != kOwnedByJob.end()) continue;
    if (option->get_expected_min() == 0) {  // a flag: once per use (-vv is two)
      for (std::size_t i = 0; i < option->count(); ++i) words.push_back(name);
      continue;
    }
    if ((name == "--policy" || name == "--pin-file") &&
        std::find(option->results().begin(), option->results().end(), "-") !=
            option->results().end()) {
      std::string message = "--slurm-script: ";
      message.append(name).append(" cannot read standard input: the tasks read it when they run");
      throw UsageError(message);
    }
    for (const std::string& value : option->results()) {
      std::string word = name;
      word.append("=").append(value);
      words.push_back(std::move(word));
    }
  }
  return words;
}

// --resume FILE takes everything from FILE: any other option or target is refused, -q aside.
void checkResumeAlone(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--resume") {
      ++i;
    } else if (!arg.starts_with("--resume=") && arg != "-q" && arg != "--quiet") {
      throw UsageError("--resume takes the targets and options from its file's metadata record: " +
                       quoteInput(arg) + " cannot be given with it");
    }
  }
}

}  // namespace

std::optional<ScanConfig> parseCommandLine(int argc, const char* const* argv, std::ostream& out) {
  ScanConfig config;
  CLI::App app{
      "dotscan: scan for DNS-over-TLS servers (RFC 7858) and audit their TLS certificates.\n"
      "Targets: addresses, CIDR blocks, ranges (a.b.c.d-e.f.g.h, a.b.c.d-h, 192.168.0-255.1,3), "
      "IPv6 addresses, blocks and ranges, and host names; TCP port 853 unless -p says otherwise. "
      "README.md has the full syntax.",
      "dotscan"};
  // Then the libraries in use, as nmap -V names its own: a bug report needs them.
  app.set_version_flag("--version",
                       std::string("dotscan ") + DOTSCAN_VERSION + "\n" + tls::libraryVersion() +
                           "\n" + dns::libraryVersion() + "\n" + syn::libraryVersion(),
                       "Print dotscan's version and the OpenSSL, ldns and libpcap versions in use, "
                       "and exit");
  app.option_defaults()->always_capture_default();
  app.set_help_flag("-h,--help", "Print this help and exit");
  // For the build: dotscan.1 and the bash completion come from this same option table.
  bool help_man = false;
  bool help_completion = false;
  app.add_flag("--help-man", help_man, "Print the man page (roff) and exit")->group("");
  app.add_flag("--help-bash-completion", help_completion,
               "Print the bash completion script and exit")
      ->group("");

  std::vector<std::string> positional;
  std::vector<std::string> input_lists;
  std::string ports = "853";
  std::vector<std::string> exclude_lists;
  std::vector<std::string> exclude_files;
  bool no_default_exclude = false;
  bool exclude_reserved = false;
  bool only_v4 = false;
  bool only_v6 = false;
  bool no_resolve = false;
  NumberOptions numbers;

  app.add_option("targets", positional, "Targets to scan (see the target syntax above)");
  app.add_option("--input-list", input_lists,
                 "Read targets from FILE, '-' for stdin; a line is TARGET [PORTS] [NAME]")
      ->type_name("FILE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("-p,--ports", ports, "Ports to scan: 853,443,8853 or 1-1024 or - (all)")
      ->type_name("LIST");
  app.add_option("--exclude", exclude_lists, "Exclude these targets (comma-separated specs)")
      ->type_name("LIST")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--excludefile", exclude_files, "Exclude the targets listed in FILE")
      ->type_name("FILE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--no-default-exclude", no_default_exclude,
               "Do not apply the default exclusions (multicast, 0/8, 240/4, ::, ff00::/8)");
  app.add_flag("--exclude-reserved", exclude_reserved,
               "Also exclude the IANA special-purpose registries (for Internet-wide scans)");
  auto* v4 = app.add_flag("-4", only_v4, "IPv4 only: resolve names to A records only");
  auto* v6 = app.add_flag("-6", only_v6, "IPv6 only: resolve names to AAAA records only");
  v4->excludes(v6);
  app.add_flag("-n", no_resolve, "Never resolve host names (a name is then an error)");
  numbers.add(app, "--resolve-parallel", "Name lookups in flight at once (1 to 1024)", "64");
  numbers.add(app, "--seed", "Seed of the pseudo-random target order (random by default)");
  numbers.add(app, "--shards", "Split the target order into N parts...", "1");
  numbers.add(app, "--shard", "...and scan part I (0-based; same --seed on every machine)", "0")
      ->type_name("I");
  numbers.add(app, "--max-targets", "Stop after N targets (in this shard)");
  numbers.add(app, "--slurm-script",
              "Print an sbatch script that runs this scan as a Slurm job array of N shards "
              "(names resolved now into DIR/targets.txt; task I writes DIR/shard-I.jsonl), and "
              "exit (docs/scale-out.md)");
  app.add_option("--slurm-dir", config.slurm.directory,
                 "--slurm-script: the directory of the targets, the shard files and the task logs, "
                 "shared by every node")
      ->type_name("DIR");
  app.add_flag("--list-targets", config.list_targets,
               "Print the targets in scan order and exit without sending a packet");
  app.add_flag("-q,--quiet", config.quiet,
               "No summary lines and no live status line on stderr, only errors and warnings");
  std::string stats_every;
  app.add_option("--stats-every", stats_every,
                 "A status line on stderr every TIME (done, percent, rate, ETA, outcomes; "
                 "also on SIGUSR1)")
      ->type_name("TIME");
  app.add_flag("-v,--verbose", config.scan.output.verbosity,
               "The listing shows the whole chain and every certificate field; -vv adds the "
               "DNS answer section and EDNS options");

  ScanSettings& scan = config.scan;
  bool connect_scan = false;
  std::string cooldown = "3s";
  std::string source_ip;
  auto* syn = app.add_flag("--syn", scan.discovery.syn,
                           "SYN discovery: raw SYNs at --rate and a packet capture; live "
                           "hosts go on to TLS (needs root or CAP_NET_RAW)");
  auto* connect =
      app.add_flag("--connect-scan", connect_scan, "A full TCP connect per target (the default)");
  syn->excludes(connect);
  app.add_option("--cooldown", cooldown,
                 "-sS: how long to wait for late answers after the last SYN (and each pass)")
      ->type_name("TIME");
  numbers.add(app, "--sender-threads",
              "-sS: threads sending SYNs, each a disjoint part of the order at --rate/N with its "
              "own socket (default: one per core, at most 2)");
  app.add_option("--interface", scan.discovery.interface,
                 "-sS: send and capture on this interface, for IPv4 and IPv6 alike (default: "
                 "each family's route's)")
      ->type_name("NAME");
  app.add_option("--source-ip", source_ip,
                 "-sS: our address in the SYNs of its address family (default: the route's)")
      ->type_name("ADDRESS");
  std::string gateway_mac;
  app.add_option("--gateway-mac", gateway_mac,
                 "-sS: the next hop's MAC, for a packet socket on an Ethernet link (default: "
                 "from the neighbour table)")
      ->type_name("MAC");
  app.add_option("--pcap", scan.discovery.pcap_path,
                 "Write every packet of the scan (SYNs, answers, the TLS and DNS sessions) to a "
                 "pcap file for tcpdump or Wireshark (needs root or CAP_NET_RAW)")
      ->type_name("FILE");
  numbers.add(app, "--pcap-snaplen", "--pcap: bytes kept of each packet (default 65535)");
  numbers.add(app, "--pcap-max-size", "--pcap: the file stops growing at N bytes (default 1 GiB)");
  app.add_flag("--write-silent", scan.discovery.write_silent,
               "-sS: write a filtered record for every target that never answered (by default "
               "they are only counted in the metadata)");
  std::string connect_timeout = "3s";
  std::string tls_timeout = "5s";
  std::string host_timeout = "0";
  std::string tls_min = "1.2";
  std::string tls_max = "1.3";
  std::string alpn = "dot";
  numbers.add(app, "--max-parallel",
              "Probes in flight at once (default: from the open-file limit, at most 16384)");
  numbers.add(app, "--rate",
              "New connections a second, evenly spaced (0: no limit); with -sS, SYNs a second",
              "0");
  numbers.add(app, "--threads", "Event loops (default: one per core)");
  TimingOptions timing;
  timing.timeouts[0] =
      app.add_option("--connect-timeout", connect_timeout, "TCP connect timeout per attempt")
          ->type_name("TIME");
  timing.timeouts[1] =
      app.add_option("--tls-timeout", tls_timeout, "TLS handshake timeout, from the connect")
          ->type_name("TIME");
  timing.host_timeout =
      app.add_option("--host-timeout", host_timeout, "Whole-target time limit (0: none)")
          ->type_name("TIME");
  app.add_option("-T,--timing", timing.level,
                 "Timing template: 0-5 or paranoid, sneaky, polite, normal, aggressive, insane "
                 "(README: the table of their timeouts, retries, parallelism and rate)")
      ->type_name("TEMPLATE");
  timing.min_rtt =
      app.add_option("--min-rtt-timeout", timing.min_rtt_text,
                     "Timeouts follow the round-trip times seen, never below TIME (default with "
                     "-T4 1s, -T5 300ms, else 100ms)")
          ->type_name("TIME");
  timing.max_rtt = app.add_option("--max-rtt-timeout", timing.max_rtt_text,
                                  "...and never above TIME (default with -T4 1.5s, -T5 750ms, "
                                  "else 10s)")
                       ->type_name("TIME");
  numbers.add(app, "--retries",
              "Extra TCP connect attempts after a connect timeout (never after a refusal); "
              "with -sS, extra SYNs to targets that have not answered",
              "1");
  app.add_option("--tls-min", tls_min, "Lowest TLS version offered (1.0, 1.1, 1.2, 1.3)")
      ->type_name("VERSION");
  app.add_option("--tls-max", tls_max, "Highest TLS version offered")->type_name("VERSION");
  app.add_option("--alpn", alpn, "ALPN protocols offered, comma-separated ('' for none)")
      ->type_name("LIST");
  app.add_option("--sni", scan.sni,
                 "Send NAME as SNI to every target (default: the authentication name, if any)")
      ->type_name("NAME");
  app.add_flag("--sni-address", scan.sni_address,
               "Send an address target's address as SNI (not RFC 6066; off by default)");
  app.add_option("--ca-file", scan.tls.ca_file,
                 "Verify chains against the CAs in FILE instead of the system store")
      ->type_name("FILE");
  app.add_option("--ca-dir", scan.tls.ca_dir, "...or against a hashed CA directory")
      ->type_name("DIR");
  app.add_flag("--include-pem", scan.include_pem, "Put each certificate's PEM in the JSON output");
  // The output formats (cli/outputs.hpp), in the order of the table.
  std::map<Format, std::string> output_paths;  // a map: CLI11 keeps a reference to each path
  for (const FormatInfo& format : formats()) {
    app.add_option(std::string(format.long_option), output_paths[format.format],
                   std::string(format.help) + " ('-': stdout, replacing the listing)")
        ->type_name("FILE");
  }
  std::string output_all;
  app.add_option("--output-all", output_all,
                 "Write BASE.nmap, BASE.xml, BASE.gnmap and BASE.jsonl at once")
      ->type_name("BASE");
  app.add_flag("--open", scan.output.open_only,
               "Only targets where something answered, in every output (the metadata still "
               "counts all)");
  std::string query_spec;
  std::string dns_timeout = "5s";
  bool no_rd = false;
  bool no_edns = false;
  bool no_padding = false;
  bool no_nsid = false;
  bool no_keepalive = false;
  bool no_dns = false;
  app.add_option("--query", query_spec,
                 "DNS query sent inside each session: NAME[/TYPE] (default: ./NS)")
      ->type_name("NAME[/TYPE]");
  app.add_flag("--no-rd", no_rd, "Send the query without Recursion Desired");
  app.add_flag("--no-edns", no_edns,
               "Send no EDNS(0) OPT record (and so no padding, NSID, keepalive)");
  app.add_flag("--no-padding", no_padding,
               "No EDNS padding (RFC 8467 pads the query to 128 octets)");
  app.add_flag("--no-nsid", no_nsid, "No NSID request (RFC 5001)");
  app.add_flag("--no-keepalive", no_keepalive, "No edns-tcp-keepalive option (RFC 7828)");
  app.add_flag("--no-dns", no_dns, "Stop after the TLS handshake: no query (outcome tls-ok)");
  bool no_cleartext = false;
  app.add_flag(
      "--no-cleartext-check", no_cleartext,
      "Do not ask a peer that speaks no TLS the query in cleartext on a second connection");
  std::string checks;
  std::string keepalive_wait = "2s";
  app.add_option("--checks", checks,
                 "DoT conformance checks of each server whose handshake completed, on connections "
                 "of their own: pipelining, keepalive, padding, resumption, sni, versions, ddr, "
                 "nsid, or all (docs/conformance.md)")
      ->type_name("LIST");
  numbers.add(app, "--pipeline", "Queries the pipelining check writes back to back (2 to 16)", "3");
  app.add_option("--keepalive-wait", keepalive_wait,
                 "The longest the keepalive check keeps a session idle, below the server's "
                 "announced timeout")
      ->type_name("TIME")
      ->default_str("2s");
  timing.timeouts[2] =
      app.add_option("--dns-timeout", dns_timeout, "Time for the whole answer, from the query")
          ->type_name("TIME");
  numbers.add(app, "--dns-max-size",
              "Answers announced longer than N bytes are malformed (default 65535)");
  numbers.add(app, "--warn-days",
              "A certificate expiring within N days is a medium finding (default 30)");
  numbers.add(app, "--crit-days", "...within N days, a high one (default 7)");
  std::string fail_on = "never";
  app.add_option("--auth-name", scan.auth_name,
                 "Check every leaf against host name NAME, and send it as SNI (default: the "
                 "policy group's auth_name, else the target's name; an address target without "
                 "one is checked against its address)")
      ->type_name("NAME");
  app.add_option("--pin", scan.audit.pins,
                 "SPKI SHA-256 pin in base64 (RFC 7858 4.2, as kdig +tls-pin); repeatable")
      ->type_name("BASE64")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  std::string policy_file;
  app.add_option("--policy", policy_file,
                 "JSON policy: per target or group, the authentication name, pins, minimum TLS "
                 "version and days, allowed issuers (docs/audit.md)")
      ->type_name("FILE");
  std::vector<std::string> pin_files;
  app.add_option("--pin-file", pin_files,
                 "Pins per target: lines of TARGET PIN [PIN...] (docs/audit.md); repeatable")
      ->type_name("FILE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--require-dot", scan.audit.require_dot,
               "Every target listed on its own (an address, a name, an -iL line; not each "
               "address of a range) that does not confirm DoT is a high finding, dot-missing");
  app.add_option("--fail-on", fail_on,
                 "Exit 1 when a finding is at or above LEVEL: info, low, medium, high, critical, "
                 "never (default)")
      ->type_name("LEVEL");
  app.add_option("--metadata", scan.output.metadata_path,
                 "Write the metadata record to FILE instead of the end of the -oJ output")
      ->type_name("FILE");
  app.add_option("--resume", config.resume_path,
                 "Continue the interrupted scan of -oJ FILE (its targets, seed and options); "
                 "appends to FILE. Alone, or with -q")
      ->type_name("FILE");

  std::vector<std::string> args = rewriteNmapStyle(argc, argv);
  for (const std::string& arg : args) {
    config.command_line += (config.command_line.empty() ? "" : " ") + arg;
  }
  config.arguments = args;
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    out << helpText(helpPage(app));
    return std::nullopt;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return std::nullopt;
  } catch (const CLI::ExtrasError& e) {
    for (const std::string& extra : app.remaining()) {
      if (!extra.starts_with("-") || extra == "-") continue;
      const std::string given = clipInput(extra.substr(0, extra.find('=')));
      const auto nearest = nearestOption(given, allOptionNames(helpPage(app)));
      if (nearest) throw UsageError("unknown option " + given + "; did you mean " + *nearest + "?");
      throw UsageError("unknown option " + given + " (see --help)");
    }
    throw UsageError(clipInput(e.what()));
  } catch (const CLI::ParseError& e) {
    // CLI11's messages quote the value as given: bounded here, since they cannot be built with
    // quoteInput().
    throw UsageError(clipInput(e.what()));
  }
  if (help_man || help_completion) {
    const HelpPage page = helpPage(app);
    out << (help_man ? manPage(page) : bashCompletion(page));
    return std::nullopt;
  }
  if (numbers.given("--slurm-script")) {
    config.slurm.tasks = numbers.whole("--slurm-script", 0, 1, kMaxSlurmTasks);
    config.slurm.arguments = slurmTaskArguments(app);
  } else if (app.get_option("--slurm-dir")->count() != 0) {
    throw UsageError("--slurm-dir goes with --slurm-script");
  }
  if (!config.resume_path.empty()) {
    checkResumeAlone(config.arguments);
    return config;
  }

  config.expand.ports = targets::parsePortList(ports);
  if (!stats_every.empty()) {
    config.stats_every = parseDuration(stats_every, "--stats-every");
    if (*config.stats_every == Duration::zero()) {
      throw UsageError("--stats-every must be above zero");
    }
  }
  parseNumbers(numbers, config);
  scan.engine.probe.connect_timeout = parseDuration(connect_timeout, "--connect-timeout");
  scan.engine.probe.tls_timeout = parseDuration(tls_timeout, "--tls-timeout");
  scan.engine.probe.host_timeout = parseDuration(host_timeout, "--host-timeout");
  if (scan.engine.probe.connect_timeout == Duration::zero() ||
      scan.engine.probe.tls_timeout == Duration::zero()) {
    throw UsageError("--connect-timeout and --tls-timeout must be above zero");
  }
  const auto version = [](const std::string& text, const std::string& option) {
    const auto parsed = model::parseTlsVersion(text);
    if (!parsed) {
      throw UsageError(option + ": unknown TLS version " + quoteInput(text) +
                       " (use 1.0, 1.1, 1.2 or 1.3)");
    }
    return *parsed;
  };
  scan.tls.min_version = version(tls_min, "--tls-min");
  scan.tls.max_version = version(tls_max, "--tls-max");
  if (scan.tls.min_version > scan.tls.max_version) {
    throw UsageError("--tls-min " + tls_min + " is above --tls-max " + tls_max);
  }
  scan.tls.alpn = parseAlpnList(alpn);
  if (!scan.tls.ca_dir.empty()) checkCaDirectory(scan.tls.ca_dir);
  scan.dns = !no_dns;
  scan.cleartext_check = !no_cleartext;
  if (fail_on != "never") {
    scan.fail_on = model::severityFromString(fail_on);
    if (!scan.fail_on) {
      throw UsageError("--fail-on: unknown level " + quoteInput(fail_on) +
                       " (info, low, medium, high, critical or never)");
    }
  }
  for (const std::string& pin : scan.audit.pins) {
    if (!audit::isValidPin(pin)) {
      throw UsageError("--pin: " + quoteInput(pin) +
                       " is not a SPKI SHA-256 pin (44 characters of base64)");
    }
  }
  if (!scan.auth_name.empty()) scan.auth_name = hostNameOption(scan.auth_name, "--auth-name");
  // Standard input can be read once: a second "-" would silently read nothing.
  std::size_t stdin_readers = policy_file == "-" ? 1 : 0;
  for (const auto* paths : {&input_lists, &exclude_files, &pin_files}) {
    stdin_readers += static_cast<std::size_t>(std::count(paths->begin(), paths->end(), "-"));
  }
  if (stdin_readers > 1) {
    throw UsageError(
        "standard input ('-') can be given to only one of -iL, --excludefile, "
        "--policy and --pin-file");
  }
  if (!policy_file.empty()) {
    scan.policy.loadJson(readInputFile(policy_file, "--policy"),
                         policy_file == "-" ? "<stdin>" : policy_file);
  }
  for (const std::string& path : pin_files) {
    scan.policy.loadPinFile(readInputFile(path, "--pin-file"), path == "-" ? "<stdin>" : path);
  }
  scan.query.rd = !no_rd;
  scan.query.edns = !no_edns;
  scan.query.padding = !no_padding && !no_edns;
  scan.query.nsid = !no_nsid && !no_edns;
  scan.query.keepalive = !no_keepalive && !no_edns;
  if (!query_spec.empty()) scan.query = dns::parseQuerySpec(query_spec, scan.query);
  scan.dns_timeout = parseDuration(dns_timeout, "--dns-timeout");
  if (scan.dns_timeout == Duration::zero()) throw UsageError("--dns-timeout must be above zero");
  if (!checks.empty()) scan.checks.checks = checks::parseCheckList(checks);
  scan.checks.pipeline_queries = static_cast<int>(numbers.whole("--pipeline", 3, 2, 16));
  scan.checks.keepalive_wait = parseDuration(keepalive_wait, "--keepalive-wait");
  if (scan.checks.keepalive_wait == Duration::zero()) {
    throw UsageError("--keepalive-wait must be above zero");
  }
  scan.checks.query = scan.query;
  applyTiming(timing, numbers, scan);
  if (!scan.sni.empty()) scan.sni = hostNameOption(scan.sni, "--sni");
  if (!scan.sni.empty() && scan.sni_address) {
    throw UsageError("--sni and --sni-address exclude each other");
  }
  scan.discovery.cooldown = parseDuration(cooldown, "--cooldown");
  if (!source_ip.empty()) {
    scan.discovery.source = Address::parse(source_ip);
    if (!scan.discovery.source) {
      throw UsageError("--source-ip: " + quoteInput(source_ip) + " is not an IP address");
    }
  }
  if (!gateway_mac.empty()) {
    scan.discovery.gateway_mac = syn::parseMac(gateway_mac);
    if (!scan.discovery.gateway_mac) {
      throw UsageError("--gateway-mac: " + quoteInput(gateway_mac) +
                       " is not a MAC address (like 02:00:5e:10:00:01)");
    }
  }
  if (!scan.discovery.syn) {
    for (const auto& [given, name] :
         {std::pair{!scan.discovery.interface.empty(), "--interface"},
          std::pair{!gateway_mac.empty(), "--gateway-mac"},
          std::pair{!source_ip.empty(), "--source-ip"},
          std::pair{scan.discovery.write_silent, "--write-silent"},
          std::pair{numbers.given("--sender-threads").has_value(), "--sender-threads"}}) {
      if (given) throw UsageError(std::string(name) + " goes with -sS (SYN discovery)");
    }
  }
  if (only_v4) config.expand.family = Family::V4;
  if (only_v6) config.expand.family = Family::V6;
  config.expand.resolve = !no_resolve;
  if (!no_default_exclude) {
    config.expand.builtin_excludes.emplace_back("default exclusions",
                                                targets::defaultExcludeList());
  }
  if (exclude_reserved) {
    config.expand.builtin_excludes.emplace_back("reserved exclusions",
                                                targets::reservedExcludeList());
  }

  for (const std::string& spec : positional) config.targets.arguments.push_back({spec, {}, {}, {}});
  for (const std::string& path : input_lists) {
    // Parsed during expansion, which reads every line before it resolves any name.
    config.targets.files.emplace_back(path == "-" ? "<stdin>" : path, readInputFile(path, "-iL"));
  }
  for (const std::string& list : exclude_lists) {
    config.excludes.arguments.push_back({list, {}, {}, "--exclude"});
  }
  for (const std::string& path : exclude_files) {
    std::string text = readInputFile(path, "--excludefile");
    config.excludes.files.emplace_back(path == "-" ? "<stdin>" : path, std::move(text));
  }
  scan.output.files = outputFiles(output_paths, output_all);
  checkOutputsDistinct(config);
  if (config.targets.arguments.empty() && config.targets.files.empty()) {
    throw UsageError("no targets given: name them as arguments or with -iL FILE (see --help)");
  }
  return config;
}

}  // namespace dotscan::cli
