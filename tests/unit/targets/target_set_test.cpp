#include "dotscan/targets/target_set.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "dotscan/targets/builtin_lists.hpp"
#include "dotscan/targets/spec.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

#include "support/fake_resolver.hpp"

namespace dotscan::targets {
namespace {

using Row = std::tuple<std::string, std::uint16_t, std::string>;  // address, port, name

testing::FakeResolver kResolver({
    {"dns.example", {"192.0.2.1", "2001:db8::1"}},
    {"alias.example", {"192.0.2.1"}},
    {"v6only.example", {"2001:db8::53"}},
});

struct Expanded {
  std::set<Row> rows;
  u128 size;
  ExpandReport report;
};

Expanded expand(const std::vector<TargetInput>& targets,
                const std::vector<TargetInput>& excludes = {}, ExpandOptions options = {}) {
  Expanded out;
  TargetSet set = expandTargets(targets, excludes, options, kResolver, out.report);
  out.size = set.size();
  for (u128 i = 0; i < set.size(); ++i) {
    Target t = set.at(i);
    out.rows.emplace(t.address.toString(), t.port, std::string(t.name));
  }
  EXPECT_EQ(out.rows.size(), out.size) << "a target appears twice";
  return out;
}

std::vector<TargetInput> args(std::initializer_list<const char*> specs) {
  std::vector<TargetInput> inputs;
  for (const char* s : specs) inputs.push_back({s, {}, {}, {}});
  return inputs;
}

std::string usageErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Expand, OverlappingSpecsAreScannedOnce) {
  auto e = expand(args({"10.0.0.0/30", "10.0.0.2-10.0.0.5", "10.0.0.1", "10.0.0.1,3"}));
  EXPECT_EQ(e.size, 6U);
  EXPECT_EQ(*e.rows.begin(), (Row{"10.0.0.0", 853, ""}));
}

TEST(Expand, EveryPortOfEveryAddress) {
  ExpandOptions options;
  options.ports = {443, 853};
  auto e = expand(args({"10.0.0.1", "::1"}), {}, options);
  EXPECT_EQ(e.rows,
            (std::set<Row>{
                {"10.0.0.1", 443, ""}, {"10.0.0.1", 853, ""}, {"::1", 443, ""}, {"::1", 853, ""}}));
}

TEST(Expand, TotalRangesAcrossPortsAreCapped) {
  // 65,536 separate /32s (every third octet, last octet 1) on 64 ports: 2^22 ranges, the cap.
  ExpandOptions options;
  options.ports = parsePortList("1-64");
  ExpandReport report;
  EXPECT_NO_THROW(expandTargets(args({"10.0-255.0-255.1"}), {}, options, kResolver, report));
  // One port more goes over it: a one-line error, not gigabytes (found by fuzz_target_spec).
  options.ports = parsePortList("1-65");
  try {
    expandTargets(args({"10.0-255.0-255.1"}), {}, options, kResolver, report);
    ADD_FAILURE() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "the targets expand to more than 4194304 separate ranges across their ports; use "
              "CIDR blocks or dash ranges");
  }
}

TEST(Expand, ResolvedNamesCountTowardsTheRangeCap) {
  // The cap exactly, as above, and then a name's two addresses on the same 64 ports: over it.
  ExpandOptions options;
  options.ports = parsePortList("1-64");
  ExpandReport report;
  EXPECT_EQ(
      usageErrorOf([&] {
        expandTargets(args({"10.0-255.0-255.1", "dns.example"}), {}, options, kResolver, report);
      }),
      "the targets expand to more than 4194304 separate ranges across their ports; use "
      "CIDR blocks or dash ranges");
  // A name that does not resolve adds nothing, whatever its ports.
  EXPECT_NO_THROW(
      expandTargets(args({"10.0-255.0-255.1", "nowhere.example"}), {}, options, kResolver, report));
}

