// dotscan/discover/reply.hpp — what a captured frame says about a SYN probe.
//
// Pure: the bytes libpcap captured and the capture's link type in, one classified Reply out, no
// pcap call and no socket here. Every byte is hostile and read through WireReader; a frame is
// never read outside its span, whatever its length fields say. Invariants of parseReply's Reply:
//   * kind is SynAck, Rst, Unreachable, or Ignored with a reason (never None for Ignored).
//   * SynAck has SYN and ACK set and RST clear; Rst has RST set (ACK as sent); neither is a
//     fragment other than the first.
//   * Addresses have the family of the IP header they came from: an IPv4-mapped address inside
//     an IPv6 header (not allowed on the wire, RFC 4291 section 2.5.5.2) makes the frame Ignored,
//     so a reply can never pass for IPv4 when it came over IPv6.
//   * Unreachable quotes a TCP segment: quoted.* are the addresses, ports and sequence number of
//     the probe the ICMP error answers, read from the embedded header (RFC 792 promises the IP
//     header and 8 bytes: ports and sequence number; RFC 4443 section 3.1 as much as fits).
//   * Checksums are not checked: captures of the host's own packets often carry offloaded,
//     unfilled checksums, and the validator (validator.hpp) is what rejects forgeries.
// Lengths: an IP packet is cut to its total (payload) length, so Ethernet padding is never read
// as TCP; a capture shorter than that length (a snap length cut) is read as far as it goes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dotscan/util/address.hpp"

namespace dotscan::discover {

// libpcap link types, as pcap_datalink returns them on Linux (pcap/dlt.h). Plain numbers, so
// this module needs no pcap header.
enum class LinkType : std::uint16_t {
  Null = 0,         // DLT_NULL: BSD loopback, a 4-byte address family in the capturing host's order
  Ethernet = 1,     // DLT_EN10MB: Ethernet II, optionally 802.1Q / 802.1ad tagged
  Raw = 12,         // DLT_RAW: the IP header first, IPv4 or IPv6 by its version
  Loop = 108,       // DLT_LOOP: as Null, the family in network byte order
  LinuxSll = 113,   // DLT_LINUX_SLL: Linux cooked capture v1 (16-byte header, "any" device)
  Ipv4 = 228,       // DLT_IPV4: IPv4 only
  Ipv6 = 229,       // DLT_IPV6: IPv6 only
  LinuxSll2 = 276,  // DLT_LINUX_SLL2: Linux cooked capture v2 (20-byte header)
};

// The LinkType for a pcap_datalink() value, also accepting the other numbers raw IP goes by
// (LINKTYPE_RAW 101 in files, DLT_RAW 14 on OpenBSD); nullopt for a type not handled here.
std::optional<LinkType> linkTypeFromDlt(int dlt);

enum class ReplyKind : std::uint8_t { SynAck, Rst, Unreachable, Ignored };

enum class IgnoreReason : std::uint8_t {
  None,            // not ignored
  Truncated,       // a header is cut short by the end of the capture
  NotIp,           // the link layer carries something other than IPv4 or IPv6
  BadIpHeader,     // wrong version for the link type, IHL below 5, or a header longer than stated
  BadLength,       // a total or payload length shorter than the headers (or a jumbogram)
  MappedAddress,   // an IPv4-mapped address in an IPv6 header
  Fragment,        // a fragment other than the first: no transport header to read
  OtherProtocol,   // neither TCP nor ICMP/ICMPv6 (or a chain without one)
  BadTcpHeader,    // a data offset below 5 or beyond the segment
  OtherTcpFlags,   // TCP, but neither a SYN-ACK nor a RST
  OtherIcmp,       // ICMP, but not destination unreachable
  BadQuotedPacket  // destination unreachable whose quoted packet is not a readable TCP header
};

// The reason's name as the report will print it: "truncated", "bad-ip-header", ...
std::string_view ignoreReasonName(IgnoreReason reason);

// The probe an ICMP error quotes.
struct QuotedProbe {
  Address source;       // our address
  Address destination;  // the target
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t seq = 0;
};

struct Reply {
  ReplyKind kind = ReplyKind::Ignored;
  IgnoreReason reason = IgnoreReason::None;
  // From the IP header: the host that sent the reply (for Unreachable, the router or host that
  // sent the ICMP error), and us. Set once the IP header is read, even when Ignored.
  Address source;
  Address destination;
  std::uint8_t ttl = 0;  // TTL or hop limit
  // SynAck and Rst: the TCP header.
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  // Unreachable: ICMP type 3 (IPv4) or ICMPv6 type 1, its code, and the probe it quotes.
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  QuotedProbe quoted;
};

// Classifies one captured frame. Never throws, never reads outside `frame`.
Reply parseReply(LinkType link, std::span<const std::uint8_t> frame);

}  // namespace dotscan::discover
