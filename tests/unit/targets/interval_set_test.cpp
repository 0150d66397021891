#include "dotscan/targets/interval_set.hpp"

#include <gtest/gtest.h>

namespace dotscan::targets {
namespace {

using V = std::vector<Interval>;

IntervalSet make(std::initializer_list<Interval> pieces) {
  IntervalSet set;
  for (const auto& p : pieces) set.add(p.first, p.last);
  set.normalise();
  return set;
}

TEST(IntervalSet, NormaliseMergesOverlapsAndNeighbours) {
  auto set = make({{10, 20}, {5, 9}, {15, 30}, {40, 40}, {32, 39}});
  EXPECT_EQ(set.intervals(), (V{{5, 30}, {32, 40}}));
  EXPECT_EQ(set.count(), 26U + 9U);
}

TEST(IntervalSet, NormaliseAtTheTopOfTheNumberLine) {
  auto set = make({{kU128Max - 1, kU128Max}, {kU128Max, kU128Max}, {0, 0}});
  EXPECT_EQ(set.intervals(), (V{{0, 0}, {kU128Max - 1, kU128Max}}));
}

TEST(IntervalSet, SubtractSplitsAndTrims) {
  auto set = make({{0, 100}, {200, 300}});
  set.subtract(make({{10, 19}, {50, 50}, {90, 210}, {300, 400}}));
  EXPECT_EQ(set.intervals(), (V{{0, 9}, {20, 49}, {51, 89}, {211, 299}}));
}

TEST(IntervalSet, SubtractEverythingLeavesNothing) {
  auto set = make({{5, 10}, {20, 30}});
  set.subtract(make({{0, kU128Max}}));
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.count(), 0U);
}

TEST(IntervalSet, SubtractDisjointKeepsAll) {
  auto set = make({{5, 10}});
  set.subtract(make({{0, 4}, {11, 20}}));
  EXPECT_EQ(set.intervals(), (V{{5, 10}}));
}

TEST(IntervalSet, IntersectClips) {
  auto set = make({{0, 10}, {20, 30}, {40, 50}});
  set.intersect(5, 25);
  EXPECT_EQ(set.intervals(), (V{{5, 10}, {20, 25}}));
}

TEST(IntervalSet, CountSaturatesOnTheWholeSpace) {
  EXPECT_EQ(make({{0, kU128Max}}).count(), kU128Max);
  EXPECT_EQ(make({{0, kU128Max - 1}}).count(), kU128Max);
  EXPECT_EQ(make({{1, kU128Max}}).count(), kU128Max);
}

TEST(IntervalSet, Contains) {
  auto set = make({{5, 10}, {20, 30}});
  EXPECT_FALSE(set.contains(Address::fromValue(4)));
  EXPECT_TRUE(set.contains(Address::fromValue(5)));
  EXPECT_TRUE(set.contains(Address::fromValue(10)));
  EXPECT_FALSE(set.contains(Address::fromValue(11)));
  EXPECT_TRUE(set.contains(Address::fromValue(30)));
  EXPECT_FALSE(set.contains(Address::fromValue(31)));
}

}  // namespace
}  // namespace dotscan::targets
