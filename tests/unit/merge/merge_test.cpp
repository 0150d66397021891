// dotscan merge's checks: the shards of one whole, finished scan, each complete, no target twice.
#include "dotscan/merge/merge.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "dotscan/merge/duplicates.hpp"
#include "dotscan/report/json_lines.hpp"
#include "dotscan/report/json_lines_reader.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::merge {
namespace {

std::chrono::system_clock::time_point at(int seconds) {
  return std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56) +
         std::chrono::seconds(seconds);
}

model::ProbeResult closed(std::uint32_t host, const std::string& name = "") {
  model::ProbeResult r;
  r.address = Address::fromV4(0xc0000200U + host);  // 192.0.2.host
  r.port = 853;
  r.name = name;
  r.started = at(1);
  r.ended = at(2);
  r.outcome = host % 2 == 0 ? model::Outcome::Closed : model::Outcome::Filtered;
  r.reason = "connection refused";
  r.attempts = 1;
  return r;
}

report::ScanMetadata shardMetadata(std::uint32_t index, std::uint32_t count,
                                   std::uint64_t planned) {
  report::ScanMetadata m;
  m.version = "0.1.0";
  m.arguments = {"--seed",        "7",
                 "--shards",      std::to_string(count),
                 "--shard",       std::to_string(index),
                 "--output-json", "shard-" + std::to_string(index) + ".jsonl",
                 "192.0.2.0/28"};
  m.seed = 7;
  m.shard_index = index;
  m.shard_count = count;
  m.targets_planned = std::to_string(planned);
  m.started = at(static_cast<int>(10 * index));
  m.ended = at(static_cast<int>(10 * index + 5));
  m.duration_s = 5;
  m.rtt.at(0) = {static_cast<double>(index + 1), 1, 10};
  return m;
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "dotscan_merge_test_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// A shard file: `hosts` as its results, then its metadata record (counted from them).
std::string shardFile(const std::string& name, std::uint32_t index, std::uint32_t count,
                      const std::vector<std::uint32_t>& hosts,
                      const std::function<void(report::ScanMetadata&)>& change = {}) {
  report::ScanMetadata m = shardMetadata(index, count, hosts.size());
  std::string text;
  for (const std::uint32_t host : hosts) {
    const model::ProbeResult r = closed(host);
    text += report::resultToJson(r) + "\n";
    ++m.counts.at(static_cast<std::size_t>(r.outcome));
    ++m.targets_scanned;
  }
  if (change) change(m);
  return write(name, text + report::metadataToJson(m) + "\n");
}

MergeSettings settings() {
  MergeSettings s;
  s.scan_arguments = [](const std::vector<std::string>& arguments) {
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
      if (arguments[i] == "--shard" || arguments[i] == "--output-json") {
        ++i;
        continue;
      }
      kept.push_back(arguments[i]);
    }
    return kept;
  };
  s.run_entries = 3;  // several runs even for a few records
  s.command_line = "merge test";
  return s;
}

// Collects what a writer is handed.
struct Collect final : report::Writer {
  std::vector<model::ProbeResult> results;
  std::optional<report::ScanMetadata> metadata;
  bool begun = false;
  void begin(const report::ScanMetadata& /*planned*/) override { begun = true; }
  void add(const model::ProbeResult& result) override { results.push_back(result); }
  void finish(const report::ScanMetadata& m) override { metadata = m; }
};

// The UsageError of merging `paths`; empty when the merge succeeds.
std::string refusal(const std::vector<std::string>& paths, Collect& collect) {
  try {
    std::vector<Shard> shards;
    for (const std::string& path : paths) shards.push_back(readShard(path));
    shards = checkShards(std::move(shards), settings());
    mergeShards(shards, {&collect}, settings());
  } catch (const UsageError& e) {
    EXPECT_FALSE(collect.metadata) << "a refused merge must not finish its writers";
    return e.what();
  }
  return "";
}

std::string refusal(const std::vector<std::string>& paths) {
  Collect collect;
  return refusal(paths, collect);
}

