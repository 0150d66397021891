// dotscan/util/address.hpp — an IPv4 or IPv6 address as one 128-bit number.
//
// Invariants: IPv4 addresses are held in IPv4-mapped form (::ffff:a.b.c.d, RFC 4291
// section 2.5.5.2), so one ordered number line holds both families and a range never mixes them by
// accident. An IPv4-mapped IPv6 literal therefore *is* the IPv4 address: it is printed and
// connected to as IPv4. Parsing is strict (no leading zeros, no shorthand such as "10.1", no zone
// index) and never throws.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dotscan/util/uint128.hpp"

namespace dotscan {

enum class Family : std::uint8_t { V4, V6 };

class Address {
 public:
  static constexpr u128 kV4Base = static_cast<u128>(0xffff) << 32;  // ::ffff:0.0.0.0
  static constexpr u128 kV4Last = kV4Base + 0xffffffffULL;          // ::ffff:255.255.255.255
  static constexpr std::size_t kMaxTextLength = 46;                 // INET6_ADDRSTRLEN

  constexpr Address() = default;
  static constexpr Address fromV4(std::uint32_t v4) { return Address(kV4Base | v4); }
  static constexpr Address fromValue(u128 value) { return Address(value); }
  static Address fromV6Bytes(const std::uint8_t bytes[16]);

  // Strict dotted-quad IPv4 or RFC 4291 IPv6 text (optionally in brackets). nullopt otherwise.
  static std::optional<Address> parse(std::string_view text);
  static std::optional<Address> parseV4(std::string_view text);
  static std::optional<Address> parseV6(std::string_view text);

  [[nodiscard]] constexpr u128 value() const { return value_; }
  [[nodiscard]] constexpr bool isV4() const { return value_ >= kV4Base && value_ <= kV4Last; }
  [[nodiscard]] constexpr Family family() const { return isV4() ? Family::V4 : Family::V6; }
  [[nodiscard]] constexpr std::uint32_t v4() const { return static_cast<std::uint32_t>(value_); }
  void toV6Bytes(std::uint8_t bytes[16]) const;

  // Writes the canonical text (dotted quad, or RFC 5952 for IPv6) to out, which must hold
  // kMaxTextLength bytes; returns the length written (no terminating NUL).
  std::size_t format(char* out) const;
  [[nodiscard]] std::string toString() const;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted spaceship
  friend constexpr auto operator<=>(const Address&, const Address&) = default;

 private:
  constexpr explicit Address(u128 value) : value_(value) {}
  u128 value_ = 0;
};

}  // namespace dotscan
