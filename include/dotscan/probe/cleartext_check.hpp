// dotscan/probe/cleartext_check.hpp — one DNS exchange over a Transport, and the cleartext check
// of a peer on the DoT port that does not answer in TLS (RFC 7858 section 3.1).
//
// QueryExchange writes one framed query (RFC 7858 section 3.3: the two-byte length and the
// message in one write, with a fresh random ID, RFC 5452 section 4.3) and reads one framed
// answer, through the TLS session or on a bare socket alike; the probe and the cleartext check
// both use it.
//
// CleartextCheck is the second connection of a probe: connect, the same query in cleartext, its
// answer. The probe starts it beside a TLS attempt that has been silent for a short while, or
// after a TLS attempt that ended without a TLS byte (the peer closed, reset or spoke something
// else); it runs on its own socket, deadline and state, and ends Answered (an answer that passed
// every check) or Failed, with the reason. It never decides the probe's outcome itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dotscan/dns/framing.hpp"
#include "dotscan/model/dns.hpp"
#include "dotscan/net/socket.hpp"
#include "dotscan/probe/transport.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::probe {

struct DnsSettings;

class QueryExchange {
 public:
  enum class Read : std::uint8_t { NeedRead, NeedWrite, Failed, ClosedBeforeAnswer, Framed };

  // Starts over with a fresh query from `dns`; returns the record of it to fill.
  model::DnsExchange begin(const DnsSettings& dns, bool cleartext);
  // Writes what is left of the query: Done once all of it is written, NeedRead/NeedWrite, Failed.
  net::IoStatus write(Transport& transport);
  // Reads until the answer's frame is complete or broken (Framed, also after a close mid-frame),
  // the socket has nothing more (NeedRead/NeedWrite), it failed, or the peer closed first.
  Read read(Transport& transport, model::DnsExchange& exchange);
  // After Framed: records the framing check and parses the answer into `exchange`; true when it
  // passed every check.
  bool judge(model::DnsExchange& exchange) const;
  [[nodiscard]] const dns::FrameReader& frame() const { return *frame_; }

 private:
  std::vector<std::uint8_t> query_;  // this exchange's query, with its own ID
  std::size_t written_ = 0;
  std::optional<dns::FrameReader> frame_;
};

class CleartextCheck {
 public:
  enum class State : std::uint8_t { Connecting, Querying, Answered, Failed };

  // `clock` must outlive the check.
  CleartextCheck(std::unique_ptr<Transport> transport, const DnsSettings& dns, const Clock& clock);

  // Opens the connection; `connect_timeout` bounds the connect, `dns_timeout` the answer, from
  // the query's first byte. May conclude at once (a refusal).
  void start(Duration connect_timeout, Duration dns_timeout);
  // The socket is ready: goes as far as it can.
  void onReady();
  // The deadline passed: looks at the socket first, then fails. Returns whether the socket had
  // something waiting (the event loop was late).
  bool onTimeout();
  // Ends it now with `why` (the probe's host timeout, its end), closing the socket.
  void fail(const std::string& why);

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] bool running() const {
    return state_ == State::Connecting || state_ == State::Querying;
  }
  [[nodiscard]] net::Interest interest() const;
  [[nodiscard]] TimePoint deadline() const { return deadline_; }
  [[nodiscard]] int fd() const { return transport_->fd(); }
  // Why it failed, in a few words ("connect: Connection refused", "closed, no answer").
  [[nodiscard]] const std::string& failure() const { return failure_; }
  // The query and what came back, once a query was started.
  [[nodiscard]] const std::optional<model::DnsExchange>& exchange() const { return exchange_; }
  // From the query's first byte to the answer's last, once Answered.
  [[nodiscard]] std::optional<Duration> rtt() const { return rtt_; }

 private:
  void step();
  void beginQuery();
  void conclude(State state, std::string why = {});
  void endAnswer();

  std::unique_ptr<Transport> transport_;
  const DnsSettings& dns_;
  const Clock& clock_;
  State state_ = State::Connecting;
  net::IoStatus waiting_for_ = net::IoStatus::NeedWrite;
  Duration connect_timeout_{};
  Duration dns_timeout_{};
  TimePoint query_started_{};
  TimePoint deadline_ = TimePoint::max();
  QueryExchange query_;
  std::optional<model::DnsExchange> exchange_;
  std::optional<Duration> rtt_;
  std::string failure_;
};

}  // namespace dotscan::probe
