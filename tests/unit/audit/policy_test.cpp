// The policy file and the pin file: parsing, every refusal, and which expectations a target gets.
#include "dotscan/audit/policy.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dotscan/util/error.hpp"

namespace dotscan::audit {
namespace {

constexpr const char* kPinA = "y5mWi5PrwUcW/rJdrIf7aSmkCyq8sXic/BQR9VVwjJw=";
constexpr const char* kPinB = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

Address addr(const char* text) {
  return *Address::parse(text);
}

Policy policy(const std::string& json) {
  Policy out;
  out.loadJson(json, "test.json");
  return out;
}

// The one-line message of the UsageError that loading `json` throws; "" if it loads.
std::string refusal(const std::string& json) {
  try {
    Policy out;
    out.loadJson(json, "test.json");
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

std::string pinRefusal(const std::string& text) {
  try {
    Policy out;
    out.loadPinFile(text, "pins.txt");
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

TEST(Pins, ValidPinShape) {
  EXPECT_TRUE(isValidPin(kPinA));
  EXPECT_TRUE(isValidPin(kPinB));
  EXPECT_FALSE(isValidPin(""));
  EXPECT_FALSE(isValidPin("y5mWi5PrwUcW/rJdrIf7aSmkCyq8sXic/BQR9VVwjJw"));    // no padding
  EXPECT_FALSE(isValidPin("y5mWi5PrwUcW/rJdrIf7aSmkCyq8sXic/BQR9VVwjJw=="));  // 45 characters
  EXPECT_FALSE(isValidPin("y5mWi5PrwUcW/rJdrIf7aSmkCyq8sXic/BQR9VVwjJ!="));   // not base64
  // The 43rd character carries two padding bits, which must be zero: 'x' (49) is not a multiple
  // of four, so no 32-byte value encodes to this.
  EXPECT_FALSE(isValidPin("y5mWi5PrwUcW/rJdrIf7aSmkCyq8sXic/BQR9VVwjJx="));
}

TEST(Issuers, ComparedWithoutCaseOrBlanks) {
  const std::string issuer = "CN=dotscan test intermediate CA,O=dotscan test";
  EXPECT_TRUE(issuerAllowed(issuer, {"cn = dotscan test intermediate ca , o=DOTSCAN TEST"}));
  EXPECT_FALSE(issuerAllowed(issuer, {"CN=dotscan test intermediate CA"}));
  EXPECT_FALSE(issuerAllowed(issuer, {"CN=dotscan  test intermediate CA,O=dotscan test"}));
  EXPECT_FALSE(issuerAllowed(issuer, {}));
}

TEST(Policy, FirstMatchingGroupOverDefaults) {
  const Policy p = policy(R"({
    "dotscan_policy": 1,
    "defaults": {"min_tls": "1.2", "min_days": 14},
    "groups": [
      {"name": "inner", "targets": ["192.0.2.8/29"], "min_days": 60, "pins": [")" +
                          std::string(kPinA) + R"("]},
      {"name": "outer", "targets": ["192.0.2.0/24", "2001:db8::/64"], "auth_name": "Dns.Example.",
       "min_tls": "1.3", "issuers": ["CN=x"], "require_dot": true, "severity": "critical"},
      {"name": "named", "targets": ["dot.example", "*.resolver.example"], "min_days": 1}
    ]})");
  const Expectations inner = p.expectationsFor(addr("192.0.2.9"), "");
  EXPECT_EQ(inner.group, "inner");
  EXPECT_EQ(inner.min_days, 60);
  EXPECT_EQ(inner.min_tls, model::TlsVersion::Tls12);  // from the defaults
  EXPECT_EQ(inner.pins, std::vector<std::string>{kPinA});
  EXPECT_TRUE(inner.auth_name.empty());  // "outer" also lists it, but the first group wins

  const Expectations outer = p.expectationsFor(addr("192.0.2.200"), "");
  EXPECT_EQ(outer.group, "outer");
  EXPECT_EQ(outer.auth_name, "dns.example");
  EXPECT_EQ(outer.min_tls, model::TlsVersion::Tls13);
  EXPECT_EQ(outer.min_days, 14);
  EXPECT_TRUE(outer.require_dot);
  EXPECT_EQ(outer.severity, model::Severity::Critical);
  EXPECT_EQ(p.expectationsFor(addr("2001:db8::53"), "").group, "outer");

  EXPECT_EQ(p.expectationsFor(addr("198.51.100.1"), "DOT.example.").group, "named");
  EXPECT_EQ(p.expectationsFor(addr("198.51.100.1"), "a.resolver.example").group, "named");
  EXPECT_EQ(p.expectationsFor(addr("198.51.100.1"), "resolver.example").group, "");
  EXPECT_EQ(p.expectationsFor(addr("198.51.100.1"), "xresolver.example").group, "");

  const Expectations none = p.expectationsFor(addr("198.51.100.1"), "");
  EXPECT_EQ(none.group, "");
  EXPECT_EQ(none.min_tls, model::TlsVersion::Tls12);
  EXPECT_EQ(none.min_days, 14);
  EXPECT_FALSE(none.require_dot);
  EXPECT_EQ(none.severity, model::Severity::High);
}

TEST(Policy, TargetsAreWrittenAsOnTheCommandLine) {
  const Policy p = policy(R"({"dotscan_policy": 1, "groups": [
      {"name": "octets", "targets": ["*.0.0.1"]},
      {"name": "list", "targets": ["192.0.2.1,3,5-9", "198.51.100.1,dns.example"]},
      {"name": "same key, other objects", "targets": ["203.0.113.0/24"], "min_days": 1}]})");
  EXPECT_EQ(p.expectationsFor(addr("10.0.0.1"), "").group, "octets");  // nmap octets, not a name
  EXPECT_EQ(p.expectationsFor(addr("192.0.2.7"), "").group, "list");
  EXPECT_EQ(p.expectationsFor(addr("192.0.2.4"), "").group, "");
  EXPECT_EQ(p.expectationsFor(addr("198.51.100.1"), "").group, "list");
  EXPECT_EQ(p.expectationsFor(addr("203.0.113.9"), "dns.example").group, "list");
}

TEST(Policy, GroupWithoutTargetsTakesEveryTarget) {
  const Policy p = policy(R"({"dotscan_policy": 1, "groups": [
      {"name": "lab", "targets": ["127.0.0.0/8"], "min_days": 1},
      {"name": "rest", "require_dot": true}]})");
  EXPECT_EQ(p.expectationsFor(addr("127.0.0.1"), "").group, "lab");
  EXPECT_EQ(p.expectationsFor(addr("::1"), "").group, "rest");
  EXPECT_EQ(p.expectationsFor(addr("198.51.100.1"), "x.example").group, "rest");
}

TEST(Policy, EmptyUntilSomethingIsLoaded) {
  Policy p;
  EXPECT_TRUE(p.empty());
  p.loadJson(R"({"dotscan_policy": 1})", "x");
  EXPECT_TRUE(p.empty());
  p.loadJson(R"({"dotscan_policy": 1, "defaults": {}})", "x");
  EXPECT_FALSE(p.empty());
}

TEST(Policy, TheShippedExampleLoads) {
  std::ifstream file(DOTSCAN_DATA_DIR "/policy.example.json");
  ASSERT_TRUE(file) << "cannot open data/policy.example.json";
  std::stringstream text;
  text << file.rdbuf();
  Policy p;
  ASSERT_NO_THROW(p.loadJson(text.str(), "policy.example.json"));
  const Expectations quickstart = p.expectationsFor(addr("127.53.0.1"), "");
  EXPECT_EQ(quickstart.group, "quickstart");
  EXPECT_EQ(quickstart.auth_name, "dot.test");
}

TEST(Policy, EveryMistakeNamesThePlace) {
  const auto expect = [](const std::string& json, const std::string& wanted) {
    const std::string message = refusal(json);
    EXPECT_NE(message.find(wanted), std::string::npos) << json << "\n -> " << message;
    EXPECT_EQ(message.rfind("test.json: ", 0), 0U) << message;
  };
  expect("", "not valid JSON");
  expect(R"({"dotscan_policy": 1,})", "not valid JSON: parse error at line 1");
  expect("[]", "expected a JSON object");
  expect(R"({"dotscan_policy": 1, "defaults": {"min_days": 1E400}})", "number overflow");

  expect("{}", "dotscan_policy: expected 1");
  expect(R"({"dotscan_policy": 2})", "dotscan_policy: expected 1");
  expect(R"({"dotscan_policy": 1, "group": []})", "group: unknown key");
  expect(R"({"dotscan_policy": 1, "defaults": []})", "defaults: expected an object");
  expect(R"({"dotscan_policy": 1, "defaults": {"min_day": 3}})", "defaults.min_day: unknown key");
  expect(R"({"dotscan_policy": 1, "defaults": {"name": "x"}})", "defaults.name: unknown key");
  expect(R"({"dotscan_policy": 1, "defaults": {"min_days": -1}})", "defaults.min_days: expected");
  expect(R"({"dotscan_policy": 1, "defaults": {"min_days": 1.5}})", "defaults.min_days");
  expect(R"({"dotscan_policy": 1, "defaults": {"min_days": 36501}})", "defaults.min_days");
  expect(R"({"dotscan_policy": 1, "defaults": {"min_tls": "1.4"}})", "defaults.min_tls");
  expect(R"({"dotscan_policy": 1, "defaults": {"min_tls": 1.2}})", "expected a string");
  expect(R"({"dotscan_policy": 1, "defaults": {"severity": "fatal"}})", "defaults.severity");
  expect(R"({"dotscan_policy": 1, "defaults": {"require_dot": "yes"}})", "expected true or false");
  expect(R"({"dotscan_policy": 1, "defaults": {"auth_name": "not a name"}})", "not a host name");
  expect(R"({"dotscan_policy": 1, "defaults": {"auth_name": ""}})", "1 to 1024 characters");
  expect(R"({"dotscan_policy": 1, "defaults": {"pins": "abc"}})", "expected a list of strings");
  expect(R"({"dotscan_policy": 1, "defaults": {"pins": ["abc"]}})",
         "defaults.pins[0]: 'abc' is not a SPKI SHA-256 pin");
  expect(R"({"dotscan_policy": 1, "defaults": {"issuers": [1]}})", "defaults.issuers[0]");
  expect(R"({"dotscan_policy": 1, "groups": {}})", "groups: expected a list");
  expect(R"({"dotscan_policy": 1, "groups": [3]})", "groups[0]: expected an object");
  expect(R"({"dotscan_policy": 1, "groups": [{"name": "a"}, {"name": "a"}]})",
         "groups[1].name: 'a' names two groups");
  expect(R"({"dotscan_policy": 1, "groups": [{"targets": ["192.0.2.0/33"]}]})",
         "groups[0].targets[0]: ");
  expect(R"({"dotscan_policy": 1, "groups": [{"targets": ["*.-bad-"]}]})",
         "groups[0].targets[0]: '*.-bad-' is not a name pattern");
  expect(R"({"dotscan_policy": 1, "groups": [{"targets": "192.0.2.1"}]})",
         "groups[0].targets: expected a list of strings");
  expect(R"({"dotscan_policy": 1, "groups": [{"min_tls": "1.3", "colour": 1}]})",
         "groups[0].colour: unknown key");
  expect(R"({"dotscan_policy": 1.0})", "dotscan_policy: expected 1");
  expect(R"({"dotscan_policy": 1, "defaults": {"min_days": 30, "min_days": 1}})",
         "min_days: this key appears twice in one object");
  expect(R"({"dotscan_policy": 1, "groups": [{"targets": []}]})",
         "groups[0].targets: an empty list matches nothing");
}

TEST(PinFile, LinesAddUpPerTarget) {
  Policy p;
  p.loadPinFile(std::string("# pins per target\n"
                            "192.0.2.0/24 ") +
                    kPinA + "\n\n  dot.example\t" + kPinB + " " + kPinA + "  # backup key\n" +
                    "192.0.2.53 " + kPinB + "\n",
                "pins.txt");
  EXPECT_FALSE(p.empty());
  EXPECT_EQ(p.expectationsFor(addr("192.0.2.1"), "").pins, std::vector<std::string>{kPinA});
  EXPECT_EQ(p.expectationsFor(addr("192.0.2.53"), "").pins,
            (std::vector<std::string>{kPinA, kPinB}));
  EXPECT_EQ(p.expectationsFor(addr("198.51.100.1"), "dot.example").pins,
            (std::vector<std::string>{kPinB, kPinA}));
  EXPECT_TRUE(p.expectationsFor(addr("198.51.100.1"), "").pins.empty());
}

TEST(PinFile, AddsToThePolicyGroupsPins) {
  Policy p = policy(R"({"dotscan_policy": 1, "groups": [{"name": "g", "pins": [")" +
                    std::string(kPinA) + R"("]}]})");
  p.loadPinFile(std::string("192.0.2.1 ") + kPinB + " " + kPinA, "pins.txt");
  const Expectations e = p.expectationsFor(addr("192.0.2.1"), "");
  EXPECT_EQ(e.group, "g");
  EXPECT_EQ(e.pins, (std::vector<std::string>{kPinA, kPinB}));
}

TEST(PinFile, MistakesNameTheLine) {
  EXPECT_EQ(pinRefusal("192.0.2.1\n"), "pins.txt:1: expected TARGET PIN [PIN...]");
  EXPECT_EQ(pinRefusal(std::string("# x\n192.0.2.1 ") + kPinA + " nope\n"),
            "pins.txt:2: 'nope' is not a SPKI SHA-256 pin (44 characters of base64)");
  EXPECT_NE(pinRefusal(std::string("300.0.0.1 ") + kPinA).find("pins.txt:1: "), std::string::npos);
  EXPECT_EQ(pinRefusal(std::string("192.0.2.1 ") + kPinA + std::string("\n192.0.2.2 \0", 12)),
            "pins.txt:2: a NUL byte (is this a text file?)");
  EXPECT_EQ(pinRefusal(""), "");
  EXPECT_EQ(pinRefusal("# only a comment\n\n"), "");
}

}  // namespace
}  // namespace dotscan::audit
