// dotscan/util/text.hpp — small text helpers the modules share: hex, ASCII case, errno text, and
// the bound on input quoted in an error message.
//
// Locale-free on purpose: a scanner's output must not change with LC_ALL.
#pragma once

#include <chrono>
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

// A time in whole milliseconds, as reasons quote a timeout: "5000 ms".
std::string formatMs(std::chrono::nanoseconds duration);

// The most bytes of user input an error message quotes: a 10 MB token in an -iL file must not
// become a 10 MB line on stderr.
inline constexpr std::size_t kMaxQuotedInput = 256;

// Input as an error message quotes it: whole when it is short, else its first kMaxQuotedInput
// bytes (not ending inside a UTF-8 sequence), an ellipsis and the full length, as in
// "aaaa…(70000 bytes)". Every message that echoes input goes through this (or quoteInput() below).
std::string clipInput(std::string_view input);

// The same between single quotes: 'aaaa…(70000 bytes)'.
std::string quoteInput(std::string_view input);

}  // namespace dotscan