TEST(Expand, NamesResolveToAllAddressesAndKeepTheName) {
  auto e = expand(args({"dns.example"}));
  EXPECT_EQ(e.rows, (std::set<Row>{{"192.0.2.1", 853, "dns.example"},
                                   {"2001:db8::1", 853, "dns.example"}}));
  EXPECT_EQ(e.report.names_resolved, 1U);
}

TEST(Expand, NamedTargetWinsOverTheBareAddress) {
  auto e = expand(args({"192.0.2.0/30", "dns.example"}));
  EXPECT_EQ(e.size, 5U);
  EXPECT_TRUE(e.rows.count({"192.0.2.1", 853, "dns.example"}));
  EXPECT_FALSE(e.rows.count({"192.0.2.1", 853, ""}));
  EXPECT_TRUE(e.rows.count({"192.0.2.0", 853, ""}));
}

TEST(Expand, OneAddressUnderTwoNamesIsTwoTargets) {
  auto e = expand(args({"dns.example", "alias.example", "dns.example"}));
  EXPECT_TRUE(e.rows.count({"192.0.2.1", 853, "dns.example"}));
  EXPECT_TRUE(e.rows.count({"192.0.2.1", 853, "alias.example"}));
  EXPECT_EQ(e.size, 3U);
}

// indexOf inverts at() for every target: the lowest index with that address and port, whatever
// the name (SYN discovery keys its answers by it), and nothing for what is not a target.
void expectIndexOfInvertsAt(const TargetSet& set) {
  std::map<std::pair<u128, std::uint16_t>, u128> lowest;
  for (u128 i = set.size(); i-- > 0;) {
    const Target target = set.at(i);
    lowest[{target.address.value(), target.port}] = i;
  }
  for (u128 i = 0; i < set.size(); ++i) {
    const Target target = set.at(i);
    const auto index = set.indexOf(target.address, target.port);
    ASSERT_TRUE(index) << target.address.toString() << " port " << target.port;
    EXPECT_EQ(*index, (lowest[{target.address.value(), target.port}]))
        << target.address.toString() << " port " << target.port;
  }
}

TEST(IndexOf, InvertsAtAcrossPortsRangesAndExclusions) {
  ExpandOptions options;
  options.ports = PortList{53, 853, 8853};
  ExpandReport report;
  const TargetSet set =
      expandTargets(args({"10.0.0.0/28", "10.0.1.7", "192.0.2.250-192.0.3.5", "2001:db8::/124"}),
                    args({"10.0.0.4-10.0.0.6", "192.0.3.0"}), options, kResolver, report);
  expectIndexOfInvertsAt(set);
  EXPECT_FALSE(set.indexOf(*Address::parse("10.0.0.5"), 853));   // excluded
  EXPECT_FALSE(set.indexOf(*Address::parse("10.0.0.16"), 853));  // past the /28
  EXPECT_FALSE(set.indexOf(*Address::parse("10.0.1.7"), 443));   // not a scanned port
  EXPECT_FALSE(set.indexOf(*Address::parse("2001:db8::10"), 53));
  EXPECT_FALSE(set.indexOf(*Address::parse("0.0.0.0"), 0));
}

TEST(IndexOf, NamesThatOverlapShareTheLowestIndex) {
  // A wide named range with narrower names inside it, and one address under two names: the
  // lookup must walk back past the narrow segments to the wide one that holds the address.
  std::vector<TargetInput> inputs{{"10.0.0.0/24", {}, "wide.example", {}},
                                  {"10.0.0.5", {}, "narrow.example", {}},
                                  {"10.0.0.200-10.0.0.201", {}, "other.example", {}},
                                  {"dns.example", {}, {}, {}},
                                  {"alias.example", {}, {}, {}},
                                  {"10.0.0.0/23", {}, {}, {}}};
  ExpandReport report;
  const TargetSet set = expandTargets(inputs, {}, ExpandOptions{}, kResolver, report);
  expectIndexOfInvertsAt(set);
  for (const char* address : {"10.0.0.100", "10.0.0.5", "10.0.0.255", "10.0.1.0", "192.0.2.1"}) {
    EXPECT_TRUE(set.indexOf(*Address::parse(address), 853)) << address;
  }
  EXPECT_FALSE(set.indexOf(*Address::parse("10.0.2.0"), 853));
}

