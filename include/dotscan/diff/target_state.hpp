// dotscan/diff/target_state.hpp — what `dotscan diff` compares of one saved result, and how it is
// keyed, read from a JSON Lines record and stored in the sort's temporary runs.
//
// A TargetState is the part of a "result" record (data/result.schema.json) that can change between
// two scans for a reason: the outcome, the leaf certificate, the TLS version and ALPN, the verdict
// and the findings. What changes on every scan (times, timings, query IDs, byte counts) is never
// read. Invariants: `findings` holds the findings that count, sorted by id with one entry per id
// (the highest severity); `suppressed` the ids, sorted and distinct, of those the policy
// suppressed (docs/audit.md), none of which is also in `findings`;
// `encode` and `decode` round-trip exactly; decode is bounds-checked and rejects any trailing or
// missing byte. The sort key orders targets as nmap does: IPv4 before IPv6, then address, port
// and name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/model/finding.hpp"

namespace dotscan::diff {

struct FindingState {
  std::string id;
  model::Severity severity = model::Severity::Info;
  friend bool operator==(const FindingState&, const FindingState&) = default;
};

struct TargetState {
  // the key
  std::string address;  // as the record spells it
  std::uint16_t port = 0;
  std::string name;  // empty when null
  // the compared fields
  std::string outcome;
  bool session = false;         // a TLS session was recorded ("tls" not null)
  std::string tls_version;      // "TLSv1.3"; empty without a session
  std::string alpn;             // empty when none was selected
  std::optional<bool> trusted;  // the chain verified; nullopt without a session
  std::string leaf_sha256;      // empty when no certificate was recorded
  std::string leaf_issuer;
  std::string leaf_spki_pin;
  std::string verdict;  // the profile; empty when the record has no verdict
  std::vector<std::string> verdict_reasons;
  std::vector<FindingState> findings;   // those that count: no policy rule, re-rated, expired
  std::vector<std::string> suppressed;  // the ids the policy suppressed (they count for nothing)
  friend bool operator==(const TargetState&, const TargetState&) = default;
};

// The metadata record of a scan, as much as a reader needs to tell two scans apart.
struct ScanInfo {
  std::string version;  // dotscan version
  std::string command_line;
  std::string started, ended;  // ISO 8601, as written
  std::uint64_t targets_scanned = 0;
  bool interrupted = false;
};

// One line of a JSON Lines scan output.
struct ParsedLine {
  enum class Kind { Result, Metadata, Other, Malformed };
  Kind kind = Kind::Other;
  TargetState state;  // Kind::Result
  ScanInfo scan;      // Kind::Metadata
  std::string error;  // Kind::Malformed: what is wrong, for "FILE line N: ..."
};

// Reads one line (without its newline). A record of another type, or without "record", is Other;
// a line that is not a JSON object, or a result record without a parseable address, a port or an
// outcome, is Malformed.
ParsedLine parseLine(std::string_view line);

// Bytes that sort as the targets should be listed: family, the address's 16 bytes, the port (big
// endian), then the name. Requires an address that util's Address::parse accepts.
std::optional<std::string> sortKey(const TargetState& state);

// The compact form kept in the sort's runs (the key is stored beside it, not inside).
std::string encode(const TargetState& state);
std::optional<TargetState> decode(std::string_view bytes);

// "192.0.2.1:853", "[2001:db8::1]:853", followed by " NAME" when the target has one. Not escaped.
std::string targetLabel(const TargetState& state);

}  // namespace dotscan::diff
