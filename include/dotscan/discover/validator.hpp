// dotscan/discover/validator.hpp — stateless validation of SYN discovery replies (zmap's way).
//
// No per-target state: a per-scan secret key and a keyed hash of (our address, the target's
// address, the target's port) give each probe its TCP sequence number and its source port, and a
// reply is checked by recomputing them. Memory stays flat whatever the number of targets, and a
// forged or stray reply must guess 32 bits of sequence number (and the port) to pass.
// Invariants: makeProbe is a pure function of the key, the source address, the port range and
// its arguments; the source port is always within the range; validates() accepts only a SYN-ACK
// or a RST+ACK whose ack number is our sequence number + 1, sent from the target's address and
// port to our address and the port the hash chose, or an ICMP unreachable quoting a probe that
// carries our sequence number and source port. A bare RST (no ACK) echoes nothing of the probe
// and is never accepted.
// The hash is SipHash-2-4 (Aumasson and Bernstein, 2012), written out here (about 30 lines, no
// allocation, a few nanoseconds a probe) rather than OpenSSL's EVP_MAC "SIPHASH", which fetches
// and allocates a context per use and would tie this pure module to libcrypto; the unit test
// checks it against the reference vectors and against OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "dotscan/discover/reply.hpp"
#include "dotscan/util/address.hpp"

namespace dotscan::discover {

using SipKey = std::array<std::uint8_t, 16>;

// SipHash-2-4 of `message` under `key`, the 64-bit result as the reference code's little-endian
// output read as a number.
std::uint64_t sipHash24(const SipKey& key, std::span<const std::uint8_t> message);

// Source ports to choose from, both ends included.
struct PortRange {
  std::uint16_t first = 32768;  // Linux's default ephemeral range (ip_local_port_range)
  std::uint16_t last = 60999;
};

struct Probe {
  std::uint32_t seq = 0;
  std::uint16_t source_port = 0;
};

class Validator {
 public:
  // Throws std::invalid_argument when the range is empty (first > last) or starts at port 0.
  Validator(const SipKey& key, const Address& source, PortRange ports);

  // A validator with a fresh key from the kernel's CSPRNG (getrandom); throws std::runtime_error
  // when there is none, since a guessable key would let anyone forge live hosts.
  static Validator withRandomKey(const Address& source, PortRange ports);

  [[nodiscard]] Probe makeProbe(const Address& target, std::uint16_t port) const;
  [[nodiscard]] bool validates(const Reply& reply) const;

  [[nodiscard]] const Address& source() const { return source_; }
  [[nodiscard]] PortRange ports() const { return ports_; }

 private:
  SipKey key_;
  Address source_;
  PortRange ports_;
};

}  // namespace dotscan::discover
