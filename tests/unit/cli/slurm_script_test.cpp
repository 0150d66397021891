#include "dotscan/cli/slurm_script.hpp"

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dotscan/targets/spec.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::cli {
namespace {

std::optional<ScanConfig> parse(std::vector<std::string> words) {
  words.insert(words.begin(), "dotscan");
  std::vector<const char*> argv;
  for (auto& w : words) argv.push_back(w.c_str());
  std::ostringstream out;
  return parseCommandLine(static_cast<int>(argv.size()), argv.data(), out);
}

std::string errorOf(std::vector<std::string> words) {
  try {
    parse(std::move(words));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// A resolver that answers from a table, never from the network.
class TableResolver final : public targets::Resolver {
 public:
  explicit TableResolver(std::map<std::string, std::vector<std::string>> table)
      : table_(std::move(table)) {}
  [[nodiscard]] targets::Resolution resolve(const std::string& name,
                                            std::optional<Family> family) const override {
    targets::Resolution resolution;
    const auto found = table_.find(name);
    if (found == table_.end()) {
      resolution.error = "no such name";
      return resolution;
    }
    for (const std::string& text : found->second) {
      const auto address = Address::parse(text);
      if (address && (!family || address->family() == *family)) {
        resolution.addresses.push_back(*address);
      }
    }
    if (resolution.addresses.empty()) resolution.error = "no address of that family";
    return resolution;
  }

 private:
  std::map<std::string, std::vector<std::string>> table_;
};

// The word back from a POSIX shell, for every kind of byte a scan option may hold.
std::string throughShell(const std::string& word) {
  const std::string command = "printf '%s' " + shellQuote(word);
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string got;
  char buffer[256];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) got.append(buffer, n);
  ::pclose(pipe);
  return got;
}

TEST(SlurmScript, ShellQuoteSurvivesTheShell) {
  EXPECT_EQ(shellQuote("--ports=853"), "--ports=853");
  EXPECT_EQ(shellQuote(""), "''");
  EXPECT_EQ(shellQuote("a b"), "'a b'");
  EXPECT_EQ(shellQuote("it's"), "'it'\\''s'");
  for (const std::string word :
       {"a b", "it's", "\"double\"", "$HOME", "`id`", "a\nb", "*", "--x='y z'", "\\", "!x", "~",
        "'", "''", "a;b|c&d", "--policy=my policy's file.json"}) {
    EXPECT_EQ(throughShell(word), word);
  }
}

TEST(SlurmScript, PortListsAreRanges) {
  EXPECT_EQ(formatPortList(targets::PortList{853}), "853");
  EXPECT_EQ(formatPortList(targets::PortList{853, 443}), "443,853");
  EXPECT_EQ(formatPortList(targets::PortList{1, 2, 3, 853, 8853, 8854}), "1-3,853,8853-8854");
  EXPECT_EQ(formatPortList(targets::parsePortList("-")), "1-65535");
}

TEST(SlurmScript, NamesBecomeAddressLinesAndKeepTheirName) {
  const TableResolver resolver(
      {{"dns.example", {"192.0.2.7", "2001:db8::7"}}, {"other.example", {"192.0.2.8"}}});
  targets::InputSources inputs;
  inputs.arguments.push_back({"192.0.2.0/30,dns.example", {}, {}, {}});
  inputs.files.emplace_back("hosts.txt",
                            "# comment\n"
                            "198.51.100.1 443,853 auth.example\n"
                            "other.example 853\n"
                            "dns.example auth.example\n"
                            "missing.example\n");
  const Snapshot snapshot = snapshotTargets(inputs, targets::ExpandOptions{}, resolver);
  EXPECT_EQ(snapshot.text,
            "192.0.2.0/30\n"
            "192.0.2.7 dns.example\n"
            "2001:db8::7 dns.example\n"
            "198.51.100.1 443,853 auth.example\n"
            "192.0.2.8 853 other.example\n"
            "192.0.2.7 auth.example\n"
            "2001:db8::7 auth.example\n"
            "# missing.example: cannot resolve\n");
  ASSERT_EQ(snapshot.warnings.size(), 1U);
  EXPECT_EQ(snapshot.warnings[0], "cannot resolve 'missing.example': no such name");

  // -4: only A records, as a scan would resolve.
  targets::ExpandOptions v4;
  v4.family = Family::V4;
  const Snapshot only_v4 = snapshotTargets(inputs, v4, resolver);
  EXPECT_EQ(only_v4.text.find("2001:db8::7"), std::string::npos);
}

// The file is a faithful copy: it expands to the very target set the original inputs give.
TEST(SlurmScript, SnapshotExpandsToTheSameTargets) {
  const TableResolver resolver({{"dns.example", {"192.0.2.1", "192.0.2.9"}}});
  targets::InputSources inputs;
  inputs.arguments.push_back({"192.0.2.0/29", {}, {}, {}});
  inputs.arguments.push_back({"dns.example", {}, {}, {}});
  inputs.files.emplace_back("f", "192.0.2.100-110 443\ndns.example 8853 x.example\n");
  targets::InputSources excludes;
  excludes.arguments.push_back({"192.0.2.3,dns.example", {}, {}, "--exclude"});
  targets::ExpandOptions options;
  options.ports = {853, 443};
  targets::ExpandReport report;
  const auto expected = targets::expandTargets(inputs, excludes, options, resolver, report);

  targets::InputSources copied;
  copied.files.emplace_back("targets.txt", snapshotTargets(inputs, options, resolver).text);
  targets::InputSources copied_excludes;
  copied_excludes.files.emplace_back("excludes.txt",
                                     snapshotExclusions(excludes, options, resolver).text);
  const TableResolver nothing({});  // the copies need no resolver
  const auto got = targets::expandTargets(copied, copied_excludes, options, nothing, report);
  ASSERT_EQ(got.size(), expected.size());
  for (u128 i = 0; i < got.size(); ++i) {
    const targets::Target a = got.at(i);
    const targets::Target b = expected.at(i);
    EXPECT_EQ(a.address, b.address);
    EXPECT_EQ(a.port, b.port);
    EXPECT_EQ(a.name, b.name);
  }
}

TEST(SlurmScript, BadSpecNamesWhereItWasWritten) {
  const TableResolver resolver({});
  targets::InputSources inputs;
  inputs.files.emplace_back("hosts.txt", "192.0.2.1\n10.0.0.1/33\n");
  try {
    (void)snapshotTargets(inputs, targets::ExpandOptions{}, resolver);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("hosts.txt:2: ", 0), 0U) << e.what();
  }
}

TEST(SlurmScript, TaskArgumentsKeepTheScanOptions) {
  const auto config =
      parse({"--slurm-script", "4", "-p", "443,853", "-T4", "-vv", "--ca-file", "my ca's.pem",
             "--seed", "7", "-iL", "/dev/null", "192.0.2.0/24", "--pin",
             "tvwjdVUFb6EnUMwgbhHZ66eZ0C/wNlMGHUrnL+QAobI=", "--exclude", "192.0.2.1"});
  ASSERT_TRUE(config);
  EXPECT_EQ(config->slurm.tasks, 4U);
  EXPECT_EQ(config->slurm.directory, ".");
  EXPECT_EQ(config->seed, 7U);
  const std::vector<std::string> expected = {"--ports=443,853",
                                             "--verbose",
                                             "--verbose",
                                             "--timing=4",
                                             "--ca-file=my ca's.pem",
                                             "--pin=tvwjdVUFb6EnUMwgbhHZ66eZ0C/wNlMGHUrnL+QAobI="};
  std::vector<std::string> got = config->slurm.arguments;
  std::sort(got.begin(), got.end());
  std::vector<std::string> sorted = expected;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(got, sorted);

  // Flags, short-only names and values that start with a dash keep their meaning.
  const auto flags = parse({"--slurm-script", "2", "-4", "--no-dns", "-q", "-p-", "192.0.2.1"});
  ASSERT_TRUE(flags);
  got = flags->slurm.arguments;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"--no-dns", "--ports=-", "--quiet", "-4"}));
  const auto reparsed = parse({"-4", "--no-dns", "--ports=-", "--quiet", "192.0.2.1"});
  ASSERT_TRUE(reparsed);
  EXPECT_EQ(reparsed->expand.ports.count(), 65535U);
  EXPECT_FALSE(reparsed->scan.dns);
}

