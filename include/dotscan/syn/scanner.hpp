// dotscan/syn/scanner.hpp — SYN discovery: raw SYNs out, a libpcap capture in (nmap -sS, zmap).
//
// The I/O layer over the pure discover module (packets, replies, the stateless validator). N
// sender threads (--sender-threads) each walk an interleaved part of the scan order (sender i the
// positions i, i+N, ...: TargetOrder::interleave) and write SYNs at --rate / N, in batches
// (sendmmsg, or a packet socket's transmit ring: syn/tx_ring.hpp), each to its own socket of the
// target's address family (IPv4 and IPv6 each have their route and our address). One receiver,
// shared by all, reads the captures (BPF-filtered, non-blocking, immediate mode), keeps only
// replies the validator accepts, and reports each target's first answer as it comes: live
// (SYN-ACK: handed to the TLS prober at once, while sending goes on), closed (RST), unreachable
// (ICMP). After the last SYN the scanner waits --cooldown for late answers; --retries resends SYNs
// to targets that have not answered, one pass each, after a cooldown each. Targets that never
// answered are counted, and reported one by one only when asked (a /8 of silence would otherwise
// be gigabytes of "filtered").
//
// The kernel, which knows nothing of our raw SYN, answers each SYN-ACK with a RST: that is
// expected, and it closes the half-open connection on the target, as zmap and masscan rely on.
//
// Invariants: memory is flat in the number of silent targets and at most a bit per target for
// the answered ones (syn/answered.hpp: a paged bitmap over the target set's indexes); every
// target gets at most one answer; the sockets and the captures are opened by the constructor,
// so a caller can drop every privilege before run() reads a single packet.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dotscan/discover/validator.hpp"
#include "dotscan/targets/target_order.hpp"
#include "dotscan/util/address.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::syn {

struct Settings {
  double rate = 0;  // SYNs a second across the scan; 0: as fast as the socket takes them
  int retries = 1;  // extra passes of SYNs to targets that have not answered
  Duration cooldown = std::chrono::seconds(3);  // after each pass, for late answers
  std::string interface;                        // capture here; empty: the route's interface
  std::optional<Address> source;                // our address; empty: the route's
  discover::PortRange ports{61000, 65535};      // source ports: above Linux's ephemeral range
  bool report_silent = false;                   // report each target that never answered
  std::optional<std::array<std::uint8_t, 6>> gateway_mac;  // the next hop's MAC; empty: looked up
  bool raw_ip_only = false;     // never a packet socket: let the kernel route every SYN
  bool qdisc_bypass = true;     // a packet socket skips the queueing discipline (and so the taps)
  unsigned sender_threads = 1;  // threads sending SYNs, each its own sockets and rate / N
};

// What became of one target.
enum class AnswerKind : std::uint8_t { Live, Closed, Unreachable, Silent };

struct Answer {
  Address address;  // the target
  Address from;     // who answered (the router, for an ICMP error)
  std::chrono::system_clock::time_point when;
  std::string name;          // the name the target came from, if any
  int local_error = 0;       // Unreachable without ICMP: the errno our own kernel gave the SYN
  std::uint32_t passes = 0;  // how many SYNs had been sent to it when it answered
  std::uint16_t port = 0;
  AnswerKind kind = AnswerKind::Silent;
  std::uint8_t icmp_type = 0;  // Unreachable: the ICMP type and code
  std::uint8_t icmp_code = 0;
};

struct Counts {
  std::uint64_t sent = 0;         // SYNs written
  std::uint64_t send_errors = 0;  // SYNs the socket refused (counted, not retried)
  std::uint64_t live = 0;
  std::uint64_t closed = 0;
  std::uint64_t unreachable = 0;
  std::uint64_t silent = 0;           // targets with no answer after the last pass
  std::uint64_t invalid = 0;          // captured replies the validator rejected (forged, stray)
  std::uint64_t duplicates = 0;       // valid replies for a target that had answered already
  std::uint64_t captured = 0;         // frames the capture delivered
  std::uint64_t capture_dropped = 0;  // pcap_stats: dropped by the kernel or the interface
  double duration_s = 0;
};

// Makes a fresh order of the scan's targets: one per pass (the same seed gives the same order).
using OrderFactory = std::function<std::unique_ptr<targets::TargetOrder>()>;
// Called on the receiver thread (Live, Closed, Unreachable), a sender's (Unreachable: a SYN our
// kernel refused) or run()'s (Silent): from several threads at once.
using AnswerSink = std::function<void(Answer&&)>;

class Scanner {
 public:
  // Opens a sending socket for each address family of `route_targets` (the first of each family
  // counts; the route to it picks the interface and our address unless the settings name them),
  // and a capture on each distinct interface. Targets of a family with no route target get no
  // SYN: they are unreachable. Throws dotscan::Error: UsageError without the privilege ("-sS
  // needs root or CAP_NET_RAW") or for a --source-ip of no family scanned, RuntimeError when
  // there is no route or the capture cannot be opened.
  Scanner(const Settings& settings, const std::vector<Address>& route_targets);
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;
  Scanner(Scanner&&) = delete;
  Scanner& operator=(Scanner&&) = delete;
  ~Scanner();

  // Sends and receives until every pass and its cooldown are over, or stop() is called.
  Counts run(const OrderFactory& orders, const AnswerSink& sink);
  // Async-signal-safe: ends the sending at once and the cooldown early.
  void stop() noexcept;

  // For the metadata, each family's (first target's family first), distinct ones joined with
  // ", ": the interfaces, our addresses ("198.18.0.1, 2001:2::1"), and how SYNs leave ("raw IP
  // socket", or "packet socket on IF, next hop MAC").
  [[nodiscard]] const std::string& interface() const;
  [[nodiscard]] const std::string& source() const;
  [[nodiscard]] const std::string& sender() const;
  // The distinct interfaces SYNs leave by, one capture each.
  [[nodiscard]] const std::vector<std::string>& interfaces() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The libpcap in use at run time, as it names itself: "libpcap version 1.10.3 (with TPACKET_V3)"
// (--version).
std::string libraryVersion();

}  // namespace dotscan::syn
