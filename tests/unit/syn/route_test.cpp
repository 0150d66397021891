// What SYN discovery asks of the routing table (syn/route.hpp): parsing --gateway-mac, and the
// cases where no packet-socket path may be used.
#include "dotscan/syn/route.hpp"

#include <gtest/gtest.h>

namespace dotscan::syn {
namespace {

TEST(Route, ParsesAMac) {
  const auto mac = parseMac("02:00:5e:10:0A:ff");
  ASSERT_TRUE(mac);
  EXPECT_EQ(*mac, (Mac{0x02, 0x00, 0x5e, 0x10, 0x0a, 0xff}));
}

TEST(Route, RefusesWhatIsNotAMac) {
  for (const char* text :
       {"", "02:00:5e:10:00", "02:00:5e:10:00:01:02", "02-00-5e-10-00-01", "0g:00:5e:10:00:01",
        "02:00:5e:10:00:1", "02:00:5e:10:00:011", " 2:00:5e:10:00:01", "+2:00:5e:10:00:01"}) {
    EXPECT_FALSE(parseMac(text)) << text;
  }
}

TEST(Route, NoPacketSocketPathOnLoopbackOrForIpv6) {
  // Loopback is not an Ethernet link; IPv6 next hops are not looked up (the raw socket routes).
  EXPECT_FALSE(ethernetPath("lo", *Address::parse("127.0.0.1"), std::nullopt));
  EXPECT_FALSE(ethernetPath("lo", *Address::parse("::1"), Mac{}));
  EXPECT_FALSE(ethernetPath("no-such-interface0", *Address::parse("192.0.2.1"), Mac{}));
}

TEST(Route, TheRouteToLoopbackIsLoopback) {
  EXPECT_EQ(routeSource(*Address::parse("127.0.0.1")), *Address::parse("127.0.0.1"));
  EXPECT_EQ(interfaceOf(*Address::parse("127.0.0.1")), "lo");
}

}  // namespace
}  // namespace dotscan::syn
