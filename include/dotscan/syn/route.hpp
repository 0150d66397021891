// dotscan/syn/route.hpp — what the kernel's routing table says about reaching a target.
//
// Asked the kernel's own way, with no packet sent: a UDP socket is connected to the target and
// its local address read back; the interface is the one that holds that address. Used by SYN
// discovery (our address in the SYNs, the interface to capture on) and by --pcap.
#pragma once

#include <string>

#include "dotscan/util/address.hpp"

namespace dotscan::syn {

// Our address on the route to `target`. Throws dotscan::Error when there is no route.
Address routeSource(const Address& target);

// The interface that holds `source`. Throws dotscan::Error when none does.
std::string interfaceOf(const Address& source);

}  // namespace dotscan::syn
