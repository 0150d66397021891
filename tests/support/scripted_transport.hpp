// A Transport that plays back a script instead of touching the network: each call to connect(),
// finishConnect() or handshake() takes the next scripted answer. Lets the probe state machine be
// tested with a ManualClock, no sockets and no sleeps (PowerDNS test-dnsdisttcp_cc.cc).
#pragma once

#include <algorithm>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dotscan/probe/transport.hpp"

namespace dotscan::testing {

class ScriptedTransport final : public probe::Transport {
 public:
  std::deque<net::ConnectStep> connects;         // answers to connect()
  std::deque<net::ConnectStep> connect_results;  // answers to finishConnect()
  std::deque<net::IoStatus> handshakes;          // answers to handshake()
  std::deque<net::IoResult> sends;               // answers to send(); Done takes all bytes
  // answers to receive(): a status and the bytes it delivers (Done with no bytes is an EOF)
  std::deque<std::pair<net::IoStatus, std::vector<std::uint8_t>>> receives;
  std::vector<std::uint8_t> sent;  // every byte send() accepted
  // With no scripted receive left: answer once with what was sent, as a server would.
  bool answer_sent_query = false;
  std::string io_failure = "Connection reset by peer";
  std::string failure = "sslv3 alert handshake failure";
  std::vector<std::uint8_t> prefix;
  bool not_tls = false;
  // What sibling() hands out, once: the cleartext check's transport; none scripted: an error.
  mutable std::unique_ptr<ScriptedTransport> sibling_script;
  int connect_calls = 0;
  int close_calls = 0;
  int handshake_calls = 0;

  [[nodiscard]] std::unique_ptr<probe::Transport> sibling() const override {
    if (!sibling_script) throw std::logic_error("script exhausted at sibling");
    return std::move(sibling_script);
  }
  net::ConnectStep connect() override {
    ++connect_calls;
    fd_ = 100 + connect_calls;
    return take(connects, "connect");
  }
  net::ConnectStep finishConnect() override { return take(connect_results, "finishConnect"); }
  net::IoStatus handshake() override {
    ++handshake_calls;
    return take(handshakes, "handshake");
  }
  [[nodiscard]] std::string handshakeFailure() const override { return failure; }
  net::IoResult send(std::span<const std::uint8_t> bytes) override {
    net::IoResult result = take(sends, "send");
    if (result.status == net::IoStatus::Done) {
      result.bytes = result.bytes == 0 ? bytes.size() : result.bytes;
      sent.insert(sent.end(), bytes.begin(), bytes.begin() + static_cast<long>(result.bytes));
    }
    return result;
  }
  net::IoResult receive(std::span<std::uint8_t> buffer) override {
    if (receives.empty() && answer_sent_query && !sent.empty()) {
      // The query itself with QR set, framed: a valid answer to whatever ID the probe chose.
      std::vector<std::uint8_t> answer = sent;
      if (answer.size() > 4) answer[4] |= 0x80U;
      receives.emplace_back(net::IoStatus::Done, std::move(answer));
      answer_sent_query = false;
    }
    auto [status, bytes] = take(receives, "receive");
    if (status != net::IoStatus::Done) return {status, 0, false};
    if (bytes.empty()) return {net::IoStatus::Done, 0, true};
    if (bytes.size() > buffer.size())
      throw std::logic_error("scripted read larger than the buffer");
    std::copy(bytes.begin(), bytes.end(), buffer.begin());
    return {net::IoStatus::Done, bytes.size(), false};
  }
  [[nodiscard]] std::string ioFailure() const override { return io_failure; }
  [[nodiscard]] std::span<const std::uint8_t> receivedPrefix() const override { return prefix; }
  [[nodiscard]] bool peerSpokeNotTls() const override { return not_tls; }
  void describeSession(model::ProbeResult& result, std::time_t /*now*/) override {
    model::TlsSession session;
    session.version = "TLSv1.3";
    result.tls = session;
  }
  void close() override {
    ++close_calls;
    fd_ = -1;
  }
  [[nodiscard]] int fd() const override { return fd_; }
  // answers to readyNow(), the look at the socket when a deadline passes; none left: not ready
  mutable std::deque<bool> ready_checks;
  mutable int ready_check_calls = 0;
  [[nodiscard]] bool readyNow(net::Interest /*interest*/) const override {
    ++ready_check_calls;
    if (ready_checks.empty()) return false;
    const bool ready = ready_checks.front();
    ready_checks.pop_front();
    return ready;
  }

 private:
  template <typename T>
  static T take(std::deque<T>& script, const char* what) {
    if (script.empty()) throw std::logic_error(std::string("script exhausted at ") + what);
    T next = script.front();
    script.pop_front();
    return next;
  }
  int fd_ = -1;
};

}  // namespace dotscan::testing
