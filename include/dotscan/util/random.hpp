// dotscan/util/random.hpp — seeds from the kernel's random source.
#pragma once

#include <cstdint>
#include <span>

namespace dotscan {

// 64 random bits from getrandom(2); used when the user gives no --seed.
std::uint64_t randomSeed();

// Fills `out` from getrandom(2), the kernel's CSPRNG; false (out partly filled) when it cannot,
// and then nothing else will do: secrets such as the SYN cookie key need this or nothing.
bool randomBytes(std::span<std::uint8_t> out);

}  // namespace dotscan
