// dotscan/probe/cleartext_check.hpp — one DNS exchange over a Transport, and the cleartext check
// of a peer on the DoT port that does not answer in TLS (RFC 7858 section 3.1).
//
// QueryExchange writes one framed query (RFC 7858 section 3.3: the two-byte length and the
// message in one write, with a fresh random ID, RFC 5452 section 4.3) and judges its answer;
// AnswerStream reads the answers of one connection in sequence. Both work through the TLS session
// or on a bare socket alike; the probe and the cleartext check both use them.
//
// CleartextCheck is the second connection of a probe: connect, the first query of the probe's
// exchanges in cleartext, its answer. The probe starts it beside a TLS attempt that has been silent
// for a short while, or after a TLS attempt that ended without a TLS byte (the peer closed, reset
// or spoke something else); it runs on its own socket, deadline and state, and ends Answered (an
// answer that passed every check) or Failed, with the reason. It never decides the probe's outcome
// itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dotscan/dns/framing.hpp"
#include "dotscan/dns/message.hpp"
#include "dotscan/model/dns.hpp"
#include "dotscan/net/socket.hpp"
#include "dotscan/probe/transport.hpp"
#include "dotscan/util/clock.hpp"

namespace dotscan::probe {

struct DnsSettings;

class QueryExchange {
 public:
  // Starts over with `query` under a fresh random ID; record() is what to fill.
  void begin(const dns::Query& query, bool cleartext);
  // Writes what is left of the query: Done once all of it is written, NeedRead/NeedWrite, Failed.
  net::IoStatus write(Transport& transport);
  // After the answer's frame ended (AnswerStream::read gave Framed): records the framing check
  // and parses the answer into record(); true when it passed every check.
  bool judge(const dns::FrameReader& frame);
  [[nodiscard]] model::DnsExchange& record() { return record_; }
  [[nodiscard]] const model::DnsExchange& record() const { return record_; }

 private:
  std::vector<std::uint8_t> wire_;  // this exchange's query, with its own ID
  std::size_t written_ = 0;
  model::DnsExchange record_;
};

// The answers of one connection, frame after frame: the bytes after one answer are kept for the
// next exchange (a server may send them together, RFC 7766 section 6.2.1.1).
class AnswerStream {
 public:
  enum class Read : std::uint8_t { NeedRead, NeedWrite, Failed, ClosedBeforeAnswer, Framed };

  explicit AnswerStream(std::size_t max_length) : frame_(max_length) {}

  // Reads until the current answer's frame is complete or broken (Framed, also after a close
  // mid-frame), the socket has nothing more (NeedRead/NeedWrite), it failed, or the peer closed
  // before a byte of it. Framed at once when kept bytes already complete it. The bytes read are
  // counted in `exchange.bytes_received`.
  Read read(Transport& transport, model::DnsExchange& exchange);
  // After an answer was judged: on to the next frame.
  void next() { frame_.next(); }
  [[nodiscard]] const dns::FrameReader& frame() const { return frame_; }

 private:
  dns::FrameReader frame_;
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
  // The query and what came back, null until a query was started.
  [[nodiscard]] const model::DnsExchange* exchange() const {
    return answers_ ? &query_.record() : nullptr;
  }
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
  std::optional<AnswerStream> answers_;  // set when the query starts
  std::optional<Duration> rtt_;
  std::string failure_;
};

}  // namespace dotscan::probe
