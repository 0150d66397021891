#include "dotscan/syn/answered.hpp"

namespace dotscan::syn {

PagedBitmap::PagedBitmap(u128 size, std::size_t directory_limit) : size_(size) {
  const u128 pages = (size >> kPageShift) + ((size & ((u128{1} << kPageShift) - 1)) != 0 ? 1 : 0);
  listed_ = pages <= directory_limit;
  if (listed_) directory_.resize(static_cast<std::size_t>(pages));
}

std::size_t PagedBitmap::PageHash::operator()(u128 page) const noexcept {
  const auto low = static_cast<std::uint64_t>(page);
  const auto high = static_cast<std::uint64_t>(page >> 64U);
  return std::hash<std::uint64_t>{}(low ^ (high * 0x9e3779b97f4a7c15ULL));
}

const PagedBitmap::Page* PagedBitmap::find(u128 page) const {
  if (listed_) return directory_[static_cast<std::size_t>(page)].get();
  const auto it = sparse_.find(page);
  return it == sparse_.end() ? nullptr : it->second.get();
}

bool PagedBitmap::set(u128 index) {
  if (index >= size_) return false;
  const u128 number = index >> kPageShift;
  std::unique_ptr<Page>& page =
      listed_ ? directory_[static_cast<std::size_t>(number)] : sparse_[number];
  if (!page) {
    page = std::make_unique<Page>();  // value-initialised: all clear
    ++pages_;
  }
  const auto bit = static_cast<std::size_t>(index & ((u128{1} << kPageShift) - 1));
  std::uint64_t& word = (*page)[bit / 64];
  const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
  if ((word & mask) != 0) return false;
  word |= mask;
  ++count_;
  return true;
}

bool PagedBitmap::test(u128 index) const {
  if (index >= size_) return false;
  const Page* page = find(index >> kPageShift);
  if (page == nullptr) return false;
  const auto bit = static_cast<std::size_t>(index & ((u128{1} << kPageShift) - 1));
  return ((*page)[bit / 64] & (std::uint64_t{1} << (bit % 64))) != 0;
}

AnsweredTargets::AnsweredTargets(const targets::TargetSet& set, std::size_t directory_limit)
    : set_(set), bits_(set.size(), directory_limit) {}

AnsweredTargets::Mark AnsweredTargets::mark(const Address& address, std::uint16_t port) {
  const auto index = set_.indexOf(address, port);
  if (!index) return Mark::Unknown;
  return bits_.set(*index) ? Mark::First : Mark::Again;
}

bool AnsweredTargets::answered(const Address& address, std::uint16_t port) const {
  const auto index = set_.indexOf(address, port);
  return index && bits_.test(*index);
}

}  // namespace dotscan::syn