TEST(Merge, JoinsEveryShardWithSummedCounts) {
  const std::string a = shardFile("join0", 0, 3, {1, 4, 7});
  const std::string b = shardFile("join1", 1, 3, {2, 5});
  const std::string c = shardFile("join2", 2, 3, {3, 6, 8, 9});
  Collect out;
  ASSERT_EQ(refusal({c, a, b}, out), "");  // any order
  ASSERT_EQ(out.results.size(), 9U);
  EXPECT_EQ(out.results.front().address, closed(1).address);  // shard 0 first
  ASSERT_TRUE(out.metadata);
  const report::ScanMetadata& m = *out.metadata;
  EXPECT_EQ(m.targets_planned, "9");
  EXPECT_EQ(m.targets_scanned, 9U);
  EXPECT_EQ(m.counts.at(static_cast<std::size_t>(model::Outcome::Closed)), 4U);
  EXPECT_EQ(m.counts.at(static_cast<std::size_t>(model::Outcome::Filtered)), 5U);
  EXPECT_EQ(m.merged_shards, 3U);
  EXPECT_EQ(m.shard_index, 0U);
  EXPECT_EQ(m.shard_count, 1U);
  EXPECT_EQ(m.seed, 7U);
  EXPECT_EQ(m.started, at(0));
  EXPECT_EQ(m.ended, at(25));
  EXPECT_DOUBLE_EQ(m.duration_s, 25);
  EXPECT_EQ(m.rtt.at(0).samples, 30U);
  EXPECT_DOUBLE_EQ(m.rtt.at(0).srtt_ms, 2);  // (1 + 2 + 3) / 3, by samples
  EXPECT_EQ(m.command_line, "merge test");
  EXPECT_EQ(m.arguments,
            (std::vector<std::string>{"--seed", "7", "--shards", "3", "192.0.2.0/28"}));
  // The merged record reads back (the reader knows merged_shards).
  const auto again = std::get<report::ScanMetadata>(report::parseRecord(report::metadataToJson(m)));
  EXPECT_EQ(again.merged_shards, 3U);
}

// `dotscan merge ... | head`: the closed output is dropped, the others are written whole.
TEST(Merge, AWriterWhoseReaderHasGoneIsDropped) {
  struct Closed final : report::Writer {
    void add(const model::ProbeResult& /*result*/) override {
      throw report::OutputClosed("cannot write the report: Broken pipe");
    }
    void finish(const report::ScanMetadata& /*metadata*/) override {}
  };
  const std::string a = shardFile("pipe0", 0, 2, {1, 3});
  const std::string b = shardFile("pipe1", 1, 2, {2});
  std::vector<Shard> shards{readShard(a), readShard(b)};
  shards = checkShards(std::move(shards), settings());
  Closed closed;
  Collect collect;
  EXPECT_NO_THROW(mergeShards(shards, {&closed, &collect}, settings()));
  EXPECT_EQ(collect.results.size(), 3U);
  EXPECT_TRUE(collect.metadata);
}

// Ctrl-C or SIGTERM (scancel) during a long merge: it stops with exit 130 and leaves no run of
// target hashes behind, rather than running on to the end.
TEST(Merge, AStopRequestEndsItAndRemovesItsRuns) {
  std::vector<std::uint32_t> hosts;
  for (std::uint32_t host = 1; host <= 2100; ++host) hosts.push_back(host);
  const std::string a = shardFile("stop0", 0, 1, hosts);
  const std::string parent = ::testing::TempDir() + "dotscan_merge_test_stop";
  std::filesystem::remove_all(parent);
  std::filesystem::create_directory(parent);
  MergeSettings stopping = settings();
  stopping.temp_directory = parent;
  stopping.run_entries = 100;  // runs are on disk when the stop comes
  int asked = 0;
  stopping.stopped = [&asked] { return ++asked >= 2; };  // the second time it asks
  std::vector<Shard> shards{readShard(a)};
  shards = checkShards(std::move(shards), stopping);
  Collect collect;
  try {
    mergeShards(shards, {&collect}, stopping);
    ADD_FAILURE() << "the merge ran to its end";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Interrupted);
    EXPECT_STREQ(e.what(), "merge: interrupted");
  }
  EXPECT_EQ(asked, 2);
  EXPECT_FALSE(collect.metadata);
  EXPECT_LT(collect.results.size(), hosts.size());
  EXPECT_TRUE(std::filesystem::is_empty(parent));
  std::filesystem::remove_all(parent);
}

