// dotscan/checks/checks.hpp — the DoT conformance checks of issue 13 (--checks), per server.
//
// A check asks more of a server than the scan's one query: several queries in one session, an
// idle session, padding, a resumed session, other SNI values, each TLS version, DDR. Each runs
// after the target's first probe, on connections of its own, one probe at a time (the engine's
// FollowUp, engine.hpp), and ends as a model::ConformanceCheck: pass, fail, not-applicable or
// error, a one-line summary and the evidence (docs/conformance.md lists every key). The audit
// turns failures into findings; this module judges nothing else.
//
// Invariants: a target whose TLS handshake did not complete gets no check at all (there is no
// server to judge); every check asked for appears exactly once, in the order of kAllChecks, also
// when the scan is stopped (then status error, "interrupted"); a check's probes never feed the
// scan's RTT table, never fall back to cleartext, and are not paced by --rate.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/dns/message.hpp"
#include "dotscan/probe/engine.hpp"
#include "dotscan/tls/client.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::checks {

enum class Check : std::uint8_t {
  Pipelining,
  Keepalive,
  Padding,
  Resumption,
  Sni,
  Versions,
  Ddr,
  Nsid
};
inline constexpr std::array<Check, 8> kAllChecks{
    Check::Pipelining, Check::Keepalive, Check::Padding, Check::Resumption,
    Check::Sni,        Check::Versions,  Check::Ddr,     Check::Nsid};

std::string_view toString(Check check);
// --checks: names separated by commas, or "all"; the result in kAllChecks order, each once.
// Throws UsageError, one line naming --checks and the names it knows.
std::vector<Check> parseCheckList(const std::string& text);

// The SNI the sni check sends where the server cannot have a certificate (RFC 6761 .invalid).
inline constexpr std::string_view kUnknownSni = "dotscan-sni-check.invalid";

struct CheckSettings {
  std::vector<Check> checks;  // in kAllChecks order
  int pipeline_queries = 3;   // --pipeline: queries written back to back, 2 to 16
  // --keepalive-wait: the most the keepalive check keeps a session idle; below the server's
  // announced timeout when it announced one.
  Duration keepalive_wait = std::chrono::seconds(2);
  dns::QueryOptions query;  // the scan's query (--query), the first of every check's exchanges
};

// Per scan: the checks' settings, and what their probes are made of. Shared by every loop.
class Runner {
 public:
  // `context`, `clock` must outlive the runner and the scan. `base`: the scan's probe settings
  // (timeouts, host timeout); throws UsageError on a bad setting.
  Runner(CheckSettings settings, const tls::ClientContext& context,
         const probe::ProbeSettings& base, const Clock& clock);

  // For EngineSettings::follow_up: one per target.
  [[nodiscard]] std::unique_ptr<probe::FollowUp> forTarget(const probe::ProbeTarget& target) const;

  [[nodiscard]] const CheckSettings& settings() const { return settings_; }

  // What the checks' probes are built from; public for the per-target follow-up.
  struct Parts;

 private:
  CheckSettings settings_;
  std::shared_ptr<const Parts> parts_;
};

}  // namespace dotscan::checks
