// dotscan/util/random.hpp — seeds from the kernel's random source.
#pragma once

#include <cstdint>

namespace dotscan {

// 64 random bits from getrandom(2); used when the user gives no --seed.
std::uint64_t randomSeed();

}  // namespace dotscan
