#include "dotscan/util/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <chrono>

namespace dotscan {

std::uint64_t randomSeed() {
  std::uint64_t seed = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&seed);
  std::size_t got = 0;
  while (got < sizeof seed) {
    const ssize_t n = getrandom(bytes + got, sizeof seed - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // No getrandom (very old kernel or a seccomp filter): the clock still varies run to run.
      return static_cast<std::uint64_t>(
          std::chrono::high_resolution_clock::now().time_since_epoch().count());
    }
    got += static_cast<std::size_t>(n);
  }
  return seed;
}

}  // namespace dotscan
