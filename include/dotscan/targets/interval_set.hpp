// dotscan/targets/interval_set.hpp — a set of addresses as sorted, disjoint, non-adjacent
// intervals.
//
// Invariant after normalise(): intervals are sorted by first address, and any two are separated by
// at least one address not in the set. Memory is proportional to the number of intervals, never to
// the number of addresses: a /8 is one interval.
#pragma once

#include <cstddef>
#include <vector>

#include "dotscan/util/address.hpp"
#include "dotscan/util/uint128.hpp"

namespace dotscan::targets {

struct Interval {
  u128 first = 0;
  u128 last = 0;  // inclusive
  friend bool operator==(const Interval&, const Interval&) = default;
};

class IntervalSet {
 public:
  void add(u128 first, u128 last);
  void add(Address address) { add(address.value(), address.value()); }
  void addAll(const IntervalSet& other);
  // Sorts and merges; add() leaves the set unnormalised for speed.
  void normalise();
  // Removes every address of other (both must be normalised); keeps the invariant.
  void subtract(const IntervalSet& other);
  // Keeps only addresses in [first, last].
  void intersect(u128 first, u128 last);

  [[nodiscard]] bool empty() const { return intervals_.empty(); }
  [[nodiscard]] const std::vector<Interval>& intervals() const { return intervals_; }
  // Number of addresses; saturates at kU128Max (only the whole IPv6 space reaches it).
  [[nodiscard]] u128 count() const;
  [[nodiscard]] bool contains(Address address) const;  // needs normalise()

 private:
  std::vector<Interval> intervals_;
};

}  // namespace dotscan::targets
