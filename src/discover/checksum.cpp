#include "dotscan/discover/checksum.hpp"

#include <array>

namespace dotscan::discover {

void ChecksumSum::add(std::span<const std::uint8_t> bytes) {
  for (const std::uint8_t byte : bytes) {
    sum_ += odd_ ? byte : std::uint64_t{byte} << 8U;
    odd_ = !odd_;
  }
}

void ChecksumSum::addU16(std::uint16_t value) {
  const std::array<std::uint8_t, 2> bytes = {static_cast<std::uint8_t>(value >> 8U),
                                             static_cast<std::uint8_t>(value)};
  add(bytes);
}

void ChecksumSum::addU32(std::uint32_t value) {
  addU16(static_cast<std::uint16_t>(value >> 16U));
  addU16(static_cast<std::uint16_t>(value));
}

std::uint16_t ChecksumSum::finish() const {
  // A 64-bit sum of 16-bit words cannot overflow for any packet; fold the carries back in
  // (RFC 1071 section 4.1).
  std::uint64_t sum = sum_;
  while ((sum >> 16U) != 0) sum = (sum & 0xffffU) + (sum >> 16U);
  return static_cast<std::uint16_t>(~sum & 0xffffU);
}

std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes) {
  ChecksumSum sum;
  sum.add(bytes);
  return sum.finish();
}

std::uint16_t transportChecksum(const Address& source, const Address& destination,
                                std::uint8_t protocol, std::span<const std::uint8_t> segment) {
  ChecksumSum sum;
  if (source.isV4()) {
    sum.addU32(source.v4());
    sum.addU32(destination.v4());
    sum.addU16(protocol);
    sum.addU16(static_cast<std::uint16_t>(segment.size()));
  } else {
    std::array<std::uint8_t, 16> bytes{};
    source.toV6Bytes(bytes.data());
    sum.add(bytes);
    destination.toV6Bytes(bytes.data());
    sum.add(bytes);
    sum.addU32(static_cast<std::uint32_t>(segment.size()));
    sum.addU32(protocol);
  }
  sum.add(segment);
  return sum.finish();
}

}  // namespace dotscan::discover
