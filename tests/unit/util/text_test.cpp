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

}  // namespace
}  // namespace dotscan
