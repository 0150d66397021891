// Fuzz target: a captured frame, as libpcap hands it over, through parseReply and the validator.
// The first byte picks the link type (modulo the eight handled), the rest is the frame.
#include <array>
#include <cstdint>
#include <span>

#include "dotscan/discover/packet.hpp"
#include "dotscan/discover/reply.hpp"
#include "dotscan/discover/validator.hpp"

namespace {

using dotscan::Address;
using dotscan::Family;
using namespace dotscan::discover;

constexpr std::array<LinkType, 8> kLinks = {LinkType::Null, LinkType::Ethernet, LinkType::Raw,
                                            LinkType::Loop, LinkType::LinuxSll, LinkType::Ipv4,
                                            LinkType::Ipv6, LinkType::LinuxSll2};

// 192.0.2.1, the address the seed corpus sends its replies to.
const Validator& validator() {
  static const Validator kValidator(SipKey{1, 2, 3}, Address::fromV4(0xc0000201U), {});
  return kValidator;
}

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const LinkType link = kLinks[data[0] % kLinks.size()];
  const Reply reply = parseReply(link, std::span(data + 1, size - 1));
  const bool valid = validator().validates(reply);

  check((reply.kind == ReplyKind::Ignored) == (reply.reason != IgnoreReason::None));
  check(!ignoreReasonName(reply.reason).empty());
  if (reply.kind == ReplyKind::Ignored) {
    check(!valid);
    return 0;
  }
  // An answer's addresses have one family, the one the link type allows.
  const Family family = reply.source.family();
  check(reply.destination.family() == family);
  if (link == LinkType::Ipv4) check(family == Family::V4);
  if (link == LinkType::Ipv6) check(family == Family::V6);

  if (reply.kind == ReplyKind::SynAck) {
    check((reply.flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck));
    check((reply.flags & kTcpRst) == 0);
  } else if (reply.kind == ReplyKind::Rst) {
    check((reply.flags & kTcpRst) != 0);
  } else {
    check(reply.quoted.source.family() == family && reply.quoted.destination.family() == family);
    check(reply.icmp_type == (family == Family::V4 ? 3 : 1));
  }

  // The same reply, made to answer our probe, validates; one ack number off, it does not.
  if (reply.kind != ReplyKind::Unreachable && (reply.flags & kTcpAck) != 0 &&
      validator().source().family() == family) {
    Reply answer = reply;
    const Probe probe = validator().makeProbe(reply.source, reply.source_port);
    answer.destination = validator().source();
    answer.destination_port = probe.source_port;
    answer.ack = probe.seq + 1;
    check(validator().validates(answer));
    answer.ack = probe.seq;
    check(!validator().validates(answer));
  }
  return 0;
}
