// dotscan/discover/checksum.hpp — the Internet checksum (RFC 1071) for IPv4, TCP and ICMP.
//
// Part of the discover module: SYN discovery's packets, built and read as bytes, with no socket,
// no capture and no global state. The sum is the 16-bit ones' complement sum of the bytes taken
// as big-endian words, an odd last byte padded with zero; it does not depend on the host's byte
// order (RFC 1071 section 2(B)), so the results here are the values as they appear on the wire.
// Invariant: the checksum of a packet that includes its own correct checksum field is 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dotscan/util/address.hpp"

namespace dotscan::discover {

// IANA protocol numbers used by the module.
inline constexpr std::uint8_t kProtocolIcmp = 1;
inline constexpr std::uint8_t kProtocolTcp = 6;
inline constexpr std::uint8_t kProtocolIcmpv6 = 58;

// Sums bytes given in pieces of any length, as if they were one run.
class ChecksumSum {
 public:
  void add(std::span<const std::uint8_t> bytes);
  void addU16(std::uint16_t value);
  void addU32(std::uint32_t value);
  // The ones' complement of the folded sum: the value to store in a checksum field.
  [[nodiscard]] std::uint16_t finish() const;

 private:
  std::uint64_t sum_ = 0;
  bool odd_ = false;  // an odd number of bytes so far: the next byte is a low byte
};

// The checksum of `bytes` alone (the IPv4 header, with its checksum field zero to compute it).
std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes);

// The TCP (or ICMPv6) checksum of `segment` under the pseudo-header of RFC 9293 section 3.1
// (IPv4: source, destination, zero, protocol, length) or RFC 8200 section 8.1 (IPv6: source,
// destination, 32-bit length, three zero bytes, next header). Both addresses must be of one
// family, which picks the pseudo-header.
std::uint16_t transportChecksum(const Address& source, const Address& destination,
                                std::uint8_t protocol, std::span<const std::uint8_t> segment);

}  // namespace dotscan::discover
