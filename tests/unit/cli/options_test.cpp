#include "dotscan/cli/options.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dotscan/cli/help.hpp"
#include "dotscan/cli/subcommands.hpp"
#include "dotscan/dns/message.hpp"
#include "dotscan/syn/scanner.hpp"
#include "dotscan/tls/client.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {
namespace {

std::optional<ScanConfig> parse(std::vector<std::string> words, std::ostream& out) {
  words.insert(words.begin(), "dotscan");
  std::vector<const char*> argv;
  for (auto& w : words) argv.push_back(w.c_str());
  return parseCommandLine(static_cast<int>(argv.size()), argv.data(), out);
}

ScanConfig parseOk(std::vector<std::string> words) {
  std::ostringstream out;
  auto config = parse(std::move(words), out);
  EXPECT_TRUE(config);
  return config ? *config : ScanConfig{};
}

std::string errorOf(std::vector<std::string> words) {
  std::ostringstream out;
  try {
    parse(std::move(words), out);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// Issue 11: -v counts (-vv is two), --stats-every takes a time above zero.
TEST(Options, VerbosityAndStatsEvery) {
  EXPECT_EQ(parseOk({"10.0.0.1"}).scan.output.verbosity, 0);
  EXPECT_EQ(parseOk({"-v", "10.0.0.1"}).scan.output.verbosity, 1);
  EXPECT_EQ(parseOk({"-vv", "10.0.0.1"}).scan.output.verbosity, 2);
  EXPECT_EQ(parseOk({"-v", "--verbose", "10.0.0.1"}).scan.output.verbosity, 2);
  EXPECT_FALSE(parseOk({"10.0.0.1"}).stats_every);
  EXPECT_EQ(parseOk({"--stats-every", "200ms", "10.0.0.1"}).stats_every,
            std::chrono::milliseconds(200));
  EXPECT_EQ(errorOf({"--stats-every", "0", "10.0.0.1"}), "--stats-every must be above zero");
  EXPECT_NE(errorOf({"--stats-every", "soon", "10.0.0.1"}).find("--stats-every"),
            std::string::npos);
}

// Issue 15 item 5: the timing templates, and explicit options over them.
TEST(Options, TimingTemplates) {
  const ScanConfig normal = parseOk({"10.0.0.1"});
  const ScanConfig t3 = parseOk({"-T3", "10.0.0.1"});
  EXPECT_EQ(normal.scan.timing, "normal");
  EXPECT_EQ(t3.scan.engine.probe.connect_timeout, normal.scan.engine.probe.connect_timeout);
  EXPECT_EQ(t3.scan.engine.probe.tls_timeout, std::chrono::seconds(5));
  EXPECT_EQ(t3.scan.dns_timeout, std::chrono::seconds(5));
  EXPECT_EQ(t3.scan.engine.probe.retries, 1);
  EXPECT_FALSE(t3.scan.max_parallel);
  EXPECT_EQ(t3.scan.engine.rate, 0);
  EXPECT_FALSE(t3.scan.engine.probe.adaptive.enabled);

  const ScanConfig t4 = parseOk({"-T4", "10.0.0.1"});
  EXPECT_EQ(t4.scan.timing, "aggressive");
  EXPECT_TRUE(t4.scan.engine.probe.adaptive.enabled);
  EXPECT_EQ(t4.scan.engine.probe.adaptive.min, std::chrono::seconds(1));
  EXPECT_EQ(t4.scan.engine.probe.adaptive.max, std::chrono::milliseconds(1500));
  EXPECT_EQ(t4.scan.engine.probe.tls_timeout, std::chrono::milliseconds(1500));

  const ScanConfig t0 = parseOk({"-T", "Paranoid", "10.0.0.1"});
  EXPECT_EQ(t0.scan.max_parallel, 1U);
  EXPECT_DOUBLE_EQ(t0.scan.engine.rate, 1.0 / 300);
  EXPECT_EQ(parseOk({"--timing", "insane", "10.0.0.1"}).scan.engine.probe.retries, 0);
}

TEST(Options, ExplicitOptionsWinOverTheTemplate) {
  const ScanConfig c =
      parseOk({"-T4", "--tls-timeout", "7s", "--retries", "3", "--rate", "10", "--max-parallel",
               "9", "--min-rtt-timeout", "2s", "--max-rtt-timeout", "3s", "10.0.0.1"});
  const probe::ProbeSettings& probe = c.scan.engine.probe;
  EXPECT_EQ(probe.tls_timeout, std::chrono::seconds(7));
  EXPECT_TRUE(probe.adaptive.fixed[static_cast<std::size_t>(probe::RttKind::Handshake)]);
  EXPECT_FALSE(probe.adaptive.fixed[static_cast<std::size_t>(probe::RttKind::Connect)]);
  EXPECT_EQ(probe.retries, 3);
  EXPECT_EQ(c.scan.engine.rate, 10);
  EXPECT_EQ(c.scan.max_parallel, 9U);
  EXPECT_EQ(probe.adaptive.min, std::chrono::seconds(2));
  EXPECT_EQ(probe.adaptive.max, std::chrono::seconds(3));
  // A bound alone asks for derived timeouts with the default template.
  const ScanConfig bounded = parseOk({"--max-rtt-timeout", "4s", "10.0.0.1"});
  EXPECT_TRUE(bounded.scan.engine.probe.adaptive.enabled);
  EXPECT_EQ(bounded.scan.engine.probe.adaptive.min, std::chrono::milliseconds(100));
}

TEST(Options, BadTimingIsRefused) {
  EXPECT_EQ(errorOf({"-T6", "10.0.0.1"}),
            "-T: unknown timing template '6' (0 to 5, or paranoid, sneaky, polite, normal, "
            "aggressive, insane)");
  EXPECT_EQ(errorOf({"-T4", "--min-rtt-timeout", "2s", "10.0.0.1"}),
            "--min-rtt-timeout is above --max-rtt-timeout (with -T4, 2000 ms and 1500 ms)");
  EXPECT_EQ(errorOf({"--min-rtt-timeout", "0", "10.0.0.1"}),
            "--min-rtt-timeout and --max-rtt-timeout must be above zero");
  EXPECT_NE(errorOf({"--max-rtt-timeout", "-1s", "10.0.0.1"}), "");
}

TEST(Options, NmapStyleSpellings) {
  const char* argv[] = {"dotscan", "-iL", "f", "-sL", "-p-", "-p", "853"};
  EXPECT_EQ(
      rewriteNmapStyle(7, argv),
      (std::vector<std::string>{"--input-list", "f", "--list-targets", "--ports=-", "-p", "853"}));
}

TEST(Options, Defaults) {
  auto c = parseOk({"10.0.0.1"});
  EXPECT_EQ(c.expand.ports, targets::PortList{853});
  EXPECT_TRUE(c.expand.resolve);
  EXPECT_FALSE(c.seed);
  EXPECT_EQ(c.shard.count, 1U);
  EXPECT_EQ(c.expand.builtin_excludes.size(), 1U);  // the default list, on by default
  EXPECT_FALSE(c.list_targets);
}

TEST(Options, TargetOptions) {
  auto c = parseOk({"-sL", "-p", "443,853", "--seed", "0x10", "--shards", "4", "--shard", "3",
                    "--max-targets", "100", "--exclude", "10.0.0.1,10.0.0.2", "-4", "-n",
                    "--no-default-exclude", "--exclude-reserved", "10.0.0.0/24"});
  EXPECT_TRUE(c.list_targets);
  EXPECT_EQ(c.expand.ports, (targets::PortList{443, 853}));
  EXPECT_EQ(*c.seed, 16U);
  EXPECT_EQ(c.shard.count, 4U);
  EXPECT_EQ(c.shard.index, 3U);
  EXPECT_EQ(*c.max_targets, 100U);
  ASSERT_EQ(c.excludes.arguments.size(), 1U);
  EXPECT_EQ(c.excludes.arguments[0].specs, "10.0.0.1,10.0.0.2");
  EXPECT_EQ(c.expand.family, Family::V4);
  EXPECT_FALSE(c.expand.resolve);
  ASSERT_EQ(c.expand.builtin_excludes.size(), 1U);
  EXPECT_EQ(c.expand.builtin_excludes[0].first, "reserved exclusions");
}

TEST(Options, InputListFile) {
  const std::string path = ::testing::TempDir() + "dotscan_options_test_targets.txt";
  std::ofstream(path) << "192.0.2.1 853 dns.example\n# comment\n192.0.2.2\n";
  auto c = parseOk({"-iL", path, "10.0.0.1"});
  ASSERT_EQ(c.targets.arguments.size(), 1U);
  EXPECT_EQ(c.targets.arguments[0].specs, "10.0.0.1");
  ASSERT_EQ(c.targets.files.size(), 1U);
  EXPECT_EQ(c.targets.files[0].first, path);
  auto lines = targets::parseTargetFile(c.targets.files[0].second, path);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].name, "dns.example");
  EXPECT_EQ(lines[1].origin, path + ":3");
}

TEST(Options, ErrorsAreOneLineNamingTheInput) {
  EXPECT_EQ(errorOf({}), "no targets given: name them as arguments or with -iL FILE (see --help)");
  EXPECT_EQ(errorOf({"-p", "70000", "10.0.0.1"}),
            "invalid port list '70000': '70000' is not a port number from 1 to 65535");
  EXPECT_EQ(errorOf({"-iL", "/nonexistent/targets.txt"}),
            "-iL: cannot read '/nonexistent/targets.txt': No such file or directory");
  EXPECT_EQ(errorOf({"--excludefile", "/nonexistent/x", "10.0.0.1"}),
            "--excludefile: cannot read '/nonexistent/x': No such file or directory");
  EXPECT_EQ(errorOf({"--shards", "2", "--shard", "2", "10.0.0.1"}),
            "--shard 2 is out of range: with --shards 2 it is 0 to 1");
  EXPECT_EQ(errorOf({"--shards", "0", "10.0.0.1"}), "--shards must be at least 1");
  EXPECT_EQ(errorOf({"--seed", "-1", "10.0.0.1"}), "--seed: '-1' is not a non-negative integer");
  EXPECT_EQ(errorOf({"--max-targets", "lots", "10.0.0.1"}),
            "--max-targets: 'lots' is not a non-negative integer");
  EXPECT_NE(errorOf({"-4", "-6", "10.0.0.1"}).find("excludes"), std::string::npos);
  EXPECT_NE(errorOf({"--bogus", "10.0.0.1"}).find("--bogus"), std::string::npos);
}

// Every numeric option refuses NaN, infinity, a sign, blanks, an empty value and overflow with one
// line that names it; before, "--rate nan" ran unthrottled and "--shards -1" meant 2^64 - 1.
TEST(Options, EveryNumericOptionRefusesNonNumbers) {
  for (const std::string option :
       {"--resolve-parallel", "--seed", "--shards", "--shard", "--max-targets", "--max-parallel",
        "--rate", "--threads", "--retries", "--dns-max-size", "--warn-days", "--crit-days",
        "--connect-timeout", "--tls-timeout", "--host-timeout", "--dns-timeout"}) {
    for (const std::string value :
         {"nan", "NaN", "inf", "-inf", "infinity", "-1", "+1", "1e400", "-0",
          "99999999999999999999999999999999999999999", " 5", "5 ", "", "0x", "1,5", "five"}) {
      const std::string error = errorOf({option, value, "10.0.0.1"});
      EXPECT_EQ(error.rfind(option + ": '" + value + "' is not a", 0), 0U)
          << option << " " << value << ": [" << error << "]";
    }
  }
}

TEST(Options, NumericOptionsInRange) {
  auto c = parseOk({"--rate",
                    "2.5",
                    "--threads",
                    "256",
                    "--retries",
                    "0",
                    "--dns-max-size",
                    "12",
                    "--warn-days",
                    "36500",
                    "--crit-days",
                    "0",
                    "--resolve-parallel",
                    "1024",
                    "--max-parallel",
                    "0x10",
                    "--shards",
                    "3",
                    "--shard",
                    "2",
                    "10.0.0.1"});
  EXPECT_EQ(c.scan.engine.rate, 2.5);
  EXPECT_EQ(c.scan.engine.threads, 256U);
  EXPECT_EQ(c.scan.engine.probe.retries, 0);
  EXPECT_EQ(c.scan.dns_max_size, 12U);
  EXPECT_EQ(c.scan.audit.warn_days, 36500);
  EXPECT_EQ(c.scan.audit.crit_days, 0);
  EXPECT_EQ(c.expand.resolve_parallelism, 1024U);
  EXPECT_EQ(*c.scan.max_parallel, 16U);
  EXPECT_EQ(c.scan.engine.probe.connect_timeout, std::chrono::seconds(3));
  EXPECT_EQ(errorOf({"--threads", "257", "10.0.0.1"}),
            "--threads: '257' is not a whole number from 1 to 256");
  EXPECT_EQ(errorOf({"--rate", "1e8", "10.0.0.1"}),
            "--rate: '1e8' is not a number of connections a second from 0 to 10000000");
  EXPECT_EQ(errorOf({"--connect-timeout", "1e-3s", "10.0.0.1"}), "");
  EXPECT_EQ(parseOk({"--connect-timeout", "1.5e3ms", "10.0.0.1"}).scan.engine.probe.connect_timeout,
            std::chrono::milliseconds(1500));
}

TEST(Options, ErrorsQuoteHugeInputInPart) {
  // Every echo of a 70,000-byte value is cut to kMaxQuotedInput bytes and the length.
  const std::string huge(70000, 'x');
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"--sni", huge, "10.0.0.1"},
                                             {"--seed", huge, "10.0.0.1"},
                                             {"--connect-timeout", huge, "10.0.0.1"},
                                             {"--pin", huge, "10.0.0.1"},
                                             {"--tls-min", huge, "10.0.0.1"},
                                             {"-iL", "/nonexistent/" + huge},
                                             {"--threads", huge, "10.0.0.1"},
                                             {"--" + huge, "10.0.0.1"}}) {
    const std::string error = errorOf(words);
    EXPECT_LT(error.size(), 2 * kMaxQuotedInput) << words[0] << ": " << error.substr(0, 1000);
    EXPECT_NE(error.find(" bytes)"), std::string::npos) << words[0] << ": " << error;
  }
}

