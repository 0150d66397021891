#include "dotscan/syn/route.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <ifaddrs.h>

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

}  // namespace dotscan::syn
