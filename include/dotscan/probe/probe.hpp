// dotscan/probe/probe.hpp — one probe of one target, as an explicit state machine.
//
// Phases run in order: TCP connect and TLS handshake (the connection's set-up), then the list of
// DNS exchanges in the session (DnsSettings::queries, today one), each a DNS query phase and a DNS
// answer phase, the answers read from one stream of frames, then done. The event loop calls
// start(), then onReady() when a socket is ready and onTimeout() when the deadline passed; each
// call runs the phases as far as they go without blocking and returns what to wait for next:
// read or write readiness of each socket and one deadline, or done. One wake-up may pass through
// several phases (PowerDNS dnsdist-healthchecks.cc). Time comes only from the Clock the probe is
// given, read at each step right after the system call that ended a phase, never a time taken once
// per wake-up and reused (issue 15: a TLS 1.3 answer read in the same wake-up as the handshake's
// end gave "dns_rtt_ms": 0); tests drive it with a ManualClock.
//
// Invariants: every probe ends with exactly one ProbeResult whose phase is where it ended and whose
// reason says why; a phase's deadline counts from the phase's start; --retries only repeats a TCP
// connect that timed out, and the attempts are counted in the result; no deadline concludes
// "silent" (filtered, a timeout) without first looking at the socket for an answer already there.
//
// The cleartext check (RFC 7858 section 3.1, cleartext_check.hpp) is a second socket with its own
// state: it starts beside a handshake that has had no answer for a short, RTT-based while (issue
// 15: a silent peer used to cost the TLS timeout and then a DNS timeout), or after a TLS attempt
// that ended without a TLS byte. Any TLS byte ends it; its DNS answer ends the probe
// (cleartext-dns); otherwise the TLS attempt's outcome stands, with what the check met. Where the
// fallback stands (off, allowed, beside the TLS attempt, alone) is one small state of its own,
// not a setting read at each step.
//
// Phase timeouts are the settings' unless AdaptiveTimeouts derives them from the RttTable the
// probes of a scan share (rtt.hpp); a phase's deadline is its start plus its timeout as known now.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dotscan/dns/framing.hpp"
#include "dotscan/dns/message.hpp"
#include "dotscan/model/result.hpp"
#include "dotscan/net/socket.hpp"
#include "dotscan/probe/cleartext_check.hpp"
#include "dotscan/probe/rtt.hpp"
#include "dotscan/probe/transport.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::probe {

// The DNS exchanges inside the session (issue 4, issue 13): queries built once per scan, asked
// one after the other once the handshake is done, each with an ID of its own. The first confirms
// DNS and is the result's `dns`; the cleartext check asks it alone. Today there is one. Never
// empty when set.
struct DnsSettings {
  std::vector<dns::Query> queries;
  Duration timeout = std::chrono::seconds(5);  // from a query's first byte to its whole answer
  std::size_t max_length = 65535;              // answers announced longer are malformed
  bool cleartext_fallback = true;  // ask a non-TLS peer the query in cleartext (RFC 7858 3.1)
  // For the conformance checks (issue 13); a default scan sets neither.
  //   pipelined: every query is written before any answer is read, and each answer is matched
  //   to its query by ID, in whatever order the answers come (RFC 7766 section 6.2.1.1);
  //   idle_between: after each answer the session stays idle this long before the next query
  //   (RFC 7828 keepalive); a close meanwhile ends the probe, and idleClosedAfter() says when.
  bool pipelined = false;
  Duration idle_between = Duration::zero();
};

struct ProbeSettings {
  Duration connect_timeout = std::chrono::seconds(3);
  Duration tls_timeout = std::chrono::seconds(5);
  Duration host_timeout = Duration::zero();  // zero: no whole-target limit
  int retries = 1;                           // extra connect attempts after a connect timeout
  std::shared_ptr<const DnsSettings> dns;    // null: stop after the handshake (outcome tls-ok)
  // The RTTs of the scan, shared by its probes; null: none kept. With `adaptive` enabled, the
  // three timeouts above are where each phase starts before there are samples.
  std::shared_ptr<RttTable> rtt;
  AdaptiveTimeouts adaptive;
};

// The least a handshake stays unanswered before the cleartext check starts beside it.
inline constexpr Duration kCleartextCheckFloor = std::chrono::milliseconds(200);

// What the event loop should do for a probe next.
struct Next {
  bool done = false;
  net::Interest interest = net::Interest::None;            // of the probe's socket, fd()
  net::Interest cleartext_interest = net::Interest::None;  // of the check's, cleartextFd()
  TimePoint deadline{};
  // Set by onTimeout() when the deadline found the awaited answer already waiting on the socket:
  // the event loop was behind, and reads it as a sign of its own congestion.
  bool late = false;
};

class Probe {
 public:
  // `clock` must outlive the probe.
  Probe(ProbeTarget target, std::unique_ptr<Transport> transport, ProbeSettings settings,
        const Clock& clock);

