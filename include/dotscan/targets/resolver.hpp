// dotscan/targets/resolver.hpp — host names to addresses, many at once.
//
// The only I/O the targets module does. resolveAll() runs lookups on a small pool of threads so
// that ten thousand names cost about ten thousand / parallelism round trips, not ten thousand. The
// Resolver interface lets tests substitute a resolver that never touches the network.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dotscan/util/address.hpp"

namespace dotscan::targets {

struct Resolution {
  std::vector<Address> addresses;  // sorted, no duplicates; empty on failure
  std::string error;               // why there are no addresses, when there are none
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Must be safe to call from several threads at once. family restricts to A or AAAA answers.
  [[nodiscard]] virtual Resolution resolve(const std::string& name,
                                           std::optional<Family> family) const = 0;
};

// getaddrinfo(3): /etc/hosts, then DNS, as configured in nsswitch.conf.
class SystemResolver final : public Resolver {
 public:
  [[nodiscard]] Resolution resolve(const std::string& name,
                                   std::optional<Family> family) const override;
};

// Resolves every name, at most `parallelism` at a time; results in the order of names.
std::vector<Resolution> resolveAll(const Resolver& resolver, const std::vector<std::string>& names,
                                   std::optional<Family> family, unsigned parallelism);

}  // namespace dotscan::targets