TEST(FirstOf, TheLowestIndexOfEachFamily) {
  ExpandReport report;
  ExpandOptions options;
  options.ports = PortList{53, 853};
  const TargetSet both = expandTargets(args({"2001:2::5-2001:2::6", "198.18.0.9", "198.18.0.3"}),
                                       {}, options, kResolver, report);
  const auto v4 = both.firstOf(Family::V4);
  const auto v6 = both.firstOf(Family::V6);
  ASSERT_TRUE(v4 && v6);
  EXPECT_EQ(v4->address.toString() + " " + std::to_string(v4->port), "198.18.0.3 53");
  EXPECT_EQ(v6->address.toString() + " " + std::to_string(v6->port), "2001:2::5 53");
  const TargetSet only4 = expandTargets(args({"198.18.0.0/30"}), {}, {}, kResolver, report);
  EXPECT_FALSE(only4.firstOf(Family::V6));
  EXPECT_EQ(only4.firstOf(Family::V4)->address.toString(), "198.18.0.0");
  // One interval across the IPv4-mapped block holds both: its first IPv6 value past the block.
  const TargetSet across =
      expandTargets(args({"::ffff:255.255.255.254-::1:0:0:1"}), {}, {}, kResolver, report);
  EXPECT_EQ(across.firstOf(Family::V4)->address.toString(), "255.255.255.254");
  EXPECT_EQ(across.firstOf(Family::V6)->address.toString(), "::1:0:0:0");
}

TEST(Expand, UnresolvedNameIsReportedAndTheRestGoOn) {
  auto e = expand(args({"nowhere.example", "10.0.0.1"}));
  EXPECT_EQ(e.size, 1U);
  ASSERT_EQ(e.report.warnings.size(), 1U);
  EXPECT_EQ(e.report.warnings[0], "cannot resolve 'nowhere.example': Name or service not known");
  EXPECT_EQ(e.report.names_failed, 1U);
}

TEST(Expand, NothingResolvedIsAUsageError) {
  EXPECT_EQ(usageErrorOf([] { expand(args({"nowhere.example"})); }),
            "no targets to scan: no host name resolved");
}

TEST(Expand, NoResolveForbidsNames) {
  ExpandOptions options;
  options.resolve = false;
  EXPECT_EQ(usageErrorOf([&] {
              expand(args({"10.0.0.1", "dns.example"}), {}, options);
            }),
            "'dns.example' is a host name, and -n forbids resolving it");
}

TEST(Expand, FamilyRestrictsNamesAndRefusesLiteralsOfTheOtherFamily) {
  ExpandOptions v4;
  v4.family = Family::V4;
  auto e = expand(args({"dns.example"}), {}, v4);
  EXPECT_EQ(e.rows, (std::set<Row>{{"192.0.2.1", 853, "dns.example"}}));
  EXPECT_EQ(usageErrorOf([&] { expand(args({"2001:db8::1"}), {}, v4); }),
            "invalid target '2001:db8::1': IPv6 target, but -4 was given");
  ExpandOptions v6;
  v6.family = Family::V6;
  e = expand(args({"dns.example", "v6only.example"}), {}, v6);
  EXPECT_EQ(e.rows, (std::set<Row>{{"2001:db8::1", 853, "dns.example"},
                                   {"2001:db8::53", 853, "v6only.example"}}));
  EXPECT_NE(usageErrorOf([&] { expand(args({"10.0.0.0/8"}), {}, v6); }).find("-6"),
            std::string::npos);
  // Excluding space of the other family is harmless, not an error.
  e = expand(args({"10.0.0.1"}), args({"2001:db8::/32"}), v4);
  EXPECT_EQ(e.size, 1U);
}

