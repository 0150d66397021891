#include "dotscan/probe/probe.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include "dotscan/dns/message.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::probe {

using model::Outcome;
using model::Phase;

namespace {

net::Interest interestFor(net::IoStatus status) {
  return status == net::IoStatus::NeedWrite ? net::Interest::Write : net::Interest::Read;
}

double milliseconds(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

std::string formatMs(Duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) +
         " ms";
}

// A query ID nobody can predict (RFC 5452 section 4.3), from a per-thread generator.
std::uint16_t randomQueryId() {
  thread_local std::mt19937 generator{std::random_device{}()};
  return static_cast<std::uint16_t>(std::uniform_int_distribution<unsigned>(0, 0xffff)(generator));
}

}  // namespace

Probe::Probe(ProbeTarget target, std::unique_ptr<Transport> transport, ProbeSettings settings,
             const Clock& clock)
    : target_(std::move(target)),
      transport_(std::move(transport)),
      settings_(std::move(settings)),
      clock_(clock) {
  result_.address = target_.address;
  result_.port = target_.port;
  result_.name = target_.name;
  result_.sni = target_.sni;
}

Next Probe::start(std::chrono::system_clock::time_point wall) {
  const TimePoint now = clock_.now();
  started_ = now;
  wall_started_ = wall;
  result_.started = wall;
  if (settings_.host_timeout > Duration::zero()) host_deadline_ = now + settings_.host_timeout;
  return beginConnect();
}

Next Probe::beginConnect() {
  const TimePoint now = clock_.now();
  phase_ = Phase::Connect;
  phase_started_ = now;
  phase_deadline_ = now + settings_.connect_timeout;
  ++result_.attempts;
  ++generation_;
  const net::ConnectStep step = transport_->connect();
  if (step.status == net::IoStatus::Failed) return endConnect(step.error);
  if (step.status == net::IoStatus::NeedWrite) {
    connecting_ = true;
    return wait(net::IoStatus::NeedWrite);
  }
  // Connected at once (possible on loopback): on to the handshake in the same call.
  connecting_ = false;
  const TimePoint connected = clock_.now();
  result_.timings.tcp_connect_ms = milliseconds(connected - phase_started_);
  phase_ = Phase::TlsHandshake;
  phase_started_ = connected;
  phase_deadline_ = connected + settings_.tls_timeout;
  return advance();
}

Next Probe::onReady() {
  return advance();
}

Next Probe::advance() {
  const TimePoint now = clock_.now();
  if (phase_ == Phase::Connect) {
    const net::ConnectStep step = transport_->finishConnect();
    if (step.status == net::IoStatus::Failed) return endConnect(step.error);
    if (step.status != net::IoStatus::Done) return wait(step.status);
    connecting_ = false;
    result_.timings.tcp_connect_ms = milliseconds(now - phase_started_);
    phase_ = Phase::TlsHandshake;
    phase_started_ = now;
    phase_deadline_ = now + settings_.tls_timeout;
  }
  if (phase_ == Phase::TlsHandshake) {
    const net::IoStatus status = transport_->handshake();
    if (status == net::IoStatus::Done) {
      Next next = endHandshake();
      if (next.done || phase_ == Phase::TlsHandshake) return next;
      // On to the DNS phases in the same wake-up.
    }
    if (status == net::IoStatus::Failed) {
      recordPrefix();
      if (transport_->peerSpokeNotTls()) {
        return tlsEnded(Outcome::NotTls, "the peer answered with bytes that are not TLS (" +
                                             transport_->handshakeFailure() + ")");
      }
      return tlsEnded(Outcome::TlsFailed, transport_->handshakeFailure());
    }
    if (status != net::IoStatus::Done) return wait(status);
  }
  if (phase_ == Phase::CleartextConnect) {
    const net::ConnectStep step = transport_->finishConnect();
    if (step.status == net::IoStatus::Failed) {
      return cleartextFailed("connect: " + errorText(step.error));
    }
    if (step.status != net::IoStatus::Done) return wait(step.status);
    beginQuery();
  }
  if (phase_ == Phase::DnsQuery) {
    Next next = sendQuery();
    if (next.done || phase_ == Phase::DnsQuery) return next;
  }
  if (phase_ == Phase::DnsAnswer) return readAnswer();
  return finish(Outcome::InternalError, "probe woken after it ended");
}