TEST(SlurmScript, RefusesWhatATaskCannotUse) {
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--shards", "2"},
                                                {"--shard", "0"},
                                                {"-oJ", "x.jsonl"},
                                                {"-oX", "x.xml"},
                                                {"-oA", "x"},
                                                {"--metadata", "m.json"},
                                                {"-sL"},
                                                {"--max-targets", "9"},
                                                {"--pcap", "x.pcap"},
                                                {"--policy", "-"}}) {
    std::vector<std::string> words = {"--slurm-script", "2", "192.0.2.0/24"};
    words.insert(words.end(), extra.begin(), extra.end());
    const std::string error = errorOf(words);
    EXPECT_EQ(error.rfind("--slurm-script: ", 0), 0U) << extra[0] << ": " << error;
    EXPECT_NE(error.find("cannot"), std::string::npos) << error;
  }
  EXPECT_EQ(errorOf({"--slurm-script", "0", "192.0.2.1"}),
            "--slurm-script: '0' is not a whole number from 1 to 4000000");
  EXPECT_EQ(errorOf({"--slurm-dir", "x", "192.0.2.1"}), "--slurm-dir goes with --slurm-script");
}

std::string runBash(const std::string& script, const std::map<std::string, std::string>& env,
                    int& status) {
  const std::string path = ::testing::TempDir() + "/dotscan-slurm-job.sh";
  std::ofstream(path) << script;
  std::string command;
  for (const auto& [key, value] : env) command += key + "=" + shellQuote(value) + " ";
  command += "bash " + path + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string got;
  char buffer[256];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) got.append(buffer, n);
  status = ::pclose(pipe);
  return got;
}

