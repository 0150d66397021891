#include "dotscan/syn/route.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sstream>

#include "dotscan/net/socket.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::syn {

// The kernel's route to `target`: the address it would send from (a UDP connect sends nothing).
Address routeSource(const Address& target) {
  const net::UniqueFd fd(
      ::socket(target.isV4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
  sockaddr_storage storage{};
  const socklen_t length = net::toSockaddr(target, 853, storage);
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the sockaddr API
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    throw Error(ExitCode::RuntimeError,
                "no route to " + target.toString() + ": " + errorText(errno));
  }
  sockaddr_storage local{};
  socklen_t local_length = sizeof local;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_length) != 0) {
    throw Error(ExitCode::RuntimeError, "getsockname: " + errorText(errno));
  }
  return net::fromSockaddr(reinterpret_cast<sockaddr*>(&local));
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
}

// The interface that holds `source`.
std::string interfaceOf(const Address& source) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    throw Error(ExitCode::RuntimeError, "getifaddrs: " + errorText(errno));
  }
  std::string name;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) continue;
    const int family = entry->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    if (net::fromSockaddr(entry->ifa_addr) == source) {
      name = entry->ifa_name;
      break;
    }
  }
  ::freeifaddrs(list);
  if (name.empty()) {
    throw Error(ExitCode::RuntimeError, "no interface holds " + source.toString());
  }
  return name;
}

std::optional<Mac> parseMac(const std::string& text) {
  // Six pairs of hex digits with a colon between each: exactly 17 characters.
  if (text.size() != 17) return std::nullopt;
  Mac mac{};
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const char* first = text.data() + i * 3;
    if (i > 0 && first[-1] != ':') return std::nullopt;
    unsigned value = 0;
    const auto [end, error] = std::from_chars(first, first + 2, value, 16);
    if (error != std::errc() || end != first + 2) return std::nullopt;
    mac.at(i) = static_cast<std::uint8_t>(value);
  }
  return mac;
}

namespace {

// The gateway of the most specific IPv4 route on `interface` that covers `target`; 0 for a route
// on the link (no gateway); nullopt when no route on that interface covers it.
std::optional<std::uint32_t> ipv4Gateway(const std::string& interface, std::uint32_t target) {
  std::ifstream routes("/proc/net/route");
  std::string line;
  std::getline(routes, line);  // the header
  std::optional<std::uint32_t> gateway;
  int best = -1;
  while (std::getline(routes, line)) {
    std::istringstream fields(line);
    std::string name;
    std::string destination;
    std::string via;
    std::string flags;
    std::string refcnt;
    std::string use;
    std::string metric;
    std::string mask;
    if (!(fields >> name >> destination >> via >> flags >> refcnt >> use >> metric >> mask)) {
      continue;
    }
    if (name != interface) continue;
    // The file has the addresses as hex of their bytes in memory order: ntohl gives the value.
    const auto hex = [](const std::string& text) {
      return ntohl(static_cast<std::uint32_t>(std::stoul(text, nullptr, 16)));
    };
    try {
      const std::uint32_t net = hex(destination);
      const std::uint32_t netmask = hex(mask);
      if ((target & netmask) != net) continue;
      const int length = __builtin_popcount(netmask);
      if (length > best) {
        best = length;
        gateway = hex(via);
      }
    } catch (const std::exception&) {
      continue;
    }
  }
  return gateway;
}

// The MAC the neighbour table holds for `address` on `interface`, if it is resolved.
std::optional<Mac> neighbourMac(const std::string& interface, std::uint32_t address) {
  std::ifstream table("/proc/net/arp");
  std::string line;
  std::getline(table, line);  // the header
  const std::string wanted = Address::fromV4(address).toString();
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string ip;
    std::string type;
    std::string flags;
    std::string mac;
    std::string mask;
    std::string device;
    if (!(fields >> ip >> type >> flags >> mac >> mask >> device)) continue;
    if (ip != wanted || device != interface) continue;
    try {
      if ((std::stoul(flags, nullptr, 16) & ATF_COM) == 0) continue;  // not resolved
    } catch (const std::exception&) {
      continue;
    }
    return parseMac(mac);
  }
  return std::nullopt;
}

}  // namespace

std::optional<LinkPath> ethernetPath(const std::string& interface, const Address& target,
                                     const std::optional<Mac>& gateway_mac) {
  if (!target.isV4()) return std::nullopt;
  LinkPath path;
  path.ifindex = static_cast<int>(::if_nametoindex(interface.c_str()));
  if (path.ifindex == 0) return std::nullopt;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  bool ethernet = false;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_PACKET) continue;
    if (interface != entry->ifa_name) continue;
    sockaddr_ll link{};
    std::memcpy(&link, entry->ifa_addr, sizeof link);
    ethernet = link.sll_hatype == ARPHRD_ETHER && link.sll_halen == 6;
    std::memcpy(path.source.data(), link.sll_addr, path.source.size());
  }
  ::freeifaddrs(list);
  if (!ethernet) return std::nullopt;
  if (gateway_mac) {
    path.next_hop = *gateway_mac;
    return path;
  }
  const auto gateway = ipv4Gateway(interface, target.v4());
  if (!gateway || *gateway == 0) return std::nullopt;
  const auto mac = neighbourMac(interface, *gateway);
  if (!mac) return std::nullopt;
  path.next_hop = *mac;
  return path;
}

}  // namespace dotscan::syn
