// dotscan/report/human.hpp — the concise, nmap-like listing for a terminal (and -oN).
//
// Every host that answered at the TLS level (tls-ok, tls-failed, tls-timeout, not-tls) or met an
// error (error, internal-error) gets a block of a few lines; closed, filtered, unreachable and
// interrupted targets are only counted, in one "Not shown" line at the end. Blocks are held and
// written sorted by address (IPv4 first) and port at finish(), as nmap sorts its hosts, up to
// ListingOptions::sort_limit blocks; past it the held blocks are written, the caller is told once,
// and the rest stream in the order of completion, so memory stays bounded. Invariants: the output
// depends only on the results and the metadata (no clock, no locale), so it is deterministic;
// every byte that came from the network or the command line is printed through terminalSafe
// (report/escape.hpp), so a certificate subject can never move the cursor or change the
// terminal's colours; the listing has no colour of its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dotscan/model/result.hpp"
#include "dotscan/report/escape.hpp"
#include "dotscan/report/writer.hpp"

namespace dotscan::report {

// Blocks held for sorting at most (a block is a few hundred bytes: about 40 MB at the cap).
inline constexpr std::size_t kListingSortLimit = 65536;
// Answer records shown per host at -vv (a 64 KiB answer holds 4,094 A records; -oJ keeps all).
inline constexpr std::size_t kVerboseAnswers = 100;

struct ListingOptions {
  std::size_t sort_limit = kListingSortLimit;  // 0: write each block as its result arrives
  // -oN: a "# dotscan VERSION scan initiated ..." line first and a "# dotscan done at ..." last,
  // as nmap's normal output has.
  bool comments = false;
  // Called once, when the sort limit is passed (the CLI prints a warning on stderr).
  std::function<void(std::size_t limit)> on_sort_limit;
  // -v (1): every certificate of the chain with every ssl-cert field, fingerprints whole, and
  // the summary of each conformance check under the "checks" line;
  // -vv (2): also the DNS header, the answer section (up to kVerboseAnswers records) and the
  // EDNS options of the answer. 0: the concise listing.
  int verbosity = 0;
};

// Not thread-safe. Throws dotscan::Error(ExitCode::RuntimeError, ...) when the stream reports a
// write error.
class HumanReport final : public Writer {
 public:
  explicit HumanReport(std::FILE* out, ListingOptions options = {});  // does not own `out`
  void begin(const ScanMetadata& planned) override;
  void add(const model::ProbeResult& r) override;
  // The held blocks, then the "Not shown" and final summary lines; the counts come from `m`
  // (m.counts, not add()).
  void finish(const ScanMetadata& m) override;

 private:
  struct Held {
    model::SortKey key;
    std::string block;
  };
  void writeHeld();

  std::FILE* out_;
  ListingOptions options_;
  std::vector<Held> held_;
  bool streaming_ = false;  // the sort limit was passed
  // Findings seen, by (severity, id), for the summary at the end.
  std::map<std::pair<model::Severity, std::string>, std::uint64_t> findings_;  // that count
  std::uint64_t suppressed_ = 0;  // findings the policy turned off
  // Closed, filtered, ... targets listed anyway because of a finding (dot-missing), by
  // outcome: "Not shown" leaves them out.
  std::array<std::uint64_t, model::kOutcomeCount> shown_anyway_{};
};

}  // namespace dotscan::report
