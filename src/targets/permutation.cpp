#include "dotscan/targets/permutation.hpp"

namespace dotscan::targets {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Round function: a keyed 64-bit mix of the other half (which may be up to 128 bits wide).
std::uint64_t mix(std::uint64_t key, u128 half) {
  std::uint64_t h = splitmix64(key ^ static_cast<std::uint64_t>(half));
  return splitmix64(h ^ static_cast<std::uint64_t>(half >> 64));
}

std::uint64_t mix64(std::uint64_t key, std::uint64_t half) {
  return splitmix64(key ^ half);
}

// Maps a 64-bit hash onto [0, range) without a division (Lemire's multiply-shift).
u128 reduce(std::uint64_t hash, u128 range) {
  if (range <= ~std::uint64_t{0}) {
    return (static_cast<u128>(hash) * static_cast<std::uint64_t>(range)) >> 64;
  }
  // range above 2^64 only when n is near 2^128; hash covers the low part of it, which is enough
  // for a bijection (any offset works) if not for perfect mixing.
  return static_cast<u128>(hash) % range;
}

u128 isqrtCeil(u128 n) {
  if (n <= 1) return n;
  // Newton's method from a power of two above the root.
  int bits = 0;
  for (u128 t = n; t != 0; t >>= 1) ++bits;
  u128 x = static_cast<u128>(1) << ((bits + 1) / 2);
  while (true) {
    const u128 y = (x + n / x) / 2;  // x >= floor(sqrt(n)) >= 1 throughout
    if (y >= x || y == 0) break;
    x = y;
  }
  // x = floor(sqrt(n)); round up if needed.
  return (x * x < n) ? x + 1 : x;
}

}  // namespace

Permutation::Permutation(u128 size, std::uint64_t seed) : size_(size) {
  if (size_ > 1) {
    a_ = isqrtCeil(size_);
    b_ = (size_ + a_ - 1) / a_;
    small_ = a_ <= 0xffffffffULL && b_ <= 0xffffffffULL;
  }
  std::uint64_t state = seed;
  for (auto& key : keys_) key = splitmix64(state += 0x632be59bd9b4e019ULL);
}

std::uint64_t Permutation::step64(std::uint64_t m) const {
  const auto a = static_cast<std::uint64_t>(a_);
  const auto b = static_cast<std::uint64_t>(b_);
  std::uint64_t x = m % a;
  std::uint64_t y = m / a;
  for (int r = 0; r < kRounds; r += 2) {
    const auto dx = static_cast<std::uint64_t>(
        (static_cast<u128>(mix64(keys_[static_cast<std::size_t>(r)], y)) * a) >> 64);
    x += dx;
    if (x >= a) x -= a;
    const auto dy = static_cast<std::uint64_t>(
        (static_cast<u128>(mix64(keys_[static_cast<std::size_t>(r) + 1], x)) * b) >> 64);
    y += dy;
    if (y >= b) y -= b;
  }
  return x + a * y;
}

u128 Permutation::step(u128 m) const {
  if (small_) return step64(static_cast<std::uint64_t>(m));
  u128 x = m % a_;
  u128 y = m / a_;
  for (int r = 0; r < kRounds; r += 2) {
    x += reduce(mix(keys_[static_cast<std::size_t>(r)], y), a_);
    if (x >= a_) x -= a_;
    y += reduce(mix(keys_[static_cast<std::size_t>(r) + 1], x), b_);
    if (y >= b_) y -= b_;
  }
  return x + a_ * y;
}

u128 Permutation::unstep(u128 m) const {
  u128 x = m % a_;
  u128 y = m / a_;
  for (int r = kRounds - 2; r >= 0; r -= 2) {
    u128 dy;
    u128 dx;
    if (small_) {
      dy = reduce(mix64(keys_[static_cast<std::size_t>(r) + 1], static_cast<std::uint64_t>(x)), b_);
    } else {
      dy = reduce(mix(keys_[static_cast<std::size_t>(r) + 1], x), b_);
    }
    y = y >= dy ? y - dy : y + b_ - dy;
    if (small_) {
      dx = reduce(mix64(keys_[static_cast<std::size_t>(r)], static_cast<std::uint64_t>(y)), a_);
    } else {
      dx = reduce(mix(keys_[static_cast<std::size_t>(r)], y), a_);
    }
    x = x >= dx ? x - dx : x + a_ - dx;
  }
  return x + a_ * y;
}

u128 Permutation::at(u128 position) const {
  if (size_ <= 1) return position;
  // Cycle-walking: the cycle through `position` returns to [0, n) after few steps on average
  // (a * b - n < a, so at most a fraction 1/sqrt(n) of the grid lies outside).
  u128 m = step(position);
  while (m >= size_) m = step(m);
  return m;
}

u128 Permutation::inverse(u128 value) const {
  if (size_ <= 1) return value;
  u128 m = unstep(value);
  while (m >= size_) m = unstep(m);
  return m;
}

}  // namespace dotscan::targets
