// Hand-built frames for the discover tests: each header written field by field, as the RFCs
// draw them, without the module's own builder. Checksums are left zero (the parser ignores them).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "dotscan/util/address.hpp"

namespace dotscan::discover::frames {

using Bytes = std::vector<std::uint8_t>;

inline Address ip(std::string_view text) {
  return Address::parse(text).value();
}

inline void put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8U));
  out.push_back(static_cast<std::uint8_t>(value));
}

inline void put32(Bytes& out, std::uint32_t value) {
  put16(out, static_cast<std::uint16_t>(value >> 16U));
  put16(out, static_cast<std::uint16_t>(value));
}

inline void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) append(out, part);
  return out;
}

struct Tcp {
  std::uint16_t source_port = 853;
  std::uint16_t destination_port = 40000;
  std::uint32_t seq = 0x11111111;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0x12;  // SYN, ACK
  std::uint16_t window = 65160;
};

// `options` a multiple of 4 bytes.
inline Bytes tcp(const Tcp& t, const Bytes& options = {}) {
  Bytes out;
  put16(out, t.source_port);
  put16(out, t.destination_port);
  put32(out, t.seq);
  put32(out, t.ack);
  out.push_back(static_cast<std::uint8_t>((20 + options.size()) / 4 * 16));
  out.push_back(t.flags);
  put16(out, t.window);
  put32(out, 0);  // checksum, urgent pointer
  append(out, options);
  return out;
}

inline void putAddress(Bytes& out, const Address& address) {
  if (address.isV4()) {
    put32(out, address.v4());
    return;
  }
  std::array<std::uint8_t, 16> bytes{};
  address.toV6Bytes(bytes.data());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// An IPv4 packet; `total_length` 0 means the right one.
inline Bytes ipv4(const Address& source, const Address& destination, std::uint8_t protocol,
                  const Bytes& payload, const Bytes& options = {}, std::uint16_t fragment = 0,
                  std::uint16_t total_length = 0) {
  Bytes out;
  const auto header = static_cast<std::uint16_t>(20 + options.size());
  out.push_back(static_cast<std::uint8_t>(0x40 | (header / 4)));
  out.push_back(0);
  put16(out,
        total_length != 0 ? total_length : static_cast<std::uint16_t>(header + payload.size()));
  put16(out, 0x4242);
  put16(out, fragment);
  out.push_back(57);  // TTL
  out.push_back(protocol);
  put16(out, 0);
  putAddress(out, source);
  putAddress(out, destination);
  append(out, options);
  append(out, payload);
  return out;
}

// An IPv6 packet; `payload` starts with any extension headers, `next` names the first.
inline Bytes ipv6(const Address& source, const Address& destination, std::uint8_t next,
                  const Bytes& payload, std::uint16_t payload_length = 0) {
  Bytes out;
  put32(out, 0x60000000U);
  put16(out, payload_length != 0 ? payload_length : static_cast<std::uint16_t>(payload.size()));
  out.push_back(next);
  out.push_back(58);  // hop limit
  putAddress(out, source);
  putAddress(out, destination);
  append(out, payload);
  return out;
}

// Type, code, checksum, 4 unused bytes, then the quoted packet.
inline Bytes icmp(std::uint8_t type, std::uint8_t code, const Bytes& quoted) {
  Bytes out = {type, code, 0, 0, 0, 0, 0, 0};
  append(out, quoted);
  return out;
}

inline Bytes ethernet(std::uint16_t ether_type, const Bytes& payload) {
  Bytes out = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
  put16(out, ether_type);
  append(out, payload);
  return out;
}

}  // namespace dotscan::discover::frames
