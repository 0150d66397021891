// dotscan/discover/packet.hpp — building the TCP SYN probes of SYN discovery (nmap -sS, zmap).
//
// Pure: the bytes of one probe from its parameters, for a raw IP socket (from the IP header on) or
// a packet socket (with an Ethernet II header first). The sender owns the socket; nothing here
// does I/O. Invariants: a SYN is built whole or not at all (writeSyn returns 0 and the caller's
// buffer is not to be sent); the IPv4 header checksum and the TCP checksum (over the IPv4 or IPv6
// pseudo-header) are always correct, so a SYN read back by the module's own parser
// (discover/reply.hpp) carries the values given here; no IP options, no IPv6 extension headers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dotscan/util/address.hpp"

namespace dotscan::discover {

inline constexpr std::size_t kEthernetHeaderSize = 14;
inline constexpr std::size_t kIpv4HeaderSize = 20;  // without options
inline constexpr std::size_t kIpv6HeaderSize = 40;  // without extension headers
inline constexpr std::size_t kTcpHeaderSize = 20;   // without options

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;  // IEEE 802.1Q
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;  // IEEE 802.1ad

// TCP header flags (RFC 9293 section 3.1).
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;

using MacAddress = std::array<std::uint8_t, 6>;

// The link layer for a packet socket; the EtherType follows from the IP family.
struct EthernetHeader {
  MacAddress destination{};  // the gateway's (or the on-link target's) MAC
  MacAddress source{};
};

// Which TCP options the SYN carries. Mss is zmap's choice: the smallest SYN a middlebox does not
// find odd (some drop SYNs with no options at all), 24 bytes of TCP and the highest rate. Linux is
// what a Linux 6.x connect() sends, in its order (MSS, SACK permitted, timestamps, NOP, window
// scale 7; 40 bytes of TCP), for a scan that should look like an ordinary client and get the
// SYN-ACK a real client gets.
enum class TcpOptionSet : std::uint8_t { Mss, Linux };

struct SynParameters {
  Address source;  // both addresses of one family, which picks IPv4 or IPv6
  Address destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t seq = 0;         // from Validator::makeProbe
  std::uint16_t ip_id = 0;       // IPv4 only; no DF bit, as zmap and nmap send
  std::uint8_t ttl = 64;         // TTL, or hop limit for IPv6
  std::uint16_t window = 64240;  // Linux's initial window for an MSS of 1460 (44 * 1460)
  TcpOptionSet options = TcpOptionSet::Mss;
  std::uint16_t mss = 1460;
  std::uint32_t timestamp = 0;  // TSval, with TcpOptionSet::Linux only (TSecr is 0 in a SYN)
};

// The size of the SYN writeSyn writes for this family and option set, with the Ethernet header
// when `ethernet` is set.
std::size_t synSize(Family family, TcpOptionSet options, bool ethernet = false);

// Writes the SYN (after an Ethernet header when `link` is given) at the start of `out` and returns
// its size; 0 when `out` is too small or the two addresses are of different families.
std::size_t writeSyn(std::span<std::uint8_t> out, const SynParameters& parameters,
                     const std::optional<EthernetHeader>& link = std::nullopt);

// The same, in a new buffer; empty when the addresses are of different families.
std::vector<std::uint8_t> buildSyn(const SynParameters& parameters,
                                   const std::optional<EthernetHeader>& link = std::nullopt);

}  // namespace dotscan::discover