TEST(Merge, RefusesAMissingShard) {
  const std::string a = shardFile("miss0", 0, 3, {1});
  const std::string c = shardFile("miss2", 2, 3, {3});
  EXPECT_EQ(refusal({a, c}), "merge: shard 1 of 3 is missing (seed 7): 2 of 3 given");
}

TEST(Merge, RefusesTwoCopiesOfOneShard) {
  const std::string a = shardFile("twice0", 0, 2, {1});
  const std::string b = shardFile("twice1", 1, 2, {2});
  const std::string copy = shardFile("twice1copy", 1, 2, {2});
  const std::string message = refusal({a, b, copy});
  EXPECT_NE(message.find("shard 1 of 2 is given twice"), std::string::npos) << message;
  EXPECT_NE(message.find("twice1copy"), std::string::npos) << message;
}

TEST(Merge, RefusesShardsOfDifferentSeedsCountsOrScans) {
  const std::string a = shardFile("seed0", 0, 2, {1});
  const std::string b = shardFile("seed1", 1, 2, {2}, [](auto& m) { m.seed = 8; });
  std::string message = refusal({a, b});
  EXPECT_NE(message.find("seed1' has seed 8"), std::string::npos) << message;

  const std::string c = shardFile("count1", 1, 3, {2}, [](auto& m) { m.shard_count = 3; });
  message = refusal({a, c});
  EXPECT_NE(message.find("is shard 1 of 3"), std::string::npos) << message;

  const std::string d =
      shardFile("scan1", 1, 2, {2}, [](auto& m) { m.arguments.back() = "192.0.2.0/27"; });
  message = refusal({a, d});
  EXPECT_NE(message.find("is a shard of another scan"), std::string::npos) << message;
  EXPECT_NE(message.find("'192.0.2.0/27', not '192.0.2.0/28'"), std::string::npos) << message;

  const std::string e = shardFile("version1", 1, 2, {2}, [](auto& m) { m.version = "0.2.0"; });
  message = refusal({a, e});
  EXPECT_NE(message.find("was written by dotscan '0.2.0'"), std::string::npos) << message;
}

TEST(Merge, RefusesTruncatedOrUnfinishedShards) {
  const std::string a = shardFile("cut0", 0, 2, {1});
  const std::string whole = report::resultToJson(closed(2)) + "\n";
  // Killed before its metadata record, or in the middle of a line.
  std::string message = refusal({a, write("cut1", whole)});
  EXPECT_NE(message.find("cut1' has no metadata record at its end"), std::string::npos) << message;
  message = refusal({a, write("cut1b", whole + whole.substr(0, 20))});
  EXPECT_NE(message.find("cut1b' is truncated"), std::string::npos) << message;
  message = refusal({a, write("cut1c", "")});
  EXPECT_NE(message.find("cut1c' is empty"), std::string::npos) << message;
  message = refusal({a, shardFile("cut1d", 1, 2, {2}, [](auto& m) { m.interrupted = true; })});
  EXPECT_NE(message.find("did not finish: interrupted"), std::string::npos) << message;
  message = refusal({a, shardFile("cut1e", 1, 2, {2}, [](auto& m) { m.error = "disk full"; })});
  EXPECT_NE(message.find("stopped by an error"), std::string::npos) << message;
}

TEST(Merge, RefusesAShardShortOfItsPlannedTargets) {
  const std::string a = shardFile("short0", 0, 2, {1});
  const std::string b = shardFile("short1", 1, 2, {2, 3}, [](auto& m) { m.targets_planned = "3"; });
  std::string message = refusal({a, b});
  EXPECT_NE(message.find("holds 2 results of the 3 targets it planned"), std::string::npos)
      << message;
  const std::string c = shardFile("short1b", 1, 2, {2, 3}, [](auto& m) { m.targets_scanned = 5; });
  message = refusal({a, c});
  EXPECT_NE(message.find("its metadata record counts 5"), std::string::npos) << message;
}

TEST(Merge, RefusesATargetTwiceNamingBothPlaces) {
  const std::string a = shardFile("dup0", 0, 2, {1, 2, 3, 4, 5});
  const std::string b = shardFile("dup1", 1, 2, {6, 7, 3, 8});
  const std::string message = refusal({a, b});
  EXPECT_NE(message.find("target 192.0.2.3 port 853 appears twice"), std::string::npos) << message;
  EXPECT_NE(message.find("dup0' line 3 and"), std::string::npos) << message;
  EXPECT_NE(message.find("dup1' line 3"), std::string::npos) << message;
}

