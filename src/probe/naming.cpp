#include "dotscan/probe/naming.hpp"

namespace dotscan::probe {

ProbeTarget nameTarget(const Address& address, std::uint16_t port, std::string_view name,
                       const NamingRule& rule) {
  ProbeTarget target;
  target.address = address;
  target.port = port;
  target.name = std::string(name);
  // The command line overrides the policy file, which overrides the target's own name.
  target.auth_name = rule.auth_name;
  if (target.auth_name.empty() && rule.policy_auth_name) {
    target.auth_name = rule.policy_auth_name(address, name);
  }
  if (target.auth_name.empty()) target.auth_name = target.name;
  if (!rule.sni.empty()) {
    target.sni = rule.sni;
  } else if (!target.auth_name.empty()) {
    target.sni = target.auth_name;
  } else if (rule.sni_address) {
    target.sni = address.toString();
  }
  return target;
}

}  // namespace dotscan::probe
