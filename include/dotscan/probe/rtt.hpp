// dotscan/probe/rtt.hpp — round-trip times seen by a scan, and the phase timeouts they imply.
//
// Each phase of a probe that completes is a sample: a TCP connect (answered, or refused: an RST is
// a round trip too), a TLS handshake, a DNS answer. RttTable keeps, per kind, a smoothed time and
// its variation (RFC 6298 section 2) for the whole scan and for the sample's network (the /24 of
// an IPv4 address, the /64 of an IPv6 one), and turns them into a timeout, as nmap does with its
// --min-rtt-timeout and --max-rtt-timeout (nmap timing.cc).
//
// Invariants: a network's own estimate is used only once it holds kMinSamples samples, else the
// scan's, else none (the caller keeps its initial timeout); the per-network memory is a fixed
// table (a /8 scan does not grow it); every member is safe to call from any event loop.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "dotscan/util/address.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::probe {

// RFC 6298 section 2: SRTT and RTTVAR, updated with each measurement.
class RttEstimator {
 public:
  void sample(Duration rtt);
  [[nodiscard]] std::uint32_t samples() const { return samples_; }
  [[nodiscard]] Duration srtt() const { return srtt_; }
  [[nodiscard]] Duration rttvar() const { return rttvar_; }
  // SRTT + max(G, K * RTTVAR) with K = 4 and a clock granularity G of 1 ms (section 2.3).
  [[nodiscard]] Duration timeout() const;

 private:
  Duration srtt_{};
  Duration rttvar_{};
  std::uint32_t samples_ = 0;
};

enum class RttKind : std::uint8_t { Connect, Handshake, Dns };
inline constexpr std::size_t kRttKinds = 3;

// Phase timeouts from the RTTs: within [min, max], for the phases not set by hand.
struct AdaptiveTimeouts {
  bool enabled = false;
  Duration min = std::chrono::milliseconds(100);
  Duration max = std::chrono::seconds(10);
  // A phase whose timeout was given explicitly (--connect-timeout, ...) keeps it.
  std::array<bool, kRttKinds> fixed{};
};

class RttTable {
 public:
  static constexpr std::uint32_t kMinSamples = 4;
  static constexpr unsigned kNetworkBits = 12;
  static constexpr std::size_t kNetworks = std::size_t{1} << kNetworkBits;  // a new network
                                                                            // replaces an old one

  void record(RttKind kind, const Address& address, Duration rtt);
  // The timeout the samples suggest for `address` (its network's, else the scan's), or nullopt
  // while there are fewer than kMinSamples of either.
  [[nodiscard]] std::optional<Duration> suggest(RttKind kind, const Address& address) const;
  // The scan-wide estimate of `kind`, for the metadata record.
  [[nodiscard]] RttEstimator scan(RttKind kind) const;

 private:
  struct Network {
    u128 key = 0;
    bool used = false;
    std::array<RttEstimator, kRttKinds> kinds;
  };
  static u128 networkOf(const Address& address);
  static std::size_t slotOf(u128 key);

  mutable std::mutex mutex_;
  std::array<RttEstimator, kRttKinds> scan_;
  std::array<Network, kNetworks> networks_{};
};

}  // namespace dotscan::probe
