// dotscan/targets/port_list.hpp — a set of TCP ports, held as ranges.
//
// "-" (every port) is one range, not 65,535 ports: parsing, comparing and storing a list costs its
// number of ranges, whatever the number of ports (fuzz_target_spec spent half its time building
// and comparing 65,535-entry vectors for -iL lines with "-"). Invariant: the ranges are sorted,
// disjoint and not adjacent, ports 1 to 65535 (port 0 is never scanned).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace dotscan::targets {

class PortList {
 public:
  struct Range {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    bool operator==(const Range&) const = default;
    friend bool operator<(const Range& a, const Range& b) {
      return a.first != b.first ? a.first < b.first : a.last < b.last;
    }
  };

  PortList() = default;
  // The listed ports, in any order, duplicates allowed: {853}, {443, 853}. Throws UsageError for
  // port 0.
  PortList(std::initializer_list<std::uint16_t> ports);
  // Any ranges (first <= last, from 1), sorted and merged here.
  static PortList fromRanges(std::vector<Range> ranges);
  static PortList fromPorts(const std::vector<std::uint16_t>& ports);

  [[nodiscard]] bool empty() const { return ranges_.empty(); }
  [[nodiscard]] std::size_t count() const;  // the number of ports
  [[nodiscard]] const std::vector<Range>& ranges() const { return ranges_; }
  [[nodiscard]] bool contains(std::uint16_t port) const;
  // Every port, ascending: for the few places that need them one by one (nmap's scaninfo, a
  // capture filter of a short list).
  [[nodiscard]] std::vector<std::uint16_t> ports() const;

  template <typename Visit>
  void forEach(Visit&& visit) const {
    for (const Range& range : ranges_) {
      for (unsigned port = range.first; port <= range.last; ++port) {
        visit(static_cast<std::uint16_t>(port));
      }
    }
  }

  bool operator==(const PortList&) const = default;
  // Any strict order, for maps keyed by lists: the ranges compared in turn.
  friend bool operator<(const PortList& a, const PortList& b) { return a.ranges_ < b.ranges_; }

 private:
  std::vector<Range> ranges_;
};

}  // namespace dotscan::targets
