// dotscan/util/uint128.hpp — the 128-bit unsigned integer used for address and index arithmetic.
//
// IPv6 ranges times port lists do not fit in 64 bits; GCC and Clang provide unsigned __int128.
// Helpers here print and parse it and do checked arithmetic, since the standard library does not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dotscan {

__extension__ using u128 = unsigned __int128;

inline constexpr u128 kU128Max = ~static_cast<u128>(0);

std::string toString(u128 value);

// Parses a decimal number without sign; nullopt on anything else or on overflow.
std::optional<u128> parseU128(std::string_view text);

// a + b, or nullopt on overflow.
inline std::optional<u128> checkedAdd(u128 a, u128 b) {
  if (a > kU128Max - b) return std::nullopt;
  return a + b;
}

// a * b, or nullopt on overflow.
inline std::optional<u128> checkedMul(u128 a, u128 b) {
  if (a != 0 && b > kU128Max / a) return std::nullopt;
  return a * b;
}

}  // namespace dotscan
