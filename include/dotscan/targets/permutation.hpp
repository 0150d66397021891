// dotscan/targets/permutation.hpp — a seeded pseudo-random permutation of [0, n), computed lazily.
//
// How: the domain is laid out as a grid of a x b cells with a = ceil(sqrt(n)) and b = ceil(n / a),
// so a * b - n < a. A Feistel-like network of alternating rounds, x <- x + F(k, y) mod a and
// y <- y + F(k, x) mod b, permutes the grid (each round is a bijection: it can be undone by
// subtraction); cycle-walking maps the few cells at or above n back into [0, n). This is the
// generalised-domain Feistel construction of Black and Rogaway, also behind masscan's "blackrock".
//
// Invariants: at(i) for i in [0, n) visits every value of [0, n) exactly once; the order depends
// only on (n, seed); no memory beyond a few words whatever n is (up to 2^128 - 1); inverse(at(i))
// == i. Not a cipher: the order must look random to the network, not resist cryptanalysis.
#pragma once

#include <array>
#include <cstdint>

#include "dotscan/util/uint128.hpp"

namespace dotscan::targets {

class Permutation {
 public:
  Permutation(u128 size, std::uint64_t seed);

  [[nodiscard]] u128 size() const { return size_; }
  [[nodiscard]] u128 at(u128 position) const;
  [[nodiscard]] u128 inverse(u128 value) const;

 private:
  static constexpr int kRounds = 6;
  [[nodiscard]] u128 step(u128 m) const;
  [[nodiscard]] u128 unstep(u128 m) const;
  [[nodiscard]] std::uint64_t step64(std::uint64_t m) const;

  u128 size_;
  u128 a_ = 1;
  u128 b_ = 1;
  bool small_ = true;  // a and b below 2^32: all arithmetic fits in 64 bits
  std::array<std::uint64_t, kRounds> keys_{};
};

}  // namespace dotscan::targets