// A hashed CA directory must exist, as a --ca-file must: OpenSSL would not notice a missing one.
TEST(Options, CaDirMustBeADirectory) {
  EXPECT_EQ(errorOf({"--ca-dir", "/nonexistent/certs", "10.0.0.1"}),
            "--ca-dir: cannot use '/nonexistent/certs': No such file or directory");
  const std::string file = ::testing::TempDir() + "dotscan_options_test_ca.pem";
  std::ofstream(file) << "not a directory\n";
  EXPECT_EQ(errorOf({"--ca-dir", file, "10.0.0.1"}), "--ca-dir: '" + file + "' is not a directory");
  EXPECT_EQ(parseOk({"--ca-dir", ::testing::TempDir(), "10.0.0.1"}).scan.tls.ca_dir,
            ::testing::TempDir());
}

TEST(Options, AlpnRefusesEmptyItems) {
  EXPECT_EQ(parseOk({"--alpn", "", "10.0.0.1"}).scan.tls.alpn, std::vector<std::string>{});
  EXPECT_EQ(parseOk({"--alpn", "dot,h2", "10.0.0.1"}).scan.tls.alpn,
            (std::vector<std::string>{"dot", "h2"}));
  for (const std::string list : {",,", ",", "dot,", ",dot", "dot,,h2"}) {
    EXPECT_EQ(errorOf({"--alpn", list, "10.0.0.1"}),
              "--alpn: '" + list + "' has an empty item ('' offers no ALPN)");
  }
  EXPECT_EQ(errorOf({"--alpn", "dot," + std::string(256, 'a'), "10.0.0.1"}),
            "--alpn: '" + std::string(256, 'a') + "' is longer than 255 bytes");
}

