// Fuzz target: certificate description from raw DER, the bytes a hostile server sends.
#include <cstdint>
#include <span>

#include "dotscan/tls/certificate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto info = dotscan::tls::describeDer(std::span<const std::uint8_t>(data, size), 0, true);
  // Never dropped: the fingerprints exist whatever the bytes were.
  if (info.sha256.size() != 64 || info.sha1.size() != 40) __builtin_trap();
  return 0;
}
