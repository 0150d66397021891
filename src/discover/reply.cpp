#include "dotscan/discover/reply.hpp"

#include <array>

#include "dotscan/discover/checksum.hpp"
#include "dotscan/discover/packet.hpp"
#include "dotscan/util/wire_reader.hpp"

namespace dotscan::discover {
namespace {

constexpr std::size_t kSllHeaderSize = 16;   // pcap-linktype(7) LINKTYPE_LINUX_SLL
constexpr std::size_t kSll2HeaderSize = 20;  // LINKTYPE_LINUX_SLL2
constexpr int kMaxVlanTags = 2;              // 802.1ad outer tag, 802.1Q inner tag
// A chain longer than this is not what a host sends to a scanner; bounding it bounds the work.
constexpr int kMaxExtensionHeaders = 8;

constexpr std::uint32_t kAfInet = 2;
// AF_INET6 differs between the systems that write DLT_NULL: Linux, NetBSD and OpenBSD, FreeBSD,
// macOS (pcap-linktype(7), LINKTYPE_NULL).
constexpr std::array<std::uint32_t, 4> kAfInet6 = {10, 24, 28, 30};

// IPv6 extension headers (RFC 8200 section 4) and AH (RFC 4302), which precede TCP or ICMPv6.
constexpr std::uint8_t kHopByHop = 0;
constexpr std::uint8_t kRouting = 43;
constexpr std::uint8_t kFragment = 44;
constexpr std::uint8_t kAuthentication = 51;
constexpr std::uint8_t kDestinationOptions = 60;

constexpr std::uint8_t kIcmpUnreachable = 3;    // RFC 792
constexpr std::uint8_t kIcmpv6Unreachable = 1;  // RFC 4443 section 3.1
constexpr std::size_t kIcmpHeaderSize = 8;      // type, code, checksum, 4 unused bytes

// One IP header read: its addresses and what follows it.
struct IpPacket {
  Address source;
  Address destination;
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  WireReader payload;
  bool cut = false;  // the capture ends before the length the header states
};

// The payload of a header, limited to the stated length, or to the capture when it is shorter.
void takePayload(WireReader& in, std::size_t length, IpPacket& packet) {
  packet.cut = in.remaining() < length;
  packet.payload = in.sub(packet.cut ? in.remaining() : length);
}

// RFC 791 section 3.1. A quoted header (inside an ICMP error) is followed by only part of its
// packet, so its total length is not applied.
IgnoreReason readIpv4(WireReader& in, IpPacket& packet, bool quoted) {
  const std::uint8_t version_ihl = in.readU8();
  if (!in.ok()) return IgnoreReason::Truncated;
  const std::size_t header_size = std::size_t{version_ihl & 0x0fU} * 4;
  if ((version_ihl >> 4U) != 4 || header_size < kIpv4HeaderSize) return IgnoreReason::BadIpHeader;
  in.skip(1);  // DSCP, ECN
  const std::size_t total_length = in.readU16();
  in.skip(2);  // identification
  const std::uint16_t fragment = in.readU16();
  packet.ttl = in.readU8();
  packet.protocol = in.readU8();
  in.skip(2);  // header checksum
  const std::uint32_t source = in.readU32();
  const std::uint32_t destination = in.readU32();
  if (!in.ok()) return IgnoreReason::Truncated;
  packet.source = Address::fromV4(source);
  packet.destination = Address::fromV4(destination);
  if (!quoted && total_length < header_size) return IgnoreReason::BadLength;
  in.skip(header_size - kIpv4HeaderSize);  // options
  if (!in.ok()) return IgnoreReason::Truncated;
  if (quoted) {
    packet.payload = WireReader(in.rest());
  } else {
    takePayload(in, total_length - header_size, packet);
  }
  // Only the first fragment (offset 0) holds the transport header.
  if ((fragment & 0x1fffU) != 0) return IgnoreReason::Fragment;
  return IgnoreReason::None;
}

Address readV6Address(WireReader& in) {
  const auto bytes = in.readBytes(16);
  return bytes.size() == 16 ? Address::fromV6Bytes(bytes.data()) : Address{};
}

// Walks the extension headers of RFC 8200 section 4 to the upper-layer header.
IgnoreReason skipExtensionHeaders(IpPacket& packet) {
  WireReader& in = packet.payload;
  for (int i = 0; i < kMaxExtensionHeaders; ++i) {
    switch (packet.protocol) {
      case kHopByHop:
      case kRouting:
      case kDestinationOptions: {
        packet.protocol = in.readU8();
        const std::size_t length = in.readU8();  // in 8-octet units, not counting the first 8
        in.skip(length * 8 + 6);
        break;
      }
      case kFragment: {  // RFC 8200 section 4.5: always 8 bytes
        packet.protocol = in.readU8();
        in.skip(1);
        const std::uint16_t offset_flags = in.readU16();
        in.skip(4);
        if (in.ok() && (offset_flags >> 3U) != 0) return IgnoreReason::Fragment;
        break;
      }
      case kAuthentication: {  // RFC 4302 section 2.2: length in 4-octet units, minus 2
        packet.protocol = in.readU8();
        const std::size_t length = in.readU8();
        in.skip((length + 2) * 4 - 2);
        break;
      }
      default:
        return IgnoreReason::None;
    }
    if (!in.ok()) return packet.cut ? IgnoreReason::Truncated : IgnoreReason::BadLength;
  }
  return IgnoreReason::OtherProtocol;
}

// RFC 8200 section 3.
IgnoreReason readIpv6(WireReader& in, IpPacket& packet, bool quoted) {
  const std::uint32_t first = in.readU32();
  if (!in.ok()) return IgnoreReason::Truncated;
  if ((first >> 28U) != 6) return IgnoreReason::BadIpHeader;
  const std::size_t payload_length = in.readU16();
  packet.protocol = in.readU8();
  packet.ttl = in.readU8();
  const Address source = readV6Address(in);
  const Address destination = readV6Address(in);
  if (!in.ok()) return IgnoreReason::Truncated;
  packet.source = source;
  packet.destination = destination;
  if (source.isV4() || destination.isV4()) return IgnoreReason::MappedAddress;
  if (quoted) {
    packet.payload = WireReader(in.rest());
  } else {
    // A zero payload length is a jumbogram (RFC 2675) or nothing at all: no SYN-ACK either way.
    if (payload_length == 0) return IgnoreReason::BadLength;
    takePayload(in, payload_length, packet);
  }
  return skipExtensionHeaders(packet);
}

IgnoreReason readIp(WireReader& in, Family family, IpPacket& packet, bool quoted) {
  return family == Family::V4 ? readIpv4(in, packet, quoted) : readIpv6(in, packet, quoted);
}

// Reads the link-layer header; the family of the IP packet it announces, or why there is none.
IgnoreReason readLink(LinkType link, WireReader& in, Family& family) {
  std::uint16_t ether_type = 0;
  switch (link) {
    case LinkType::Ethernet:
      in.skip(12);  // destination and source MAC
      ether_type = in.readU16();
      for (int i = 0;
           i < kMaxVlanTags && (ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ);
           ++i) {
        in.skip(2);  // priority, DEI, VLAN ID
        ether_type = in.readU16();
      }
      break;
    case LinkType::LinuxSll:
      in.skip(kSllHeaderSize - 2);
      ether_type = in.readU16();
      break;
    case LinkType::LinuxSll2:
      ether_type = in.readU16();
      in.skip(kSll2HeaderSize - 2);
      break;
    case LinkType::Null:
    case LinkType::Loop: {
      // DLT_NULL is in the byte order of the host that captured, DLT_LOOP in network order;
      // the values are small, so the order that gives one is the right one.
      std::uint32_t af = in.readU32();
      if (af > 0xffffU) af = __builtin_bswap32(af);
      if (!in.ok()) return IgnoreReason::Truncated;
      if (af == kAfInet) {
        family = Family::V4;
        return IgnoreReason::None;
      }
      for (const std::uint32_t v6 : kAfInet6) {
        if (af == v6) {
          family = Family::V6;
          return IgnoreReason::None;
        }
      }
      return IgnoreReason::NotIp;
    }
    case LinkType::Raw: {
      const auto rest = in.rest();
      if (rest.empty()) return IgnoreReason::Truncated;
      const unsigned version = rest[0] >> 4U;
      if (version != 4 && version != 6) return IgnoreReason::BadIpHeader;
      family = version == 4 ? Family::V4 : Family::V6;
      return IgnoreReason::None;
    }
    case LinkType::Ipv4:
      family = Family::V4;
      return IgnoreReason::None;
    case LinkType::Ipv6:
      family = Family::V6;
      return IgnoreReason::None;
  }
  if (!in.ok()) return IgnoreReason::Truncated;
  if (ether_type == kEtherTypeIpv4) {
    family = Family::V4;
  } else if (ether_type == kEtherTypeIpv6) {
    family = Family::V6;
  } else {
    return IgnoreReason::NotIp;
  }
  return IgnoreReason::None;
}

void readTcp(IpPacket& packet, Reply& reply) {
  WireReader& in = packet.payload;
  reply.source_port = in.readU16();
  reply.destination_port = in.readU16();
  reply.seq = in.readU32();
  reply.ack = in.readU32();
  const std::size_t header_size = std::size_t{in.readU8()} / 16 * 4;  // data offset, 32-bit words
  reply.flags = in.readU8();
  reply.window = in.readU16();
  in.skip(4);  // checksum, urgent pointer
  if (!in.ok()) {
    reply.reason = IgnoreReason::Truncated;
    return;
  }
  if (header_size < kTcpHeaderSize) {
    reply.reason = IgnoreReason::BadTcpHeader;
    return;
  }
  in.skip(header_size - kTcpHeaderSize);  // options
  if (!in.ok()) {
    reply.reason = packet.cut ? IgnoreReason::Truncated : IgnoreReason::BadTcpHeader;
    return;
  }
  if ((reply.flags & kTcpRst) != 0) {
    reply.kind = ReplyKind::Rst;
  } else if ((reply.flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck)) {
    reply.kind = ReplyKind::SynAck;
  } else {
    reply.reason = IgnoreReason::OtherTcpFlags;
  }
}

// ICMP destination unreachable (RFC 792) or ICMPv6 (RFC 4443 section 3.1): the header, then as
// much of the packet that caused it as fits, whose first 8 TCP bytes name our probe.
void readUnreachable(IpPacket& packet, Family family, Reply& reply) {
  WireReader& in = packet.payload;
  reply.icmp_type = in.readU8();
  reply.icmp_code = in.readU8();
  in.skip(kIcmpHeaderSize - 2);
  if (!in.ok()) {
    reply.reason = IgnoreReason::Truncated;
    return;
  }
  const std::uint8_t unreachable = family == Family::V4 ? kIcmpUnreachable : kIcmpv6Unreachable;
  if (reply.icmp_type != unreachable) {
    reply.reason = IgnoreReason::OtherIcmp;
    return;
  }
  IpPacket quoted;
  WireReader quoted_in(in.rest());
  if (readIp(quoted_in, family, quoted, true) != IgnoreReason::None ||
      quoted.protocol != kProtocolTcp) {
    reply.reason = IgnoreReason::BadQuotedPacket;
    return;
  }
  reply.quoted.source = quoted.source;
  reply.quoted.destination = quoted.destination;
  reply.quoted.source_port = quoted.payload.readU16();
  reply.quoted.destination_port = quoted.payload.readU16();
  reply.quoted.seq = quoted.payload.readU32();
  if (!quoted.payload.ok()) {
    reply.reason = IgnoreReason::BadQuotedPacket;
    return;
  }
  reply.kind = ReplyKind::Unreachable;
}

}  // namespace

std::optional<LinkType> linkTypeFromDlt(int dlt) {
  switch (dlt) {
    case 0:
      return LinkType::Null;
    case 1:
      return LinkType::Ethernet;
    case 12:   // DLT_RAW on most systems
    case 14:   // DLT_RAW on OpenBSD
    case 101:  // LINKTYPE_RAW, as pcap files store it
      return LinkType::Raw;
    case 108:
      return LinkType::Loop;
    case 113:
      return LinkType::LinuxSll;
    case 228:
      return LinkType::Ipv4;
    case 229:
      return LinkType::Ipv6;
    case 276:
      return LinkType::LinuxSll2;
    default:
      return std::nullopt;
  }
}

std::string_view ignoreReasonName(IgnoreReason reason) {
  switch (reason) {
    case IgnoreReason::None:
      return "none";
    case IgnoreReason::Truncated:
      return "truncated";
    case IgnoreReason::NotIp:
      return "not-ip";
    case IgnoreReason::BadIpHeader:
      return "bad-ip-header";
    case IgnoreReason::BadLength:
      return "bad-length";
    case IgnoreReason::MappedAddress:
      return "mapped-address";
    case IgnoreReason::Fragment:
      return "fragment";
    case IgnoreReason::OtherProtocol:
      return "other-protocol";
    case IgnoreReason::BadTcpHeader:
      return "bad-tcp-header";
    case IgnoreReason::OtherTcpFlags:
      return "other-tcp-flags";
    case IgnoreReason::OtherIcmp:
      return "other-icmp";
    case IgnoreReason::BadQuotedPacket:
      return "bad-quoted-packet";
  }
  return "unknown";
}

Reply parseReply(LinkType link, std::span<const std::uint8_t> frame) {
  Reply reply;
  WireReader in(frame);
  Family family = Family::V4;
  reply.reason = readLink(link, in, family);
  if (reply.reason != IgnoreReason::None) return reply;

  IpPacket packet;
  reply.reason = readIp(in, family, packet, false);
  reply.source = packet.source;
  reply.destination = packet.destination;
  reply.ttl = packet.ttl;
  if (reply.reason != IgnoreReason::None) return reply;

  const std::uint8_t icmp = family == Family::V4 ? kProtocolIcmp : kProtocolIcmpv6;
  if (packet.protocol == kProtocolTcp) {
    readTcp(packet, reply);
  } else if (packet.protocol == icmp) {
    readUnreachable(packet, family, reply);
  } else {
    reply.reason = IgnoreReason::OtherProtocol;
  }
  if (reply.kind != ReplyKind::Ignored) reply.reason = IgnoreReason::None;
  return reply;
}

}  // namespace dotscan::discover
