// The external sort: in memory, with several runs merged, with merge passes (a small fan-in), and
// stable for equal keys; the temporary directory goes away.
#include "dotscan/diff/external_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace dotscan::diff {
namespace {

struct Expected {
  std::string key, payload;
};

// Adds `count` records with random keys (some equal) through a sorter with chunks of `run_bytes`
// merged `fan_in` at a time, and checks the stream's order.
void roundTrip(std::size_t run_bytes, std::size_t fan_in, std::size_t count,
               std::size_t expected_min_runs) {
  SortOptions options;
  options.run_bytes = run_bytes;
  options.fan_in = fan_in;
  options.temp_dir = ::testing::TempDir();
  std::mt19937 random(12345);
  std::vector<std::pair<Expected, std::uint64_t>> added;
  std::filesystem::path directory;
  {
    ExternalSorter sorter(options);
    for (std::size_t i = 0; i < count; ++i) {
      std::string key = "k" + std::to_string(random() % (count / 2 + 1));
      std::string payload(random() % 40, static_cast<char>('a' + i % 26));
      payload += std::to_string(i);
      sorter.add(key, payload);
      added.push_back({{key, payload}, i});
    }
    auto stream = sorter.finish();
    EXPECT_GE(sorter.runsWritten(), expected_min_runs);
    directory = sorter.directory();
    std::stable_sort(added.begin(), added.end(),
                     [](const auto& a, const auto& b) { return a.first.key < b.first.key; });
    SortedRecord record;
    std::size_t i = 0;
    while (stream->next(record)) {
      ASSERT_LT(i, added.size());
      EXPECT_EQ(record.key, added[i].first.key) << i;
      EXPECT_EQ(record.payload, added[i].first.payload) << i;
      EXPECT_EQ(record.sequence, added[i].second) << i;
      ++i;
    }
    EXPECT_EQ(i, added.size());
    if (expected_min_runs > 0) {
      EXPECT_TRUE(std::filesystem::exists(directory));
    }
  }
  if (!directory.empty()) {
    EXPECT_FALSE(std::filesystem::exists(directory));
  }
}

TEST(DiffExternalSort, InMemoryWritesNoFile) {
  roundTrip(SortOptions{}.run_bytes, 64, 1000, 0);
}

TEST(DiffExternalSort, SeveralRunsMerged) {
  roundTrip(512, 64, 3000, 20);  // a few dozen records a run
}

TEST(DiffExternalSort, MergePassesWithSmallFanIn) {
  roundTrip(256, 3, 3000, 100);  // 100+ runs: several passes of three
}

TEST(DiffExternalSort, OneRecordPerRun) {
  roundTrip(1, 64, 50, 49);  // every record spills the one before
}

TEST(DiffExternalSort, Empty) {
  SortOptions options;
  options.temp_dir = ::testing::TempDir();
  ExternalSorter sorter(options);
  auto stream = sorter.finish();
  SortedRecord record;
  EXPECT_FALSE(stream->next(record));
}

TEST(DiffExternalSort, UnwritableDirectoryIsAnError) {
  SortOptions options;
  options.temp_dir = "/nonexistent/dotscan-diff-test";
  options.run_bytes = 1;
  ExternalSorter sorter(options);
  sorter.add("a", "1");
  EXPECT_THROW(sorter.add("b", "2"), std::exception);
}

}  // namespace
}  // namespace dotscan::diff
