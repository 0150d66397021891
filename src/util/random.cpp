#include "dotscan/util/random.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <chrono>

namespace dotscan {

bool randomBytes(std::span<std::uint8_t> out) {
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = getrandom(out.data() + got, out.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<std::size_t>(n);
  }
  return true;
}

std::uint64_t randomSeed() {
  std::array<std::uint8_t, sizeof(std::uint64_t)> bytes{};
  if (!randomBytes(bytes)) {
    // No getrandom (very old kernel or a seccomp filter): the clock still varies run to run.
    return static_cast<std::uint64_t>(
        std::chrono::high_resolution_clock::now().time_since_epoch().count());
  }
  std::uint64_t seed = 0;
  for (const std::uint8_t byte : bytes) seed = (seed << 8U) | byte;
  return seed;
}

}  // namespace dotscan
