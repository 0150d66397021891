// dotscan/model/dns.hpp — what the DNS exchange inside a session showed, as plain data.
//
// Filled by the dns module (parsing) and the probe (timing), written by report. No socket and no
// ldns type appears here. Invariant: `checks` names every response check that was made, so a
// reader can tell "ID mismatch" from "not checked because the frame was cut short".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dotscan::model {

// The query as sent.
struct DnsQuery {
  std::string name;  // presentation form, absolute ("dot.test.")
  std::string type;  // "A", "NS", "TYPE65534"
  std::uint16_t id = 0;
  bool rd = true;
  bool edns = true;
  bool padding = true;
  bool nsid = true;
  bool keepalive = true;
  std::uint32_t size = 0;  // DNS message bytes, without the two-byte length prefix
};

struct DnsEdns {
  std::uint16_t udp_size = 0;
  std::uint8_t version = 0;
  bool do_bit = false;
  bool padding = false;
  std::uint32_t padding_length = 0;  // bytes of the padding option's data
  std::optional<std::string> nsid_hex;
  std::optional<std::string> nsid_text;       // only when every byte is printable ASCII
  std::optional<std::uint32_t> keepalive_ms;  // edns-tcp-keepalive TIMEOUT x 100 ms
  std::vector<std::uint16_t> other_options;   // codes of any other option
};

// One SVCB record of an answer (RFC 9460), as DDR (RFC 9462) reads it.
struct SvcbRecord {
  std::uint16_t priority = 0;             // 0: AliasMode
  std::string target;                     // presentation form, absolute ("dot.example.", "." )
  std::vector<std::string> alpn;          // key 1, in order
  bool no_default_alpn = false;           // key 2
  std::optional<std::uint16_t> port;      // key 3
  std::vector<std::string> ipv4hint;      // key 4, dotted quads
  std::vector<std::string> ipv6hint;      // key 6, RFC 5952 text
  std::optional<std::string> dohpath;     // key 7
  std::vector<std::uint16_t> other_keys;  // any other key, in order
};

// One named check and its outcome ("id", "qr", "question", "framing", "parse").
struct DnsCheck {
  std::string name;
  bool ok = false;
  std::string detail;  // why it failed, empty when ok
};

struct DnsResponse {
  std::uint32_t size = 0;  // DNS message bytes
  std::uint16_t id = 0;
  std::string rcode;  // "NOERROR", "REFUSED", "RCODE23"
  std::uint16_t rcode_value = 0;
  std::string opcode;
  bool aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  std::vector<std::string> answers;  // every answer RR in presentation form
  std::string short_answer;          // the answers' RDATA, space-separated, as kdig +short
  std::optional<DnsEdns> edns;
  // SVCB records of the answer section, parsed; not written by the JSON writer.
  std::vector<SvcbRecord> svcb;
};

struct DnsExchange {
  bool cleartext = false;  // asked on a second connection without TLS (the peer spoke no TLS)
  DnsQuery query;
  std::vector<DnsCheck> checks;
  std::optional<DnsResponse> response;  // present once a whole frame parsed
  std::uint64_t bytes_received = 0;     // DNS bytes after the handshake, framing included
};

}  // namespace dotscan::model