Next Probe::endHandshake() {
  const TimePoint now = clock_.now();
  result_.timings.tls_handshake_ms = milliseconds(now - phase_started_);
  handshake_done_ = true;
  if (!settings_.dns) {
    describeSession();
    phase_ = Phase::Done;
    const std::string version = result_.tls ? result_.tls->version : std::string("TLS");
    return finish(Outcome::TlsOk, version + " handshake completed (no DNS query asked for)");
  }
  beginQuery();
  return wait(net::IoStatus::NeedWrite);
}

void Probe::beginQuery() {
  const TimePoint now = clock_.now();
  // RFC 7858 section 3.3: the query goes into the session as a two-byte length and the message,
  // in one write. Each probe gets its own random ID, written over the template's.
  const DnsSettings& dns = *settings_.dns;
  query_ = dns.wire;
  query_written_ = 0;
  const std::uint16_t id = randomQueryId();
  if (query_.size() >= 4) {
    query_[2] = static_cast<std::uint8_t>(id >> 8);
    query_[3] = static_cast<std::uint8_t>(id & 0xff);
  }
  model::DnsExchange exchange;
  exchange.query = dns.query;
  exchange.query.id = id;
  exchange.cleartext = cleartext_;
  result_.dns = std::move(exchange);
  frame_.emplace(dns.max_length);
  phase_ = Phase::DnsQuery;
  phase_started_ = now;
  phase_deadline_ = now + dns.timeout;
}

Next Probe::tlsEnded(Outcome outcome, std::string reason) {
  const TimePoint now = clock_.now();
  // RFC 7858 section 3.1: port 853 is for DNS over TLS only. A peer that does not speak TLS may
  // be a cleartext DNS server on the wrong port; a second connection with the same query, in
  // cleartext, tells. A peer that sent TLS bytes (an alert, a broken handshake) is not asked.
  const bool eligible = settings_.dns && settings_.dns->cleartext_fallback && !cleartext_ &&
                        (outcome == Outcome::NotTls || transport_->receivedPrefix().empty());
  if (!eligible) return finish(outcome, std::move(reason));
  pending_outcome_ = outcome;
  pending_phase_ = phase_;
  pending_reason_ = std::move(reason);
  cleartext_ = true;
  phase_ = Phase::CleartextConnect;
  phase_started_ = now;
  phase_deadline_ = now + settings_.connect_timeout;
  ++generation_;
  const net::ConnectStep step = transport_->connect();
  if (step.status == net::IoStatus::Failed) {
    return cleartextFailed("connect: " + errorText(step.error));
  }
  if (step.status == net::IoStatus::NeedWrite) return wait(net::IoStatus::NeedWrite);
  beginQuery();
  return advance();
}

Next Probe::cleartextFailed(const std::string& why) {
  phase_ = pending_phase_;
  return finish(pending_outcome_, pending_reason_ + "; no cleartext DNS either (" + why + ")");
}

Next Probe::sendQuery() {
  while (query_written_ < query_.size()) {
    const net::IoResult step =
        transport_->send(std::span<const std::uint8_t>(query_).subspan(query_written_));
    if (step.status == net::IoStatus::Failed) {
      if (cleartext_) return cleartextFailed("write: " + transport_->ioFailure());
      return finish(Outcome::TlsNoDns, "the session failed before the query was written (" +
                                           transport_->ioFailure() + ")");
    }
    if (step.status != net::IoStatus::Done) return wait(step.status);
    query_written_ += step.bytes;
  }
  phase_ = Phase::DnsAnswer;  // the DNS deadline runs on from the query's first byte
  return wait(net::IoStatus::NeedRead);
}

Next Probe::readAnswer() {
  std::array<std::uint8_t, 4096> buffer{};
  for (;;) {
    const net::IoResult step = transport_->receive(buffer);
    if (step.status == net::IoStatus::Failed) {
      if (cleartext_) return cleartextFailed("read: " + transport_->ioFailure());
      if (frame_->received() == 0) {
        return finish(Outcome::TlsNoDns,
                      "the session ended without an answer (" + transport_->ioFailure() + ")");
      }
      return finish(Outcome::DnsMalformed, "framing: the session failed mid-answer after " +
                                               std::to_string(frame_->received()) + " bytes (" +
                                               transport_->ioFailure() + ")");
    }
    if (step.status != net::IoStatus::Done) return wait(step.status);
    if (step.eof) {
      if (cleartext_ && frame_->received() == 0) return cleartextFailed("closed, no answer");
      if (frame_->received() == 0) {
        return finish(Outcome::TlsNoDns, "the peer closed the session without answering");
      }
      frame_->endOfStream();
      return endAnswer();
    }
    result_.dns->bytes_received += step.bytes;
    const auto state = frame_->feed(std::span<const std::uint8_t>(buffer).first(step.bytes));
    if (state != dns::FrameReader::State::NeedMore) return endAnswer();
  }
}

