#include "dotscan/targets/port_list.hpp"

#include <algorithm>
#include <utility>

#include "dotscan/util/error.hpp"

namespace dotscan::targets {

PortList::PortList(std::initializer_list<std::uint16_t> ports)
    : PortList(fromPorts(std::vector<std::uint16_t>(ports))) {}

PortList PortList::fromRanges(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end());
  PortList list;
  for (const Range& range : ranges) {
    if (range.first == 0 || range.last < range.first) {
      throw UsageError("invalid port range " + std::to_string(range.first) + "-" +
                       std::to_string(range.last));
    }
    // Sorted by first port: each range overlaps or touches the last kept one, or starts after.
    if (!list.ranges_.empty() && range.first <= list.ranges_.back().last + 1U) {
      list.ranges_.back().last = std::max(list.ranges_.back().last, range.last);
    } else {
      list.ranges_.push_back(range);
    }
  }
  return list;
}

PortList PortList::fromPorts(const std::vector<std::uint16_t>& ports) {
  std::vector<Range> ranges;
  ranges.reserve(ports.size());
  for (const std::uint16_t port : ports) ranges.push_back({port, port});
  return fromRanges(std::move(ranges));
}

std::size_t PortList::count() const {
  std::size_t total = 0;
  for (const Range& range : ranges_) total += std::size_t{range.last} - range.first + 1;
  return total;
}

bool PortList::contains(std::uint16_t port) const {
  const auto it = std::upper_bound(ranges_.begin(), ranges_.end(), port,
                                   [](std::uint16_t p, const Range& r) { return p < r.first; });
  return it != ranges_.begin() && port <= std::prev(it)->last;
}

std::vector<std::uint16_t> PortList::ports() const {
  std::vector<std::uint16_t> all;
  all.reserve(count());
  forEach([&all](std::uint16_t port) { all.push_back(port); });
  return all;
}

}  // namespace dotscan::targets
