#include "dotscan/targets/spec.hpp"

#include <gtest/gtest.h>

#include "dotscan/util/error.hpp"

namespace dotscan::targets {
namespace {

u128 v4(const char* text) {
  return Address::parse(text)->value();
}

std::vector<Interval> rangesOf(const char* text) {
  auto spec = parseSpec(text);
  return std::get<AddressSpec>(spec).addresses.intervals();
}

std::string errorOf(const char* text) {
  try {
    parseSpec(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, SingleAddresses) {
  EXPECT_EQ(rangesOf("192.0.2.7"), (std::vector<Interval>{{v4("192.0.2.7"), v4("192.0.2.7")}}));
  EXPECT_EQ(rangesOf("255.255.255.255"),
            (std::vector<Interval>{{v4("255.255.255.255"), v4("255.255.255.255")}}));
  EXPECT_EQ(rangesOf("2001:db8::1"),
            (std::vector<Interval>{{v4("2001:db8::1"), v4("2001:db8::1")}}));
  EXPECT_EQ(rangesOf("[2001:db8::1]"), rangesOf("2001:db8::1"));
  EXPECT_EQ(rangesOf("::ffff:192.0.2.7"), rangesOf("192.0.2.7"));
}

TEST(Spec, CidrEdges) {
  EXPECT_EQ(rangesOf("0.0.0.0/0"), (std::vector<Interval>{{v4("0.0.0.0"), v4("255.255.255.255")}}));
  EXPECT_EQ(rangesOf("192.0.2.9/32"), rangesOf("192.0.2.9"));
  EXPECT_EQ(rangesOf("192.0.2.77/24"),
            (std::vector<Interval>{{v4("192.0.2.0"), v4("192.0.2.255")}}));
  EXPECT_EQ(rangesOf("10.0.0.0/31"), (std::vector<Interval>{{v4("10.0.0.0"), v4("10.0.0.1")}}));
  EXPECT_EQ(rangesOf("2001:db8::1/128"), rangesOf("2001:db8::1"));
  EXPECT_EQ(rangesOf("2001:db8::ff/120"),
            (std::vector<Interval>{{v4("2001:db8::"), v4("2001:db8::ff")}}));
  EXPECT_EQ(rangesOf("::/0"), (std::vector<Interval>{{0, kU128Max}}));
  // An IPv4-mapped block is the IPv4 block.
  EXPECT_EQ(rangesOf("::ffff:10.0.0.0/120"), rangesOf("10.0.0.0/24"));
}

TEST(Spec, CidrErrorsNameTheText) {
  EXPECT_EQ(errorOf("10.0.0.0/33"),
            "invalid target '10.0.0.0/33': prefix length must be a number from 0 to 32");
  EXPECT_NE(errorOf("2001:db8::/129").find("0 to 128"), std::string::npos);
  EXPECT_NE(errorOf("10.0.0.0/"), "");
  EXPECT_NE(errorOf("10.0.0.0/08"), "");
  EXPECT_NE(errorOf("10.0.0/8").find("not an IP address"), std::string::npos);
  EXPECT_NE(errorOf("dns.example/24").find("host name"), std::string::npos);
}

TEST(Spec, DashRanges) {
  EXPECT_EQ(rangesOf("10.0.0.250-10.0.1.5"),
            (std::vector<Interval>{{v4("10.0.0.250"), v4("10.0.1.5")}}));
  EXPECT_EQ(rangesOf("10.0.0.1-9"), (std::vector<Interval>{{v4("10.0.0.1"), v4("10.0.0.9")}}));
  EXPECT_EQ(rangesOf("2001:db8::1-2001:db8::1:0"),
            (std::vector<Interval>{{v4("2001:db8::1"), v4("2001:db8::1:0")}}));
  EXPECT_EQ(rangesOf("2001:db8::10-ff"),
            (std::vector<Interval>{{v4("2001:db8::10"), v4("2001:db8::ff")}}));
  EXPECT_EQ(rangesOf("0.0.0.0-255.255.255.255"), rangesOf("0.0.0.0/0"));
}

TEST(Spec, ReversedRangesAreErrors) {
  EXPECT_NE(errorOf("10.0.0.9-10.0.0.1").find("before its start"), std::string::npos);
  EXPECT_NE(errorOf("10.0.0.9-1").find("ends before it starts"), std::string::npos);
  EXPECT_NE(errorOf("2001:db8::ff-10").find("before its start"), std::string::npos);
  EXPECT_NE(errorOf("2001:db8::2-2001:db8::1").find("before its start"), std::string::npos);
}

TEST(Spec, NmapOctetRanges) {
  EXPECT_EQ(rangesOf("192.168.0-1.1,3,5-9"), (std::vector<Interval>{
                                                 {v4("192.168.0.1"), v4("192.168.0.1")},
                                                 {v4("192.168.0.3"), v4("192.168.0.3")},
                                                 {v4("192.168.0.5"), v4("192.168.0.9")},
                                                 {v4("192.168.1.1"), v4("192.168.1.1")},
                                                 {v4("192.168.1.3"), v4("192.168.1.3")},
                                                 {v4("192.168.1.5"), v4("192.168.1.9")},
                                             }));
  // Full trailing octets collapse into one interval per run of the last partial octet.
  EXPECT_EQ(rangesOf("10.1-2.*.*"), (std::vector<Interval>{{v4("10.1.0.0"), v4("10.2.255.255")}}));
  EXPECT_EQ(rangesOf("*.*.*.*"), rangesOf("0.0.0.0/0"));
  EXPECT_EQ(rangesOf("10.0.0.250-"), (std::vector<Interval>{{v4("10.0.0.250"), v4("10.0.0.255")}}));
  EXPECT_EQ(rangesOf("10.0.0.-2"), (std::vector<Interval>{{v4("10.0.0.0"), v4("10.0.0.2")}}));
  EXPECT_EQ(std::get<AddressSpec>(parseSpec("10.0-255.0-255.1")).addresses.count(), 65536U);
}

TEST(Spec, OctetRangeErrors) {
  EXPECT_NE(errorOf("10.0.0.256").find("0 to 255"), std::string::npos);
  EXPECT_NE(errorOf("10.0.0").find("four octets"), std::string::npos);
  EXPECT_NE(errorOf("10.0.0.1.2").find("four octets"), std::string::npos);
  EXPECT_NE(errorOf("10.0..1").find("empty octet"), std::string::npos);
  EXPECT_NE(errorOf("10.0.0.1,,2").find("empty item"), std::string::npos);
  EXPECT_NE(errorOf("0-255.0-255.0-255.1").find("separate ranges"), std::string::npos);
  EXPECT_NE(errorOf("1234"), "");
}

TEST(Spec, HostNames) {
  EXPECT_EQ(std::get<NameSpec>(parseSpec("Dns.Example.")).name, "dns.example");
  EXPECT_EQ(std::get<NameSpec>(parseSpec("localhost")).name, "localhost");
  EXPECT_EQ(std::get<NameSpec>(parseSpec("_dns.resolver.arpa")).name, "_dns.resolver.arpa");
  EXPECT_EQ(std::get<NameSpec>(parseSpec("1dot1dot1dot1.cloudflare-dns.com")).name,
            "1dot1dot1dot1.cloudflare-dns.com");
  for (const char* bad :
       {"-bad.example", "bad-.example", "a..b", "sp ace", "*.example", "é.example", "a/b", "."}) {
    EXPECT_NE(errorOf(bad), "") << bad;
  }
  EXPECT_NE(errorOf(std::string(64, 'a').c_str()), "");
  EXPECT_EQ(std::get<NameSpec>(parseSpec(std::string(63, 'a'))).name, std::string(63, 'a'));
  EXPECT_NE(errorOf(std::string(2000, 'a').c_str()).find("1024"), std::string::npos);
}

TEST(Spec, ZoneIndexesAreRefused) {
  EXPECT_NE(errorOf("fe80::1%eth0").find("zone"), std::string::npos);
}

TEST(SpecList, SplitsOnCommasButKeepsOctetLists) {
  using V = std::vector<std::string>;
  EXPECT_EQ(splitSpecList("10.0.0.1,10.0.0.2"), (V{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(splitSpecList("192.168.1.1,3,5-9,10.0.0.0/8"), (V{"192.168.1.1,3,5-9", "10.0.0.0/8"}));
  EXPECT_EQ(splitSpecList("192.168.1,2.0"), (V{"192.168.1,2.0"}));
  EXPECT_EQ(splitSpecList("a.example,b.example"), (V{"a.example", "b.example"}));
  EXPECT_EQ(splitSpecList("::1,2001:db8::/64"), (V{"::1", "2001:db8::/64"}));
  EXPECT_THROW(splitSpecList("10.0.0.1,,dns.example"), UsageError);
  EXPECT_THROW(splitSpecList(""), UsageError);
}

TEST(Ports, Lists) {
  using V = std::vector<std::uint16_t>;
  EXPECT_EQ(parsePortList("853").ports(), (V{853}));
  EXPECT_EQ(parsePortList("8853,443,853,443").ports(), (V{443, 853, 8853}));
  EXPECT_EQ(parsePortList("1-3,2-4").ports(), (V{1, 2, 3, 4}));
  EXPECT_EQ(parsePortList("-").count(), 65535U);
  EXPECT_EQ(parsePortList("65530-").ports(), (V{65530, 65531, 65532, 65533, 65534, 65535}));
  EXPECT_EQ(parsePortList("-2").ports(), (V{1, 2}));
  // Many overlapping whole ranges: each port once.
  EXPECT_EQ(parsePortList("-,1-,-65535,853,-").count(), 65535U);
}

TEST(Ports, HeldAsSortedMergedRanges) {
  using R = std::vector<PortList::Range>;
  // "-" is one range, however often it is given: the list's size is its ranges, not its ports.
  EXPECT_EQ(parsePortList("-,1-,-65535,853,-").ranges(), (R{{1, 65535}}));
  // Adjacent and overlapping items merge; separate ones stay apart, in order.
  EXPECT_EQ(parsePortList("8853,10-20,21,15-16,443,1-2,3").ranges(),
            (R{{1, 3}, {10, 21}, {443, 443}, {8853, 8853}}));
  EXPECT_EQ(parsePortList("65535,1").ranges(), (R{{1, 1}, {65535, 65535}}));
  // Lists equal as sets of ports are equal, whatever their spelling.
  EXPECT_EQ(parsePortList("1-3,5"), parsePortList("5,3,2,1"));
  EXPECT_NE(parsePortList("1-3"), parsePortList("1-4"));
  EXPECT_EQ(PortList({853, 443, 853}), parsePortList("443,853"));
}

TEST(Ports, Contains) {
  const PortList list = parsePortList("1-3,853,60000-");
  for (const std::uint16_t port : std::vector<std::uint16_t>{1, 2, 3, 853, 60000, 65535})
    EXPECT_TRUE(list.contains(port));
  for (const std::uint16_t port : std::vector<std::uint16_t>{0, 4, 852, 854, 59999})
    EXPECT_FALSE(list.contains(port));
  EXPECT_FALSE(PortList().contains(853));
  EXPECT_EQ(list.count(), 3U + 1U + 5536U);
}

TEST(Ports, FromRangesRefusesPortZeroAndReversedRanges) {
  EXPECT_THROW(PortList::fromRanges({{0, 5}}), UsageError);
  EXPECT_THROW(PortList::fromRanges({{9, 5}}), UsageError);
  EXPECT_THROW(PortList({0}), UsageError);
}

TEST(Ports, ErrorsNameTheText) {
  auto message = [](const char* text) -> std::string {
    try {
      parsePortList(text);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message("0"), "invalid port list '0': port 0 cannot be scanned");
  EXPECT_EQ(message("65536"),
            "invalid port list '65536': '65536' is not a port number from 1 to 65535");
  EXPECT_NE(message("9-1").find("ends before it starts"), std::string::npos);
  EXPECT_NE(message("").find("empty"), std::string::npos);
  EXPECT_NE(message("853,").find("empty item"), std::string::npos);
  EXPECT_NE(message("dot"), "");
  EXPECT_NE(message("+853"), "");
}

}  // namespace
}  // namespace dotscan::targets
