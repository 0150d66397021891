#include "dotscan/discover/packet.hpp"

#include <gtest/gtest.h>

#include <array>

#include "dotscan/discover/checksum.hpp"
#include "dotscan/discover/reply.hpp"

#include "frames.hpp"

namespace dotscan::discover {
namespace {

using frames::Bytes;
using frames::ip;

// A plain sum of 16-bit words, to check the module's piecewise ChecksumSum against.
std::uint16_t naiveChecksum(const Bytes& bytes) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    sum += (std::uint32_t{bytes[i]} << 8U) | (i + 1 < bytes.size() ? bytes[i + 1] : 0U);
  }
  while ((sum >> 16U) != 0) sum = (sum & 0xffffU) + (sum >> 16U);
  return static_cast<std::uint16_t>(~sum);
}

TEST(Checksum, KnownIpv4Header) {
  // The usual worked example: 192.168.0.1 -> 192.168.0.199, UDP, checksum 0xb861.
  const Bytes header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                        0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internetChecksum(header), 0xb861);
  Bytes with_sum = header;
  with_sum[10] = 0xb8;
  with_sum[11] = 0x61;
  EXPECT_EQ(internetChecksum(with_sum), 0);
}

TEST(Checksum, PiecesOfAnyLengthSumAsOneRun) {
  Bytes bytes;
  for (int i = 0; i < 37; ++i) bytes.push_back(static_cast<std::uint8_t>(i * 53 + 7));
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    ChecksumSum sum;
    sum.add(std::span(bytes).first(cut));
    sum.add(std::span(bytes).subspan(cut));
    EXPECT_EQ(sum.finish(), naiveChecksum(bytes)) << "cut at " << cut;
  }
  EXPECT_EQ(internetChecksum({}), 0xffff);
}

// From tests/unit/discover/syn_fixture.py (Python struct and socket).
const Bytes kIpv4Mss = {0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0x7c,
                        0x5c, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40,
                        0x03, 0x55, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x60,
                        0x02, 0xfa, 0xf0, 0x0d, 0x5e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};
const Bytes kEthernetIpv4Linux = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0xbe, 0xef, 0x00, 0x00, 0xff, 0x06, 0x10, 0x90, 0xc0, 0x00, 0x02, 0x01,
    0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40, 0x03, 0x55, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x00, 0x00,
    0x00, 0xa0, 0x02, 0x04, 0x00, 0x1a, 0x92, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
const Bytes kIpv6Linux = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x53, 0xee, 0x48, 0x03, 0x55, 0x89, 0xab, 0xcd, 0xef,
    0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x02, 0x73, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
    0x04, 0x02, 0x08, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

SynParameters v4Parameters() {
  SynParameters p;
  p.source = ip("192.0.2.1");
  p.destination = ip("198.51.100.7");
  p.source_port = 40000;
  p.destination_port = 853;
  p.seq = 0x01020304;
  p.ip_id = 0x1234;
  return p;
}

TEST(Packet, Ipv4SynWithMssMatchesPython) {
  EXPECT_EQ(buildSyn(v4Parameters()), kIpv4Mss);
  EXPECT_EQ(synSize(Family::V4, TcpOptionSet::Mss), kIpv4Mss.size());
}

TEST(Packet, EthernetIpv4SynWithLinuxOptionsMatchesPython) {
  SynParameters p = v4Parameters();
  p.seq = 0xfffffffe;
  p.ip_id = 0xbeef;
  p.ttl = 255;
  p.window = 1024;
  p.options = TcpOptionSet::Linux;
  p.timestamp = 0xdeadbeef;
  const EthernetHeader link{{0x02, 0, 0, 0, 0, 0x02}, {0x02, 0, 0, 0, 0, 0x01}};
  EXPECT_EQ(buildSyn(p, link), kEthernetIpv4Linux);
  EXPECT_EQ(synSize(Family::V4, TcpOptionSet::Linux, true), kEthernetIpv4Linux.size());
}

TEST(Packet, Ipv6SynWithLinuxOptionsMatchesPython) {
  SynParameters p;
  p.source = ip("2001:db8::1");
  p.destination = ip("2001:db8::853");
  p.source_port = 61000;
  p.destination_port = 853;
  p.seq = 0x89abcdef;
  p.options = TcpOptionSet::Linux;
  p.timestamp = 0xdeadbeef;
  EXPECT_EQ(buildSyn(p), kIpv6Linux);
}

TEST(Packet, ChecksumsVerifyToZero) {
  const Bytes packet = buildSyn(v4Parameters());
  EXPECT_EQ(internetChecksum(std::span(packet).first(kIpv4HeaderSize)), 0);
  EXPECT_EQ(transportChecksum(ip("192.0.2.1"), ip("198.51.100.7"), kProtocolTcp,
                              std::span(packet).subspan(kIpv4HeaderSize)),
            0);
  EXPECT_EQ(transportChecksum(ip("2001:db8::1"), ip("2001:db8::853"), kProtocolTcp,
                              std::span(kIpv6Linux).subspan(kIpv6HeaderSize)),
            0);
}

TEST(Packet, RefusesMixedFamiliesAndShortBuffers) {
  SynParameters p = v4Parameters();
  p.destination = ip("2001:db8::1");
  EXPECT_TRUE(buildSyn(p).empty());
  std::array<std::uint8_t, 43> small{};
  EXPECT_EQ(writeSyn(small, v4Parameters()), 0U);
  std::array<std::uint8_t, 100> large{};
  EXPECT_EQ(writeSyn(large, v4Parameters()), 44U);
}

TEST(Packet, ParserReadsBackWhatWasBuilt) {
  SynParameters p = v4Parameters();
  p.options = TcpOptionSet::Linux;
  const Reply reply = parseReply(LinkType::Ethernet, buildSyn(p, EthernetHeader{}));
  // A SYN is not an answer, but every field up to the flags was read.
  EXPECT_EQ(reply.kind, ReplyKind::Ignored);
  EXPECT_EQ(reply.reason, IgnoreReason::OtherTcpFlags);
  EXPECT_EQ(reply.source, p.source);
  EXPECT_EQ(reply.destination, p.destination);
  EXPECT_EQ(reply.ttl, p.ttl);
  EXPECT_EQ(reply.source_port, p.source_port);
  EXPECT_EQ(reply.destination_port, p.destination_port);
  EXPECT_EQ(reply.seq, p.seq);
  EXPECT_EQ(reply.flags, kTcpSyn);
  EXPECT_EQ(reply.window, p.window);
}

}  // namespace
}  // namespace dotscan::discover
