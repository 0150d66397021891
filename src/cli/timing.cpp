#include "dotscan/cli/timing.hpp"

#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// nmap timing.cc / nmap.cc: T0 and T1 probe one target at a time, 5 minutes and 15 seconds
// apart, with their initial RTT timeout as the timeout; T2 one at a time, 400 ms apart; T4 and T5
// adapt within tighter bounds and retry less; T5 gives up on a host after 15 minutes. dotscan's
// phases are whole round trips that include the server's work (a handshake signs, a resolver may
// look up), so T4's floor is 1 s rather than nmap's 100 ms: a server that takes 800 ms to answer
// its handshake among fast ones is still found.
const std::array<TimingTemplate, 6> kTemplates = {{
    {0, "paranoid", minutes(5), minutes(5), minutes(5), false, {}, {}, 2, 1, 1.0 / 300, {}},
    {1, "sneaky", seconds(15), seconds(15), seconds(15), false, {}, {}, 2, 1, 1.0 / 15, {}},
    {2, "polite", seconds(3), seconds(5), seconds(5), false, {}, {}, 2, 1, 2.5, {}},
    {3, "normal", seconds(3), seconds(5), seconds(5), false, {}, {}, 1, std::nullopt, 0, {}},
    {4,
     "aggressive",
     seconds(1),
     milliseconds(1500),
     milliseconds(1500),
     true,
     seconds(1),
     milliseconds(1500),
     1,
     std::nullopt,
     0,
     {}},
    {5, "insane", milliseconds(500), milliseconds(750), milliseconds(750), true, milliseconds(300),
     milliseconds(750), 0, std::nullopt, 0, minutes(15)},
}};

}  // namespace

const std::array<TimingTemplate, 6>& timingTemplates() {
  return kTemplates;
}

const TimingTemplate* findTimingTemplate(std::string_view text) {
  const std::string lower = asciiLower(text);
  for (const TimingTemplate& timing : kTemplates) {
    if (lower == timing.name ||
        (lower.size() == 1 && lower[0] == static_cast<char>('0' + timing.level))) {
      return &timing;
    }
  }
  return nullptr;
}

}  // namespace dotscan::cli
