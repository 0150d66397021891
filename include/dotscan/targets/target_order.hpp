// dotscan/targets/target_order.hpp — the order in which a scan visits its targets, and its shard.
//
// Position p of the scan visits target set.at(perm.at(p)), where perm is a Permutation of the whole
// target set fixed by the seed. Shard I of N takes the positions [I*T/N, (I+1)*T/N) of that order:
// with the same seed and the same targets, N machines visit disjoint parts whose union is the
// whole.
// --max-targets then truncates this shard's part. Within a shard, interleave(N, i) leaves one of N
// interleaved parts of it, positions i, i+N, i+2N, ...: N threads (SYN discovery's senders) walk
// disjoint parts whose union is the shard, and together still go through it roughly in order.
// Nothing is materialised: next() computes one target from a position in constant memory.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "dotscan/targets/permutation.hpp"
#include "dotscan/targets/target_set.hpp"

namespace dotscan::targets {

struct Shard {
  std::uint64_t count = 1;
  std::uint64_t index = 0;  // 0-based, as in zmap
};

class TargetOrder {
 public:
  // Throws UsageError for an impossible shard (count 0, or index >= count).
  TargetOrder(const TargetSet& set, std::uint64_t seed, Shard shard = {},
              std::optional<u128> max_targets = std::nullopt);

  // The set this order walks (SYN discovery keys its answers by the set's indexes).
  [[nodiscard]] const TargetSet& set() const { return set_; }
  // How many targets this shard visits, known before the first.
  [[nodiscard]] u128 size() const { return end_ - begin_; }
  // The next target in order, or false when the shard is done.
  bool next(Target& target);

  // From now on, visit only the positions i, i+N, i+2N, ... of this shard's part (i = `index`,
  // N = `count`, both counted from its first position); size() still counts the whole part. Call
  // it before the first next(). Throws UsageError for count 0 or index >= count.
  void interleave(std::uint64_t count, std::uint64_t index);

  // Targets for which `skip` is true are passed over by next() (--resume: those already
  // recorded); size() still counts them. An empty function skips nothing.
  void setSkip(std::function<bool(const Target&)> skip) { skip_ = std::move(skip); }

 private:
  const TargetSet& set_;
  Permutation permutation_;
  u128 begin_;
  u128 end_;
  u128 position_;
  u128 step_ = 1;
  std::function<bool(const Target&)> skip_;
};

}  // namespace dotscan::targets