TEST(Expand, ExclusionsSplitARange) {
  auto e = expand(args({"10.0.0.0/28"}), args({"10.0.0.4-10.0.0.7", "10.0.0.10"}));
  EXPECT_EQ(e.size, 11U);
  EXPECT_FALSE(e.rows.count({"10.0.0.5", 853, ""}));
  EXPECT_FALSE(e.rows.count({"10.0.0.10", 853, ""}));
  EXPECT_TRUE(e.rows.count({"10.0.0.3", 853, ""}));
  EXPECT_TRUE(e.rows.count({"10.0.0.8", 853, ""}));
  EXPECT_EQ(e.report.excluded_by_user, 5U);
}

TEST(Expand, ExclusionsApplyToNamedTargetsAndAcceptNames) {
  auto e = expand(args({"dns.example", "10.0.0.1"}), args({"alias.example"}));
  EXPECT_EQ(e.rows, (std::set<Row>{{"2001:db8::1", 853, "dns.example"}, {"10.0.0.1", 853, ""}}));
}

TEST(Expand, EmptyAfterExclusionsNamesTheCause) {
  EXPECT_EQ(usageErrorOf([] { expand(args({"10.0.0.0/24"}), args({"10.0.0.0/16"})); }),
            "no targets to scan after exclusions (256 removed by --exclude, 0 by the default "
            "exclusion lists)");
}

TEST(Expand, DefaultExclusionList) {
  ExpandOptions options;
  options.builtin_excludes.emplace_back("default", std::string(defaultExcludeList()));
  auto e = expand(args({"223.255.255.255-224.0.0.1", "0.0.0.1", "255.255.255.255", "ff02::1",
                        "::", "127.0.0.1", "::1"}),
                  {}, options);
  EXPECT_EQ(e.rows, (std::set<Row>{
                        {"223.255.255.255", 853, ""}, {"127.0.0.1", 853, ""}, {"::1", 853, ""}}));
  EXPECT_EQ(e.report.excluded_by_builtin, 6U);
}

TEST(Expand, ReservedListExcludesSpecialPurposeSpaceButNotIPv4Itself) {
  ExpandOptions options;
  options.builtin_excludes.emplace_back("reserved", std::string(reservedExcludeList()));
  auto e = expand(args({"10.1.2.3", "192.168.1.1", "127.0.0.1", "8.8.8.8", "2001:db8::1",
                        "2606:4700::1111", "fe80::1", "100.64.0.1", "192.0.2.1", "9.9.9.9"}),
                  {}, options);
  EXPECT_EQ(e.rows, (std::set<Row>{
                        {"8.8.8.8", 853, ""}, {"2606:4700::1111", 853, ""}, {"9.9.9.9", 853, ""}}));
}

TEST(Expand, PerLinePortsOverrideTheScanPorts) {
  std::vector<TargetInput> inputs{{"10.0.0.1", {443}, {}, {}}, {"10.0.0.2", {}, {}, {}}};
  auto e = expand(inputs);
  EXPECT_EQ(e.rows, (std::set<Row>{{"10.0.0.1", 443, ""}, {"10.0.0.2", 853, ""}}));
}

TEST(Expand, NameColumnAttachesToEveryAddressOfTheLine) {
  std::vector<TargetInput> inputs{{"192.0.2.0/31", {}, "dns.example", {}},
                                  {"alias.example", {}, "other.example", {}}};
  auto e = expand(inputs);
  EXPECT_EQ(e.rows, (std::set<Row>{{"192.0.2.0", 853, "dns.example"},
                                   {"192.0.2.1", 853, "dns.example"},
                                   {"192.0.2.1", 853, "other.example"}}));
}

