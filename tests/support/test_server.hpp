// An in-process TLS server on 127.0.0.1, port 0, that misbehaves on demand.
//
// Test code, so it may block: one thread accepts, one thread serves each connection with blocking
// OpenSSL calls. The destructor unblocks and joins every thread. The certificate chain and key come
// from the test CA (scripts/make-test-ca.sh, DOTSCAN_TEST_CA).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dotscan::testing {

enum class Behaviour {
  Normal,                // complete the handshake, then wait for the client to close
  StallBeforeHandshake,  // accept the connection, never read or write
  CloseMidHandshake,     // read the ClientHello, then close
  ResetMidHandshake,     // read the ClientHello, then close with a RST
  Alert,                 // read the ClientHello, answer with a fatal handshake_failure alert
  PlainTcp,              // speak another protocol: send an SSH banner and wait
  HugeChain,             // send the leaf followed by `chain_copies` copies of the intermediate
  // After a completed handshake, read one DNS query (RFC 7858 framing), then:
  DnsAnswer,            // answer correctly: "A 192.0.2.53", NSID "dotscan-test", keepalive 10 s
  DnsWrongId,           // answer with the query's ID + 1
  DnsQrClear,           // answer with the QR bit clear
  DnsZeroLength,        // send a zero length prefix
  DnsLengthBeyondBody,  // announce 100 bytes more than the body, send the body, stall
  DnsBodyCut,           // send the length and half of the body, then close
  DnsCompressionLoop,   // the answer's owner name is a compression pointer to itself
  DnsHuge,              // a 65,535-byte answer of TXT records
  DnsSilence,           // read the query, never answer
  DnsAnswerThenClose,   // answer correctly, then close the session at once
  CloseAfterHandshake,  // complete the handshake, then close the session without reading
  PlainDns,             // no TLS: close on a ClientHello, answer a cleartext DNS query
};

// Protocol versions for ServerOptions::max_tls_version: OpenSSL's TLS1_x_VERSION values, repeated
// here so that tests need not include OpenSSL (test_server.cpp checks that they agree).
inline constexpr int kTls10Version = 0x0301;
inline constexpr int kTls11Version = 0x0302;
inline constexpr int kTls12Version = 0x0303;
inline constexpr int kTls13Version = 0x0304;

// How the TLS side behaves, beyond the certificate: the defaults are a well-behaved DoT server.
struct ServerOptions {
  // The highest TLS version offered (kTls11Version, ...); 0: the library's default.
  int max_tls_version = 0;
  // Select "dot" when the client offers it; false: select no ALPN protocol at all.
  bool select_alpn_dot = true;
};

class TestServer {
 public:
  // chain_file: PEM, leaf first; key_file: the leaf's key. Throws on failure.
  TestServer(Behaviour behaviour, const std::string& chain_file, const std::string& key_file,
             int chain_copies = 0, ServerOptions options = {});
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  TestServer(TestServer&&) = delete;
  TestServer& operator=(TestServer&&) = delete;
  ~TestServer();

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] int accepted() const { return accepted_.load(); }
  [[nodiscard]] int handshakes() const { return handshakes_.load(); }
  // The handshake count once it reaches `count`, or after 5 s: in TLS 1.3 the client finishes
  // before the server has read its Finished message.
  [[nodiscard]] int handshakesWhenAtLeast(int count) const;

 private:
  void acceptLoop();
  void serve(int fd);
  bool waitReadable(int fd) const;  // false when stopping

  Behaviour behaviour_;
  bool select_alpn_dot_;     // read by the ALPN callback, on the serving threads
  void* context_ = nullptr;  // SSL_CTX*, kept opaque so that tests need not include OpenSSL
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd, readable once stopping
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> handshakes_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<int> client_fds_;
};

// The test CA directory (DOTSCAN_TEST_CA); fails the test if unset.
std::string testCaPath(const std::string& file);

}  // namespace dotscan::testing
