#include "dotscan/targets/spec.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <charconv>

#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::targets {

namespace {

[[noreturn]] void fail(std::string_view text, const std::string& why) {
  throw UsageError("invalid target " + quoteInput(text) + ": " + why);
}

bool allOf(std::string_view text, std::string_view allowed) {
  return text.find_first_not_of(allowed) == std::string_view::npos;
}

std::size_t countOf(std::string_view text, char c) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), c));
}

// A decimal number with no sign and no leading zero; nullopt if not one or above max.
std::optional<unsigned> parseDecimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 5 || !allOf(text, "0123456789")) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > max) return std::nullopt;
  return value;
}

// One item of a number list: "N", "N-M", or with an open end, as nmap allows: "-M" starts at
// `low` and "N-" ends at `high`. nullopt if either end is not a number up to `high`. The order of
// the ends is the caller's to check.
std::optional<std::pair<unsigned, unsigned>> parseNumberRange(std::string_view item, unsigned low,
                                                              unsigned high) {
  const std::size_t dash = item.find('-');
  std::optional<unsigned> lo;
  std::optional<unsigned> hi;
  if (dash == std::string_view::npos) {
    lo = hi = parseDecimal(item, high);
  } else {
    lo = dash == 0 ? std::optional<unsigned>(low) : parseDecimal(item.substr(0, dash), high);
    hi = dash + 1 == item.size() ? std::optional<unsigned>(high)
                                 : parseDecimal(item.substr(dash + 1), high);
  }
  if (!lo || !hi) return std::nullopt;
  return std::pair{*lo, *hi};
}

u128 maskBits(unsigned host_bits) {
  return host_bits >= 128 ? kU128Max : (static_cast<u128>(1) << host_bits) - 1;
}

AddressSpec single(u128 first, u128 last) {
  AddressSpec spec;
  spec.addresses.add(first, last);
  return spec;
}

Spec parseCidr(std::string_view text, std::size_t slash) {
  const std::string_view base_text = text.substr(0, slash);
  const std::string_view length_text = text.substr(slash + 1);
  const bool v6_text = base_text.find(':') != std::string_view::npos;
  auto base = v6_text ? Address::parseV6(base_text) : Address::parseV4(base_text);
  if (!base) {
    if (!v6_text && isValidHostName(base_text) && !allOf(base_text, "0123456789.")) {
      fail(text, "a prefix length on a host name is not supported; give the address block");
    }
    fail(text, quoteInput(base_text) + " is not an IP address");
  }
  const unsigned width = v6_text ? 128 : 32;
  auto length = parseDecimal(length_text, width);
  if (!length) fail(text, "prefix length must be a number from 0 to " + std::to_string(width));
  const unsigned host_bits = width - *length;
  // Host bits set in the base are masked off, as nmap and zmap do (192.0.2.77/24 is 192.0.2.0/24).
  const u128 mask = maskBits(host_bits);
  const u128 first = base->value() & ~mask;
  return single(first, first | mask);
}

Spec parseV6Range(std::string_view text, std::size_t dash) {
  auto first = Address::parseV6(text.substr(0, dash));
  if (!first) fail(text, quoteInput(text.substr(0, dash)) + " is not an IPv6 address");
  const std::string_view end_text = text.substr(dash + 1);
  u128 last = 0;
  if (end_text.find(':') != std::string_view::npos) {
    auto end = Address::parseV6(end_text);
    if (!end) fail(text, quoteInput(end_text) + " is not an IPv6 address");
    last = end->value();
  } else {
    // "2001:db8::1-ff": the end replaces the last 16-bit group.
    if (end_text.empty() || end_text.size() > 4 || !allOf(end_text, "0123456789abcdefABCDEF")) {
      fail(text, "range end must be an IPv6 address or 1 to 4 hex digits");
    }
    unsigned group = 0;
    std::from_chars(end_text.data(), end_text.data() + end_text.size(), group, 16);
    last = (first->value() & ~static_cast<u128>(0xffff)) | group;
  }
  if (last < first->value()) fail(text, "range end is before its start");
  return single(first->value(), last);
}

