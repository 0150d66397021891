#include "dotscan/probe/probe.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace dotscan::probe {

using model::Outcome;
using model::Phase;

namespace {

double milliseconds(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr std::array<char, 16> kDigits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                   '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    text.push_back(kDigits.at(byte >> 4));
    text.push_back(kDigits.at(byte & 0x0f));
  }
  return text;
}

std::string formatMs(Duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) +
         " ms";
}

}  // namespace

std::string errorText(int error) {
  std::array<char, 128> buffer{};
  // The GNU strerror_r returns the message, possibly not in the buffer.
  return ::strerror_r(error, buffer.data(), buffer.size());
}

Probe::Probe(ProbeTarget target, std::unique_ptr<Transport> transport,
             const ProbeSettings& settings)
    : target_(std::move(target)), transport_(std::move(transport)), settings_(settings) {
  result_.address = target_.address;
  result_.port = target_.port;
  result_.name = target_.name;
  result_.sni = target_.sni;
}

Next Probe::start(TimePoint now, std::chrono::system_clock::time_point wall) {
  started_ = now;
  wall_started_ = wall;
  result_.started = wall;
  if (settings_.host_timeout > Duration::zero()) host_deadline_ = now + settings_.host_timeout;
  return beginConnect(now);
}

Next Probe::beginConnect(TimePoint now) {
  phase_ = Phase::Connect;
  phase_started_ = now;
  phase_deadline_ = now + settings_.connect_timeout;
  ++result_.attempts;
  const net::ConnectStep step = transport_->connect();
  if (step.status == net::IoStatus::Failed) return endConnect(now, step.error);
  if (step.status == net::IoStatus::NeedWrite) {
    connecting_ = true;
    return wait(net::IoStatus::NeedWrite);
  }
  // Connected at once (possible on loopback): on to the handshake in the same call.
  connecting_ = false;
  result_.timings.tcp_connect_ms = milliseconds(now - phase_started_);
  phase_ = Phase::TlsHandshake;
  phase_started_ = now;
  phase_deadline_ = now + settings_.tls_timeout;
  return advance(now);
}

Next Probe::onReady(TimePoint now) {
  return advance(now);
}

Next Probe::advance(TimePoint now) {
  if (phase_ == Phase::Connect) {
    const net::ConnectStep step = transport_->finishConnect();
    if (step.status == net::IoStatus::Failed) return endConnect(now, step.error);
    if (step.status != net::IoStatus::Done) return wait(step.status);
    connecting_ = false;
    result_.timings.tcp_connect_ms = milliseconds(now - phase_started_);
    phase_ = Phase::TlsHandshake;
    phase_started_ = now;
    phase_deadline_ = now + settings_.tls_timeout;
  }
  if (phase_ == Phase::TlsHandshake) {
    const net::IoStatus status = transport_->handshake();
    if (status == net::IoStatus::Failed) {
      recordPrefix();
      if (transport_->peerSpokeNotTls()) {
        return finish(now, Outcome::NotTls,
                      "the peer answered with bytes that are not TLS (" +
                          transport_->handshakeFailure() + ")");
      }
      return finish(now, Outcome::TlsFailed, transport_->handshakeFailure());
    }
    if (status != net::IoStatus::Done) return wait(status);
    return endHandshake(now);
  }
  return finish(now, Outcome::InternalError, "probe woken after it ended");
}

Next Probe::endHandshake(TimePoint now) {
  result_.timings.tls_handshake_ms = milliseconds(now - phase_started_);
  const auto wall_now =
      wall_started_ +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(now - started_);
  transport_->describeSession(result_, std::chrono::system_clock::to_time_t(wall_now));
  phase_ = Phase::Done;
  const std::string version = result_.tls ? result_.tls->version : std::string("TLS");
  return finish(now, Outcome::TlsOk, version + " handshake completed");
}

Next Probe::endConnect(TimePoint now, int error) {
  connecting_ = false;
  switch (error) {
    case ECONNREFUSED:
    case ECONNRESET:
      return finish(now, Outcome::Closed, "connection refused");
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
      return finish(now, Outcome::Unreachable, errorText(error));
    case ETIMEDOUT:
      return finish(now, Outcome::Filtered,
                    "the kernel gave up connecting (" + errorText(error) + ")");
    case EACCES:
    case EPERM:
      return finish(
          now, Outcome::Filtered,
          "connect refused locally, likely by a firewall rule (" + errorText(error) + ")");
    default:
      return finish(now, Outcome::Error, "connect: " + errorText(error));
  }
}

Next Probe::onTimeout(TimePoint now) {
  if (now >= host_deadline_) {
    const std::string why = "host timeout (" + formatMs(settings_.host_timeout) + ")";
    if (phase_ == Phase::Connect) return finish(now, Outcome::Filtered, why);
    return handshakeTimedOut(now, why);
  }
  if (now < phase_deadline_) return wait(waiting_for_);  // an early wake-up: keep waiting
  if (phase_ == Phase::Connect) return connectTimedOut(now);
  if (phase_ == Phase::TlsHandshake) {
    return handshakeTimedOut(now, "TLS timeout (" + formatMs(settings_.tls_timeout) + ")");
  }
  return finish(now, Outcome::InternalError, "timeout after the probe ended");
}

Next Probe::connectTimedOut(TimePoint now) {
  if (result_.attempts <= settings_.retries) {
    transport_->close();
    return beginConnect(now);
  }
  return finish(now, Outcome::Filtered,
                "no answer to " + std::to_string(result_.attempts) +
                    (result_.attempts == 1 ? " connection attempt" : " connection attempts") +
                    " (connect timeout " + formatMs(settings_.connect_timeout) + ")");
}

Next Probe::handshakeTimedOut(TimePoint now, const std::string& why) {
  recordPrefix();
  const std::size_t received = transport_->receivedPrefix().size();
  if (transport_->peerSpokeNotTls()) {
    return finish(now, Outcome::NotTls,
                  "the peer sent bytes that are not TLS, then nothing (" + why + ")");
  }
  if (received == 0) {
    return finish(now, Outcome::TlsTimeout,
                  "connected, then no answer to the ClientHello (" + why + ")");
  }
  return finish(now, Outcome::TlsTimeout, "the TLS handshake stalled (" + why + ")");
}

Next Probe::abort(TimePoint now, Outcome outcome, const std::string& reason) {
  if (phase_ == Phase::TlsHandshake) recordPrefix();
  return finish(now, outcome, reason);
}

void Probe::recordPrefix() {
  result_.first_bytes_hex = hex(transport_->receivedPrefix());
}

Next Probe::finish(TimePoint now, Outcome outcome, std::string reason) {
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
  const net::Interest interest =
      status == net::IoStatus::NeedWrite ? net::Interest::Write : net::Interest::Read;
  return Next{false, interest, deadline()};
}

TimePoint Probe::deadline() const {
  return std::min(phase_deadline_, host_deadline_);
}

}  // namespace dotscan::probe