Next Probe::endAnswer() {
  const TimePoint now = clock_.now();
  model::DnsExchange& exchange = *result_.dns;
  if (frame_->state() != dns::FrameReader::State::Complete) {
    exchange.checks.push_back({"framing", false, frame_->error()});
    if (cleartext_) return cleartextFailed("framing: " + frame_->error());
    return finish(Outcome::DnsMalformed, "framing: " + frame_->error());
  }
  exchange.checks.push_back({"framing", true, ""});
  result_.timings.dns_rtt_ms = milliseconds(now - phase_started_);
  const bool confirmed = dns::parseResponse(frame_->message(), exchange.query, exchange);
  if (cleartext_) {
    if (!confirmed) return cleartextFailed("the answer failed its checks");
    phase_ = Phase::Done;
    return finish(Outcome::CleartextDns,
                  "DNS answered in cleartext on the DoT port, against RFC 7858 section 3.1: " +
                      (exchange.response ? exchange.response->rcode : std::string("?")) +
                      " (TLS: " + pending_reason_ + ")");
  }
  if (confirmed) {
    phase_ = Phase::Done;
    return finish(Outcome::Dot,
                  "DNS answered inside TLS: " +
                      (exchange.response ? exchange.response->rcode : std::string("?")));
  }
  std::string failed;
  for (const model::DnsCheck& check : exchange.checks) {
    if (check.ok) continue;
    failed += (failed.empty() ? "" : "; ") + check.name + ": " + check.detail;
  }
  return finish(Outcome::DnsMalformed, failed);
}

Next Probe::dnsTimedOut(const std::string& why) {
  if (phase_ == Phase::DnsQuery) {
    return finish(Outcome::DnsTimeout, "the query could not be written (" + why + ")");
  }
  if (frame_->received() == 0) {
    return finish(Outcome::DnsTimeout, "no answer to the query (" + why + ")");
  }
  const std::string progress = frame_->expected() == 0
                                   ? std::to_string(frame_->received()) + " of 2 length bytes"
                                   : std::to_string(frame_->received() - 2) + " of " +
                                         std::to_string(frame_->expected()) + " bytes";
  return finish(Outcome::DnsTimeout, "answer incomplete: " + progress + " (" + why + ")");
}

void Probe::describeSession() {
  const TimePoint now = clock_.now();
  if (result_.tls) return;
  const auto wall_now =
      wall_started_ +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(now - started_);
  transport_->describeSession(result_, std::chrono::system_clock::to_time_t(wall_now));
}

Next Probe::endConnect(int error) {
  const TimePoint now = clock_.now();
  connecting_ = false;
  switch (error) {
    case ECONNREFUSED:
      return finish(Outcome::Closed, "connection refused");
    case ECONNRESET:
    case EPIPE:
      // A SYN answered with RST gives ECONNREFUSED. A reset after that means the peer completed
      // the TCP handshake (accepted) and then reset it before we looked: the port is open, and
      // the failure belongs to the TLS phase, not to the connect.
      result_.timings.tcp_connect_ms = milliseconds(now - phase_started_);
      phase_ = Phase::TlsHandshake;
      phase_started_ = now;
      phase_deadline_ = now + settings_.tls_timeout;
      return tlsEnded(Outcome::TlsFailed,
                      "the peer accepted the connection, then reset it before the TLS handshake (" +
                          errorText(error) + ")");
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
      return finish(Outcome::Unreachable, errorText(error));
    case ETIMEDOUT:
      return finish(Outcome::Filtered, "the kernel gave up connecting (" + errorText(error) + ")");
    case EACCES:
    case EPERM:
      return finish(Outcome::Filtered, "connect refused locally, likely by a firewall rule (" +
                                           errorText(error) + ")");
    default:
      return finish(Outcome::Error, "connect: " + errorText(error));
  }
}

