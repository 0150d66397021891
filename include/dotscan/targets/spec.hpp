// dotscan/targets/spec.hpp — the target specification language, as nmap and zmap users write it.
//
// One spec is one of:
//   192.0.2.1              2001:db8::1            [2001:db8::1]        an address
//   192.0.2.0/24           2001:db8::/64                                a CIDR block (host bits
//   masked off) 192.0.2.1-192.0.2.9    2001:db8::1-2001:db8::ff                     a dash range,
//   both ends given 192.0.2.1-9            2001:db8::1-ff                               a dash
//   range on the last octet/group 192.168.0-255.1,3,5-9  10.*.0.1 nmap octet ranges dns.example a
//   host name (resolved later)
// A list ("a,b,c") separates specs with commas; a comma followed by a bare number or number range
// continues the last octet of the spec before it (nmap's "192.168.1.1,3,5-9").
// Parsing is pure: no I/O, no resolution. Every error is a UsageError naming the offending text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dotscan/targets/interval_set.hpp"
#include "dotscan/targets/port_list.hpp"

namespace dotscan::targets {

// Addresses given literally: their union, as inclusive intervals.
struct AddressSpec {
  IntervalSet addresses;
};

// A host name, validated (letters, digits, '-', '_', dots; RFC 1035 length limits), lower-cased,
// trailing dot removed.
struct NameSpec {
  std::string name;
};

using Spec = std::variant<AddressSpec, NameSpec>;

// Octet-range specs may expand to many separate intervals; above this the spec is refused rather
// than allowed to eat memory (use CIDR or dash ranges for such sets).
// ...and all the specs of one expansion together, counted once per port (32 bytes each: 128 MiB).
// Fuzz builds (DOTSCAN_FUZZ) lower both caps 1,024- and 2,048-fold: the same refusals are reached
// by inputs that cost well under a millisecond to expand, so the campaign's rate stays in the
// thousands a second (docs/fuzzing.md). The corpus is replayed with the real caps by the ordinary
// test build.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
inline constexpr std::size_t kMaxIntervalsPerSpec = std::size_t{1} << 10;
inline constexpr std::size_t kMaxIntervalsTotal = std::size_t{1} << 11;
#else
inline constexpr std::size_t kMaxIntervalsPerSpec = std::size_t{1} << 20;
inline constexpr std::size_t kMaxIntervalsTotal = std::size_t{1} << 22;
#endif

Spec parseSpec(std::string_view text);

// Splits a comma-separated list into specs, keeping nmap's octet lists together (see above).
std::vector<std::string> splitSpecList(std::string_view text);

// Validates and normalises a DNS host name; throws UsageError if it is not one.
std::string normaliseHostName(std::string_view text);
bool isValidHostName(std::string_view text);

// Ports: "853", "443,853,8853", "1-1024", "-" (1-65535), "-1024", "60000-". Items may overlap and
// come in any order; port 0 is refused. The cost is the number of items, not of ports.
PortList parsePortList(std::string_view text);

}  // namespace dotscan::targets
