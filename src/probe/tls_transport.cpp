#include "dotscan/probe/tls_transport.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "dotscan/probe/probe.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::probe {

TlsTransport::TlsTransport(const tls::ClientContext& context, ProbeTarget target, bool include_pem,
                           tls::ConnectionOptions options)
    : context_(context),
      target_(std::move(target)),
      include_pem_(include_pem),
      options_(std::move(options)) {}

net::ConnectStep TlsTransport::connect() {
  close();
  return net::startConnect(target_.address, target_.port, fd_);
}

net::ConnectStep TlsTransport::finishConnect() {
  return net::finishConnect(fd_.get());
}

net::IoStatus TlsTransport::handshake() {
  if (!tls_) tls_ = std::make_unique<tls::Connection>(context_, fd_.get(), target_.sni, options_);
  const net::IoStatus status = tls_->handshake();
  // What follows the handshake (session tickets, then the answer) must not wait for our ACK.
  if (status == net::IoStatus::Done) {
    net::acknowledgePromptly(fd_.get());
    resumed_ = tls_->resumed();
    if (keep_session_) session_ = tls_->resumableSession();
  }
  return status;
}

std::string TlsTransport::handshakeFailure() const {
  return tls_ ? tls_->failure() : std::string();
}

std::span<const std::uint8_t> TlsTransport::receivedPrefix() const {
  return tls_ ? tls_->receivedPrefix() : std::span<const std::uint8_t>();
}

bool TlsTransport::peerSpokeNotTls() const {
  return tls_ && tls_->peerSpokeNotTls();
}

// Without a TLS session (the cleartext check of a non-TLS peer) the bytes go on the bare socket.
net::IoResult TlsTransport::send(std::span<const std::uint8_t> bytes) {
  if (tls_) return tls_->write(bytes);
  const ssize_t sent = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent >= 0) return {net::IoStatus::Done, static_cast<std::size_t>(sent), false};
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    return {net::IoStatus::NeedWrite, 0, false};
  }
  plain_failure_ = errorText(errno);
  return {net::IoStatus::Failed, 0, false};
}

net::IoResult TlsTransport::receive(std::span<std::uint8_t> buffer) {
  if (tls_) {
    const net::IoResult result = tls_->read(buffer);
    if (result.status != net::IoStatus::Failed && !result.eof) net::acknowledgePromptly(fd_.get());
    return result;
  }
  const ssize_t got = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (got > 0) return {net::IoStatus::Done, static_cast<std::size_t>(got), false};
  if (got == 0) return {net::IoStatus::Done, 0, true};
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    return {net::IoStatus::NeedRead, 0, false};
  }
  plain_failure_ = errorText(errno);
  return {net::IoStatus::Failed, 0, false};
}

std::string TlsTransport::ioFailure() const {
  return tls_ ? tls_->failure() : plain_failure_;
}

void TlsTransport::describeSession(model::ProbeResult& result, std::time_t now) {
  if (!tls_) return;
  result.tls = tls_->session(context_.trustStore(), target_.auth_name, target_.address);
  result.certificates = tls_->chain(now, include_pem_);
}

void TlsTransport::close() {
  if (keep_session_ && tls_) {
    if (tls::SslSessionPtr latest = tls_->resumableSession()) session_ = std::move(latest);
  }
  tls_.reset();
  fd_.reset();
}

}  // namespace dotscan::probe
