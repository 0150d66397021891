#include "dotscan/targets/interval_set.hpp"

#include <algorithm>

namespace dotscan::targets {

void IntervalSet::add(u128 first, u128 last) {
  intervals_.push_back({first, last});
}

void IntervalSet::addAll(const IntervalSet& other) {
  intervals_.insert(intervals_.end(), other.intervals_.begin(), other.intervals_.end());
}

void IntervalSet::normalise() {
  if (intervals_.size() < 2) return;
  const auto by_first = [](const Interval& a, const Interval& b) { return a.first < b.first; };
  // An octet spec or a run of CIDR blocks arrives in order already: one pass tells, and saves
  // the sort of up to a million intervals.
  if (!std::is_sorted(intervals_.begin(), intervals_.end(), by_first)) {
    std::sort(intervals_.begin(), intervals_.end(), by_first);
  }
  std::size_t out = 0;
  for (std::size_t i = 1; i < intervals_.size(); ++i) {
    Interval& current = intervals_[out];
    const Interval& next = intervals_[i];
    // Merge overlapping and adjacent intervals; "last + 1" cannot overflow when last < first.
    if (next.first <= current.last || next.first - 1 == current.last) {
      current.last = std::max(current.last, next.last);
    } else {
      intervals_[++out] = next;
    }
  }
  intervals_.resize(out + 1);
}

void IntervalSet::subtract(const IntervalSet& other) {
  if (intervals_.empty() || other.intervals_.empty()) return;
  std::vector<Interval> result;
  result.reserve(intervals_.size());
  std::size_t j = 0;
  const auto& cut = other.intervals_;
  for (Interval piece : intervals_) {
    while (j < cut.size() && cut[j].last < piece.first) ++j;
    std::size_t k = j;
    bool alive = true;
    while (k < cut.size() && cut[k].first <= piece.last) {
      if (cut[k].first > piece.first) result.push_back({piece.first, cut[k].first - 1});
      if (cut[k].last >= piece.last) {
        alive = false;
        break;
      }
      piece.first = std::max(piece.first, cut[k].last + 1);
      ++k;
    }
    if (alive) result.push_back(piece);
  }
  intervals_ = std::move(result);
}

void IntervalSet::intersect(u128 first, u128 last) {
  std::vector<Interval> result;
  for (const Interval& piece : intervals_) {
    if (piece.last < first || piece.first > last) continue;
    result.push_back({std::max(piece.first, first), std::min(piece.last, last)});
  }
  intervals_ = std::move(result);
}

u128 IntervalSet::count() const {
  u128 total = 0;
  for (const Interval& piece : intervals_) {
    const u128 size_minus_one = piece.last - piece.first;
    if (size_minus_one == kU128Max || total > kU128Max - size_minus_one - 1) return kU128Max;
    total += size_minus_one + 1;
  }
  return total;
}

bool IntervalSet::contains(Address address) const {
  const u128 v = address.value();
  auto it = std::upper_bound(intervals_.begin(), intervals_.end(), v,
                             [](u128 value, const Interval& piece) { return value < piece.first; });
  if (it == intervals_.begin()) return false;
  --it;
  return v <= it->last;
}

}  // namespace dotscan::targets