Next Probe::onTimeout() {
  const TimePoint now = clock_.now();
  if (now < deadline()) return wait(waiting_for_);  // an early wake-up: keep waiting
  // A busy event loop may reach a deadline before it has read the readiness event of an answer
  // that is already waiting: look at the socket before concluding that the peer was silent.
  if (transport_->readyNow(interestFor(waiting_for_))) {
    const Phase before = phase_;
    const int generation = generation_;
    Next next = advance();
    next.late = true;
    if (next.done || phase_ != before || generation_ != generation) return next;
    // Some bytes came but the phase is still not complete: its deadline stands.
  }
  if (now >= host_deadline_) {
    const std::string why = "host timeout (" + formatMs(settings_.host_timeout) + ")";
    if (cleartext_) return cleartextFailed(why);
    if (phase_ == Phase::Connect) return finish(Outcome::Filtered, why);
    if (phase_ == Phase::DnsQuery || phase_ == Phase::DnsAnswer) return dnsTimedOut(why);
    return handshakeTimedOut(why);
  }
  if (phase_ == Phase::CleartextConnect) {
    return cleartextFailed("connect timeout (" + formatMs(settings_.connect_timeout) + ")");
  }
  if (cleartext_) {
    return cleartextFailed("no answer (DNS timeout (" + formatMs(settings_.dns->timeout) + "))");
  }
  if (phase_ == Phase::Connect) return connectTimedOut();
  if (phase_ == Phase::TlsHandshake) {
    return handshakeTimedOut("TLS timeout (" + formatMs(settings_.tls_timeout) + ")");
  }
  if (phase_ == Phase::DnsQuery || phase_ == Phase::DnsAnswer) {
    return dnsTimedOut("DNS timeout (" + formatMs(settings_.dns->timeout) + ")");
  }
  return finish(Outcome::InternalError, "timeout after the probe ended");
}

Next Probe::connectTimedOut() {
  if (result_.attempts <= settings_.retries) {
    transport_->close();
    return beginConnect();
  }
  return finish(Outcome::Filtered,
                "no answer to " + std::to_string(result_.attempts) +
                    (result_.attempts == 1 ? " connection attempt" : " connection attempts") +
                    " (connect timeout " + formatMs(settings_.connect_timeout) + ")");
}

Next Probe::handshakeTimedOut(const std::string& why) {
  recordPrefix();
  const std::size_t received = transport_->receivedPrefix().size();
  if (transport_->peerSpokeNotTls()) {
    // The peer may have stopped or may still be sending, byte by byte: say what is known.
    return tlsEnded(
        Outcome::NotTls,
        "the peer sent " + std::to_string(received) + (received == 1 ? " byte" : " bytes") +
            " that are not TLS, and no complete record before the deadline (" + why + ")");
  }
  if (received == 0) {
    return tlsEnded(Outcome::TlsTimeout,
                    "connected, then no answer to the ClientHello (" + why + ")");
  }
  return finish(Outcome::TlsTimeout, "the TLS handshake stalled (" + why + ")");
}

Next Probe::abort(Outcome outcome, const std::string& reason) {
  if (phase_ == Phase::TlsHandshake) recordPrefix();
  return finish(outcome, reason);
}

void Probe::recordPrefix() {
  result_.first_bytes_hex = hexEncode(transport_->receivedPrefix());
}

Next Probe::finish(Outcome outcome, std::string reason) {
  const TimePoint now = clock_.now();
  // Session facts are gathered last, so that they include what the DNS exchange brought
  // (TLS 1.3 session tickets arrive after the handshake) and its bytes.
  if (handshake_done_) describeSession();
  result_.outcome = outcome;
  result_.phase = phase_;
  result_.reason = std::move(reason);
  result_.timings.total_ms = milliseconds(now - started_);
  result_.ended = wall_started_ +
                  std::chrono::duration_cast<std::chrono::system_clock::duration>(now - started_);
  transport_->close();
  return Next{true, net::Interest::None, now};
}

Next Probe::wait(net::IoStatus status) {
  waiting_for_ = status;
  return Next{false, interestFor(status), deadline()};
}

TimePoint Probe::deadline() const {
  return std::min(phase_deadline_, host_deadline_);
}

}  // namespace dotscan::probe
