#include "dotscan/probe/cleartext_check.hpp"

#include <array>
#include <random>
#include <utility>

#include "dotscan/dns/message.hpp"
#include "dotscan/probe/probe.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::probe {

namespace {

// A query ID nobody can predict (RFC 5452 section 4.3), from a per-thread generator.
std::uint16_t randomQueryId() {
  thread_local std::mt19937 generator{std::random_device{}()};
  return static_cast<std::uint16_t>(std::uniform_int_distribution<unsigned>(0, 0xffff)(generator));
}

}  // namespace

void QueryExchange::begin(const dns::Query& query, bool cleartext) {
  const std::uint16_t id = randomQueryId();
  wire_ = query.framed(id);
  written_ = 0;
  record_ = model::DnsExchange{};
  record_.query = query.describe(id);
  record_.cleartext = cleartext;
}

net::IoStatus QueryExchange::write(Transport& transport) {
  while (written_ < wire_.size()) {
    const net::IoResult step =
        transport.send(std::span<const std::uint8_t>(wire_).subspan(written_));
    if (step.status != net::IoStatus::Done) return step.status;
    written_ += step.bytes;
  }
  return net::IoStatus::Done;
}

bool QueryExchange::judge(const dns::FrameReader& frame) {
  if (frame.state() != dns::FrameReader::State::Complete) {
    record_.checks.push_back({"framing", false, frame.error()});
    return false;
  }
  record_.checks.push_back({"framing", true, ""});
  return dns::parseResponse(frame.message(), record_.query, record_);
}

AnswerStream::Read AnswerStream::read(Transport& transport, model::DnsExchange& exchange) {
  if (frame_.state() != dns::FrameReader::State::NeedMore) return Read::Framed;
  std::array<std::uint8_t, 4096> buffer{};
  for (;;) {
    const net::IoResult step = transport.receive(buffer);
    if (step.status == net::IoStatus::Failed) return Read::Failed;
    if (step.status == net::IoStatus::NeedRead) return Read::NeedRead;
    if (step.status == net::IoStatus::NeedWrite) return Read::NeedWrite;
    if (step.eof) {
      if (frame_.frameReceived() == 0) return Read::ClosedBeforeAnswer;
      frame_.endOfStream();
      return Read::Framed;
    }
    exchange.bytes_received += step.bytes;
    const auto state = frame_.feed(std::span<const std::uint8_t>(buffer).first(step.bytes));
    if (state != dns::FrameReader::State::NeedMore) return Read::Framed;
  }
}

CleartextCheck::CleartextCheck(std::unique_ptr<Transport> transport, const DnsSettings& dns,
                               const Clock& clock)
    : transport_(std::move(transport)), dns_(dns), clock_(clock) {}

void CleartextCheck::start(Duration connect_timeout, Duration dns_timeout) {
  connect_timeout_ = connect_timeout;
  dns_timeout_ = dns_timeout;
  deadline_ = clock_.now() + connect_timeout;
  const net::ConnectStep step = transport_->connect();
  if (step.status == net::IoStatus::Failed) {
    return conclude(State::Failed, "connect: " + errorText(step.error));
  }
  if (step.status == net::IoStatus::Done) {
    beginQuery();
    return;
  }
  waiting_for_ = step.status;
}

void CleartextCheck::onReady() {
  if (running()) step();
}

void CleartextCheck::step() {
  if (state_ == State::Connecting) {
    const net::ConnectStep step = transport_->finishConnect();
    if (step.status == net::IoStatus::Failed) {
      return conclude(State::Failed, "connect: " + errorText(step.error));
    }
    if (step.status != net::IoStatus::Done) {
      waiting_for_ = step.status;
      return;
    }
    beginQuery();
    return;
  }
  const net::IoStatus wrote = query_.write(*transport_);
  if (wrote == net::IoStatus::Failed) {
    return conclude(State::Failed, "write: " + transport_->ioFailure());
  }
  if (wrote != net::IoStatus::Done) {
    waiting_for_ = wrote;
    return;
  }
  switch (answers_->read(*transport_, query_.record())) {
    case AnswerStream::Read::NeedRead:
      waiting_for_ = net::IoStatus::NeedRead;
      return;
    case AnswerStream::Read::NeedWrite:
      waiting_for_ = net::IoStatus::NeedWrite;
      return;
    case AnswerStream::Read::Failed:
      return conclude(State::Failed, "read: " + transport_->ioFailure());
    case AnswerStream::Read::ClosedBeforeAnswer:
      return conclude(State::Failed, "closed, no answer");
    case AnswerStream::Read::Framed:
      return endAnswer();
  }
}

void CleartextCheck::beginQuery() {
  const TimePoint now = clock_.now();
  state_ = State::Querying;
  query_started_ = now;
  deadline_ = now + dns_timeout_;
  query_.begin(dns_.queries.front(), true);
  answers_.emplace(dns_.max_length);
  step();
}

void CleartextCheck::endAnswer() {
  const TimePoint now = clock_.now();
  const dns::FrameReader& frame = answers_->frame();
  if (!query_.judge(frame)) {
    if (frame.state() != dns::FrameReader::State::Complete) {
      return conclude(State::Failed, "framing: " + frame.error());
    }
    return conclude(State::Failed, "the answer failed its checks");
  }
  rtt_ = now - query_started_;
  conclude(State::Answered);
}

bool CleartextCheck::onTimeout() {
  if (!running() || clock_.now() < deadline_) return false;
  // As for the TLS attempt: a busy loop may reach the deadline before it read the readiness.
  const bool late = transport_->readyNow(interest());
  if (late) step();
  if (!running()) return late;
  if (state_ == State::Connecting) {
    conclude(State::Failed, "connect timeout (" + formatMs(connect_timeout_) + ")");
  } else {
    conclude(State::Failed, "no answer (DNS timeout (" + formatMs(dns_timeout_) + "))");
  }
  return late;
}

void CleartextCheck::fail(const std::string& why) {
  if (running()) conclude(State::Failed, why);
}

net::Interest CleartextCheck::interest() const {
  if (!running()) return net::Interest::None;
  return waiting_for_ == net::IoStatus::NeedWrite ? net::Interest::Write : net::Interest::Read;
}

void CleartextCheck::conclude(State state, std::string why) {
  state_ = state;
  failure_ = std::move(why);
  deadline_ = TimePoint::max();
  transport_->close();
}

}  // namespace dotscan::probe
