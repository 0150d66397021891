// dotscan/dns/message.hpp — the DNS query dotscan sends inside a DoT session, and what the answer
// says, as plain data (model/dns.hpp).
//
// Wire format only: no socket, no I/O, no global state. libldns does the encoding and decoding
// behind this header, which includes no ldns type, so the probe and the report never see one.
// Invariants:
//   * buildQuery either returns a well-formed message (class IN, one question, the given ID) or
//     throws UsageError; with padding on, the message length is a multiple of 128 octets.
//   * parseResponse never throws and never trusts a byte: whatever the input, it appends one
//     "parse" check, and the "id", "qr" and "question" checks whenever the message parsed, so a
//     report can tell a wrong answer from one that could not be read at all.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dotscan/model/dns.hpp"

namespace dotscan::dns {

// What to ask. The default, ". NS", suits every kind of server: a recursive resolver answers it
// from cache (root priming, RFC 8109), an authoritative server at once with REFUSED or a referral;
// either confirms that DNS runs inside the session.
struct QueryOptions {
  std::string name = ".";
  std::uint16_t type = 2;  // NS
  bool rd = true, edns = true, padding = true, nsid = true, keepalive = true;
  std::uint16_t udp_size = 1232;  // the DNS flag day 2020 default
};

// RFC 8467 section 4.1: pad queries to the closest multiple of 128 octets.
inline constexpr std::size_t kQueryPaddingBlock = 128;

// The longest text kept for one answer record (and its part of short_answer): a hostile record
// can print to megabytes (an NSEC bitmap of 64 KiB names half a million types).
inline constexpr std::size_t kMaxRecordText = 4096;

// Parses the value of --query: "NAME" or "NAME/TYPE", TYPE a mnemonic ldns knows (any case) or
// TYPEnnn (1 to 65535). The part after the last '/' is the type, so a name that itself contains
// '/' (RFC 2317 reverse zones) needs an explicit type. Everything else comes from `base`.
// Throws UsageError, one line naming --query, on a bad name or type.
QueryOptions parseQuerySpec(const std::string& spec, QueryOptions base = {});

struct BuiltQuery {
  // The RFC 7858 section 3.3 / RFC 1035 section 4.2.2 two-byte length, then the message, so the
  // caller sends both in one write.
  std::vector<std::uint8_t> wire;
  // What was sent: size excludes the length prefix; padding, nsid and keepalive are false when
  // edns is off, since there is no OPT record to carry them.
  model::DnsQuery query;
};

// The DoT query: class IN, `id`, RD as asked and, unless edns is off, an EDNS(0) OPT record
// (RFC 6891) with udp_size and the options switched on: NSID request (RFC 5001, empty option 3),
// edns-tcp-keepalive (RFC 7828, empty option 11) and Padding (RFC 7830, option 12) sized to reach
// a multiple of kQueryPaddingBlock. Throws UsageError on a bad name.
BuiltQuery buildQuery(const QueryOptions& options, std::uint16_t id);

// One query built once and sent many times, each time with an ID of its own (RFC 5452 section
// 4.3): the probe asks for the wire form with the ID it drew, never patches bytes itself.
// Invariant: framed(id) and describe(id) differ from the built query only in the ID.
class Query {
 public:
  // Throws UsageError on a bad name, as buildQuery.
  explicit Query(const QueryOptions& options);

  // The two-byte length and the message with `id`, ready for one write.
  [[nodiscard]] std::vector<std::uint8_t> framed(std::uint16_t id) const;
  // What framed(id) says, for the report.
  [[nodiscard]] model::DnsQuery describe(std::uint16_t id) const;
  // The message's length, without the length prefix.
  [[nodiscard]] std::size_t size() const { return built_.query.size; }

 private:
  BuiltQuery built_;
};

// Parses one DNS message (the length prefix already removed) answering `query`. Fills
// exchange.response when ldns can parse the message and appends the checks "parse", then "id"
// (same ID as the query), "qr" (QR set) and "question" (exactly one question, the query's name
// compared case-insensitively, its type, class IN). Returns true when every check passed. Section
// counts are the header's own, OPT included. RDATA that ldns cannot print appears in the RFC 3597
// generic form ("\# 4 c0000201"); one record's text is cut at kMaxRecordText characters, marked
// "...". Every answer RR of type SVCB (64) whose RDATA parseSvcbRdata (svcb.hpp) accepts, read from
// the message's own bytes, goes into response.svcb in order; one that it refuses is left out and
// changes nothing else. Never throws, whatever the bytes.
bool parseResponse(std::span<const std::uint8_t> message, const model::DnsQuery& query,
                   model::DnsExchange& exchange);

// The ldns in use at run time: "ldns 1.8.3" (--version).
std::string libraryVersion();

}  // namespace dotscan::dns
