// dotscan/report/metadata.hpp — what a scan as a whole was: its settings, times and counts.
//
// Every writer (report/writer.hpp) is finished with one ScanMetadata; the JSON Lines writer turns
// it into the "metadata" record (data/result.schema.json), the others into their headers and
// footers. Plain numbers and text: the report module knows nothing of sockets or OpenSSL.
// Invariant: `counts` and `targets_scanned` count every result of the scan, also those that a
// writer leaves out (--open).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dotscan/model/result.hpp"

namespace dotscan::report {

// With -sS: how the SYN discovery went (docs/discovery.md). Plain numbers and text: the report
// module knows nothing of sockets.
struct DiscoveryMetadata {
  std::string mode = "syn";
  std::string interface;
  std::string source;
  std::string sender;  // "raw IP socket", or "packet socket on IF, next hop MAC"
  std::uint32_t cooldown_ms = 0;
  std::uint64_t sent = 0, send_errors = 0, live = 0, closed = 0, unreachable = 0, silent = 0;
  std::uint64_t invalid = 0, duplicates = 0, captured = 0, capture_dropped = 0;
};

// With --pcap: the file and what went into it.
struct PcapMetadata {
  std::string path;
  std::uint64_t written = 0, skipped = 0, dropped = 0;
};

// The scan as a whole.
struct ScanMetadata {
  std::string version;  // dotscan version
  std::string command_line;
  std::vector<std::string> arguments;  // the same, one argument each (what --resume re-reads)
  std::uint32_t resumed = 0;           // how many times --resume continued this scan
  std::uint64_t seed = 0;
  std::uint32_t shard_index = 0, shard_count = 1;
  std::uint32_t merged_shards = 0;    // dotscan merge: the shards this result joins; 0: a scan
  std::string targets_planned;        // decimal text (the count may exceed 2^64)
  std::uint64_t targets_scanned = 0;  // results written
  std::chrono::system_clock::time_point started, ended;
  double duration_s = 0;                                     // monotonic
  std::array<std::uint64_t, model::kOutcomeCount> counts{};  // indexed by Outcome
  bool interrupted = false;
  // settings
  std::uint32_t threads = 1;
  std::uint64_t max_parallel = 0;
  double rate = 0;  // 0: unlimited
  std::uint32_t connect_timeout_ms = 0, tls_timeout_ms = 0, host_timeout_ms = 0;
  int retries = 0;
  std::string timing = "normal";  // -T: the timing template
  // The bounds of timeouts derived from round-trip times; nullopt: the timeouts were fixed.
  std::optional<std::uint32_t> min_rtt_timeout_ms, max_rtt_timeout_ms;
  std::uint64_t cleartext_checks = 0;  // second connections opened for the cleartext check
  // The round-trip times the scan saw (RFC 6298 smoothing): connects, handshakes, DNS answers.
  struct Rtt {
    double srtt_ms = 0, rttvar_ms = 0;
    std::uint64_t samples = 0;
  };
  std::array<Rtt, 3> rtt{};
  std::string tls_min, tls_max;
  std::vector<std::string> alpn;
  std::string trust_store;
  std::uint32_t dns_timeout_ms = 0;            // 0 with --no-dns
  std::string query;                           // "NAME TYPE" of the query, empty with --no-dns
  std::optional<DiscoveryMetadata> discovery;  // -sS only
  std::optional<PcapMetadata> pcap;            // --pcap only
  std::optional<std::string> error;  // what stopped the scan before its end; nullopt: nothing
};

}  // namespace dotscan::report
