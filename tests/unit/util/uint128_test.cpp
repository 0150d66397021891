#include "dotscan/util/uint128.hpp"

#include <gtest/gtest.h>

namespace dotscan {
namespace {

TEST(Uint128, PrintsAndParses) {
  EXPECT_EQ(toString(0), "0");
  EXPECT_EQ(toString(kU128Max), "340282366920938463463374607431768211455");
  EXPECT_EQ(*parseU128("340282366920938463463374607431768211455"), kU128Max);
  EXPECT_EQ(*parseU128("853"), 853U);
  EXPECT_FALSE(parseU128("340282366920938463463374607431768211456"));
  EXPECT_FALSE(parseU128(""));
  EXPECT_FALSE(parseU128("-1"));
  EXPECT_FALSE(parseU128("1e3"));
}

TEST(Uint128, CheckedArithmeticDetectsOverflow) {
  EXPECT_EQ(*checkedAdd(1, 2), 3U);
  EXPECT_FALSE(checkedAdd(kU128Max, 1));
  EXPECT_EQ(*checkedMul(kU128Max, 1), kU128Max);
  EXPECT_FALSE(checkedMul(kU128Max / 2 + 1, 2));
  EXPECT_EQ(*checkedMul(0, kU128Max), 0U);
}

}  // namespace
}  // namespace dotscan
