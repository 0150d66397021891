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

std::string formatMs(std::chrono::nanoseconds duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) +
         " ms";
}

std::string clipInput(std::string_view input) {
  if (input.size() <= kMaxQuotedInput) return std::string(input);
  std::size_t cut = kMaxQuotedInput;
  // Back off over UTF-8 continuation bytes (10xxxxxx) so that no character is cut in half.
  for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(input[cut]) & 0xc0U) == 0x80U;
       ++k) {
    --cut;
  }
  return std::string(input.substr(0, cut)) + "\u2026(" + std::to_string(input.size()) + " bytes)";
}

std::string quoteInput(std::string_view input) {
  return "'" + clipInput(input) + "'";
}

}  // namespace dotscan
