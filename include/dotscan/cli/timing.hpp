// dotscan/cli/timing.hpp — the timing templates -T0 to -T5 (paranoid to insane), after nmap's.
//
// A template is a set of defaults for the timeouts, the retries, the parallelism and the rate; an
// option given explicitly always wins over it. -T3 (normal) is the defaults without -T. T0 to T2
// are nmap's serial, spaced-out scans; T4 and T5 derive each phase's timeout from the round-trip
// times the scan observes (probe/rtt.hpp), within their --min-rtt-timeout and --max-rtt-timeout.
// README.md and docs/scanning.md show the same table.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dotscan/util/clock.hpp"

namespace dotscan::cli {

struct TimingTemplate {
  int level = 3;
  std::string_view name;
  // The phase timeouts: fixed, or with `adaptive` the values before the scan has RTT samples.
  Duration connect_timeout{};
  Duration tls_timeout{};
  Duration dns_timeout{};
  bool adaptive = false;
  Duration min_rtt_timeout{};  // with `adaptive`: the bounds of a derived timeout
  Duration max_rtt_timeout{};
  int retries = 1;
  std::optional<std::uint64_t> max_parallel;  // nullopt: from the open-file limit
  double rate = 0;                            // new connections a second; 0: no limit
  Duration host_timeout{};                    // zero: none
};

// -T0 ... -T5, by level.
const std::array<TimingTemplate, 6>& timingTemplates();

// "0".."5" or a name (paranoid, sneaky, polite, normal, aggressive, insane; any case); nullptr
// when `text` is neither.
const TimingTemplate* findTimingTemplate(std::string_view text);

// The bounds of a derived timeout when the user asks for adaptation without a template that has
// them: nmap's defaults.
inline constexpr Duration kDefaultMinRttTimeout = std::chrono::milliseconds(100);
inline constexpr Duration kDefaultMaxRttTimeout = std::chrono::seconds(10);

}  // namespace dotscan::cli
