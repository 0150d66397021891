// dotscan/report/human.hpp — the concise, nmap-like listing for a terminal.
//
// Every host that answered at the TLS level (tls-ok, tls-failed, tls-timeout, not-tls) or met an
// error (error, internal-error) gets a block of a few lines as its result arrives; closed,
// filtered, unreachable and interrupted targets are only counted, in one "Not shown" line at the
// end. Invariants: the output depends only on the results and the metadata (no clock, no
// locale), so it is deterministic; every byte that came from the network or the command line is
// printed through an escaper, so a certificate subject can never move the cursor or change the
// terminal's colours.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "dotscan/model/result.hpp"
#include "dotscan/report/json_lines.hpp"

namespace dotscan::report {

// Text safe for a terminal, as the listing escapes it: printable ASCII and well-formed UTF-8
// pass, control characters, malformed bytes and deceptive code points become \xNN. Also used
// for error lines, which quote the command line and files.
std::string terminalSafe(std::string_view text);

// Not thread-safe. add() and finish() write and flush at once, and throw
// dotscan::Error(ExitCode::RuntimeError, ...) when the stream reports a write error.
class HumanReport {
 public:
  explicit HumanReport(std::FILE* out);  // does not own `out`
  void add(const model::ProbeResult& r);
  // The "Not shown" and final summary lines; the counts come from `m` (m.counts, not add()).
  void finish(const ScanMetadata& m);

 private:
  std::FILE* out_;
  // Findings seen, by (severity, id), for the summary at the end.
  std::map<std::pair<model::Severity, std::string>, std::uint64_t> findings_;
  // Closed, filtered, ... targets listed anyway because of a finding (policy-not-dot), by
  // outcome: "Not shown" leaves them out.
  std::array<std::uint64_t, model::kOutcomeCount> shown_anyway_{};
};

}  // namespace dotscan::report
