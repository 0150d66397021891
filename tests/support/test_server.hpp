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
  // A DoT session (RFC 7858): read queries in a loop and answer each as DnsAnswer would, with the
  // EDNS options and the order that ServerOptions ask for (the conformance checks, issue 13), until
  // the client closes or the options say close.
  DnsSession,
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
  // The lowest TLS version accepted (kTls10Version, ...), at security level 0 so that OpenSSL 3
  // allows TLS 1.0 and 1.1; 0: TLS 1.2 unless max_tls_version is set (then no lower bound).
  int min_tls_version = 0;
  // Resumption (RFC 5077, RFC 8446 section 2.2): a server session cache and session tickets for
  // TLS 1.2, tickets for TLS 1.3; false: no cache and no tickets, so nothing can be resumed.
  bool resumption = true;
  // When set, a ClientHello without SNI gets this chain and key instead; empty: the same
  // certificate whatever the SNI.
  std::string no_sni_chain_file{};
  std::string no_sni_key_file{};

  // Behaviour::DnsSession only, below.
  // After the first query of a batch, also read the queries that arrive within 100 ms (pipelined,
  // RFC 7766 section 6.2.1.1), then answer a batch of two or more in reverse order; false: answer
  // each query in the order read.
  bool out_of_order = false;
  // Close the session (close_notify, then close) right after the first answer.
  bool close_after_answer = false;
  // The edns-tcp-keepalive TIMEOUT (RFC 7828, option 11), in units of 100 ms, in the answers to
  // queries that carried the option; -1: never include it (the server ignores keepalive).
  int keepalive_timeout_units = 100;
  // Close a session that stayed this long without a query; 0: never.
  std::chrono::milliseconds idle_close{0};
  // Answers to queries that carried the Padding option (RFC 7830, option 12) get one that makes
  // the message (without its length prefix) a multiple of pad_block octets; false: never pad.
  bool pad_answers = true;
  // Also pad the answers to queries that have an OPT record but no Padding option (an answer to a
  // query without OPT never has one, RFC 6891 section 7).
  bool pad_unpadded = false;
  int pad_block = 468;  // RFC 8467 section 4.1, the block for responses
  // Answer `_dns.resolver.arpa.` SVCB (RFC 9462 section 4) with one record: priority 1, target
  // ddr_target, alpn "dot", port 853, ipv4hint ddr_ipv4hint (not an IPv4 address: the constructor
  // throws std::invalid_argument); false: NOERROR without answers.
  bool ddr = false;
  std::string ddr_target = "dot.test.";
  std::string ddr_ipv4hint = "127.0.0.1";
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
  void serveSession(void* ssl, int fd);  // Behaviour::DnsSession; ssl: SSL*

  Behaviour behaviour_;
  ServerOptions options_;
  bool select_alpn_dot_;            // read by the ALPN callback, on the serving threads
  void* context_ = nullptr;         // SSL_CTX*, kept opaque so that tests need not include OpenSSL
  void* no_sni_context_ = nullptr;  // SSL_CTX* for a ClientHello without SNI, or null
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