// The script's decision for each state of a shard file, with a stand-in for dotscan that prints
// its arguments.
TEST(SlurmScript, ScriptDecidesPerShardFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "dotscan slurm 'dir'";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string fake = (dir / "fake-dotscan").string();
  std::ofstream(fake) << "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done; echo\n";
  fs::permissions(fake, fs::perms::owner_all);
  SlurmJob job;
  job.tasks = 3;
  job.seed = 42;
  job.dotscan = fake;
  job.directory = dir.string();
  job.workdir = dir.string();
  job.arguments = {"--ca-file=a b's.pem", "--rate=10"};
  const std::string script = slurmScript(job);
  EXPECT_NE(script.find("#SBATCH --array=0-2\n"), std::string::npos);
  const std::string out = (dir / "shard-1.jsonl").string();
  int status = 0;

  // Absent: a fresh scan of shard 1 with every option intact.
  std::string got = runBash(script, {{"SLURM_ARRAY_TASK_ID", "1"}}, status);
  EXPECT_EQ(got, "[--ca-file=a b's.pem][--rate=10][--input-list=" + dir.string() +
                     "/targets.txt][--seed=42][--shards=3][--shard=1][--output-json=" + out +
                     "]\n");
  const std::string meta_head = R"({"record":"metadata","error":null,"seed":42,"shard_count":3,)";
  // Complete: nothing to do.
  std::ofstream(out) << "{\"record\":\"result\"}\n"
                     << meta_head << R"("shard_index":1,"interrupted":false})"
                     << "\n";
  got = runBash(script, {{"SLURM_ARRAY_TASK_ID", "1"}}, status);
  EXPECT_NE(got.find("complete"), std::string::npos) << got;
  EXPECT_EQ(status, 0);
  // Interrupted: --resume.
  std::ofstream(out) << meta_head << R"("shard_index":1,"interrupted":true})"
                     << "\n";
  got = runBash(script, {{"SLURM_ARRAY_TASK_ID", "1"}}, status);
  EXPECT_NE(got.find("[--resume][" + out + "]"), std::string::npos) << got;
  // Another scan's file: refused, left alone.
  std::ofstream(out) << R"({"record":"metadata","error":null,"seed":43,"shard_count":3,)"
                     << R"("shard_index":1,"interrupted":false})"
                     << "\n";
  got = runBash(script, {{"SLURM_ARRAY_TASK_ID", "1"}}, status);
  EXPECT_NE(got.find("another scan"), std::string::npos) << got;
  EXPECT_NE(WEXITSTATUS(status), 0);
  // Cut short inside its metadata record: kept aside, scanned afresh.
  std::ofstream(out) << meta_head << R"("shard_index":1,"interrupted":false})";
  got = runBash(script, {{"SLURM_ARRAY_TASK_ID", "1"}}, status);
  EXPECT_NE(got.find("[--shard=1][--output-json=" + out + "]"), std::string::npos) << got;
  EXPECT_TRUE(fs::exists(out + ".incomplete"));
  // Not an array task, or not one of this job.
  got = runBash(script, {}, status);
  EXPECT_NE(WEXITSTATUS(status), 0);
  got = runBash(script, {{"SLURM_ARRAY_TASK_ID", "3"}}, status);
  EXPECT_NE(got.find("not a shard of this job"), std::string::npos) << got;
  // DOTSCAN= at submission picks another binary.
  got = runBash(script, {{"SLURM_ARRAY_TASK_ID", "0"}, {"DOTSCAN", "echo"}}, status);
  EXPECT_EQ(got.rfind("--ca-file=a b's.pem --rate=10", 0), 0U) << got;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dotscan::cli
