// dotscan/targets/target_order.hpp — the order in which a scan visits its targets, and its shard.
//
// Position p of the scan visits target set.at(perm.at(p)), where perm is a Permutation of the whole
// target set fixed by the seed. Shard I of N takes the positions [I*T/N, (I+1)*T/N) of that order:
// with the same seed and the same targets, N machines visit disjoint parts whose union is the
// whole.
// --max-targets then truncates this shard's part. Nothing is materialised: next() computes one
// target from a position in constant memory.
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

  // Targets for which `skip` is true are passed over by next() (--resume: those already
  // recorded); size() still counts them. An empty function skips nothing.
  void setSkip(std::function<bool(const Target&)> skip) { skip_ = std::move(skip); }

 private:
  const TargetSet& set_;
  Permutation permutation_;
  u128 begin_;
  u128 end_;
  u128 position_;
  std::function<bool(const Target&)> skip_;
};

}  // namespace dotscan::targets
