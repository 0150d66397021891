#include "dotscan/probe/tls_transport.hpp"

#include <utility>

namespace dotscan::probe {

TlsTransport::TlsTransport(const tls::ClientContext& context, ProbeTarget target, bool include_pem)
    : context_(context), target_(std::move(target)), include_pem_(include_pem) {}

net::ConnectStep TlsTransport::connect() {
  close();
  return net::startConnect(target_.address, target_.port, fd_);
}

net::ConnectStep TlsTransport::finishConnect() {
  return net::finishConnect(fd_.get());
}

net::IoStatus TlsTransport::handshake() {
  if (!tls_) tls_ = std::make_unique<tls::Connection>(context_, fd_.get(), target_.sni);
  return tls_->handshake();
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

void TlsTransport::describeSession(model::ProbeResult& result, std::time_t now) {
  if (!tls_) return;
  result.tls = tls_->session(context_.trustStore());
  result.certificates = tls_->chain(now, include_pem_);
}

void TlsTransport::close() {
  tls_.reset();
  fd_.reset();
}

}  // namespace dotscan::probe
