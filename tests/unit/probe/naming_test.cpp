// The one authentication-name and SNI rule (probe/naming.hpp).
#include "dotscan/probe/naming.hpp"

#include <gtest/gtest.h>

namespace dotscan::probe {
namespace {

const Address kAddress = *Address::parse("192.0.2.7");

TEST(Naming, AnAddressAloneHasNoNameAndNoSni) {
  const ProbeTarget target = nameTarget(kAddress, 853, "", NamingRule{});
  EXPECT_EQ(target.address, kAddress);
  EXPECT_EQ(target.port, 853);
  EXPECT_EQ(target.name, "");
  EXPECT_EQ(target.auth_name, "");
  EXPECT_EQ(target.sni, "");  // never an IP literal by default (RFC 6066)
}

TEST(Naming, ANameIsItsOwnAuthenticationNameAndSni) {
  const ProbeTarget target = nameTarget(kAddress, 853, "dns.example", NamingRule{});
  EXPECT_EQ(target.name, "dns.example");
  EXPECT_EQ(target.auth_name, "dns.example");
  EXPECT_EQ(target.sni, "dns.example");
}

TEST(Naming, CommandLineThenPolicyThenName) {
  NamingRule rule;
  rule.policy_auth_name = [](const Address& /*address*/, std::string_view name) {
    return name == "a.example" ? std::string("policy.example") : std::string();
  };
  EXPECT_EQ(nameTarget(kAddress, 853, "a.example", rule).auth_name, "policy.example");
  EXPECT_EQ(nameTarget(kAddress, 853, "b.example", rule).auth_name, "b.example");
  rule.auth_name = "cli.example";
  const ProbeTarget target = nameTarget(kAddress, 853, "a.example", rule);
  EXPECT_EQ(target.auth_name, "cli.example");
  EXPECT_EQ(target.sni, "cli.example");
}

TEST(Naming, SniOptionWinsAndAddressSniOnlyWhenAsked) {
  NamingRule rule;
  rule.sni_address = true;
  EXPECT_EQ(nameTarget(kAddress, 853, "", rule).sni, "192.0.2.7");
  EXPECT_EQ(nameTarget(kAddress, 853, "n.example", rule).sni, "n.example");
  rule.sni = "forced.example";
  EXPECT_EQ(nameTarget(kAddress, 853, "n.example", rule).sni, "forced.example");
  EXPECT_EQ(nameTarget(kAddress, 853, "n.example", rule).auth_name, "n.example");
}

}  // namespace
}  // namespace dotscan::probe