TEST(Merge, RefusesAMalformedLineNamingFileAndLine) {
  const std::string a = shardFile("bad0", 0, 2, {1});
  const std::string good = shardFile("bad1ok", 1, 2, {2, 3});
  std::ifstream in(good, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string broken = text.str();
  broken.replace(broken.find("\"port\":853"), 10, "\"port\":\"x\"");
  const std::string message = refusal({a, write("bad1", broken)});
  EXPECT_NE(message.find("bad1' line 1: result record: \"port\" is not a whole number"),
            std::string::npos)
      << message;
}

TEST(Merge, RefusesTwoScansInOneFile) {
  const std::string a = shardFile("cat0", 0, 2, {1});
  const std::string b = shardFile("cat1", 1, 2, {2});
  std::ifstream in(b, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string message = refusal({a, write("cat1twice", text.str() + text.str())});
  EXPECT_NE(message.find("cat1twice' line 3 follows its metadata record"), std::string::npos)
      << message;
}

TEST(Duplicates, FindsTheOneRepeatedKeyAmongManyRuns) {
  DuplicateFinder finder("", 1000);
  const auto same = [](const Place&, const Place&) { return true; };
  for (std::uint32_t i = 0; i < 20000; ++i) {
    finder.add(Address::fromV4(i), 853, i % 3 == 0 ? "a.example" : "", {0, i + 1});
  }
  finder.add(Address::fromV4(1234), 853, "", {1, 7});
  EXPECT_EQ(finder.runs(), 20U);  // the last 1 entry is flushed by find()
  const auto found = finder.find(same);
  EXPECT_EQ(finder.runs(), 21U);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first, (Place{0, 1235}));
  EXPECT_EQ(found->second, (Place{1, 7}));
}

TEST(Duplicates, DistinctKeysAndRejectedCandidatesAreNotDuplicates) {
  DuplicateFinder finder("", 7);
  for (std::uint32_t i = 0; i < 100; ++i) {
    finder.add(Address::fromV4(i), 853, "", {0, i + 1});
    finder.add(Address::fromV4(i), 443, "", {0, i + 101});   // another port
    finder.add(Address::fromV4(i), 853, "n", {0, i + 201});  // another name
  }
  EXPECT_FALSE(finder.find([](const Place&, const Place&) { return true; }));

  DuplicateFinder collision("", 7);
  collision.add(Address::fromV4(1), 853, "", {0, 1});
  collision.add(Address::fromV4(1), 853, "", {0, 2});
  // The caller's check of the keys says they differ (a hash collision): no duplicate.
  EXPECT_FALSE(collision.find([](const Place&, const Place&) { return false; }));
}

TEST(Duplicates, RemovesItsDirectory) {
  std::string directory;
  {
    DuplicateFinder finder("", 2);
    for (std::uint32_t i = 0; i < 10; ++i) finder.add(Address::fromV4(i), 853, "", {0, i});
    EXPECT_FALSE(finder.find([](const Place&, const Place&) { return true; }));
    directory = finder.directory();
    EXPECT_EQ(::access(directory.c_str(), F_OK), 0);
  }
  EXPECT_NE(::access(directory.c_str(), F_OK), 0);
}

TEST(Duplicates, KeyHashTellsPortsNamesAndFamiliesApart) {
  const Address v4 = *Address::parse("192.0.2.1");
  const Address v6 = *Address::parse("2001:db8::1");
  EXPECT_NE(keyHash(v4, 853, ""), keyHash(v4, 854, ""));
  EXPECT_NE(keyHash(v4, 853, ""), keyHash(v4, 853, "a"));
  EXPECT_NE(keyHash(v4, 853, "ab"), keyHash(v4, 853, "ba"));
  EXPECT_NE(keyHash(v4, 853, ""), keyHash(v6, 853, ""));
  EXPECT_EQ(keyHash(v6, 853, "x"), keyHash(v6, 853, "x"));
}

}  // namespace
}  // namespace dotscan::merge
