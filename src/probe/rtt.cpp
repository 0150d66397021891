#include "dotscan/probe/rtt.hpp"

#include <algorithm>

namespace dotscan::probe {

namespace {

constexpr Duration kGranularity = std::chrono::milliseconds(1);

std::size_t index(RttKind kind) {
  return static_cast<std::size_t>(kind);
}

}  // namespace

void RttEstimator::sample(Duration rtt) {
  rtt = std::max(rtt, Duration::zero());
  if (samples_ == 0) {
    // RFC 6298 section 2.2: the first measurement R gives SRTT = R, RTTVAR = R/2.
    srtt_ = rtt;
    rttvar_ = rtt / 2;
  } else {
    // Section 2.3, with alpha = 1/8 and beta = 1/4; RTTVAR first, from the old SRTT.
    const Duration error = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
    rttvar_ = (rttvar_ * 3 + error) / 4;
    srtt_ = (srtt_ * 7 + rtt) / 8;
  }
  ++samples_;
}

Duration RttEstimator::timeout() const {
  return srtt_ + std::max(kGranularity, rttvar_ * 4);
}

u128 RttTable::networkOf(const Address& address) {
  // The /24 of an IPv4 address, the /64 of an IPv6 one; the family is in the high bits already.
  return address.isV4() ? address.value() >> 8U : address.value() >> 64U;
}

std::size_t RttTable::slotOf(u128 key) {
  // Fibonacci hashing: /64 prefixes often differ only in bits a plain modulo would drop.
  const auto folded = static_cast<std::uint64_t>(key ^ (key >> 64U));
  return static_cast<std::size_t>((folded * 0x9e3779b97f4a7c15ULL) >> (64U - kNetworkBits));
}

void RttTable::record(RttKind kind, const Address& address, Duration rtt) {
  const u128 key = networkOf(address);
  const std::lock_guard lock(mutex_);
  scan_[index(kind)].sample(rtt);
  Network& network = networks_[slotOf(key)];
  if (!network.used || network.key != key) network = Network{key, true, {}};
  network.kinds[index(kind)].sample(rtt);
}

std::optional<Duration> RttTable::suggest(RttKind kind, const Address& address) const {
  const u128 key = networkOf(address);
  const std::lock_guard lock(mutex_);
  const Network& network = networks_[slotOf(key)];
  if (network.used && network.key == key && network.kinds[index(kind)].samples() >= kMinSamples) {
    return network.kinds[index(kind)].timeout();
  }
  if (scan_[index(kind)].samples() >= kMinSamples) return scan_[index(kind)].timeout();
  return std::nullopt;
}

RttEstimator RttTable::scan(RttKind kind) const {
  const std::lock_guard lock(mutex_);
  return scan_[index(kind)];
}

}  // namespace dotscan::probe
