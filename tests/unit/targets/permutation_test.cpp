// Property tests of the scan order: a bijection for every size, fixed by the seed.
#include "dotscan/targets/permutation.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

namespace dotscan::targets {
namespace {

// Sizes: tiny, primes, powers of two and their neighbours, squares and their neighbours.
const std::vector<std::uint64_t> kSizes = {1,    2,    3,     4,     5,     7,     8,      9,
                                           15,   16,   17,    31,    97,    100,   127,    128,
                                           129,  255,  256,   257,   1000,  1021,  1024,   4095,
                                           4096, 4097, 65535, 65536, 65537, 99991, 262144, 1000003};
const std::vector<std::uint64_t> kSeeds = {0, 1, 42, 0xdeadbeefcafef00dULL};

TEST(Permutation, VisitsEveryValueExactlyOnce) {
  for (std::uint64_t n : kSizes) {
    for (std::uint64_t seed : kSeeds) {
      Permutation p(n, seed);
      std::vector<bool> seen(n, false);
      for (std::uint64_t i = 0; i < n; ++i) {
        const u128 v = p.at(i);
        ASSERT_LT(v, n) << "n=" << n << " seed=" << seed;
        ASSERT_FALSE(seen[static_cast<std::size_t>(v)]) << "n=" << n << " seed=" << seed;
        seen[static_cast<std::size_t>(v)] = true;
        ASSERT_EQ(p.inverse(v), i);
      }
    }
  }
}

TEST(Permutation, SameSeedSameOrderOtherSeedOtherOrder) {
  const std::uint64_t n = 10007;
  Permutation a(n, 7);
  Permutation b(n, 7);
  Permutation c(n, 8);
  std::size_t differences = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    ASSERT_EQ(a.at(i), b.at(i));
    if (a.at(i) != c.at(i)) ++differences;
  }
  EXPECT_GT(differences, n * 9 / 10);
}

TEST(Permutation, OrderIsScrambled) {
  // A scan order must spread load: few fixed points, few consecutive neighbours, and the first
  // 1% of positions spread over the whole range rather than clustered at its start.
  const std::uint64_t n = 1 << 16;
  Permutation p(n, 12345);
  std::size_t fixed = 0;
  std::size_t neighbours = 0;
  std::uint64_t max_early = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::uint64_t>(p.at(i));
    if (v == i) ++fixed;
    if (i > 0 && v == static_cast<std::uint64_t>(p.at(i - 1)) + 1) ++neighbours;
    if (i < n / 100) max_early = std::max(max_early, v);
  }
  EXPECT_LT(fixed, 20U);
  EXPECT_LT(neighbours, 20U);
  EXPECT_GT(max_early, n * 9 / 10);
}

TEST(Permutation, HugeSizesAreBijectiveOnSamples) {
  // Too large to enumerate: check that at() stays in range and inverse() undoes it, which can only
  // hold for every sample if at() is injective on them.
  const std::vector<u128> sizes = {(u128{1} << 32) - 1,
                                   u128{1} << 32,
                                   (u128{1} << 32) + 1,
                                   u128{3} << 32,
                                   u128{3} * (u128{1} << 64),  // an IPv6 /64 times three ports
                                   (u128{1} << 64) - 1,
                                   u128{1} << 64,
                                   (u128{1} << 64) + 1,
                                   u128{1} << 96,  // an IPv6 /32
                                   (u128{1} << 127) + 12345,
                                   kU128Max - 1,
                                   kU128Max};
  std::mt19937_64 rng(99);
  for (u128 n : sizes) {
    Permutation p(n, rng());
    std::set<u128> outputs;
    for (int k = 0; k < 2000; ++k) {
      const u128 i = ((static_cast<u128>(rng()) << 64) | rng()) % n;
      const u128 v = p.at(i);
      ASSERT_LT(v, n);
      ASSERT_EQ(p.inverse(v), i);
      outputs.insert(v);
    }
    // Edges of the domain too.
    for (u128 i : {u128{0}, n - 1, n / 2}) ASSERT_EQ(p.inverse(p.at(i)), i);
    EXPECT_GT(outputs.size(), 1990U);
  }
}

}  // namespace
}  // namespace dotscan::targets
