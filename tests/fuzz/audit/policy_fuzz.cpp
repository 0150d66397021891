// Fuzz target: the policy file (JSON) and the pin file parsers, fed the same bytes, then a lookup
// of the expectations of a few targets. Any exception but UsageError is a bug.
#include <cstdint>
#include <string_view>

#include "dotscan/audit/policy.hpp"
#include "dotscan/util/error.hpp"

namespace {

void lookUp(const dotscan::audit::Policy& policy) {
  for (const char* address : {"192.0.2.1", "127.53.0.1", "2001:db8::53"}) {
    for (const char* name : {"", "dot.test", "a.resolver.example"}) {
      const auto expectations = policy.expectationsFor(*dotscan::Address::parse(address), name);
      if (expectations.min_tls && *expectations.min_tls > dotscan::model::TlsVersion::Tls13) {
        __builtin_trap();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libFuzzer's bytes as text
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    dotscan::audit::Policy policy;
    policy.loadJson(text, "fuzz.json");
    lookUp(policy);
  } catch (const dotscan::UsageError&) {
  }
  try {
    dotscan::audit::Policy policy;
    policy.loadPinFile(text, "fuzz.pins");
    lookUp(policy);
  } catch (const dotscan::UsageError&) {
  }
  return 0;
}
