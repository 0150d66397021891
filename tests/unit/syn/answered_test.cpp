// The answered targets of a SYN scan (syn/answered.hpp): a paged bitmap over the target set's
// indexes that allocates only the pages that saw an answer, and the (address, port) view the
// scanner uses to drop duplicate answers and to skip answered targets on a retry pass.
#include "dotscan/syn/answered.hpp"

#include <gtest/gtest.h>

#include <set>

#include "dotscan/targets/permutation.hpp"
#include "dotscan/targets/target_order.hpp"

#include "support/fake_resolver.hpp"

namespace dotscan::syn {
namespace {

constexpr u128 kPage = u128{1} << PagedBitmap::kPageShift;

TEST(PagedBitmap, SetsEachBitOnceAndCountsDistinctBits) {
  PagedBitmap bits(3 * kPage + 5);
  EXPECT_EQ(bits.pages(), 0U);
  EXPECT_EQ(bits.count(), 0U);
  for (const u128 index : {u128{0}, u128{63}, u128{64}, kPage - 1, kPage, 3 * kPage + 4}) {
    EXPECT_FALSE(bits.test(index));
    EXPECT_TRUE(bits.set(index));
    EXPECT_TRUE(bits.test(index));
    EXPECT_FALSE(bits.set(index)) << "a second answer is a duplicate";
  }
  EXPECT_EQ(bits.count(), 6U);
  EXPECT_EQ(bits.pages(), 3U);  // pages 0, 1 and 3: page 2 saw nothing and has no memory
  for (const u128 index : {u128{1}, u128{62}, u128{65}, kPage + 1, 2 * kPage, 3 * kPage + 3}) {
    EXPECT_FALSE(bits.test(index));
  }
}

TEST(PagedBitmap, IndexesPastTheEndAreNeverSet) {
  PagedBitmap bits(10);
  EXPECT_FALSE(bits.set(10));
  EXPECT_FALSE(bits.set(kPage));
  EXPECT_FALSE(bits.test(10));
  EXPECT_EQ(bits.count(), 0U);
  EXPECT_EQ(bits.pages(), 0U);
  EXPECT_TRUE(bits.set(9));
  EXPECT_EQ(bits.pages(), 1U);
}

// The same random bits through the directory and through the hash map of pages: both keep
// exactly the set that was set, and allocate only the pages touched.
TEST(PagedBitmap, DirectoryAndSparsePagesAgree) {
  const u128 size = 40 * kPage + 1234;
  PagedBitmap listed(size);
  PagedBitmap sparse(size, 0);  // no directory: every page through the hash map
  const targets::Permutation order(size, 7);
  std::set<u128> expected;
  std::set<u128> pages;
  for (u128 position = 0; position < 5000; ++position) {
    const u128 index = order.at(position * 997 % size);
    const bool first = expected.insert(index).second;
    EXPECT_EQ(listed.set(index), first);
    EXPECT_EQ(sparse.set(index), first);
    pages.insert(index >> PagedBitmap::kPageShift);
  }
  EXPECT_EQ(listed.count(), expected.size());
  EXPECT_EQ(sparse.count(), expected.size());
  EXPECT_EQ(listed.pages(), pages.size());
  EXPECT_EQ(sparse.pages(), pages.size());
  for (u128 index = 0; index < size; index += 13) {
    EXPECT_EQ(listed.test(index), expected.count(index) == 1);
    EXPECT_EQ(sparse.test(index), expected.count(index) == 1);
  }
}

TEST(PagedBitmap, AHugeSetCostsNothingUntilAnswered) {
  // An IPv6 /64 of targets: no directory could list its pages; two answers are two pages.
  PagedBitmap bits(u128{1} << 64);
  EXPECT_TRUE(bits.set(0));
  EXPECT_TRUE(bits.set((u128{1} << 64) - 1));
  EXPECT_TRUE(bits.test((u128{1} << 64) - 1));
  EXPECT_FALSE(bits.test((u128{1} << 63)));
  EXPECT_EQ(bits.pages(), 2U);
}

testing::FakeResolver kResolver({
    {"dns.example", {"192.0.2.1"}},
    {"alias.example", {"192.0.2.1"}},
});

targets::TargetSet expand(const std::vector<targets::TargetInput>& inputs,
                          const targets::PortList& ports = {853}) {
  targets::ExpandOptions options;
  options.ports = ports;
  targets::ExpandReport report;
  return targets::expandTargets(inputs, {}, options, kResolver, report);
}

TEST(AnsweredTargets, FirstAnswerThenDuplicates) {
  const targets::TargetSet set = expand(
      {{"198.18.0.0/24", {}, {}, {}}, {"2001:2::/120", {}, {}, {}}}, targets::PortList{53, 853});
  AnsweredTargets answered(set);
  const Address v4 = *Address::parse("198.18.0.77");
  const Address v6 = *Address::parse("2001:2::ff");
  EXPECT_FALSE(answered.answered(v4, 853));
  EXPECT_EQ(answered.mark(v4, 853), AnsweredTargets::Mark::First);
  EXPECT_EQ(answered.mark(v4, 853), AnsweredTargets::Mark::Again);
  EXPECT_TRUE(answered.answered(v4, 853));
  EXPECT_FALSE(answered.answered(v4, 53)) << "another port is another target";
  EXPECT_FALSE(answered.answered(*Address::parse("198.18.0.78"), 853));
  EXPECT_EQ(answered.mark(v6, 53), AnsweredTargets::Mark::First);
  EXPECT_TRUE(answered.answered(v6, 53));
  EXPECT_FALSE(answered.answered(v6, 853));
  EXPECT_EQ(answered.count(), 2U);
}

TEST(AnsweredTargets, WhatIsNotATargetIsUnknownAndNeverAnswered) {
  const targets::TargetSet set = expand({{"198.18.0.0/24", {}, {}, {}}});
  AnsweredTargets answered(set);
  for (const char* address : {"198.18.1.0", "198.17.255.255", "2001:2::1"}) {
    EXPECT_EQ(answered.mark(*Address::parse(address), 853), AnsweredTargets::Mark::Unknown);
    EXPECT_FALSE(answered.answered(*Address::parse(address), 853));
  }
  EXPECT_EQ(answered.mark(*Address::parse("198.18.0.1"), 443), AnsweredTargets::Mark::Unknown);
  EXPECT_EQ(answered.count(), 0U);
}

TEST(AnsweredTargets, OneAddressUnderTwoNamesAnswersOnce) {
  // Two targets, one SYN cookie: the reply cannot say which name it answers.
  const targets::TargetSet set =
      expand({{"dns.example", {}, {}, {}}, {"alias.example", {}, {}, {}}});
  ASSERT_EQ(set.size(), 2U);
  AnsweredTargets answered(set);
  EXPECT_EQ(answered.mark(*Address::parse("192.0.2.1"), 853), AnsweredTargets::Mark::First);
  EXPECT_EQ(answered.mark(*Address::parse("192.0.2.1"), 853), AnsweredTargets::Mark::Again);
  EXPECT_EQ(answered.count(), 1U);
}

// A retry pass asks answered() of every target in the scan's order: exactly those that answered
// say yes, over a set large enough to span several pages, through the directory and without it.
TEST(AnsweredTargets, ARetryPassSkipsExactlyTheAnswered) {
  const targets::TargetSet set = expand({{"198.18.0.0/15", {}, {}, {}}});
  for (const std::size_t directory : {PagedBitmap::kDirectoryLimit, std::size_t{0}}) {
    AnsweredTargets answered(set, directory);
    std::set<u128> expected;
    targets::TargetOrder first(set, 42);
    targets::Target target;
    for (std::uint64_t n = 0; first.next(target); ++n) {
      if (n % 37 != 0) continue;
      EXPECT_EQ(answered.mark(target.address, target.port), AnsweredTargets::Mark::First);
      expected.insert(target.address.value());
    }
    EXPECT_EQ(answered.count(), expected.size());
    EXPECT_EQ(answered.bits().pages(), 2U) << "a /15 is two pages, both touched";
    targets::TargetOrder retry(set, 42);
    std::size_t skipped = 0;
    while (retry.next(target)) {
      const bool was = expected.count(target.address.value()) == 1;
      EXPECT_EQ(answered.answered(target.address, target.port), was);
      skipped += was ? 1 : 0;
    }
    EXPECT_EQ(skipped, expected.size());
  }
}

}  // namespace
}  // namespace dotscan::syn
