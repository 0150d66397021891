#include "dotscan/util/address.hpp"

#include <arpa/inet.h>

#include <gtest/gtest.h>

#include <array>

namespace dotscan {
namespace {

TEST(Address, ParsesDottedQuad) {
  auto a = Address::parse("192.0.2.1");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->isV4());
  EXPECT_EQ(a->v4(), 0xc0000201U);
  EXPECT_EQ(a->toString(), "192.0.2.1");
  EXPECT_EQ(Address::parse("0.0.0.0")->toString(), "0.0.0.0");
  EXPECT_EQ(Address::parse("255.255.255.255")->v4(), 0xffffffffU);
}

TEST(Address, RefusesAmbiguousOrMalformedIPv4) {
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.04", "1..2.3",
        "1.2.3.-1", "1.2.3.4 ", " 1.2.3.4", "0x1.2.3.4", "1234.1.1.1"}) {
    EXPECT_FALSE(Address::parseV4(bad)) << bad;
  }
}

TEST(Address, ParsesIPv6InCanonicalForm) {
  EXPECT_EQ(Address::parse("2001:DB8:0:0:0:0:0:1")->toString(), "2001:db8::1");
  EXPECT_EQ(Address::parse("[::1]")->toString(), "::1");
  EXPECT_EQ(Address::parse("::")->value(), 0U);
  EXPECT_FALSE(Address::parse("[::1"));
  EXPECT_FALSE(Address::parse("2001:db8::1::2"));
  EXPECT_FALSE(Address::parse("fe80::1%eth0"));
  EXPECT_FALSE(Address::parse("12345::"));
}

TEST(Address, IPv4MappedIsTheIPv4Address) {
  auto mapped = Address::parse("::ffff:192.0.2.1");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->isV4());
  EXPECT_EQ(*mapped, *Address::parse("192.0.2.1"));
  EXPECT_EQ(mapped->toString(), "192.0.2.1");
  EXPECT_EQ(mapped->family(), Family::V4);
  // The IPv4-compatible (deprecated) form is not IPv4-mapped: it stays IPv6.
  EXPECT_FALSE(Address::parse("::192.0.2.1")->isV4());
}

TEST(Address, OrdersIPv4BeforeMostIPv6AndByValue) {
  EXPECT_LT(*Address::parse("10.0.0.1"), *Address::parse("10.0.0.2"));
  EXPECT_LT(*Address::parse("255.255.255.255"), *Address::parse("2001:db8::"));
  EXPECT_LT(*Address::parse("::1"), *Address::parse("0.0.0.0"));
}

TEST(Address, BytesRoundTrip) {
  auto a = *Address::parse("2001:db8:1:2:3:4:5:6");
  std::uint8_t bytes[16];
  a.toV6Bytes(bytes);
  EXPECT_EQ(bytes[0], 0x20);
  EXPECT_EQ(bytes[15], 0x06);
  EXPECT_EQ(Address::fromV6Bytes(bytes), a);
  // Every byte in network order, as inet_pton writes it, IPv4 as ::ffff:a.b.c.d.
  for (const char* text : {"2001:db8:1:2:3:4:5:6", "fe80::1:ff00:aa", "::ffff:198.51.100.7"}) {
    std::array<std::uint8_t, 16> expected{};
    ASSERT_EQ(::inet_pton(AF_INET6, text, expected.data()), 1);
    std::array<std::uint8_t, 16> got{};
    Address::parse(text)->toV6Bytes(got.data());
    EXPECT_EQ(got, expected) << text;
  }
  std::array<std::uint8_t, 16> v4{};
  Address::parse("198.51.100.7")->toV6Bytes(v4.data());
  EXPECT_EQ(v4, (std::array<std::uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51,
                                              100, 7}));
}

TEST(Address, FormatsEveryOctetWidth) {
  EXPECT_EQ(Address::fromV4(0x00090a64).toString(), "0.9.10.100");
  EXPECT_EQ(Address::fromV4(0xff63ff00).toString(), "255.99.255.0");
}

}  // namespace
}  // namespace dotscan
