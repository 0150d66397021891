// An in-process TLS server on 127.0.0.1, port 0, that misbehaves on demand.
//
// Test code, so it may block: one thread accepts, one thread serves each connection with blocking
// OpenSSL calls. The destructor unblocks and joins every thread. The certificate chain and key come
// from the test CA (scripts/make-test-ca.sh, DOTSCAN_TEST_CA).
#pragma once

#include <atomic>
#include <chrono>
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
  HugeChain,             // as Normal; named for the `chain_copies` copies of the intermediate
  // Before any TLS: the hostile matrix's connection-level peers (issue 16).
  ResetOnAccept,      // accept, then close with a RST at once, before reading anything
  CloseOnAccept,      // accept, then close (FIN) at once, before reading anything
  BacklogFull,        // never accept: the listen queue is kept full, so SYNs are dropped
  GarbageAtOnce,      // send binary bytes that are not TLS at once, then wait for the close
  SlowGarbage,        // send one byte that is not TLS every 400 ms until the client closes
  HttpResponse,       // read the ClientHello, answer "HTTP/1.1 400 Bad Request", then close
  TlsHeaderGarbage,   // read the ClientHello, answer a handshake record full of garbage, wait
  OversizedRecord,    // read the ClientHello, announce a 65,535-byte handshake record, wait
  CloseNotify,        // read the ClientHello, answer a cleartext close_notify alert, then close
  StallMidHandshake,  // send the first 60 bytes of the server's first flight, then stall
  DribbleHandshake,   // send the server's handshake bytes one at a time, 10 ms apart
  // After a completed handshake:
  ResetAfterHandshake,      // close with a RST without reading the query
  ResetAfterQuery,          // read the query, then close with a RST
  ResetMidAnswer,           // send the length and half of the answer, then close with a RST
  PlaintextAfterHandshake,  // read the query, answer in cleartext on the raw socket, wait
  RenegotiateBeforeQuery,   // TLS 1.2: send a HelloRequest, renegotiate, then serve DnsAnswer
  RenegotiateBeforeAnswer,  // TLS 1.2: read the query, send a HelloRequest, then answer
  KeyUpdateBeforeAnswer,    // TLS 1.3: read the query, 10 KeyUpdates (update_requested), answer
  KeyUpdateFlood,           // TLS 1.3: read the query, 1,000 KeyUpdates, then answer
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
  DnsLengthOnly,        // send the length prefix alone, then stall
  DnsHalfLength,        // send the first byte of the length prefix, then stall
  DnsHalfLengthClose,   // send the first byte of the length prefix, then close the session
  DnsShortMessage,      // a 5-byte message: shorter than a DNS header
  DnsGarbageBody,       // the right length, then as many bytes that are not the answer
  DnsMaxLengthCut,      // announce 65,535 bytes, send 100, then close the session
  DnsWrongQuestion,     // answer a question other than the one asked
  DnsTwoFrames,         // answer correctly, then send a second frame of garbage at once
  DnsDribbleLength,     // send the answer one byte every 1.5 s (the deadline falls in the length)
  DnsDribbleBody,       // send the length at once, then the body one byte every 50 ms
  DnsDribbleInTime,     // send the answer one byte every 2 ms (slow, but well in time)
  CloseAfterHandshake,  // complete the handshake, then close the session without reading
  PlainDns,             // no TLS: close on a ClientHello, answer a cleartext DNS query
  // As unbound does in cleartext on port 853: a ClientHello (0x16 0x03 ...) reads as the length
  // of a 5.6 KB query, so wait for the rest of it in silence; answer a cleartext DNS query.
  PlainDnsPatient,
  // Slow but good: wait kSlowHandshakeDelay after the accept, then complete the handshake and
  // answer the query (DnsAnswer). A connection that sends no ClientHello fails its handshake.
  SlowHandshake,
};

inline constexpr std::chrono::milliseconds kSlowHandshakeDelay(800);

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
  // chain_file: PEM, leaf first; key_file: the leaf's key; chain_copies: copies of the test CA's
  // intermediate sent after the chain, with any behaviour. Throws on failure.
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
  bool waitReadable(int fd) const;                       // false when stopping
  bool pause(std::chrono::milliseconds interval) const;  // false when stopping
  void serveTls(int fd);
  void serveSlowHandshake(int fd);

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
  int filler_fd_ = -1;  // BacklogFull: the connection that fills the listen queue
};

// The test CA directory (DOTSCAN_TEST_CA); fails the test if unset.
std::string testCaPath(const std::string& file);

}  // namespace dotscan::testing