Spec parseV4Range(std::string_view text, std::size_t dash) {
  auto first = Address::parseV4(text.substr(0, dash));
  auto last = Address::parseV4(text.substr(dash + 1));
  if (!first || !last) fail(text, "a dash range needs two IPv4 addresses");
  if (*last < *first) fail(text, "range end is before its start");
  return single(first->value(), last->value());
}

using OctetSet = std::bitset<256>;

OctetSet parseOctetSet(std::string_view whole, std::string_view part) {
  OctetSet set;
  if (part == "*") return set.set();
  if (part.empty()) fail(whole, "empty octet");
  std::size_t start = 0;
  while (start <= part.size()) {
    std::size_t end = part.find(',', start);
    if (end == std::string_view::npos) end = part.size();
    const std::string_view item = part.substr(start, end - start);
    if (item.empty()) fail(whole, "empty item in octet list " + quoteInput(part));
    const auto range = parseNumberRange(item, 0, 255);
    if (!range) fail(whole, "octet " + quoteInput(item) + " is not a number from 0 to 255");
    const auto [lo, hi] = *range;
    if (hi < lo) fail(whole, "octet range " + quoteInput(item) + " ends before it starts");
    for (unsigned v = lo; v <= hi; ++v) set.set(v);
    start = end + 1;
  }
  return set;
}

std::vector<std::pair<unsigned, unsigned>> runsOf(const OctetSet& set) {
  std::vector<std::pair<unsigned, unsigned>> runs;
  for (unsigned v = 0; v < 256; ++v) {
    if (!set.test(v)) continue;
    unsigned end = v;
    while (end + 1 < 256 && set.test(end + 1)) ++end;
    runs.emplace_back(v, end);
    v = end;
  }
  return runs;
}

Spec parseOctets(std::string_view text) {
  std::array<OctetSet, 4> sets;
  std::size_t start = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    std::size_t end = i == 3 ? text.size() : text.find('.', start);
    if (end == std::string_view::npos) fail(text, "an IPv4 address has four octets");
    sets[i] = parseOctetSet(text, text.substr(start, end - start));
    start = end + 1;
  }
  // Octets after the last partial one are full, so each run of that octet is one interval.
  int partial = 3;
  while (partial >= 0 && sets[static_cast<std::size_t>(partial)].all()) --partial;
  if (partial < 0) return single(Address::kV4Base, Address::kV4Last);
  const auto p = static_cast<std::size_t>(partial);
  const auto runs = runsOf(sets[p]);
  std::size_t intervals = runs.size();
  for (std::size_t i = 0; i < p; ++i) {
    intervals *= sets[i].count();
    if (intervals > kMaxIntervalsPerSpec) break;
  }
  if (intervals > kMaxIntervalsPerSpec) {
    fail(text, "expands to more than " + std::to_string(kMaxIntervalsPerSpec) +
                   " separate ranges; use CIDR blocks or dash ranges");
  }
  const unsigned shift = 8 * static_cast<unsigned>(3 - p);
  const std::uint32_t tail = shift == 0 ? 0 : (std::uint32_t{1} << shift) - 1;
  AddressSpec spec;
  // Walk the product of the octets before the partial one, in order. Each octet's values are
  // listed once: testing all 256 bits at every node of the walk cost 256 steps per node, 16 times
  // the work of the intervals themselves for a spec such as 0-255.0-255.0-15.1.
  std::array<std::vector<unsigned>, 3> values;
  for (std::size_t i = 0; i < p; ++i) {
    for (unsigned v = 0; v < 256; ++v) {
      if (sets[i].test(v)) values[i].push_back(v);
    }
  }
  std::array<unsigned, 3> prefix{};
  auto recurse = [&](auto& self, std::size_t depth) -> void {
    if (depth == p) {
      std::uint32_t head = 0;
      for (std::size_t i = 0; i < p; ++i) head |= std::uint32_t{prefix[i]} << (8 * (3 - i));
      for (auto [lo, hi] : runs) {
        const std::uint32_t first = head | (lo << shift);
        const std::uint32_t last = head | (hi << shift) | tail;
        spec.addresses.add(Address::fromV4(first).value(), Address::fromV4(last).value());
      }
      return;
    }
    for (const unsigned v : values[depth]) {
      prefix[depth] = v;
      self(self, depth + 1);
    }
  };
  recurse(recurse, 0);
  spec.addresses.normalise();
  return spec;
}

}  // namespace

