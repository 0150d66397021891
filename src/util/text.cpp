#include "dotscan/util/text.hpp"

#include <array>
#include <cstring>

namespace dotscan {

std::string hexEncode(std::span<const std::uint8_t> bytes) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    out.push_back(kDigits[byte >> 4U]);
    out.push_back(kDigits[byte & 0xfU]);
  }
  return out;
}

std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string errorText(int error) {
  std::array<char, 128> buffer{};
  // The GNU strerror_r returns the message, possibly not in the buffer.
  return ::strerror_r(error, buffer.data(), buffer.size());
}

}  // namespace dotscan