TEST(Expand, ErrorsCarryTheirOrigin) {
  std::vector<TargetInput> inputs{{"10.0.0.1", {}, {}, "hosts.txt:1"},
                                  {"10.0.0.300", {}, {}, "hosts.txt:2"}};
  EXPECT_EQ(usageErrorOf([&] { expand(inputs); }),
            "hosts.txt:2: invalid target '10.0.0.300': octet '300' is not a number from 0 to 255");
}

TEST(Expand, ErrorsQuoteAHugeTokenInPart) {
  // A 70,000-byte token (and file name) must not become a 70 KB error line.
  const std::string token(70000, '9');
  const std::string origin = std::string(70000, 'f') + ":1";
  std::vector<TargetInput> inputs{{token, {}, {}, origin}};
  const std::string error = usageErrorOf([&] { expand(inputs); });
  EXPECT_LT(error.size(), 4 * kMaxQuotedInput) << error.substr(0, 1000);
  EXPECT_NE(error.find("\u2026(70000 bytes)'"), std::string::npos) << error.substr(0, 1000);
  EXPECT_NE(error.find("\u2026(70002 bytes): "), std::string::npos) << error.substr(0, 1000);
}

TEST(Expand, TheWholeIPv6SpaceIsRefused) {
  EXPECT_NE(usageErrorOf([] { expand(args({"::/0"})); }).find("too large"), std::string::npos);
  // Half of it is fine (and is not enumerated here).
  ExpandReport report;
  EXPECT_EQ(expandTargets(args({"8000::/1"}), {}, ExpandOptions{}, kResolver, report).size(),
            u128{1} << 127);
}

TEST(TargetFile, ColumnsCommentsAndBlankLines) {
  auto lines = parseTargetFile(
      "# servers\n"
      "\n"
      "192.0.2.1 853 dns.example\r\n"
      "  192.0.2.2\t443,8853   # two ports\n"
      "192.0.2.3 Resolver.Example.\n"
      "10.0.0.0/24\n",
      "hosts.txt");
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0].specs, "192.0.2.1");
  EXPECT_EQ(lines[0].ports, PortList{853});
  EXPECT_EQ(lines[0].name, "dns.example");
  EXPECT_EQ(lines[0].origin, "hosts.txt:3");
  EXPECT_EQ(lines[1].ports, (PortList{443, 8853}));
  EXPECT_EQ(lines[1].name, "");
  EXPECT_TRUE(lines[2].ports.empty());
  EXPECT_EQ(lines[2].name, "resolver.example");
  EXPECT_EQ(lines[3].origin, "hosts.txt:6");
}

TEST(TargetFile, ErrorsNameFileAndLine) {
  EXPECT_EQ(usageErrorOf([] { parseTargetFile("10.0.0.1\n10.0.0.2 0\n", "t.txt"); }),
            "t.txt:2: invalid port list '0': port 0 cannot be scanned");
  EXPECT_EQ(usageErrorOf([] { parseTargetFile("10.0.0.1 853 a.example extra\n", "t.txt"); }),
            "t.txt:1: unexpected 'extra' (a line is: TARGET [PORTS] [NAME])");
  EXPECT_EQ(usageErrorOf([] { parseTargetFile("10.0.0.1 -bad-\n", "t.txt"); }),
            "t.txt:1: invalid host name '-bad-'");
  EXPECT_EQ(usageErrorOf([] { parseTargetFile(std::string("10.0.0.1\n\0\n", 11), "t.txt"); }),
            "t.txt:2: a NUL byte (is this a text file?)");
}

TEST(ExcludeFile, SeveralSpecsPerLine) {
  auto lines = parseExcludeFile("10.0.0.1 10.0.0.2  # two\n::1\n", "x.txt");
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[1].specs, "10.0.0.2");
  EXPECT_EQ(lines[2].origin, "x.txt:2");
}

}  // namespace
}  // namespace dotscan::targets
