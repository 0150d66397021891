// dotscan/util/text.hpp — small text helpers the modules share: hex, ASCII case, errno text.
//
// Locale-free on purpose: a scanner's output must not change with LC_ALL.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dotscan {

// Two lower-case hex digits per byte.
std::string hexEncode(std::span<const std::uint8_t> bytes);

// A-Z to a-z; every other byte as it is.
std::string asciiLower(std::string_view text);

// The text of an errno value, as strerror gives it, but safe to call from several threads.
std::string errorText(int error);

}  // namespace dotscan
