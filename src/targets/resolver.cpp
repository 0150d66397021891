#include "dotscan/targets/resolver.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

namespace dotscan::targets {

Resolution SystemResolver::resolve(const std::string& name, std::optional<Family> family) const {
  addrinfo hints{};
  hints.ai_family = !family ? AF_UNSPEC : (*family == Family::V4 ? AF_INET : AF_INET6);
  hints.ai_socktype = SOCK_STREAM;  // one entry per address instead of one per socket type
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(raw, &freeaddrinfo);
  Resolution result;
  if (rc != 0) {
    result.error = gai_strerror(rc);
    return result;
  }
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      sockaddr_in sin{};
      std::copy_n(reinterpret_cast<const unsigned char*>(ai->ai_addr), sizeof sin,
                  reinterpret_cast<unsigned char*>(&sin));
      result.addresses.push_back(Address::fromV4(ntohl(sin.sin_addr.s_addr)));
    } else if (ai->ai_family == AF_INET6) {
      sockaddr_in6 sin6{};
      std::copy_n(reinterpret_cast<const unsigned char*>(ai->ai_addr), sizeof sin6,
                  reinterpret_cast<unsigned char*>(&sin6));
      result.addresses.push_back(Address::fromV6Bytes(sin6.sin6_addr.s6_addr));
    }
  }
  std::sort(result.addresses.begin(), result.addresses.end());
  result.addresses.erase(std::unique(result.addresses.begin(), result.addresses.end()),
                         result.addresses.end());
  if (result.addresses.empty()) result.error = "no address of the requested family";
  return result;
}

std::vector<Resolution> resolveAll(const Resolver& resolver, const std::vector<std::string>& names,
                                   std::optional<Family> family, unsigned parallelism) {
  std::vector<Resolution> results(names.size());
  if (names.empty()) return results;
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < names.size(); i = next++) {
      try {
        results[i] = resolver.resolve(names[i], family);
      } catch (const std::exception& e) {
        results[i].error = e.what();
      }
    }
  };
  const std::size_t workers = std::clamp<std::size_t>(parallelism, 1, names.size());
  {
    std::vector<std::jthread> pool;
    pool.reserve(workers - 1);
    for (std::size_t i = 1; i < workers; ++i) pool.emplace_back(work);
    work();
  }
  return results;
}

}  // namespace dotscan::targets
