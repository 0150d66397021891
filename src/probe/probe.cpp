#include "dotscan/probe/probe.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>

#include "dotscan/util/text.hpp"

namespace dotscan::probe {

using model::Outcome;
using model::Phase;

namespace {

net::Interest interestFor(net::IoStatus status) {
  return status == net::IoStatus::NeedWrite ? net::Interest::Write : net::Interest::Read;
}

// The checks an answer failed, "name: detail; name: detail", for the probe's reason.
std::string failedChecks(const model::DnsExchange& exchange) {
  std::string failed;
  for (const model::DnsCheck& check : exchange.checks) {
    if (!check.ok) failed += (failed.empty() ? "" : "; ") + check.name + ": " + check.detail;
  }
  return failed;
}

double milliseconds(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

}  // namespace

Probe::Probe(ProbeTarget target, std::unique_ptr<Transport> transport, ProbeSettings settings,
             const Clock& clock)
    : target_(std::move(target)),
      transport_(std::move(transport)),
      settings_(std::move(settings)),
      clock_(clock),
      fallback_(settings_.dns && settings_.dns->cleartext_fallback ? Fallback::Allowed
                                                                   : Fallback::Off) {
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

void Probe::enterPhase(Phase phase, TimePoint now) {
  phase_ = phase;
  phase_started_ = now;
}

Next Probe::beginConnect() {
  enterPhase(Phase::Connect, clock_.now());
  ++result_.attempts;
  ++generation_;
  const net::ConnectStep step = transport_->connect();
  if (step.status == net::IoStatus::Failed) return endConnect(step.error);
  if (step.status == net::IoStatus::NeedWrite) return wait(net::IoStatus::NeedWrite);
  // Connected at once (possible on loopback): on to the handshake in the same call.
  enterHandshake(clock_.now());
  return advance();
}

void Probe::enterHandshake(TimePoint now) {
  const Duration connect = now - phase_started_;
  result_.timings.tcp_connect_ms = milliseconds(connect);
  // Karn's rule: a connect that needed a retry says nothing certain about the round trip.
  if (result_.attempts == 1) sample(RttKind::Connect, connect);
  enterPhase(Phase::TlsHandshake, now);
  if (fallback_ != Fallback::Allowed) return;
  // The cleartext check starts beside the handshake once the peer has been silent for longer
  // than a ClientHello's answer takes here: a few connect round trips, what this scan's
  // handshakes usually take, and never less than the floor. Not when that is the TLS timeout.
  Duration delay = std::max(kCleartextCheckFloor, connect * 3);
  if (settings_.rtt) {
    delay = std::max(
        delay,
        settings_.rtt->suggest(RttKind::Handshake, target_.address).value_or(Duration::zero()));
  }
  if (delay < timeout(RttKind::Handshake)) cleartext_due_ = now + delay;
}

Next Probe::onReady(bool cleartext) {
  if (!cleartext) return advance();
  if (!cleartext_) return wait(waiting_for_);
  cleartext_->onReady();
  return afterCleartext();
}

Next Probe::advance() {
  if (idle_until_) return readWhileIdle();
  const TimePoint now = clock_.now();
  if (phase_ == Phase::Connect) {
    const net::ConnectStep step = transport_->finishConnect();
    if (step.status == net::IoStatus::Failed) return endConnect(step.error);
    if (step.status != net::IoStatus::Done) return wait(step.status);
    enterHandshake(now);
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
    if (status != net::IoStatus::Done) {
      // A TLS byte from the peer: it speaks TLS, and asking it in cleartext is moot.
      if (!transport_->receivedPrefix().empty() && !transport_->peerSpokeNotTls()) stopCleartext();
      return wait(status);
    }
  }
  // The exchanges, one after the other: an answer judged begins the next one's query.
  while (phase_ == Phase::DnsQuery || phase_ == Phase::DnsAnswer) {
    if (phase_ == Phase::DnsQuery) {
      Next next = sendQuery();
      if (next.done || phase_ == Phase::DnsQuery) return next;
    }
    Next next = readAnswer();
    if (next.done || phase_ == Phase::DnsAnswer) return next;
  }
  // The TLS socket is closed while the cleartext check runs: a stale event.
  if (fallback_ == Fallback::Alone) return wait(waiting_for_);
  return finish(Outcome::InternalError, "probe woken after it ended");
}

Next Probe::endHandshake() {
  const TimePoint now = clock_.now();
  result_.timings.tls_handshake_ms = milliseconds(now - phase_started_);
  sample(RttKind::Handshake, now - phase_started_);
  handshake_done_ = true;
  stopCleartext();
  if (!settings_.dns) {
    describeSession();
    phase_ = Phase::Done;
    const std::string version = result_.tls ? result_.tls->version : std::string("TLS");
    return finish(Outcome::TlsOk, version + " handshake completed (no DNS query asked for)");
  }
  const std::size_t count = settings_.dns->queries.size();
  exchanges_.resize(count);
  answered_after_.assign(count, std::nullopt);
  answers_.emplace(settings_.dns->max_length);
  beginExchange(0);
  exchanges_started_ = phase_started_;
  if (settings_.dns->pipelined) {
    // Every query now, each with an ID none of the others has: answers are matched by it.
    for (std::size_t i = 1; i < count; ++i) {
      do {
        exchanges_[i].begin(settings_.dns->queries[i], false);
      } while (std::any_of(exchanges_.begin(), exchanges_.begin() + static_cast<long>(i),
                           [&](const QueryExchange& earlier) {
                             return earlier.record().query.id == exchanges_[i].record().query.id;
                           }));
    }
  }
  return wait(net::IoStatus::NeedWrite);
}

const model::DnsExchange* Probe::exchange(std::size_t index) const {
  // finish() moved the first exchange into the result.
  if (index == 0) return result_.dns && !result_.dns->cleartext ? &*result_.dns : nullptr;
  if (index >= exchanges_.size()) return nullptr;
  const model::DnsExchange& record = exchanges_[index].record();
  return record.query.name.empty() ? nullptr : &record;  // a query always has a name once begun
}

std::optional<Duration> Probe::answeredAfter(std::size_t index) const {
  return index < answered_after_.size() ? answered_after_[index] : std::nullopt;
}

void Probe::beginExchange(std::size_t index) {
  current_ = index;
  enterPhase(Phase::DnsQuery, clock_.now());
  exchanges_.at(index).begin(settings_.dns->queries.at(index), false);
}

Next Probe::tlsEnded(Outcome outcome, std::string reason) {
  // RFC 7858 section 3.1: port 853 is for DNS over TLS only. A peer that does not speak TLS may
  // be a cleartext DNS server on the wrong port; a second connection with the same query, in
  // cleartext, tells. A peer that sent TLS bytes (an alert, a broken handshake) is not asked.
  const bool eligible = fallback_ != Fallback::Off &&
                        (outcome == Outcome::NotTls || transport_->receivedPrefix().empty());
  if (!eligible) {
    stopCleartext();
    return finish(outcome, std::move(reason));
  }
  pending_outcome_ = outcome;
  pending_phase_ = phase_;
  pending_reason_ = std::move(reason);
  // The TLS attempt is over: only the check is left, started now if it was not yet.
  transport_->close();
  enterPhase(Phase::CleartextConnect, clock_.now());
  if (fallback_ == Fallback::Allowed) startCleartext();
  fallback_ = Fallback::Alone;
  if (clock_.now() >= host_deadline_) cleartext_->fail(hostTimeoutReason());
  return afterCleartext();
}

void Probe::startCleartext() {
  fallback_ = Fallback::Beside;
  cleartext_due_ = TimePoint::max();
  cleartext_ = std::make_unique<CleartextCheck>(transport_->sibling(), *settings_.dns, clock_);
  if (clock_.now() >= host_deadline_) {
    cleartext_->fail(hostTimeoutReason());
    return;
  }
  cleartext_->start(timeout(RttKind::Connect), timeout(RttKind::Dns));
}

void Probe::stopCleartext() {
  fallback_ = Fallback::Off;
  cleartext_due_ = TimePoint::max();
  if (cleartext_) cleartext_->fail("the peer answered in TLS");
}

Next Probe::afterCleartext() {
  if (cleartext_ && cleartext_->state() == CleartextCheck::State::Answered) {
    return cleartextAnswered();
  }
  if (fallback_ == Fallback::Alone && !cleartext_->running()) return cleartextFailed();
  return wait(waiting_for_);
}

Next Probe::cleartextAnswered() {
  if (fallback_ != Fallback::Alone) {
    // The answer came while the TLS attempt was still waiting for its first byte.
    recordPrefix();
    const std::size_t received = transport_->receivedPrefix().size();
    pending_reason_ =
        received == 0 ? "no answer to the ClientHello in " + formatMs(clock_.now() - phase_started_)
                      : "the peer sent " + std::to_string(received) + " bytes that are not TLS";
  }
  result_.dns = *cleartext_->exchange();
  if (const auto rtt = cleartext_->rtt()) result_.timings.dns_rtt_ms = milliseconds(*rtt);
  phase_ = Phase::Done;
  return finish(Outcome::CleartextDns,
                "DNS answered in cleartext on the DoT port, against RFC 7858 section 3.1: " +
                    (result_.dns->response ? result_.dns->response->rcode : std::string("?")) +
                    " (TLS: " + pending_reason_ + ")");
}

Next Probe::cleartextFailed() {
  phase_ = pending_phase_;
  if (cleartext_->exchange()) result_.dns = *cleartext_->exchange();
  return finish(pending_outcome_,
                pending_reason_ + "; no cleartext DNS either (" + cleartext_->failure() + ")");
}

Next Probe::sendQuery() {
  for (;;) {
    const net::IoStatus wrote = exchanges_.at(current_).write(*transport_);
    if (wrote == net::IoStatus::Failed) {
      return finish(Outcome::TlsNoDns, "the session failed before the query was written (" +
                                           transport_->ioFailure() + ")");
    }
    if (wrote != net::IoStatus::Done) return wait(wrote);
    // Pipelined: the next query at once, before any answer is read.
    if (!settings_.dns->pipelined || current_ + 1 >= exchanges_.size()) break;
    ++current_;
  }
  phase_ = Phase::DnsAnswer;  // the DNS deadline runs on from the query's first byte
  return wait(net::IoStatus::NeedRead);
}

Next Probe::readAnswer() {
  switch (answers_->read(*transport_, exchanges_.at(current_).record())) {
    case AnswerStream::Read::NeedRead:
      return wait(net::IoStatus::NeedRead);
    case AnswerStream::Read::NeedWrite:
      return wait(net::IoStatus::NeedWrite);
    case AnswerStream::Read::ClosedBeforeAnswer:
      return finish(Outcome::TlsNoDns, "the peer closed the session without answering");
    case AnswerStream::Read::Failed:
      if (answers_->frame().frameReceived() == 0) {
        return finish(Outcome::TlsNoDns,
                      "the session ended without an answer (" + transport_->ioFailure() + ")");
      }
      return finish(Outcome::DnsMalformed, "framing: the session failed mid-answer after " +
                                               std::to_string(answers_->frame().frameReceived()) +
                                               " bytes (" + transport_->ioFailure() + ")");
    case AnswerStream::Read::Framed:
      break;
  }
  return settings_.dns->pipelined ? endPipelinedAnswer() : endAnswer();
}

Next Probe::endAnswer() {
  const TimePoint now = clock_.now();
  model::DnsExchange& exchange = exchanges_.at(current_).record();
  const bool confirmed = exchanges_.at(current_).judge(answers_->frame());
  if (answers_->frame().state() != dns::FrameReader::State::Complete) {
    return finish(Outcome::DnsMalformed, "framing: " + answers_->frame().error());
  }
  if (current_ == 0) {
    // The first exchange's round trip is the scan's DNS RTT: the query on a fresh session.
    result_.timings.dns_rtt_ms = milliseconds(now - phase_started_);
    sample(RttKind::Dns, now - phase_started_);
  }
  answered_after_.at(current_) = now - exchanges_started_;
  answer_order_.push_back(current_);
  if (confirmed && current_ + 1 < exchanges_.size()) {
    answers_->next();
    if (settings_.dns->idle_between > Duration::zero()) {
      // Idle: the next exchange waits, and a read meanwhile can only be the peer's close.
      current_ += 1;
      idle_started_ = now;
      idle_until_ = now + settings_.dns->idle_between;
      return wait(net::IoStatus::NeedRead);
    }
    beginExchange(current_ + 1);
    return wait(net::IoStatus::NeedWrite);
  }
  if (confirmed) {
    phase_ = Phase::Done;
    const model::DnsExchange& first = exchanges_.front().record();
    return finish(Outcome::Dot, "DNS answered inside TLS: " +
                                    (first.response ? first.response->rcode : std::string("?")));
  }
  return finish(Outcome::DnsMalformed, failedChecks(exchange));
}

Next Probe::endPipelinedAnswer() {
  const TimePoint now = clock_.now();
  const dns::FrameReader& frame = answers_->frame();
  if (frame.state() != dns::FrameReader::State::Complete) {
    return finish(Outcome::DnsMalformed, "framing: " + frame.error());
  }
  const std::span<const std::uint8_t> message = frame.message();
  const auto id =
      static_cast<std::uint16_t>(message.size() >= 2 ? (message[0] << 8) | message[1] : 0);
  std::size_t index = exchanges_.size();
  for (std::size_t i = 0; i < exchanges_.size(); ++i) {
    if (!answered_after_[i] && exchanges_[i].record().query.id == id) index = i;
  }
  if (index == exchanges_.size()) {
    return finish(Outcome::DnsMalformed, "an answer with ID " + std::to_string(id) +
                                             " matches no query still waiting for one");
  }
  QueryExchange& exchange = exchanges_[index];
  const bool confirmed = exchange.judge(frame);
  answered_after_[index] = now - exchanges_started_;
  answer_order_.push_back(index);
  if (index == 0) {
    result_.timings.dns_rtt_ms = milliseconds(now - exchanges_started_);
  }
  if (!confirmed) {
    return finish(Outcome::DnsMalformed,
                  "query " + std::to_string(index + 1) + ": " + failedChecks(exchange.record()));
  }
  if (answer_order_.size() == exchanges_.size()) {
    phase_ = Phase::Done;
    const model::DnsExchange& first = exchanges_.front().record();
    return finish(
        Outcome::Dot,
        "DNS answered inside TLS: " + (first.response ? first.response->rcode : std::string("?")) +
            " (" + std::to_string(exchanges_.size()) + " pipelined queries answered)");
  }
  // The next answer may already be complete among the bytes kept.
  answers_->next();
  return readAnswer();
}

Next Probe::readWhileIdle() {
  std::array<std::uint8_t, 512> buffer{};
  const net::IoResult step = transport_->receive(buffer);
  if (step.status == net::IoStatus::NeedRead || step.status == net::IoStatus::NeedWrite) {
    return wait(step.status);
  }
  const TimePoint now = clock_.now();
  idle_until_.reset();
  if (step.status == net::IoStatus::Failed || step.eof) {
    idle_closed_after_ = now - idle_started_;
    const std::string failure =
        step.status == net::IoStatus::Failed ? " (" + transport_->ioFailure() + ")" : "";
    return finish(Outcome::TlsNoDns, "the peer closed the session after " +
                                         formatMs(*idle_closed_after_) + " idle" + failure);
  }
  return finish(Outcome::DnsMalformed, std::to_string(step.bytes) +
                                           " bytes arrived while the session was idle, with no "
                                           "query in flight");
}

Next Probe::dnsTimedOut(const std::string& why) {
  if (phase_ == Phase::DnsQuery) {
    return finish(Outcome::DnsTimeout, "the query could not be written (" + why + ")");
  }
  const dns::FrameReader& frame = answers_->frame();
  if (frame.frameReceived() == 0) {
    return finish(Outcome::DnsTimeout, "no answer to the query (" + why + ")");
  }
  const std::string progress = frame.expected() == 0
                                   ? std::to_string(frame.frameReceived()) + " of 2 length bytes"
                                   : std::to_string(frame.frameReceived() - 2) + " of " +
                                         std::to_string(frame.expected()) + " bytes";
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
  switch (error) {
    case ECONNREFUSED:
      // A refusal is a round trip too (an RST answers the SYN), as nmap counts it.
      if (result_.attempts == 1) sample(RttKind::Connect, now - phase_started_);
      return finish(Outcome::Closed, "connection refused");
    case ECONNRESET:
    case EPIPE:
      // A SYN answered with RST gives ECONNREFUSED. A reset after that means the peer completed
      // the TCP handshake (accepted) and then reset it before we looked: the port is open, and
      // the failure belongs to the TLS phase, not to the connect.
      result_.timings.tcp_connect_ms = milliseconds(now - phase_started_);
      enterPhase(Phase::TlsHandshake, now);
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
  TimePoint now = clock_.now();
  if (now < deadline()) return wait(waiting_for_);  // an early wake-up: keep waiting
  if (idle_until_ && now >= *idle_until_ && now < host_deadline_) {
    // The idle time is over: a close waiting unread ends the probe; otherwise the next query.
    if (transport_->readyNow(net::Interest::Read)) {
      Next next = readWhileIdle();
      if (next.done) return next;
    }
    idle_until_.reset();
    beginExchange(current_);
    return advance();
  }
  late_ = false;
  Next next;
  if (cleartext_ && cleartext_->running() && now >= cleartext_->deadline()) {
    late_ = cleartext_->onTimeout();
    next = afterCleartext();
    if (next.done) return next;
  }
  if (fallback_ != Fallback::Alone && now >= std::min(tlsAttemptDeadline(), host_deadline_)) {
    next = tlsDeadline(now);
    if (next.done) return next;
    now = clock_.now();
  }
  if (phase_ == Phase::TlsHandshake && now >= cleartext_due_) {
    // As at a deadline: the peer's first bytes may be waiting unread in a busy loop.
    if (transport_->readyNow(net::Interest::Read)) {
      late_ = true;
      next = advance();
      if (next.done) return next;
    }
    if (fallback_ == Fallback::Allowed) {
      startCleartext();
      next = afterCleartext();
      if (next.done) return next;
    }
  }
  if (fallback_ == Fallback::Alone && now >= host_deadline_) {
    cleartext_->fail(hostTimeoutReason());
    return cleartextFailed();
  }
  next = wait(waiting_for_);
  next.late = late_;
  return next;
}

// The TLS attempt's deadline (or the host's) passed: a look at the socket, then the verdict.
Next Probe::tlsDeadline(TimePoint now) {
  // A busy event loop may reach a deadline before it has read the readiness event of an answer
  // that is already waiting: look at the socket before concluding that the peer was silent.
  if (transport_->readyNow(interestFor(waiting_for_))) {
    late_ = true;
    const Phase before = phase_;
    const int generation = generation_;
    Next next = advance();
    next.late = true;
    if (next.done || phase_ != before || generation_ != generation) return next;
    // Some bytes came but the phase is still not complete: its deadline stands.
  }
  if (now >= host_deadline_) {
    const std::string why = hostTimeoutReason();
    if (cleartext_) cleartext_->fail(why);
    if (phase_ == Phase::Connect) return finish(Outcome::Filtered, why);
    if (phase_ == Phase::DnsQuery || phase_ == Phase::DnsAnswer) return dnsTimedOut(why);
    return handshakeTimedOut(why);
  }
  if (now < tlsAttemptDeadline()) return wait(waiting_for_);
  const std::string why = "timeout (" + formatMs(phaseTimeout()) + ")";
  if (phase_ == Phase::Connect) return connectTimedOut();
  if (phase_ == Phase::TlsHandshake) return handshakeTimedOut("TLS " + why);
  if (phase_ == Phase::DnsQuery || phase_ == Phase::DnsAnswer) return dnsTimedOut("DNS " + why);
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
                    " (connect timeout " + formatMs(phaseTimeout()) + ")");
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
  // The result keeps one exchange, the first (schema_version unchanged).
  if (!exchanges_.empty()) result_.dns = std::move(exchanges_.front().record());
  result_.outcome = outcome;
  result_.phase = phase_;
  result_.reason = std::move(reason);
  result_.timings.total_ms = milliseconds(now - started_);
  result_.ended = wall_started_ +
                  std::chrono::duration_cast<std::chrono::system_clock::duration>(now - started_);
  transport_->close();
  if (cleartext_) cleartext_->fail("the probe ended");
  return Next{true, net::Interest::None, net::Interest::None, now};
}

Next Probe::wait(net::IoStatus status) {
  waiting_for_ = status;
  Next next;
  if (fallback_ != Fallback::Alone) next.interest = interestFor(status);
  if (cleartext_) next.cleartext_interest = cleartext_->interest();
  next.deadline = deadline();
  return next;
}

Duration Probe::timeout(RttKind kind) const {
  Duration initial = settings_.connect_timeout;
  if (kind == RttKind::Handshake) initial = settings_.tls_timeout;
  if (kind == RttKind::Dns) initial = settings_.dns ? settings_.dns->timeout : initial;
  const AdaptiveTimeouts& adaptive = settings_.adaptive;
  if (!adaptive.enabled || !settings_.rtt || adaptive.fixed.at(static_cast<std::size_t>(kind))) {
    return initial;
  }
  // nmap's rule: what the samples say (the initial value until there are enough), bounded.
  const Duration suggested = settings_.rtt->suggest(kind, target_.address).value_or(initial);
  return std::clamp(suggested, adaptive.min, std::max(adaptive.min, adaptive.max));
}

Duration Probe::phaseTimeout() const {
  if (phase_ == Phase::Connect) return timeout(RttKind::Connect);
  if (phase_ == Phase::TlsHandshake) return timeout(RttKind::Handshake);
  return timeout(RttKind::Dns);
}

TimePoint Probe::tlsAttemptDeadline() const {
  if (fallback_ == Fallback::Alone || phase_ == Phase::Done) return TimePoint::max();
  if (idle_until_) return *idle_until_;
  return phase_started_ + phaseTimeout();
}

TimePoint Probe::deadline() const {
  TimePoint deadline = std::min({tlsAttemptDeadline(), host_deadline_, cleartext_due_});
  if (cleartext_ && cleartext_->running()) deadline = std::min(deadline, cleartext_->deadline());
  return deadline;
}

std::string Probe::hostTimeoutReason() const {
  return "host timeout (" + formatMs(settings_.host_timeout) + ")";
}

void Probe::sample(RttKind kind, Duration rtt) {
  if (settings_.rtt) settings_.rtt->record(kind, target_.address, rtt);
}

}  // namespace dotscan::probe
