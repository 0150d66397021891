#include "dotscan/discover/validator.hpp"

#include <stdexcept>
#include <string>

#include "dotscan/discover/packet.hpp"
#include "dotscan/util/random.hpp"

namespace dotscan::discover {
namespace {

std::uint64_t readLittleEndian(std::span<const std::uint8_t> bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = bytes.size(); i > 0; --i) value = (value << 8U) | bytes[i - 1];
  return value;
}

constexpr std::uint64_t rotl(std::uint64_t x, unsigned b) {
  return (x << b) | (x >> (64U - b));
}

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13) ^ v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16) ^ v2;
    v0 += v3;
    v3 = rotl(v3, 21) ^ v0;
    v2 += v1;
    v1 = rotl(v1, 17) ^ v2;
    v2 = rotl(v2, 32);
  }
  void absorb(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

// (source, target, port) as the hash's message: two 16-byte addresses (IPv4 mapped) and the port.
using ProbeKey = std::array<std::uint8_t, 34>;

ProbeKey probeKey(const Address& source, const Address& target, std::uint16_t port) {
  ProbeKey key{};
  source.toV6Bytes(key.data());
  target.toV6Bytes(key.data() + 16);
  key[32] = static_cast<std::uint8_t>(port >> 8U);
  key[33] = static_cast<std::uint8_t>(port);
  return key;
}

}  // namespace

std::uint64_t sipHash24(const SipKey& key, std::span<const std::uint8_t> message) {
  const std::uint64_t k0 = readLittleEndian(std::span(key).first(8));
  const std::uint64_t k1 = readLittleEndian(std::span(key).subspan(8));
  SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
             k1 ^ 0x7465646279746573ULL};
  const std::size_t whole = message.size() / 8 * 8;
  for (std::size_t i = 0; i < whole; i += 8) s.absorb(readLittleEndian(message.subspan(i, 8)));
  // The last block: the remaining bytes, and the message length mod 256 in the top byte.
  s.absorb(readLittleEndian(message.subspan(whole)) | (std::uint64_t{message.size()} << 56U));
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

Validator::Validator(const SipKey& key, const Address& source, PortRange ports)
    : key_(key), source_(source), ports_(ports) {
  if (ports.first == 0 || ports.first > ports.last) {
    throw std::invalid_argument("source port range " + std::to_string(ports.first) + "-" +
                                std::to_string(ports.last) + " is empty or includes port 0");
  }
}

Validator Validator::withRandomKey(const Address& source, PortRange ports) {
  SipKey key{};
  if (!randomBytes(key)) {
    throw std::runtime_error("no kernel randomness (getrandom) for the SYN validation key");
  }
  return {key, source, ports};
}

Probe Validator::makeProbe(const Address& target, std::uint16_t port) const {
  const ProbeKey message = probeKey(source_, target, port);
  const std::uint64_t hash = sipHash24(key_, message);
  const std::uint32_t span = std::uint32_t{ports_.last} - ports_.first + 1;
  // The two halves are independent bits of the hash: the low half is the sequence number, the
  // high half picks the port (a modulo bias below 2^-16 for any range, which costs nothing here).
  return {
      static_cast<std::uint32_t>(hash),
      static_cast<std::uint16_t>(ports_.first + static_cast<std::uint32_t>(hash >> 32U) % span)};
}

bool Validator::validates(const Reply& reply) const {
  switch (reply.kind) {
    case ReplyKind::SynAck:
    case ReplyKind::Rst: {
      // RFC 9293 section 3.10.7.1: a RST answering a SYN carries ACK with ack = seq + 1; one
      // without ACK proves nothing.
      if ((reply.flags & kTcpAck) == 0 || reply.destination != source_) return false;
      const Probe probe = makeProbe(reply.source, reply.source_port);
      return reply.destination_port == probe.source_port && reply.ack == probe.seq + 1;
    }
    case ReplyKind::Unreachable: {
      const QuotedProbe& quoted = reply.quoted;
      if (quoted.source != source_ || reply.destination != source_) return false;
      const Probe probe = makeProbe(quoted.destination, quoted.destination_port);
      return quoted.source_port == probe.source_port && quoted.seq == probe.seq;
    }
    case ReplyKind::Ignored:
      return false;
  }
  return false;
}

}  // namespace dotscan::discover