TEST(Options, CritDaysMustNotExceedWarnDays) {
  EXPECT_EQ(errorOf({"--crit-days", "40", "10.0.0.1"}),
            "--crit-days 40 is above --warn-days 30 (the default)");
  EXPECT_EQ(errorOf({"--warn-days", "5", "10.0.0.1"}),
            "--crit-days 7 (the default) is above --warn-days 5");
  EXPECT_EQ(errorOf({"--warn-days", "5", "--crit-days", "6", "10.0.0.1"}),
            "--crit-days 6 is above --warn-days 5");
  auto c = parseOk({"--warn-days", "5", "--crit-days", "5", "10.0.0.1"});
  EXPECT_EQ(c.scan.audit.crit_days, 5);
}

// --sni is refused where --auth-name is: control characters, blanks, an empty label.
TEST(Options, SniIsAHostNameAsAuthNameIs) {
  for (const std::string name : {"dot\x1b[31m.test", "dot\ntest", "a b", "a..b", "-a.test"}) {
    EXPECT_EQ(errorOf({"--sni", name, "10.0.0.1"}), "--sni: '" + name + "' is not a host name");
    EXPECT_EQ(errorOf({"--auth-name", name, "10.0.0.1"}),
              "--auth-name: '" + name + "' is not a host name");
  }
  EXPECT_EQ(parseOk({"--sni", "Dot.Test.", "10.0.0.1"}).scan.sni, "dot.test");
}

