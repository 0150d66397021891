// dotscan/probe/tls_transport.hpp — the real Transport: a non-blocking TCP socket and, once it is
// connected, a tls::Connection over it.
//
// The TLS object is created only when the TCP connect succeeds, so that thousands of probes waiting
// on silent addresses hold a socket each and nothing more. Asked to (keepSession), it keeps the
// TLS session of its last completed handshake past close(), for a later connection to resume
// (issue 13); by default it keeps none.
#pragma once

#include <memory>

#include "dotscan/probe/transport.hpp"
#include "dotscan/tls/client.hpp"

namespace dotscan::probe {

class TlsTransport final : public Transport {
 public:
  // `options`: how the connection departs from the scan's context (the conformance checks); its
  // session to resume, if any, must outlive the handshake.
  TlsTransport(const tls::ClientContext& context, ProbeTarget target, bool include_pem,
               tls::ConnectionOptions options = {});

  [[nodiscard]] std::unique_ptr<Transport> sibling() const override {
    return std::make_unique<TlsTransport>(context_, target_, include_pem_, options_);
  }
  net::ConnectStep connect() override;
  net::ConnectStep finishConnect() override;
  net::IoStatus handshake() override;
  [[nodiscard]] std::string handshakeFailure() const override;
  [[nodiscard]] std::span<const std::uint8_t> receivedPrefix() const override;
  [[nodiscard]] bool peerSpokeNotTls() const override;
  net::IoResult send(std::span<const std::uint8_t> bytes) override;
  net::IoResult receive(std::span<std::uint8_t> buffer) override;
  [[nodiscard]] std::string ioFailure() const override;
  void describeSession(model::ProbeResult& result, std::time_t now) override;
  void close() override;
  [[nodiscard]] int fd() const override { return fd_.get(); }
  [[nodiscard]] bool readyNow(net::Interest interest) const override {
    return net::readyNow(fd_.get(), interest);
  }

  void keepSession(bool keep) { keep_session_ = keep; }
  // The session of the last completed handshake, null when none completed or none is kept. Taken
  // at the handshake's end and again at close(), with the tickets that came after the handshake.
  [[nodiscard]] const tls::SslSessionPtr& session() const { return session_; }
  // Whether the last completed handshake resumed the session offered (options' resume).
  [[nodiscard]] bool resumed() const { return resumed_; }

 private:
  const tls::ClientContext& context_;
  ProbeTarget target_;
  bool include_pem_;
  tls::ConnectionOptions options_;
  bool resumed_ = false;
  net::UniqueFd fd_;
  std::string plain_failure_;
  bool keep_session_ = false;
  tls::SslSessionPtr session_;  // a reference of its own, valid after the connection closed
  std::unique_ptr<tls::Connection> tls_;  // declared after fd_: destroyed before the socket closes
};

}  // namespace dotscan::probe