  // `wall` is the system time at the start; result timestamps are derived from it on the
  // monotonic clock, so that they stay consistent when the system clock jumps.
  Next start(std::chrono::system_clock::time_point wall);
  // `cleartext`: the ready socket is the cleartext check's, not the probe's own.
  Next onReady(bool cleartext = false);
  Next onTimeout();
  // Ends the probe at once with `outcome` (interrupted, internal-error), wherever it is.
  Next abort(model::Outcome outcome, const std::string& reason);

  [[nodiscard]] model::Phase phase() const { return phase_; }
  [[nodiscard]] int fd() const { return transport_->fd(); }
  // Counts the sockets the probe opened; a new value means the event loop must register again.
  [[nodiscard]] int generation() const { return generation_; }
  // The cleartext check's socket, -1 when there is none (never started, or ended).
  [[nodiscard]] int cleartextFd() const { return cleartext_ ? cleartext_->fd() : -1; }
  [[nodiscard]] bool cleartextStarted() const { return cleartext_ != nullptr; }
  model::ProbeResult takeResult() { return std::move(result_); }

  // For the conformance checks, after the probe ended and before takeResult(): exchange `index`
  // of DnsSettings::queries as it stands (null when it never began), when its answer came after
  // the first query's first byte (absent when it did not), the indexes of the answered exchanges
  // in the order their answers came, and how long the session stayed idle before the peer
  // closed it (absent when it did not).
  [[nodiscard]] const model::DnsExchange* exchange(std::size_t index) const;
  [[nodiscard]] std::optional<Duration> answeredAfter(std::size_t index) const;
  [[nodiscard]] const std::vector<std::size_t>& answerOrder() const { return answer_order_; }
  [[nodiscard]] std::optional<Duration> idleClosedAfter() const { return idle_closed_after_; }
  [[nodiscard]] Transport& transport() { return *transport_; }

 private:
  Next advance();
  Next beginConnect();
  void enterPhase(model::Phase phase, TimePoint now);
  void enterHandshake(TimePoint now);
  Next wait(net::IoStatus status);
  Next finish(model::Outcome outcome, std::string reason);
  Next endConnect(int error);
  Next endHandshake();
  void beginExchange(std::size_t index);
  Next tlsEnded(model::Outcome outcome, std::string reason);
  void startCleartext();
  void stopCleartext();
  Next afterCleartext();
  Next cleartextAnswered();
  Next cleartextFailed();
  Next sendQuery();
  Next readAnswer();
  Next endAnswer();
  Next endPipelinedAnswer();
  Next readWhileIdle();
  Next dnsTimedOut(const std::string& why);
  void describeSession();
  Next tlsDeadline(TimePoint now);
  Next connectTimedOut();
  Next handshakeTimedOut(const std::string& why);
  [[nodiscard]] Duration timeout(RttKind kind) const;
  [[nodiscard]] Duration phaseTimeout() const;
  [[nodiscard]] TimePoint tlsAttemptDeadline() const;
  [[nodiscard]] TimePoint deadline() const;
  [[nodiscard]] std::string hostTimeoutReason() const;
  void sample(RttKind kind, Duration rtt);
  void recordPrefix();

  ProbeTarget target_;
  std::unique_ptr<Transport> transport_;
  ProbeSettings settings_;
  const Clock& clock_;
  model::ProbeResult result_;
  model::Phase phase_ = model::Phase::Connect;
  net::IoStatus waiting_for_ = net::IoStatus::NeedWrite;
  TimePoint started_{};
  TimePoint phase_started_{};
  TimePoint host_deadline_ = TimePoint::max();
  std::chrono::system_clock::time_point wall_started_{};
  bool handshake_done_ = false;
  // After the handshake: the exchanges in order, the one under way, the answers' stream.
  std::vector<QueryExchange> exchanges_;
  std::size_t current_ = 0;
  std::optional<AnswerStream> answers_;
  TimePoint exchanges_started_{};  // the first query's first byte
  std::vector<std::optional<Duration>> answered_after_;
  std::vector<std::size_t> answer_order_;
  std::optional<TimePoint> idle_until_;  // idle_between: when the next query is due
  TimePoint idle_started_{};
  std::optional<Duration> idle_closed_after_;
  int generation_ = 0;
  // The cleartext fallback (RFC 7858 section 3.1), a small state of its own beside the phases:
  //   Off      not asked for (no query, --no-cleartext-check), or moot: the peer spoke TLS;
  //   Allowed  may start: at cleartext_due_ beside a silent handshake (when armed), or when the
  //            TLS attempt ends without a TLS byte;
  //   Beside   the check runs (or ran) beside the TLS attempt;
  //   Alone    the TLS attempt is over and only the check is left (phase CleartextConnect).
  enum class Fallback : std::uint8_t { Off, Allowed, Beside, Alone };
  Fallback fallback_;
  std::unique_ptr<CleartextCheck> cleartext_;   // once started
  TimePoint cleartext_due_ = TimePoint::max();  // Allowed and armed: when the check starts
  bool late_ = false;  // in this onTimeout(), a socket had its answer waiting
  model::Outcome pending_outcome_ = model::Outcome::InternalError;  // the TLS attempt's outcome
  model::Phase pending_phase_ = model::Phase::TlsHandshake;
  std::string pending_reason_;
};

}  // namespace dotscan::probe
