// dotscan/probe/tls_transport.hpp — the real Transport: a non-blocking TCP socket and, once it is
// connected, a tls::Connection over it.
//
// The TLS object is created only when the TCP connect succeeds, so that thousands of probes waiting
// on silent addresses hold a socket each and nothing more.
#pragma once

#include <memory>

#include "dotscan/probe/transport.hpp"
#include "dotscan/tls/client.hpp"

namespace dotscan::probe {

class TlsTransport final : public Transport {
 public:
  TlsTransport(const tls::ClientContext& context, ProbeTarget target, bool include_pem);

  [[nodiscard]] std::unique_ptr<Transport> sibling() const override {
    return std::make_unique<TlsTransport>(context_, target_, include_pem_);
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

 private:
  const tls::ClientContext& context_;
  ProbeTarget target_;
  bool include_pem_;
  net::UniqueFd fd_;
  std::string plain_failure_;
  std::unique_ptr<tls::Connection> tls_;  // declared after fd_: destroyed before the socket closes
};

}  // namespace dotscan::probe