// Two outputs naming one file, however spelled, are refused: they would overwrite each other.
TEST(Options, TwoOutputsCannotShareAFile) {
  const std::string dir = ::testing::TempDir() + "dotscan_options_outputs";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directory(dir);
  const std::string file = dir + "/out.jsonl";  // not there yet
  EXPECT_EQ(errorOf({"-oJ", file, "--metadata", file, "10.0.0.1"}),
            "-oJ '" + file + "' and --metadata '" + file +
                "' are the same file: give each output its own file");
  EXPECT_NE(errorOf({"-oJ", file, "--metadata", dir + "/./out.jsonl", "10.0.0.1"}), "");
  std::ofstream(file) << "";
  std::filesystem::create_hard_link(file, dir + "/hard.jsonl");
  std::filesystem::create_symlink(file, dir + "/soft.jsonl");
  EXPECT_NE(errorOf({"-oJ", dir + "/hard.jsonl", "--metadata", file, "10.0.0.1"}), "");
  EXPECT_NE(errorOf({"-oJ", file, "--metadata", dir + "/soft.jsonl", "10.0.0.1"}), "");
  EXPECT_EQ(errorOf({"-oJ", "-", "--metadata", "-", "10.0.0.1"}),
            "-oJ '-' and --metadata '-' are the same output (standard output): give each output "
            "its own file");
  // Without -oJ -, the listing is on standard output.
  EXPECT_EQ(errorOf({"-oJ", file, "--metadata", "-", "10.0.0.1"}),
            "--metadata '-' and the listing are the same output (standard output): give each "
            "output its own file");
  // Distinct files, and /dev/null twice (a character device loses nothing), are fine.
  EXPECT_EQ(errorOf({"-oJ", file, "--metadata", dir + "/meta.json", "10.0.0.1"}), "");
  EXPECT_EQ(errorOf({"-oJ", "-", "--metadata", dir + "/meta.json", "10.0.0.1"}), "");
  EXPECT_EQ(errorOf({"-oJ", "/dev/null", "--metadata", "/dev/null", "10.0.0.1"}), "");
  std::filesystem::remove_all(dir);
}

