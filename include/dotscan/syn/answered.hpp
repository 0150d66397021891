// dotscan/syn/answered.hpp — which targets of a SYN scan have answered: one bit per target.
//
// SYN discovery remembers the targets that answered (to skip them on a retry pass and to drop
// duplicate answers) in a bitmap indexed by the target's index in the scan's target set
// (TargetSet::indexOf), as zmap's dedup keeps a bit per address. The bitmap is paged: a page of
// 65,536 bits (8 KiB) is allocated when one of its targets first answers, so a scan where nothing
// answers costs no page at all, and one where everything does costs a bit per target (a /8 is
// 2 MiB) instead of a hash set entry per answer. Pages are listed in a directory (a pointer per
// page) while the target set is small enough for one (up to 2^33 targets with the default: 1 MiB
// of pointers); beyond that, in a hash map of the pages that exist.
// Invariants: set() and test() never allocate for an index that is out of range; count() is the
// number of distinct indexes set; memory is a page per page that holds a set bit, plus the
// directory. Not thread-safe: the scanner guards it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dotscan/targets/target_set.hpp"
#include "dotscan/util/address.hpp"
#include "dotscan/util/uint128.hpp"

namespace dotscan::syn {

class PagedBitmap {
 public:
  static constexpr unsigned kPageShift = 16;  // 65,536 bits, 8 KiB, a page
  static constexpr std::size_t kDirectoryLimit = std::size_t{1} << 17;

  // A bitmap of `size` bits, all clear. `directory_limit` is the most pages listed in a
  // directory; more than that many and pages are found through a hash map (tests lower it).
  explicit PagedBitmap(u128 size, std::size_t directory_limit = kDirectoryLimit);

  // Sets bit `index`: true when it was clear. An index past the end sets nothing (false).
  bool set(u128 index);
  [[nodiscard]] bool test(u128 index) const;
  [[nodiscard]] u128 count() const { return count_; }
  [[nodiscard]] u128 size() const { return size_; }
  // Pages allocated so far (each 8 KiB).
  [[nodiscard]] std::size_t pages() const { return pages_; }

 private:
  using Page = std::array<std::uint64_t, (std::size_t{1} << kPageShift) / 64>;
  struct PageHash {
    std::size_t operator()(u128 page) const noexcept;
  };
  [[nodiscard]] const Page* find(u128 page) const;

  u128 size_;
  u128 count_ = 0;
  std::size_t pages_ = 0;
  bool listed_;                                   // pages in directory_, not sparse_
  std::vector<std::unique_ptr<Page>> directory_;  // by page number
  std::unordered_map<u128, std::unique_ptr<Page>, PageHash> sparse_;
};

// The answered targets of one scan, by (address, port) as a reply names them. Two targets with
// one address and port (one address under two names) share a bit: a SYN cannot tell them apart.
class AnsweredTargets {
 public:
  explicit AnsweredTargets(const targets::TargetSet& set,
                           std::size_t directory_limit = PagedBitmap::kDirectoryLimit);

  enum class Mark : std::uint8_t {
    First,    // the target's first answer
    Again,    // it had answered already: a duplicate
    Unknown,  // no target of the scan has that address and port
  };
  Mark mark(const Address& address, std::uint16_t port);
  [[nodiscard]] bool answered(const Address& address, std::uint16_t port) const;
  [[nodiscard]] u128 count() const { return bits_.count(); }
  [[nodiscard]] const PagedBitmap& bits() const { return bits_; }

 private:
  const targets::TargetSet& set_;
  PagedBitmap bits_;
};

}  // namespace dotscan::syn
