// Property tests: shards together enumerate every target exactly once, for many sizes and seeds.
#include "dotscan/targets/target_order.hpp"

#include <gtest/gtest.h>

#include <map>
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