bool isValidHostName(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty() || text.size() > 253) return false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view label = text.substr(start, end - start);
    if (label.empty() || label.size() > 63) return false;
    if (!allOf(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")) {
      return false;
    }
    if (label.front() == '-' || label.back() == '-') return false;
    start = end + 1;
  }
  // An all-numeric name would be read as a (malformed) address by any resolver.
  return !allOf(text, "0123456789.");
}

std::string normaliseHostName(std::string_view text) {
  if (!isValidHostName(text)) {
    throw UsageError("invalid host name " + quoteInput(text));
  }
  std::string name = asciiLower(text);
  if (name.back() == '.') name.pop_back();
  return name;
}

Spec parseSpec(std::string_view text) {
  if (text.empty()) throw UsageError("invalid target '': empty");
  if (text.size() > 1024) fail(text, "longer than 1024 characters");
  if (auto slash = text.rfind('/'); slash != std::string_view::npos) return parseCidr(text, slash);
  if (text.find(':') != std::string_view::npos) {
    if (text.find('%') != std::string_view::npos) fail(text, "zone indexes are not supported");
    if (auto dash = text.find('-'); dash != std::string_view::npos) return parseV6Range(text, dash);
    auto address = Address::parseV6(text);
    if (!address) fail(text, "not an IPv6 address");
    return single(address->value(), address->value());
  }
  if (allOf(text, "0123456789.,-*")) {
    const std::size_t dash = text.find('-');
    if (dash != std::string_view::npos && countOf(text.substr(0, dash), '.') == 3 &&
        countOf(text.substr(dash + 1), '.') == 3 &&
        text.find_first_of(",*") == std::string_view::npos) {
      return parseV4Range(text, dash);
    }
    if (countOf(text, '.') != 3) fail(text, "an IPv4 address has four octets");
    return parseOctets(text);
  }
  if (!isValidHostName(text)) fail(text, "not an address, range, CIDR block or host name");
  return NameSpec{normaliseHostName(text)};
}

std::vector<std::string> splitSpecList(std::string_view text) {
  std::vector<std::string> specs;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view token = text.substr(start, end - start);
    start = end + 1;
    const bool continues_octets =
        !specs.empty() && allOf(specs.back(), "0123456789.,-*") &&
        (countOf(specs.back(), '.') < 3 || (!token.empty() && allOf(token, "0123456789-*")));
    if (continues_octets) {
      specs.back().append(",").append(token);
      continue;
    }
    if (token.empty()) {
      throw UsageError("invalid target list " + quoteInput(text) + ": empty item");
    }
    specs.emplace_back(token);
  }
  return specs;
}

PortList parsePortList(std::string_view text) {
  auto bad = [&](const std::string& why) -> void {
    throw UsageError("invalid port list " + quoteInput(text) + ": " + why);
  };
  if (text.empty()) bad("empty");
  std::vector<PortList::Range> ranges;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) bad("empty item");
    const auto range = parseNumberRange(item, 1, 65535);
    if (!range) bad(quoteInput(item) + " is not a port number from 1 to 65535");
    const auto [lo, hi] = *range;
    if (lo == 0) bad("port 0 cannot be scanned");
    if (hi < lo) bad("range " + quoteInput(item) + " ends before it starts");
    ranges.push_back({static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi)});
  }
  return PortList::fromRanges(std::move(ranges));
}

}  // namespace dotscan::targets
