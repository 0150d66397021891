#include "dotscan/util/wire_reader.hpp"

#include <gtest/gtest.h>

#include <array>

namespace dotscan {
namespace {

constexpr std::array<std::uint8_t, 9> kBytes = {0x01, 0x02, 0x03, 0x04, 0x05,
                                                0x06, 0x07, 0x08, 0x09};

TEST(WireReader, ReadsBigEndian) {
  WireReader reader(kBytes);
  EXPECT_EQ(reader.readU8(), 0x01);
  EXPECT_EQ(reader.readU16(), 0x0203);
  EXPECT_EQ(reader.readU32(), 0x04050607U);
  EXPECT_EQ(reader.offset(), 7U);
  EXPECT_EQ(reader.remaining(), 2U);
  EXPECT_TRUE(reader.ok());
}

TEST(WireReader, FirstErrorIsSticky) {
  WireReader reader(kBytes);
  reader.skip(8);
  EXPECT_EQ(reader.readU16(), 0);  // one byte left: fails, consumes nothing
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.readU8(), 0);  // the byte that was there is no longer read
  EXPECT_EQ(reader.remaining(), 0U);
  EXPECT_TRUE(reader.rest().empty());
  EXPECT_EQ(reader.offset(), 8U);
}

TEST(WireReader, SubReaderIsBoundedAndConsumes) {
  WireReader reader(kBytes);
  reader.skip(1);
  WireReader sub = reader.sub(3);
  EXPECT_EQ(reader.readU8(), 0x05);
  EXPECT_EQ(sub.readU16(), 0x0203);
  EXPECT_EQ(sub.readU16(), 0);
  EXPECT_FALSE(sub.ok());
  EXPECT_TRUE(reader.ok());  // the sub-reader's failure is its own

  WireReader short_reader(kBytes);
  WireReader too_long = short_reader.sub(10);
  EXPECT_FALSE(short_reader.ok());
  EXPECT_FALSE(too_long.ok());
}

TEST(WireReader, FailMarksABadValue) {
  WireReader reader(kBytes);
  reader.fail();
  EXPECT_TRUE(reader.readBytes(0).empty());
  EXPECT_FALSE(reader.ok());
  EXPECT_FALSE(reader.sub(0).ok());
}

TEST(WireReader, EmptyInput) {
  WireReader reader;
  EXPECT_TRUE(reader.readBytes(0).empty());
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.readU32(), 0U);
  EXPECT_FALSE(reader.ok());
}

}  // namespace
}  // namespace dotscan
