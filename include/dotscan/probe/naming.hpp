// dotscan/probe/naming.hpp — which name a target is authenticated against and sent as SNI.
//
// One rule for every way a target reaches the prober (the expander's scan order, or a host found
// live by SYN discovery), so that both get the same treatment (docs/scanning.md, "SNI: the rule"):
//   authentication name: --auth-name, else the policy's name for the target, else its own name;
//   SNI: --sni, else the authentication name (RFC 8310 section 8.1), else the address text with
//   --sni-address, else none (RFC 6066 forbids IP literals in server_name).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "dotscan/probe/transport.hpp"

namespace dotscan::probe {

struct NamingRule {
  std::string auth_name;     // --auth-name; empty: none
  std::string sni;           // --sni; empty: none
  bool sni_address = false;  // --sni-address
  // The policy's authentication name for a target (empty when it has none); may be unset.
  std::function<std::string(const Address&, std::string_view name)> policy_auth_name;
};

// The probe target for `address`:`port`, reached under `name` (empty for an address target).
ProbeTarget nameTarget(const Address& address, std::uint16_t port, std::string_view name,
                       const NamingRule& rule);

}  // namespace dotscan::probe
