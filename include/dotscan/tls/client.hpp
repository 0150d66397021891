// dotscan/tls/client.hpp — the TLS client side of a probe: one context per scan, one non-blocking
// connection per probe.
//
// A scanner records rather than rejects. The handshake completes whatever the certificate, and the
// chain's verification against the trust store becomes data (every error met, with OpenSSL's
// reason), for the audit to judge. Every step is non-blocking and returns a net::IoStatus; one
// function maps SSL_get_error to it, clearing the error queue before each call and draining it into
// one readable reason after a failure (Envoy source/common/tls/ssl_socket.cc). Every OpenSSL object
// is owned through tls/openssl_ptr.hpp.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dotscan/model/result.hpp"
#include "dotscan/model/tls_version.hpp"
#include "dotscan/net/socket.hpp"
#include "dotscan/tls/chain_cache.hpp"
#include "dotscan/tls/openssl_ptr.hpp"

namespace dotscan::tls {

using model::TlsVersion;  // model/tls_version.hpp: parsing and names

struct ClientOptions {
  TlsVersion min_version = TlsVersion::Tls12;
  TlsVersion max_version = TlsVersion::Tls13;
  std::vector<std::string> alpn{"dot"};  // offered in this order; empty: no ALPN extension
  std::string ca_file;                   // empty: the system trust store
  std::string ca_dir;
};

// How one connection departs from the scan's context (issue 13's checks); the defaults change
// nothing.
struct ConnectionOptions {
  // Offer this version alone (the context's security level 0 lets OpenSSL 3 speak 1.0 and 1.1).
  std::optional<TlsVersion> only_version;
  // Offered instead of the context's ALPN list; an empty list offers no ALPN extension.
  std::optional<std::vector<std::string>> alpn;
  // A session to offer for resumption; not owned (SSL_set_session takes its own reference).
  SSL_SESSION* resume = nullptr;
};

// The SSL_CTX of a scan. Read-only once built, so every event loop thread shares it.
class ClientContext {
 public:
  // Throws UsageError for an unreadable --ca-file or an impossible version range.
  explicit ClientContext(const ClientOptions& options);
  [[nodiscard]] SSL_CTX* get() const { return context_.get(); }
  [[nodiscard]] const std::string& trustStore() const { return trust_store_; }
  // Chains verified so far, and how many handshakes reused a verification.
  [[nodiscard]] const ChainCache& chains() const { return *chains_; }

 private:
  SslCtxPtr context_;
  std::unique_ptr<ChainCache> chains_;  // the callback's argument: its address never changes
  std::string trust_store_;
};

// One TLS session over a connected non-blocking socket. The socket stays owned by the caller.
class Connection {
 public:
  static constexpr std::size_t kPrefixCap = 64;  // first received bytes kept for not-tls reports
  static constexpr std::size_t kMaxVerifyErrors = 16;  // verification errors kept per handshake

  // Throws Error when OpenSSL refuses an option (an ALPN name of more than 255 bytes).
  Connection(const ClientContext& context, int fd, const std::string& sni,
             const ConnectionOptions& options = {});
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  ~Connection();

  // One step of SSL_do_handshake. After Failed, failure() says why.
  net::IoStatus handshake();
  // After the handshake: writes all of `bytes` as one TLS record (RFC 7858 section 3.3 wants the
  // length and the message in one write), or asks to be called again with the same bytes.
  net::IoResult write(std::span<const std::uint8_t> bytes);
  // Reads what application data is there. Done with bytes > 0, NeedRead/NeedWrite, Done with
  // eof set when the peer closed (close_notify or a bare TCP close), or Failed (failure()).
  net::IoResult read(std::span<std::uint8_t> buffer);

  [[nodiscard]] const std::string& failure() const { return failure_; }
  // The first bytes the peer sent (up to kPrefixCap), whatever they were.
  [[nodiscard]] std::span<const std::uint8_t> receivedPrefix() const { return prefix_; }
  // True when the peer's first bytes cannot be the start of a TLS record.
  [[nodiscard]] bool peerSpokeNotTls() const;

  // Session facts; meaningful after the handshake completed (bytes counts always).
  // auth_name empty: the leaf is checked against `address` instead.
  [[nodiscard]] model::TlsSession session(const std::string& trust_store,
                                          const std::string& auth_name,
                                          const Address& address) const;
  // The chain as the server sent it, leaf first, each certificate described.
  [[nodiscard]] std::vector<model::CertificateInfo> chain(std::time_t now, bool include_pem) const;
  [[nodiscard]] std::uint64_t bytesSent() const;
  // A new reference to the session, to resume it on a later connection; null before the
  // handshake completed. In TLS 1.3 the tickets come after the handshake (RFC 8446 section 4.6.1),
  // so a later call may return a session that holds more of them.
  [[nodiscard]] SslSessionPtr resumableSession() const;
  [[nodiscard]] std::uint64_t bytesReceived() const;
  // After the handshake: whether it resumed the session offered (ConnectionOptions::resume).
  [[nodiscard]] bool resumed() const;

  // Internal hooks for the OpenSSL callbacks (C linkage trampolines).
  void recordReceived(const char* data, std::size_t length);
  void recordVerifyError(int depth, int code);
  [[nodiscard]] const std::vector<model::VerifyError>& verifyErrors() const {
    return verify_errors_;
  }
  void recordTicket() { ticket_ = true; }

 private:
  net::IoStatus mapResult(int ret);

  SslPtr ssl_;
  int fd_;
  std::string failure_;
  std::vector<std::uint8_t> prefix_;
  std::vector<model::VerifyError> verify_errors_;
  bool ticket_ = false;
};

// The OpenSSL in use at run time, as it names itself: "OpenSSL 3.0.17 1 Jul 2025" (--version).
std::string libraryVersion();

}  // namespace dotscan::tls
