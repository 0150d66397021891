#include "dotscan/util/text.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cerrno>

namespace dotscan {
namespace {

TEST(Text, HexIsTwoLowerCaseDigitsPerByte) {
  const std::array<std::uint8_t, 4> bytes = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(hexEncode(bytes), "000fa0ff");
  EXPECT_EQ(hexEncode({}), "");
}

TEST(Text, LowerCaseTouchesOnlyAsciiLetters) {
  EXPECT_EQ(asciiLower("Dot.TEST-9_Z"), "dot.test-9_z");
  EXPECT_EQ(asciiLower("\xc3\x89"), "\xc3\x89");  // UTF-8 É stays as it is, byte for byte
}

TEST(Text, ErrnoText) {
  EXPECT_EQ(errorText(ENOENT), "No such file or directory");
  EXPECT_EQ(errorText(ECONNREFUSED), "Connection refused");
}

TEST(Text, QuotedInputIsBounded) {
  EXPECT_EQ(quoteInput("10.0.0.1/x"), "'10.0.0.1/x'");
  const std::string exact(kMaxQuotedInput, 'a');
  EXPECT_EQ(clipInput(exact), exact);
  const std::string huge(70000, 'a');
  EXPECT_EQ(clipInput(huge), exact + "\u2026(70000 bytes)");
  EXPECT_EQ(quoteInput(huge), "'" + exact + "\u2026(70000 bytes)'");
}

TEST(Text, QuotedInputIsNotCutInsideACharacter) {
  // "é" is two bytes: placed across the limit, it goes whole to the cut-off part.
  const std::string input = std::string(kMaxQuotedInput - 1, 'a') + "\xc3\xa9" + "tail";
  EXPECT_EQ(clipInput(input), std::string(kMaxQuotedInput - 1, 'a') + "\u2026(" +
                                  std::to_string(input.size()) + " bytes)");
}

}  // namespace
}  // namespace dotscan
