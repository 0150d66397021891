// dotscan merge's command line: which recorded arguments may differ between shards, and --help.
#include "dotscan/cli/merge.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dotscan/cli/outputs.hpp"

namespace dotscan::cli {
namespace {

using Args = std::vector<std::string>;

TEST(MergeArguments, DropsWhatMayDifferBetweenShards) {
  const Args shard = {"--seed",
                      "7",
                      "--shards",
                      "4",
                      "--shard",
                      "2",
                      "--output-json",
                      "shard-2.jsonl",
                      "--output-xml=s.xml",
                      "--metadata",
                      "m.json",
                      "-v",
                      "-vv",
                      "-q",
                      "--stats-every",
                      "10s",
                      "--output-all",
                      "base",
                      "--csv",
                      "x.csv",
                      "-p",
                      "853,443",
                      "--rate",
                      "500",
                      "192.0.2.0/24"};
  EXPECT_EQ(scanArguments(shard), (Args{"--seed", "7", "--shards", "4", "-p", "853,443", "--rate",
                                        "500", "192.0.2.0/24"}));
  EXPECT_EQ(scanArguments({"--shard=1", "--verbose", "--quiet", "dot.test"}), (Args{"dot.test"}));
}

TEST(MergeArguments, TwoShardsOfOneScanCompareEqual) {
  EXPECT_EQ(scanArguments({"--seed", "1", "--shards", "2", "--shard", "0", "--output-json",
                           "a.jsonl", "127.53.0.0/28"}),
            scanArguments({"--seed", "1", "--shards", "2", "--shard", "1", "--output-json",
                           "b.jsonl", "127.53.0.0/28"}));
  EXPECT_NE(scanArguments({"--seed", "1", "-p", "853", "127.53.0.0/28"}),
            scanArguments({"--seed", "1", "-p", "443", "127.53.0.0/28"}));
}

TEST(MergeHelp, NamesEveryOutputOfTheFormatTable) {
  const std::string help = mergeHelp();
  for (const FormatInfo& format : formats()) {
    EXPECT_NE(help.find(std::string(format.short_option) + ", " + std::string(format.long_option)),
              std::string::npos)
        << format.long_option;
  }
  EXPECT_NE(help.find("Usage: dotscan merge"), std::string::npos);
  for (std::size_t start = 0; start < help.size();) {
    const std::size_t end = help.find('\n', start);
    EXPECT_LE(end - start, 100U) << help.substr(start, end - start);
    start = end + 1;
  }
}

}  // namespace
}  // namespace dotscan::cli
