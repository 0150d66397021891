// Small DNS wire-format writers shared by the test server and the tests that talk to it: test
// code, so no bounds checks beyond what std::vector::at gives (dotscan's own codec is src/dns/).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace dotscan::testing {

inline void put16(std::vector<std::uint8_t>& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>((value >> 8U) & 0xffU));
  out.push_back(static_cast<std::uint8_t>(value & 0xffU));
}

inline std::size_t get16(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return static_cast<std::size_t>(bytes.at(at)) << 8U | bytes.at(at + 1);
}

// Overwrites the 16-bit value at `at` (a count or a length written before it was known).
inline void set16(std::vector<std::uint8_t>& bytes, std::size_t at, std::size_t value) {
  bytes.at(at) = static_cast<std::uint8_t>((value >> 8U) & 0xffU);
  bytes.at(at + 1) = static_cast<std::uint8_t>(value & 0xffU);
}

// `name` ("dot.test.") in wire form, uncompressed (RFC 1035 section 3.1).
inline std::vector<std::uint8_t> wireName(std::string_view name) {
  std::vector<std::uint8_t> out;
  while (!name.empty() && name != ".") {
    const std::size_t dot = std::min(name.find('.'), name.size());
    out.push_back(static_cast<std::uint8_t>(dot));
    out.insert(out.end(), name.begin(), name.begin() + static_cast<long>(dot));
    name.remove_prefix(std::min(dot + 1, name.size()));
  }
  out.push_back(0);
  return out;
}

// Appends a Padding option (RFC 7830, option 12) to a message that ends inside its OPT record's
// rdata, so that the message becomes a multiple of `block` octets: the option's own 4 header
// octets count, its value is all zero.
inline void appendPadding(std::vector<std::uint8_t>& message, std::size_t block) {
  const std::size_t length = (block - (message.size() + 4) % block) % block;
  put16(message, 12);
  put16(message, length);
  message.insert(message.end(), length, 0);
}

}  // namespace dotscan::testing
