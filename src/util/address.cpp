#include "dotscan/util/address.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <endian.h>

namespace dotscan {

Address Address::fromV6Bytes(const std::uint8_t bytes[16]) {
  u128 value = 0;
  for (int i = 0; i < 16; ++i) value = (value << 8) | bytes[i];
  return Address(value);
}

void Address::toV6Bytes(std::uint8_t bytes[16]) const {
  // Two 64-bit halves in network order (SYN discovery does this for every packet it sends).
  const std::uint64_t high = htobe64(static_cast<std::uint64_t>(value_ >> 64U));
  const std::uint64_t low = htobe64(static_cast<std::uint64_t>(value_));
  std::memcpy(bytes, &high, sizeof high);
  std::memcpy(bytes + sizeof high, &low, sizeof low);
}

std::optional<Address> Address::parseV4(std::string_view text) {
  std::uint32_t result = 0;
  int octets = 0;
  std::size_t i = 0;
  while (octets < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    // A leading zero is refused: inet_aton reads "010" as octal, so the text is ambiguous.
    if (text[i] == '0' && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') {
      return std::nullopt;
    }
    unsigned octet = 0;
    int digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      octet = octet * 10 + static_cast<unsigned>(text[i] - '0');
      if (++digits > 3 || octet > 255) return std::nullopt;
      ++i;
    }
    result = (result << 8) | octet;
    ++octets;
    if (octets < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return fromV4(result);
}

std::optional<Address> Address::parseV6(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() >= kMaxTextLength || text.find(':') == std::string_view::npos) {
    return std::nullopt;
  }
  char buffer[kMaxTextLength];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  std::uint8_t bytes[16];
  if (inet_pton(AF_INET6, buffer, bytes) != 1) return std::nullopt;
  return fromV6Bytes(bytes);
}

std::optional<Address> Address::parse(std::string_view text) {
  if (auto v4 = parseV4(text)) return v4;
  return parseV6(text);
}

namespace {

char* writeOctet(char* out, unsigned octet) {
  if (octet >= 100) {
    *out++ = static_cast<char>('0' + octet / 100);
    *out++ = static_cast<char>('0' + (octet / 10) % 10);
  } else if (octet >= 10) {
    *out++ = static_cast<char>('0' + octet / 10);
  }
  *out++ = static_cast<char>('0' + octet % 10);
  return out;
}

}  // namespace

std::size_t Address::format(char* out) const {
  if (isV4()) {
    // The hot path of --list-targets: no library call, no allocation.
    const std::uint32_t v = v4();
    char* p = writeOctet(out, v >> 24);
    *p++ = '.';
    p = writeOctet(p, (v >> 16) & 0xff);
    *p++ = '.';
    p = writeOctet(p, (v >> 8) & 0xff);
    *p++ = '.';
    p = writeOctet(p, v & 0xff);
    return static_cast<std::size_t>(p - out);
  }
  std::uint8_t bytes[16];
  toV6Bytes(bytes);
  // inet_ntop writes the RFC 5952 canonical form.
  if (inet_ntop(AF_INET6, bytes, out, kMaxTextLength) == nullptr) return 0;
  return std::strlen(out);
}

std::string Address::toString() const {
  char buffer[kMaxTextLength];
  return {buffer, format(buffer)};
}

}  // namespace dotscan
