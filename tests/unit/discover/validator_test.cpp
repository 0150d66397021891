#include "dotscan/discover/validator.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "dotscan/discover/checksum.hpp"
#include "dotscan/discover/packet.hpp"
#include "dotscan/util/c_ptr.hpp"

#include "frames.hpp"

namespace dotscan::discover {
namespace {

using frames::Bytes;
using frames::ip;

SipKey referenceKey() {
  SipKey key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  return key;
}

Bytes counting(std::size_t length) {
  Bytes message(length);
  for (std::size_t i = 0; i < length; ++i) message[i] = static_cast<std::uint8_t>(i);
  return message;
}

// OpenSSL's SipHash (EVP_MAC "SIPHASH", 8-byte output), as the independent implementation.
std::uint64_t opensslSipHash(const SipKey& key, const Bytes& message) {
  const CPtr<EVP_MAC, EVP_MAC_free> mac(EVP_MAC_fetch(nullptr, "SIPHASH", nullptr));
  const CPtr<EVP_MAC_CTX, EVP_MAC_CTX_free> context(EVP_MAC_CTX_new(mac.get()));
  unsigned size = 8;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size),
                               OSSL_PARAM_construct_end()};
  EXPECT_EQ(EVP_MAC_init(context.get(), key.data(), key.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(context.get(), message.data(), message.size()), 1);
  std::array<std::uint8_t, 8> out{};
  std::size_t written = 0;
  EXPECT_EQ(EVP_MAC_final(context.get(), out.data(), &written, out.size()), 1);
  EXPECT_EQ(written, 8U);
  std::uint64_t value = 0;
  for (std::size_t i = 8; i > 0; --i) value = (value << 8U) | out[i - 1];
  return value;
}

TEST(SipHash, ReferenceVectors) {
  // The paper's appendix A (15 bytes) and the first entries of the reference vectors.h.
  EXPECT_EQ(sipHash24(referenceKey(), counting(15)), 0xa129ca6149be45e5ULL);
  EXPECT_EQ(sipHash24(referenceKey(), counting(0)), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(sipHash24(referenceKey(), counting(1)), 0x74f839c593dc67fdULL);
}

TEST(SipHash, AgreesWithOpenSsl) {
  SipKey key = referenceKey();
  for (std::size_t length = 0; length < 64; ++length) {
    key[length % 16] ^= 0x5a;
    EXPECT_EQ(sipHash24(key, counting(length)), opensslSipHash(key, counting(length))) << length;
  }
}

const Address kUs = ip("192.0.2.1");
const Address kTarget = ip("198.51.100.7");
const Address kUs6 = ip("2001:db8::1");
const Address kTarget6 = ip("2001:db8::853");

Validator validator(const Address& source = kUs) {
  SipKey key = referenceKey();
  key[0] = 0xee;
  return {key, source, PortRange{40000, 40099}};
}

// The target's SYN-ACK to a probe, parsed as the capture would give it.
Reply answer(const Address& from, const Address& to, std::uint16_t from_port, std::uint16_t to_port,
             std::uint32_t ack, std::uint8_t flags = kTcpSyn | kTcpAck) {
  const frames::Tcp tcp{
      .source_port = from_port, .destination_port = to_port, .ack = ack, .flags = flags};
  const Bytes packet = from.isV4() ? frames::ipv4(from, to, kProtocolTcp, frames::tcp(tcp))
                                   : frames::ipv6(from, to, kProtocolTcp, frames::tcp(tcp));
  return parseReply(LinkType::Raw, packet);
}

TEST(Validator, ProbesAreDeterministicAndInRange) {
  const Validator v = validator();
  std::set<std::uint16_t> ports;
  std::set<std::uint32_t> seqs;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    const Address target = Address::fromV4(0xc6336400U + i);
    const Probe probe = v.makeProbe(target, 853);
    EXPECT_GE(probe.source_port, 40000);
    EXPECT_LE(probe.source_port, 40099);
    EXPECT_EQ(probe.seq, v.makeProbe(target, 853).seq);
    ports.insert(probe.source_port);
    seqs.insert(probe.seq);
  }
  EXPECT_EQ(ports.size(), 100U);  // 2000 probes reach every port of the range
  EXPECT_GT(seqs.size(), 1995U);
  // The port, the target and the key all change the probe.
  EXPECT_NE(v.makeProbe(kTarget, 853).seq, v.makeProbe(kTarget, 443).seq);
  EXPECT_NE(v.makeProbe(kTarget, 853).seq, validator(ip("192.0.2.2")).makeProbe(kTarget, 853).seq);
  EXPECT_NE(v.makeProbe(kTarget, 853).seq,
            Validator(referenceKey(), kUs, {40000, 40099}).makeProbe(kTarget, 853).seq);
  const Validator one_port(referenceKey(), kUs, {5353, 5353});
  EXPECT_EQ(one_port.makeProbe(kTarget, 853).source_port, 5353);
}

TEST(Validator, RejectsBadRangesAndMakesRandomKeys) {
  EXPECT_THROW(Validator(referenceKey(), kUs, {2, 1}), std::invalid_argument);
  EXPECT_THROW(Validator(referenceKey(), kUs, {0, 10}), std::invalid_argument);
  const Validator a = Validator::withRandomKey(kUs, {});
  const Validator b = Validator::withRandomKey(kUs, {});
  EXPECT_NE(a.makeProbe(kTarget, 853).seq, b.makeProbe(kTarget, 853).seq);
  EXPECT_EQ(a.ports().first, 32768);
}

TEST(Validator, AcceptsTheRightSynAckAndRstAck) {
  for (const auto& [us, target] : {std::pair{kUs, kTarget}, std::pair{kUs6, kTarget6}}) {
    const Validator v = validator(us);
    const Probe probe = v.makeProbe(target, 853);
    const Reply syn_ack = answer(target, us, 853, probe.source_port, probe.seq + 1);
    ASSERT_EQ(syn_ack.kind, ReplyKind::SynAck);
    EXPECT_TRUE(v.validates(syn_ack));
    const Reply rst_ack =
        answer(target, us, 853, probe.source_port, probe.seq + 1, kTcpRst | kTcpAck);
    ASSERT_EQ(rst_ack.kind, ReplyKind::Rst);
    EXPECT_TRUE(v.validates(rst_ack));
  }
}

TEST(Validator, RejectsForgedAndStrayReplies) {
  const Validator v = validator();
  const Probe probe = v.makeProbe(kTarget, 853);
  const std::uint16_t wrong_port = probe.source_port == 40000 ? 40001 : 40000;
  // Wrong ack number: off by one, our sequence number itself, one below it, zero.
  for (const std::uint32_t ack : {probe.seq + 2, probe.seq, probe.seq - 1, 0U}) {
    EXPECT_FALSE(v.validates(answer(kTarget, kUs, 853, probe.source_port, ack))) << ack;
  }
  // Wrong destination port (ours), wrong source port (theirs), another target, not to us.
  EXPECT_FALSE(v.validates(answer(kTarget, kUs, 853, wrong_port, probe.seq + 1)));
  EXPECT_FALSE(v.validates(answer(kTarget, kUs, 443, probe.source_port, probe.seq + 1)));
  EXPECT_FALSE(v.validates(answer(ip("198.51.100.8"), kUs, 853, probe.source_port, probe.seq + 1)));
  EXPECT_FALSE(
      v.validates(answer(kTarget, ip("192.0.2.9"), 853, probe.source_port, probe.seq + 1)));
  // A bare RST echoes nothing of the probe; a SYN is not an answer.
  EXPECT_FALSE(v.validates(answer(kTarget, kUs, 853, probe.source_port, probe.seq + 1, kTcpRst)));
  EXPECT_FALSE(v.validates(answer(kTarget, kUs, 853, probe.source_port, probe.seq + 1, kTcpSyn)));
  EXPECT_FALSE(v.validates(Reply{}));
}

Reply unreachable(const Address& quoted_source, std::uint16_t source_port, std::uint32_t seq) {
  Bytes quoted = frames::ipv4(
      quoted_source, kTarget, kProtocolTcp,
      frames::tcp(
          {.source_port = source_port, .destination_port = 853, .seq = seq, .flags = kTcpSyn}));
  quoted.resize(28);
  return parseReply(LinkType::Raw, frames::ipv4(ip("203.0.113.1"), kUs, kProtocolIcmp,
                                                frames::icmp(3, 1, quoted)));
}

TEST(Validator, MatchesIcmpUnreachableToItsProbe) {
  const Validator v = validator();
  const Probe probe = v.makeProbe(kTarget, 853);
  const Reply good = unreachable(kUs, probe.source_port, probe.seq);
  ASSERT_EQ(good.kind, ReplyKind::Unreachable);
  EXPECT_TRUE(v.validates(good));
  EXPECT_FALSE(v.validates(unreachable(kUs, probe.source_port, probe.seq + 1)));
  EXPECT_FALSE(
      v.validates(unreachable(kUs, static_cast<std::uint16_t>(probe.source_port + 1), probe.seq)));
  EXPECT_FALSE(v.validates(unreachable(ip("192.0.2.9"), probe.source_port, probe.seq)));
}

TEST(Validator, SynBuiltFromAProbeIsAnsweredByAValidatingSynAck) {
  // The whole loop: probe, SYN bytes, the peer's SYN-ACK (ack = seq + 1, ports swapped).
  const Validator v = validator(kUs6);
  const Probe probe = v.makeProbe(kTarget6, 853);
  SynParameters p;
  p.source = kUs6;
  p.destination = kTarget6;
  p.source_port = probe.source_port;
  p.destination_port = 853;
  p.seq = probe.seq;
  const Reply sent = parseReply(LinkType::Raw, buildSyn(p));
  const Reply reply =
      answer(sent.destination, sent.source, sent.destination_port, sent.source_port, sent.seq + 1);
  EXPECT_TRUE(v.validates(reply));
}

}  // namespace
}  // namespace dotscan::discover