// The nmap formats: -oN, -oX, -oG, -oA BASE (four files), -oC or --csv; every pair of them, and
// the files of -oA, must be distinct too.
TEST(Options, NmapOutputFormats) {
  const std::string dir = ::testing::TempDir() + "dotscan_options_formats";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directory(dir);
  const ScanConfig config =
      parseOk({"-oN", dir + "/a.nmap", "-oX", dir + "/a.xml", "-oG", dir + "/a.gnmap", "--csv",
               dir + "/a.csv", "-oA", dir + "/all", "--open", "10.0.0.1"});
  std::vector<std::string> files;
  for (const Output& output : config.scan.output.files) {
    files.push_back(output.option + " " + output.path.substr(dir.size() + 1));
  }
  EXPECT_EQ(files, (std::vector<std::string>{"-oN a.nmap", "-oX a.xml", "-oG a.gnmap", "-oC a.csv",
                                             "-oA all.nmap", "-oA all.xml", "-oA all.gnmap",
                                             "-oA all.jsonl"}));
  EXPECT_TRUE(config.scan.output.open_only);
  EXPECT_TRUE(config.scan.output.listingOnStdout());
  EXPECT_EQ(parseOk({"-oC", dir + "/b.csv", "10.0.0.1"}).scan.output.files.at(0).format,
            Format::Csv);
  EXPECT_FALSE(parseOk({"-oX", "-", "10.0.0.1"}).scan.output.listingOnStdout());
  EXPECT_EQ(errorOf({"-oX", dir + "/all.xml", "-oA", dir + "/all", "10.0.0.1"}),
            "-oX '" + dir + "/all.xml' and -oA '" + dir +
                "/all.xml' are the same file: give each output its own file");
  EXPECT_EQ(errorOf({"-oG", dir + "/x", "--csv", dir + "/./x", "10.0.0.1"}),
            "-oG '" + dir + "/x' and -oC '" + dir +
                "/./x' are the same file: give each output its own file");
  EXPECT_EQ(errorOf({"-oX", "-", "-oN", "-", "10.0.0.1"}),
            "-oN '-' and -oX '-' are the same output (standard output): give each output its "
            "own file");
  EXPECT_EQ(errorOf({"-oA", "-", "10.0.0.1"}), "-oA needs a base name: it writes four files");
  std::filesystem::remove_all(dir);
}

