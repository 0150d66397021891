// Property tests: shards together enumerate every target exactly once, for many sizes and seeds.
#include "dotscan/targets/target_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include "dotscan/util/error.hpp"

#include "support/fake_resolver.hpp"

namespace dotscan::targets {
namespace {

using Key = std::tuple<u128, std::uint16_t, std::string>;

Key keyOf(const Target& t) {
  return {t.address.value(), t.port, std::string(t.name)};
}

TargetSet setOf(const std::vector<std::string>& specs, std::vector<std::uint16_t> ports = {853}) {
  std::vector<TargetInput> inputs;
  for (const auto& s : specs) inputs.push_back({s, {}, {}, {}});
  ExpandOptions options;
  options.ports = PortList::fromPorts(ports);
  ExpandReport report;
  testing::FakeResolver resolver({});
  return expandTargets(inputs, {}, options, resolver, report);
}

std::vector<Key> drain(TargetOrder& order) {
  std::vector<Key> keys;
  Target t;
  while (order.next(t)) keys.push_back(keyOf(t));
  return keys;
}

TEST(TargetOrder, ShardsPartitionTheWholeSpace) {
  // Sizes 1..~2^17 with 1 to 3 ports; shard counts that divide and that do not.
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::uint16_t>>> cases = {
      {{"10.0.0.1"}, {853}},
      {{"10.0.0.0/31"}, {853}},
      {{"10.0.0.1-7"}, {853, 443, 8853}},  // 21: not a power of two
      {{"10.0.0.0/24", "2001:db8::/120"}, {853}},
      {{"10.0.0.0/21", "10.9.0.1-10.9.0.97"}, {443, 853}},
      {{"10.0.0.0/15"}, {853}},
  };
  for (const auto& [specs, ports] : cases) {
    const TargetSet set = setOf(specs, ports);
    for (std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{0xfeedface}}) {
      for (std::uint64_t shards : {1U, 2U, 3U, 7U, 16U, 100U}) {
        std::set<Key> all;
        u128 total = 0;
        for (std::uint64_t index = 0; index < shards; ++index) {
          TargetOrder order(set, seed, {shards, index});
          auto keys = drain(order);
          ASSERT_EQ(keys.size(), order.size());
          total += keys.size();
          for (auto& k : keys) ASSERT_TRUE(all.insert(k).second) << "visited twice";
        }
        ASSERT_EQ(total, set.size());
        ASSERT_EQ(all.size(), set.size());
      }
    }
  }
}

TEST(TargetOrder, FixedSeedFixedOrder) {
  const TargetSet set = setOf({"192.0.2.0/24"}, {443, 853});
  TargetOrder a(set, 77);
  TargetOrder b(set, 77);
  TargetOrder c(set, 78);
  auto ka = drain(a);
  EXPECT_EQ(ka, drain(b));
  EXPECT_NE(ka, drain(c));
}

// --resume: skipping targets keeps the order of the rest, and size() still counts them all.
TEST(TargetOrder, SkipKeepsTheOrderOfTheRest) {
  const TargetSet set = setOf({"192.0.2.0/26"}, {443, 853});
  TargetOrder whole(set, 5);
  std::vector<Key> expected;
  for (const Key& key : drain(whole)) {
    if (std::get<1>(key) != 443) expected.push_back(key);
  }
  TargetOrder skipping(set, 5);
  skipping.setSkip([](const Target& t) { return t.port == 443; });
  EXPECT_EQ(skipping.size(), u128(128));
  EXPECT_EQ(drain(skipping), expected);
}

TEST(TargetOrder, HugeSpacesShardWithoutMaterialising) {
  // 2^32 addresses x 3 ports and an IPv6 /64 x 3 ports: shard sizes add up, and the first targets
  // of every shard are distinct and inside the set.
  for (const std::string spec : {"0.0.0.0/0", "2001:db8::/64"}) {
    std::vector<TargetInput> inputs{{spec, {}, {}, {}}};
    ExpandOptions options;
    options.ports = {443, 853, 8853};
    options.builtin_excludes.clear();
    ExpandReport report;
    testing::FakeResolver resolver({});
    const TargetSet set = expandTargets(inputs, {}, options, resolver, report);
    const std::uint64_t shards = 13;
    u128 total = 0;
    std::set<Key> seen;
    for (std::uint64_t index = 0; index < shards; ++index) {
      TargetOrder order(set, 5, {shards, index});
      total += order.size();
      Target t;
      for (int k = 0; k < 500 && order.next(t); ++k) {
        ASSERT_TRUE(seen.insert(keyOf(t)).second);
        ASSERT_TRUE(t.port == 443 || t.port == 853 || t.port == 8853);
      }
    }
    EXPECT_EQ(total, set.size());
    EXPECT_EQ(set.size(), spec[0] == '0' ? (u128{3} << 32) : (u128{3} << 64));
  }
}

TEST(TargetOrder, MaxTargetsTruncatesTheShard) {
  const TargetSet set = setOf({"10.0.0.0/24"});
  TargetOrder all(set, 3);
  TargetOrder first10(set, 3, {}, u128{10});
  EXPECT_EQ(first10.size(), 10U);
  auto keys = drain(first10);
  auto full = drain(all);
  ASSERT_EQ(keys.size(), 10U);
  EXPECT_TRUE(std::equal(keys.begin(), keys.end(), full.begin()));
  TargetOrder more(set, 3, {}, u128{1000});
  EXPECT_EQ(more.size(), 256U);
}

TEST(TargetOrder, InterleavedPartsAreTheShardDealtOut) {
  // Part i of N is the shard's order dealt out like cards: positions i, i+N, ... (the SYN
  // senders' split). Every target once across the parts, in the shard's order, with a skip and
  // --max-targets applied to the shard as without interleaving; more parts than targets too.
  const TargetSet set = setOf({"10.0.0.1-7", "2001:db8::/124"}, {853, 443});
  const auto skip = [](const Target& t) { return t.address.value() % 5 == 0; };
  for (const Shard shard : {Shard{1, 0}, Shard{3, 1}}) {
    for (const std::optional<u128> max : {std::optional<u128>{}, std::optional<u128>{17}}) {
      TargetOrder whole_order(set, 9, shard, max);
      whole_order.setSkip(skip);
      const auto whole = drain(whole_order);
      for (std::uint64_t parts : {1U, 2U, 3U, 4U, 64U}) {
        std::vector<std::vector<Key>> dealt(parts);
        std::size_t total = 0;
        for (std::uint64_t index = 0; index < parts; ++index) {
          TargetOrder order(set, 9, shard, max);
          order.setSkip(skip);
          order.interleave(parts, index);
          EXPECT_EQ(order.size(), whole_order.size());
          dealt[index] = drain(order);
          total += dealt[index].size();
        }
        ASSERT_EQ(total, whole.size()) << parts << " parts";
        // Merged back by position (skipped positions aside, each part keeps the whole's order).
        std::set<Key> seen;
        for (const auto& part : dealt) {
          for (const Key& key : part) ASSERT_TRUE(seen.insert(key).second) << "sent twice";
          std::vector<Key> in_whole;
          std::copy_if(whole.begin(), whole.end(), std::back_inserter(in_whole),
                       [&part](const Key& key) {
                         return std::find(part.begin(), part.end(), key) != part.end();
                       });
          EXPECT_EQ(in_whole, part);
        }
        EXPECT_EQ(seen, std::set<Key>(whole.begin(), whole.end()));
      }
    }
  }
  TargetOrder unskipped(set, 9);
  const auto all = drain(unskipped);
  TargetOrder second(set, 9);
  second.interleave(3, 1);
  const auto part = drain(second);
  ASSERT_EQ(part.size(), (all.size() + 1) / 3);
  for (std::size_t n = 0; n < part.size(); ++n) EXPECT_EQ(part[n], all[1 + 3 * n]);
  TargetOrder bad(set, 9);
  EXPECT_THROW(bad.interleave(0, 0), UsageError);
  EXPECT_THROW(bad.interleave(2, 2), UsageError);
}

TEST(TargetOrder, ImpossibleShardsAreUsageErrors) {
  const TargetSet set = setOf({"10.0.0.1"});
  EXPECT_THROW(TargetOrder(set, 1, {0, 0}), UsageError);
  EXPECT_THROW(TargetOrder(set, 1, {4, 4}), UsageError);
  // More shards than targets: some are empty, none fails.
  TargetOrder empty(set, 1, {4, 2});
  EXPECT_EQ(empty.size(), 0U);
}

}  // namespace
}  // namespace dotscan::targets
