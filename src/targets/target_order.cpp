#include "dotscan/targets/target_order.hpp"

#include <algorithm>

#include "dotscan/util/error.hpp"

namespace dotscan::targets {

namespace {

// Start of shard i of n over t positions: i * t / n without overflowing 128 bits.
u128 shardStart(u128 total, std::uint64_t count, std::uint64_t index) {
  const u128 base = total / count;
  const u128 rest = total % count;
  return base * index + std::min<u128>(index, rest);
}

}  // namespace

TargetOrder::TargetOrder(const TargetSet& set, std::uint64_t seed, Shard shard,
                         std::optional<u128> max_targets)
    : set_(set), permutation_(set.size(), seed) {
  if (shard.count == 0) throw UsageError("--shards must be at least 1");
  if (shard.index >= shard.count) {
    throw UsageError("--shard " + std::to_string(shard.index) + " is out of range: shards are " +
                     "numbered from 0 to " + std::to_string(shard.count - 1));
  }
  begin_ = shardStart(set.size(), shard.count, shard.index);
  end_ = shard.index + 1 == shard.count ? set.size()
                                        : shardStart(set.size(), shard.count, shard.index + 1);
  if (max_targets && end_ - begin_ > *max_targets) end_ = begin_ + *max_targets;
  position_ = begin_;
}

void TargetOrder::interleave(std::uint64_t count, std::uint64_t index) {
  if (count == 0 || index >= count) {
    throw UsageError("interleaving: part " + std::to_string(index) + " of " +
                     std::to_string(count) + " does not exist");
  }
  position_ = end_ - begin_ > index ? begin_ + index : end_;
  step_ = count;
}

bool TargetOrder::next(Target& target) {
  while (position_ < end_) {
    target = set_.at(permutation_.at(position_));
    // Not past end_ by more than a step: no overflow near 2^128.
    position_ = end_ - position_ > step_ ? position_ + step_ : end_;
    if (!skip_ || !skip_(target)) return true;
  }
  return false;
}

}  // namespace dotscan::targets