std::string answer(std::vector<std::string> words) {
  std::ostringstream out;
  EXPECT_FALSE(parse(std::move(words), out));
  return out.str();
}

std::vector<std::string> linesOf(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Issue 11: --help in topics; every option (each name the completion offers) in exactly one of
// them; no line over 100 columns; none of CLI11's leftovers.
TEST(Help, EveryOptionInExactlyOneGroup) {
  const std::string help = answer({"--help"});
  const std::vector<std::string> groups = {
      "Targets:", "Discovery:", "Timing:", "TLS:", "DNS:", "Audit:", "Output:"};
  std::map<std::string, std::string> group_of;  // option name -> group heading
  std::string group;
  std::vector<std::string> seen_groups;
  for (const std::string& line : linesOf(help)) {
    if (std::find(groups.begin(), groups.end(), line) != groups.end()) {
      group = line;
      seen_groups.push_back(line);
    } else if (line.empty() || line.rfind("Examples:", 0) == 0) {
      if (line.rfind("Examples:", 0) == 0) group.clear();
    } else if (!group.empty() && line.rfind("  -", 0) == 0) {
      std::istringstream words(line);
      // "-oJ, --output-json FILE  Write...": names end with a comma, but the last one.
      for (std::string word; words >> word;) {
        const bool more = word.back() == ',';
        if (more) word.pop_back();
        EXPECT_EQ(group_of.count(word), 0U) << word << " in " << group << " and " << group_of[word];
        group_of[word] = group;
        if (!more) break;
      }
    }
  }
  EXPECT_EQ(seen_groups, groups);
  // The completion lists every option the parser knows (cli/help.hpp reads the same table).
  const std::string completion = answer({"--help-bash-completion"});
  const std::size_t start = completion.find("compgen -W '-");
  ASSERT_NE(start, std::string::npos);
  std::istringstream names(
      completion.substr(start + 12, completion.find('\'', start + 12) - start - 12));
  std::size_t count = 0;
  for (std::string name; names >> name; ++count) {
    EXPECT_EQ(group_of.count(name), 1U) << name << " is in no group of --help";
  }
  EXPECT_EQ(count, group_of.size());
  for (const char* name :
       {"-iL", "--syn", "-T", "--tls-min", "--query", "--fail-on", "-oX", "--help", "--version"}) {
    EXPECT_EQ(group_of.count(name), 1U) << name;
  }
  const std::map<std::string, std::string> samples = {
      {"--syn", "Discovery:"}, {"--rate", "Timing:"}, {"--ca-file", "TLS:"},
      {"--no-edns", "DNS:"},   {"--pin", "Audit:"},   {"-oJ", "Output:"}};
  for (const auto& [name, expected] : samples) EXPECT_EQ(group_of[name], expected) << name;
}

TEST(Help, LinesFitAndNoParserLeftovers) {
  const std::string help = answer({"--help"});
  for (const std::string& line : linesOf(help)) {
    EXPECT_LE(line.size(), kHelpColumns) << line;
    EXPECT_EQ(line.find_last_not_of(' ') + 1, line.size()) << "trailing blank: [" << line << "]";
  }
  for (const char* leftover : {"=[]", "Excludes:", "Needs:", "REQUIRED", "Positionals:", "Options:",
                               "--help-man", "--help-bash-completion"}) {
    EXPECT_EQ(help.find(leftover), std::string::npos) << leftover;
  }
  EXPECT_NE(help.find("Usage: dotscan [OPTIONS] [TARGETS...]"), std::string::npos);
  // Every command of the table (cli/subcommands.hpp), one line each.
  for (const Subcommand& command : subcommands()) {
    EXPECT_NE(help.find("\n  " + std::string(command.name) + " "), std::string::npos)
        << command.name;
  }
  EXPECT_NE(help.find("\nExamples:\n"), std::string::npos);
  // The exit codes, as README.md's table and util/error.hpp have them.
  const std::size_t codes = help.find("\nExit codes:\n");
  ASSERT_NE(codes, std::string::npos);
  for (const char* code : {"\n  0 ", "\n  1 ", "\n  2 ", "\n  3 ", "\n  130 "}) {
    EXPECT_NE(help.find(code, codes), std::string::npos) << code;
  }
  EXPECT_EQ(exitCodeHelp().size(), 5U);
}

TEST(Help, MisspeltOptionNamesTheNearest) {
  EXPECT_EQ(errorOf({"--rat", "5", "10.0.0.1"}), "unknown option --rat; did you mean --rate?");
  EXPECT_EQ(errorOf({"--rate=5", "--tls-mim", "1.2", "10.0.0.1"}),
            "unknown option --tls-mim; did you mean --tls-min?");
  EXPECT_EQ(errorOf({"--ouptut-xml", "x.xml", "10.0.0.1"}),
            "unknown option --ouptut-xml; did you mean --output-xml?");
  EXPECT_EQ(errorOf({"--exlude=10.0.0.1", "10.0.0.0/24"}),
            "unknown option --exlude; did you mean --exclude?");
  EXPECT_EQ(errorOf({"--no-dsn", "10.0.0.1"}), "unknown option --no-dsn; did you mean --no-dns?");
  EXPECT_EQ(errorOf({"--zzzzzzzz", "10.0.0.1"}), "unknown option --zzzzzzzz (see --help)");
  EXPECT_EQ(errorOf({"-x", "10.0.0.1"}), "unknown option -x (see --help)");
  EXPECT_EQ(nearestOption("--stats-evry", {"--stats-every", "--seed"}), "--stats-every");
  EXPECT_EQ(nearestOption("--sed", {"--stats-every", "--seed"}), "--seed");
  EXPECT_FALSE(nearestOption("--colour", {"--cooldown", "--open"}));
}

// The man page is the same table in roff; the build writes it with this option.
TEST(Help, ManPageHasEverySection) {
  const std::string man = answer({"--help-man"});
  for (const char* section : {".TH DOTSCAN 1", ".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION",
                              ".SH TARGETS", ".SH DISCOVERY", ".SH TIMING", ".SH TLS", ".SH DNS",
                              ".SH AUDIT", ".SH OUTPUT", ".SH \"EXIT STATUS\"", ".SH EXAMPLES",
                              ".SH \"SEE ALSO\"", "\\fB\\-\\-rate\\fR \\fIN\\fR"}) {
    EXPECT_NE(man.find(section), std::string::npos) << section;
  }
}

TEST(Options, HelpAndVersionAnswerAndStop) {
  std::ostringstream out;
  EXPECT_FALSE(parse({"--help"}, out));
  EXPECT_NE(out.str().find("--list-targets"), std::string::npos);
  std::ostringstream version;
  EXPECT_FALSE(parse({"--version"}, version));
  EXPECT_EQ(version.str().rfind("dotscan ", 0), 0U);
}

// dotscan's own version line, then one line per library in use, as each names itself at run time.
TEST(Options, VersionNamesTheLibrariesInUse) {
  std::ostringstream out;
  EXPECT_FALSE(parse({"--version"}, out));
  std::istringstream text(out.str());
  std::vector<std::string> lines;
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4U) << out.str();
  EXPECT_EQ(lines[0].rfind("dotscan ", 0), 0U) << lines[0];
  EXPECT_EQ(lines[1].rfind("OpenSSL ", 0), 0U) << lines[1];
  EXPECT_EQ(lines[2].rfind("ldns 1.", 0), 0U) << lines[2];
  EXPECT_EQ(lines[3].rfind("libpcap version ", 0), 0U) << lines[3];
  EXPECT_EQ(lines[1], tls::libraryVersion());
  EXPECT_EQ(lines[2], dns::libraryVersion());
  EXPECT_EQ(lines[3], syn::libraryVersion());
}

}  // namespace
}  // namespace dotscan::cli
