#include "dotscan/discover/reply.hpp"

#include <pcap/dlt.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "dotscan/discover/checksum.hpp"
#include "dotscan/discover/packet.hpp"

#include "frames.hpp"

namespace dotscan::discover {
namespace {

using frames::Bytes;
using frames::cat;
using frames::ip;

// The module keeps its own numbers, so that it needs no pcap header; they must be libpcap's.
static_assert(static_cast<int>(LinkType::Null) == DLT_NULL);
static_assert(static_cast<int>(LinkType::Ethernet) == DLT_EN10MB);
static_assert(static_cast<int>(LinkType::Raw) == DLT_RAW);
static_assert(static_cast<int>(LinkType::Loop) == DLT_LOOP);
static_assert(static_cast<int>(LinkType::LinuxSll) == DLT_LINUX_SLL);
static_assert(static_cast<int>(LinkType::Ipv4) == DLT_IPV4);
static_assert(static_cast<int>(LinkType::Ipv6) == DLT_IPV6);
static_assert(static_cast<int>(LinkType::LinuxSll2) == DLT_LINUX_SLL2);

const Address kTarget4 = ip("198.51.100.7");
const Address kUs4 = ip("192.0.2.1");
const Address kTarget6 = ip("2001:db8::853");
const Address kUs6 = ip("2001:db8::1");

Bytes synAck4(const frames::Tcp& tcp = {}, const Bytes& options = {}) {
  return frames::ipv4(kTarget4, kUs4, kProtocolTcp, frames::tcp(tcp, options));
}
Bytes synAck6(const frames::Tcp& tcp = {}) {
  return frames::ipv6(kTarget6, kUs6, kProtocolTcp, frames::tcp(tcp));
}

void expectSynAck(const Reply& reply, const Address& from, const Address& to) {
  EXPECT_EQ(reply.kind, ReplyKind::SynAck) << ignoreReasonName(reply.reason);
  EXPECT_EQ(reply.reason, IgnoreReason::None);
  EXPECT_EQ(reply.source, from);
  EXPECT_EQ(reply.destination, to);
  EXPECT_EQ(reply.source_port, 853);
  EXPECT_EQ(reply.destination_port, 40000);
  EXPECT_EQ(reply.seq, 0x11111111U);
  EXPECT_EQ(reply.flags, kTcpSyn | kTcpAck);
}

TEST(Reply, RawIpv4AndIpv6) {
  const Reply v4 = parseReply(LinkType::Raw, synAck4());
  expectSynAck(v4, kTarget4, kUs4);
  EXPECT_EQ(v4.ttl, 57);
  EXPECT_EQ(v4.window, 65160);
  expectSynAck(parseReply(LinkType::Raw, synAck6()), kTarget6, kUs6);
  expectSynAck(parseReply(LinkType::Ipv4, synAck4()), kTarget4, kUs4);
  expectSynAck(parseReply(LinkType::Ipv6, synAck6()), kTarget6, kUs6);
  // The link type names the version: an IPv6 packet on LINKTYPE_IPV4 is refused.
  EXPECT_EQ(parseReply(LinkType::Ipv4, synAck6()).reason, IgnoreReason::BadIpHeader);
  EXPECT_EQ(parseReply(LinkType::Ipv6, synAck4()).reason, IgnoreReason::BadIpHeader);
  EXPECT_EQ(parseReply(LinkType::Raw, Bytes{0x50, 0, 0, 0}).reason, IgnoreReason::BadIpHeader);
}

TEST(Reply, EthernetWithAndWithoutVlanTags) {
  expectSynAck(parseReply(LinkType::Ethernet, frames::ethernet(kEtherTypeIpv4, synAck4())),
               kTarget4, kUs4);
  expectSynAck(parseReply(LinkType::Ethernet, frames::ethernet(kEtherTypeIpv6, synAck6())),
               kTarget6, kUs6);
  // 802.1ad outer tag, 802.1Q inner tag, then IPv4.
  const Bytes tagged = frames::ethernet(
      kEtherTypeQinQ, cat({{0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}, synAck4()}));
  expectSynAck(parseReply(LinkType::Ethernet, tagged), kTarget4, kUs4);
  // Three tags are more than a frame carries.
  const Bytes three = frames::ethernet(
      kEtherTypeVlan, cat({{0, 1, 0x81, 0, 0, 2, 0x81, 0, 0, 3, 0x08, 0x00}, synAck4()}));
  EXPECT_EQ(parseReply(LinkType::Ethernet, three).reason, IgnoreReason::NotIp);
  EXPECT_EQ(parseReply(LinkType::Ethernet, frames::ethernet(0x0806, Bytes(28))).reason,
            IgnoreReason::NotIp);  // ARP
  // Ethernet pads short frames to 60 bytes: the padding is not read as TCP options.
  const Bytes padded = cat({frames::ethernet(kEtherTypeIpv4, synAck4()), Bytes(6, 0xee)});
  expectSynAck(parseReply(LinkType::Ethernet, padded), kTarget4, kUs4);
}

TEST(Reply, LinuxCookedV1AndV2) {
  // SLL: packet type, ARPHRD_ETHER, address length 6, address padded to 8, protocol.
  const Bytes sll = cat({{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd}, synAck6()});
  expectSynAck(parseReply(LinkType::LinuxSll, sll), kTarget6, kUs6);
  // SLL2: protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address.
  const Bytes sll2 =
      cat({{0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, synAck4()});
  expectSynAck(parseReply(LinkType::LinuxSll2, sll2), kTarget4, kUs4);
  EXPECT_EQ(parseReply(LinkType::LinuxSll, Bytes(15)).reason, IgnoreReason::Truncated);
}

TEST(Reply, BsdLoopbackInEitherByteOrder) {
  expectSynAck(parseReply(LinkType::Null, cat({{2, 0, 0, 0}, synAck4()})), kTarget4, kUs4);
  expectSynAck(parseReply(LinkType::Loop, cat({{0, 0, 0, 2}, synAck4()})), kTarget4, kUs4);
  for (const std::uint8_t af6 : Bytes{10, 24, 28, 30}) {
    expectSynAck(parseReply(LinkType::Null, cat({{af6, 0, 0, 0}, synAck6()})), kTarget6, kUs6);
  }
  EXPECT_EQ(parseReply(LinkType::Null, cat({{7, 0, 0, 0}, synAck4()})).reason, IgnoreReason::NotIp);
  EXPECT_EQ(parseReply(LinkType::Loop, Bytes{0, 0, 2}).reason, IgnoreReason::Truncated);
}

TEST(Reply, LinkTypesFromPcapNumbers) {
  EXPECT_EQ(linkTypeFromDlt(DLT_EN10MB), LinkType::Ethernet);
  EXPECT_EQ(linkTypeFromDlt(101), LinkType::Raw);  // LINKTYPE_RAW in a file
  EXPECT_EQ(linkTypeFromDlt(14), LinkType::Raw);   // DLT_RAW on OpenBSD
  EXPECT_EQ(linkTypeFromDlt(DLT_LINUX_SLL2), LinkType::LinuxSll2);
  EXPECT_EQ(linkTypeFromDlt(DLT_IEEE802_11), std::nullopt);
}

TEST(Reply, RstWithAndWithoutAck) {
  const Reply rst_ack =
      parseReply(LinkType::Raw, synAck4({.seq = 0, .ack = 0x01020305, .flags = kTcpRst | kTcpAck}));
  EXPECT_EQ(rst_ack.kind, ReplyKind::Rst);
  EXPECT_EQ(rst_ack.ack, 0x01020305U);
  const Reply rst = parseReply(LinkType::Raw, synAck6({.flags = kTcpRst}));
  EXPECT_EQ(rst.kind, ReplyKind::Rst);
  EXPECT_EQ(rst.flags, kTcpRst);
  // RST wins over SYN-ACK when both are set.
  EXPECT_EQ(parseReply(LinkType::Raw, synAck4({.flags = 0x16})).kind, ReplyKind::Rst);
  // ECE and CWR do not change a SYN-ACK.
  EXPECT_EQ(parseReply(LinkType::Raw, synAck4({.flags = 0xd2})).kind, ReplyKind::SynAck);
  for (const std::uint8_t flags : Bytes{0x02, 0x10, 0x11, 0x18, 0x00}) {
    EXPECT_EQ(parseReply(LinkType::Raw, synAck4({.flags = flags})).reason,
              IgnoreReason::OtherTcpFlags);
  }
}

TEST(Reply, TcpOptionsAndBadDataOffsets) {
  const Bytes options = {2, 4, 0x05, 0xb4, 4, 2, 1, 1, 1, 3, 3, 7};
  expectSynAck(parseReply(LinkType::Raw, synAck4({}, options)), kTarget4, kUs4);
  Bytes low = synAck4();
  low[20 + 12] = 0x40;  // data offset 4: shorter than the fixed header
  EXPECT_EQ(parseReply(LinkType::Raw, low).reason, IgnoreReason::BadTcpHeader);
  Bytes high = synAck4();
  high[20 + 12] = 0xf0;  // 60 bytes of header in a 20-byte segment
  EXPECT_EQ(parseReply(LinkType::Raw, high).reason, IgnoreReason::BadTcpHeader);
}

TEST(Reply, Ipv4OptionsAreSkipped) {
  // Record route with room for two addresses, then end of options: IHL 7... padded to 12 bytes.
  const Bytes options = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const Bytes packet = frames::ipv4(kTarget4, kUs4, kProtocolTcp, frames::tcp({}), options);
  EXPECT_EQ(packet[0], 0x48);
  expectSynAck(parseReply(LinkType::Raw, packet), kTarget4, kUs4);
  // IHL 15 (60 bytes of header) in a 40-byte packet.
  Bytes lying = synAck4();
  lying[0] = 0x4f;
  EXPECT_EQ(parseReply(LinkType::Raw, lying).reason, IgnoreReason::BadLength);
  Bytes short_ihl = synAck4();
  short_ihl[0] = 0x44;
  EXPECT_EQ(parseReply(LinkType::Raw, short_ihl).reason, IgnoreReason::BadIpHeader);
}

TEST(Reply, Ipv4LengthFields) {
  // Total length below the header.
  EXPECT_EQ(parseReply(LinkType::Raw,
                       frames::ipv4(kTarget4, kUs4, kProtocolTcp, frames::tcp({}), {}, 0, 19))
                .reason,
            IgnoreReason::BadLength);
  // Total length that ends inside the TCP header.
  EXPECT_EQ(parseReply(LinkType::Raw,
                       frames::ipv4(kTarget4, kUs4, kProtocolTcp, frames::tcp({}), {}, 0, 30))
                .reason,
            IgnoreReason::Truncated);
  // Total length beyond the capture (a snap length cut): what was captured is read.
  expectSynAck(parseReply(LinkType::Raw,
                          frames::ipv4(kTarget4, kUs4, kProtocolTcp, frames::tcp({}), {}, 0, 1500)),
               kTarget4, kUs4);
}

TEST(Reply, Ipv4FragmentsPastTheFirstAreIgnored) {
  const Bytes first = frames::ipv4(kTarget4, kUs4, kProtocolTcp, frames::tcp({}), {}, 0x2000);
  expectSynAck(parseReply(LinkType::Raw, first), kTarget4, kUs4);  // MF set, offset 0
  const Bytes later = frames::ipv4(kTarget4, kUs4, kProtocolTcp, frames::tcp({}), {}, 0x0003);
  EXPECT_EQ(parseReply(LinkType::Raw, later).reason, IgnoreReason::Fragment);
}

TEST(Reply, Ipv6ExtensionHeadersAreWalked) {
  // Hop-by-hop (8 bytes: PadN), destination options (16 bytes), routing (type 0 segments left 0),
  // a first fragment, then TCP.
  const Bytes chain = cat({{60, 0, 1, 4, 0, 0, 0, 0},
                           {43, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                           {44, 0, 0, 0, 0, 0, 0, 0},
                           {6, 0, 0x00, 0x01, 0, 0, 0, 42},
                           frames::tcp({})});
  expectSynAck(parseReply(LinkType::Raw, frames::ipv6(kTarget6, kUs6, 0, chain)), kTarget6, kUs6);
  // AH: length 4 means (4 + 2) * 4 = 24 bytes.
  const Bytes ah = cat({{6, 4, 0, 0}, Bytes(20), frames::tcp({})});
  expectSynAck(parseReply(LinkType::Raw, frames::ipv6(kTarget6, kUs6, 51, ah)), kTarget6, kUs6);
  // A non-first fragment.
  const Bytes later = cat({{6, 0, 0x05, 0x00, 0, 0, 0, 42}, frames::tcp({})});
  EXPECT_EQ(parseReply(LinkType::Raw, frames::ipv6(kTarget6, kUs6, 44, later)).reason,
            IgnoreReason::Fragment);
  // An extension header longer than the payload.
  const Bytes overlong = cat({{6, 200, 0, 0, 0, 0, 0, 0}, frames::tcp({})});
  EXPECT_EQ(parseReply(LinkType::Raw, frames::ipv6(kTarget6, kUs6, 0, overlong)).reason,
            IgnoreReason::BadLength);
  // No next header (59), UDP (17).
  EXPECT_EQ(parseReply(LinkType::Raw, frames::ipv6(kTarget6, kUs6, 59, Bytes(8))).reason,
            IgnoreReason::OtherProtocol);
  EXPECT_EQ(parseReply(LinkType::Raw, frames::ipv4(kTarget4, kUs4, 17, Bytes(8))).reason,
            IgnoreReason::OtherProtocol);
  // A chain of nine destination options headers is longer than any real reply.
  Bytes nine;
  for (int i = 0; i < 9; ++i) frames::append(nine, {60, 0, 1, 4, 0, 0, 0, 0});
  frames::append(nine, frames::tcp({}));
  EXPECT_EQ(parseReply(LinkType::Raw, frames::ipv6(kTarget6, kUs6, 60, nine)).reason,
            IgnoreReason::OtherProtocol);
}

TEST(Reply, Ipv6LengthsAndMappedAddresses) {
  Bytes jumbo = synAck6();
  jumbo[4] = 0;
  jumbo[5] = 0;
  EXPECT_EQ(parseReply(LinkType::Raw, jumbo).reason, IgnoreReason::BadLength);
  Bytes cut = synAck6();
  cut[5] = 10;  // the payload length ends inside the TCP header
  EXPECT_EQ(parseReply(LinkType::Raw, cut).reason, IgnoreReason::Truncated);
  // frames::ipv6 would write the mapped address as 4 bytes; put ::ffff:198.51.100.7 in by hand.
  Bytes mapped_packet = synAck6();
  const Bytes mapped_source = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7};
  std::copy(mapped_source.begin(), mapped_source.end(), mapped_packet.begin() + 8);
  const Reply mapped = parseReply(LinkType::Raw, mapped_packet);
  EXPECT_EQ(mapped.reason, IgnoreReason::MappedAddress);
}

Bytes quotedSyn4(std::uint16_t source_port, std::uint32_t seq) {
  // What routers quote: the IP header and the first 8 bytes of TCP (RFC 792).
  Bytes syn = frames::ipv4(
      kUs4, kTarget4, kProtocolTcp,
      frames::tcp(
          {.source_port = source_port, .destination_port = 853, .seq = seq, .flags = kTcpSyn}));
  syn.resize(20 + 8);
  return syn;
}

TEST(Reply, IcmpUnreachableQuotesTheProbe) {
  const Address router = ip("203.0.113.1");
  const Bytes packet =
      frames::ipv4(router, kUs4, kProtocolIcmp, frames::icmp(3, 13, quotedSyn4(40000, 7)));
  const Reply reply = parseReply(LinkType::Raw, packet);
  ASSERT_EQ(reply.kind, ReplyKind::Unreachable) << ignoreReasonName(reply.reason);
  EXPECT_EQ(reply.source, router);
  EXPECT_EQ(reply.icmp_type, 3);
  EXPECT_EQ(reply.icmp_code, 13);
  EXPECT_EQ(reply.quoted.source, kUs4);
  EXPECT_EQ(reply.quoted.destination, kTarget4);
  EXPECT_EQ(reply.quoted.source_port, 40000);
  EXPECT_EQ(reply.quoted.destination_port, 853);
  EXPECT_EQ(reply.quoted.seq, 7U);

  // Seven bytes of TCP are not enough to name the probe.
  Bytes short_quote = quotedSyn4(40000, 7);
  short_quote.pop_back();
  EXPECT_EQ(parseReply(LinkType::Raw,
                       frames::ipv4(router, kUs4, kProtocolIcmp, frames::icmp(3, 1, short_quote)))
                .reason,
            IgnoreReason::BadQuotedPacket);
  // Echo reply, time exceeded: not unreachable.
  EXPECT_EQ(parseReply(LinkType::Raw, frames::ipv4(router, kUs4, kProtocolIcmp,
                                                   frames::icmp(11, 0, quotedSyn4(1, 2))))
                .reason,
            IgnoreReason::OtherIcmp);
  // A quoted UDP datagram.
  Bytes udp = quotedSyn4(40000, 7);
  udp[9] = 17;
  EXPECT_EQ(
      parseReply(LinkType::Raw, frames::ipv4(router, kUs4, kProtocolIcmp, frames::icmp(3, 3, udp)))
          .reason,
      IgnoreReason::BadQuotedPacket);
  // ICMPv4 inside IPv6 is not ICMPv6.
  EXPECT_EQ(parseReply(LinkType::Raw, frames::ipv6(kTarget6, kUs6, kProtocolIcmp,
                                                   frames::icmp(3, 1, quotedSyn4(1, 2))))
                .reason,
            IgnoreReason::OtherProtocol);
}

TEST(Reply, Icmpv6UnreachableQuotesTheProbe) {
  const Bytes syn = frames::ipv6(kUs6, kTarget6, 60,
                                 cat({{6, 0, 1, 4, 0, 0, 0, 0},
                                      frames::tcp({.source_port = 61000,
                                                   .destination_port = 853,
                                                   .seq = 0xabcdef01,
                                                   .flags = kTcpSyn})}));
  const Bytes packet =
      frames::ipv6(ip("2001:db8:ffff::1"), kUs6, kProtocolIcmpv6, frames::icmp(1, 4, syn));
  const Reply reply = parseReply(LinkType::Raw, packet);
  ASSERT_EQ(reply.kind, ReplyKind::Unreachable) << ignoreReasonName(reply.reason);
  EXPECT_EQ(reply.icmp_code, 4);  // port unreachable
  EXPECT_EQ(reply.quoted.source, kUs6);
  EXPECT_EQ(reply.quoted.destination, kTarget6);
  EXPECT_EQ(reply.quoted.source_port, 61000);
  EXPECT_EQ(reply.quoted.seq, 0xabcdef01U);
  // ICMPv6 packet too big (type 2) is not unreachable.
  EXPECT_EQ(parseReply(LinkType::Raw,
                       frames::ipv6(kTarget6, kUs6, kProtocolIcmpv6, frames::icmp(2, 0, syn)))
                .reason,
            IgnoreReason::OtherIcmp);
}

TEST(Reply, EveryPrefixOfAFrameIsReadSafely) {
  // Each cut short frame is Ignored (ASan checks that no byte past the cut is read), except the
  // ones that end after the TCP header, in the padding.
  const Bytes frame = frames::ethernet(
      kEtherTypeIpv4,
      frames::ipv4(kTarget4, kUs4, kProtocolTcp, frames::tcp({}, {2, 4, 5, 0xb4}), {1, 1, 1, 0}));
  for (std::size_t size = 0; size < frame.size(); ++size) {
    const Bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(size));
    const Reply reply = parseReply(LinkType::Ethernet, prefix);
    EXPECT_EQ(reply.kind, ReplyKind::Ignored) << size;
    EXPECT_EQ(reply.reason, IgnoreReason::Truncated) << size;
  }
  EXPECT_EQ(parseReply(LinkType::Ethernet, frame).kind, ReplyKind::SynAck);
  for (const auto link :
       {LinkType::Null, LinkType::Ethernet, LinkType::Raw, LinkType::Loop, LinkType::LinuxSll,
        LinkType::Ipv4, LinkType::Ipv6, LinkType::LinuxSll2}) {
    EXPECT_EQ(parseReply(link, {}).reason, IgnoreReason::Truncated);
    EXPECT_EQ(parseReply(link, Bytes(200, 0xff)).kind, ReplyKind::Ignored);
  }
}

TEST(Reply, ReasonsHaveNames) {
  EXPECT_EQ(ignoreReasonName(IgnoreReason::Truncated), "truncated");
  EXPECT_EQ(ignoreReasonName(IgnoreReason::BadQuotedPacket), "bad-quoted-packet");
}

}  // namespace
}  // namespace dotscan::discover
