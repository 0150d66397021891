// dotscan/probe/transport.hpp — what a probe needs from the network, as an interface.
//
// The probe state machine (probe.hpp) drives a Transport and never touches a socket or an OpenSSL
// object itself. The real transport (tls_transport.hpp) is a non-blocking socket plus a
// tls::Connection; tests drive the state machine with a scripted one (tests/support), with no
// sockets and no sleeps (PowerDNS test-dnsdisttcp_cc.cc).
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>

#include "dotscan/model/result.hpp"
#include "dotscan/net/socket.hpp"

namespace dotscan::probe {

// One target as the prober sees it: where to connect and what to send as SNI.
struct ProbeTarget {
  Address address;
  std::uint16_t port = 853;
  std::string name;       // the name the target came from, empty for an address
  std::string sni;        // server_name to send, empty for none
  std::string auth_name;  // the authentication domain name (RFC 8310): --auth-name or the name
};

class Transport {
 public:
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  Transport(Transport&&) = delete;
  Transport& operator=(Transport&&) = delete;
  virtual ~Transport() = default;

  // A new transport to the same target, for a connection of its own beside this one (the
  // cleartext check, cleartext_check.hpp).
  [[nodiscard]] virtual std::unique_ptr<Transport> sibling() const = 0;
  // Opens a new socket (closing any earlier one) and starts connecting it.
  virtual net::ConnectStep connect() = 0;
  // The connect's progress once the socket is writable or reported an error.
  virtual net::ConnectStep finishConnect() = 0;
  // One step of the TLS handshake over the connected socket.
  virtual net::IoStatus handshake() = 0;
  // Why handshake() failed, in one line.
  [[nodiscard]] virtual std::string handshakeFailure() const = 0;
  // The first bytes the peer sent, capped; and whether they cannot start a TLS record.
  [[nodiscard]] virtual std::span<const std::uint8_t> receivedPrefix() const = 0;
  [[nodiscard]] virtual bool peerSpokeNotTls() const = 0;
  // After the handshake: application data through the session (the DNS exchange).
  virtual net::IoResult send(std::span<const std::uint8_t> bytes) = 0;
  virtual net::IoResult receive(std::span<std::uint8_t> buffer) = 0;
  // Why send() or receive() failed, in one line.
  [[nodiscard]] virtual std::string ioFailure() const = 0;
  // After a completed handshake: fills result.tls and result.certificates.
  virtual void describeSession(model::ProbeResult& result, std::time_t now) = 0;
  // Closes the socket (and the TLS session on it).
  virtual void close() = 0;
  // The socket to watch, -1 when there is none.
  [[nodiscard]] virtual int fd() const = 0;
  // Whether what the probe waits for (or an error) is already there: a look at the socket without
  // waiting, made before a deadline concludes anything.
  [[nodiscard]] virtual bool readyNow(net::Interest interest) const = 0;
};

}  // namespace dotscan::probe
