// dotscan/syn/route.hpp — what the kernel's routing table says about reaching a target.
//
// Asked the kernel's own way, with no packet sent: a UDP socket is connected to the target and
// its local address read back; the interface is the one that holds that address. Used by SYN
// discovery (our address in the SYNs, the interface to capture on) and by --pcap.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "dotscan/util/address.hpp"

namespace dotscan::syn {

// Our address on the route to `target`. Throws dotscan::Error when there is no route.
Address routeSource(const Address& target);

// The interface that holds `source`. Throws dotscan::Error when none does.
std::string interfaceOf(const Address& source);

using Mac = std::array<std::uint8_t, 6>;

// What a packet socket needs to put a frame on an Ethernet link towards `target`: the interface's
// index and MAC, and the next hop's MAC (the IPv4 gateway of the route in /proc/net/route, looked
// up in the kernel's neighbour table, /proc/net/arp). nullopt when that cannot be known without
// sending anything: IPv6, a target on the link itself (each would need its own MAC), a link that
// is not Ethernet, or a gateway not yet resolved. `gateway_mac` (--gateway-mac) skips the lookup.
struct LinkPath {
  int ifindex = 0;
  Mac source{};
  Mac next_hop{};
};
std::optional<LinkPath> ethernetPath(const std::string& interface, const Address& target,
                                     const std::optional<Mac>& gateway_mac);

// "aa:bb:cc:dd:ee:ff"; nullopt when it is not six hex pairs.
std::optional<Mac> parseMac(const std::string& text);

}  // namespace dotscan::syn
