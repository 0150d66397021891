// dotscan/model/result.hpp — what one probe of one target found, as plain data.
//
// The probe module fills a ProbeResult; the report module writes it. Neither a socket nor an
// OpenSSL type appears here. Invariants: every target that was started yields exactly one result,
// failures included; `phase` names the phase that ended the probe and `reason` says why in one
// line; absent facts are empty optionals, never made-up values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "dotscan/model/certificate.hpp"
#include "dotscan/model/conformance.hpp"
#include "dotscan/model/dns.hpp"
#include "dotscan/model/finding.hpp"
#include "dotscan/util/address.hpp"

namespace dotscan::model {

// How a probe ended. The strings (toString) are the report's vocabulary and part of the schema.
enum class Outcome : std::uint8_t {
  Dot,            // DNS answered inside the TLS session: a DoT server (any rcode)
  TlsOk,          // the TLS handshake completed and no DNS query was asked for (--no-dns)
  Closed,         // the connection was refused (RST)
  Filtered,       // no answer to the connection attempts (every retry timed out)
  Unreachable,    // ICMP unreachable, or no route
  TlsFailed,      // the TLS handshake failed: an alert, a reset, an early close, a protocol error
  TlsTimeout,     // connected, then silence until the TLS deadline (a tarpit)
  NotTls,         // the peer answered with bytes that are not TLS
  TlsNoDns,       // the handshake completed, then the peer ended the session without answering
  DnsMalformed,   // an answer came back but failed a check (framing, parse, ID, QR, question)
  DnsTimeout,     // the handshake completed, then no whole answer before the DNS deadline
  CleartextDns,   // no TLS, but DNS answered in cleartext on the DoT port (RFC 7858 section 3.1)
  Error,          // a local failure for this target (no free port, no file descriptor, ...)
  Interrupted,    // the scan was stopped (SIGINT/SIGTERM) while this probe was in flight
  InternalError,  // a bug in dotscan, contained to this one target
};
inline constexpr int kOutcomeCount = 15;

// Where a probe was when it ended.
enum class Phase : std::uint8_t {
  Syn,               // SYN discovery (-sS): a raw SYN and its answer, before any connection
  Connect,           // TCP three-way handshake
  TlsHandshake,      // from the ClientHello to the handshake's end
  CleartextConnect,  // the second connection, for the query in cleartext (not-tls peers)
  DnsQuery,          // writing the query into the session
  DnsAnswer,         // reading the answer
  Done,              // every phase completed
};

std::string_view toString(Outcome outcome);
std::string_view toString(Phase phase);

// Something at the address answered on the port beyond a refusal: the TCP handshake completed
// (every TLS and DNS outcome, cleartext-dns included). What nmap calls an open port, and what
// --open keeps. False for closed, filtered, unreachable, and for error, interrupted and
// internal-error, where the probe says nothing of the port.
bool answered(Outcome outcome);

// One error the chain verification reported (OpenSSL's X509_V_ERR_* with its text).
struct VerifyError {
  int depth = 0;  // 0 is the leaf
  int code = 0;
  std::string reason;  // X509_verify_cert_error_string
};

// The verification result of the chain the server sent, recorded but never enforced.
struct Verification {
  bool trusted = false;             // the chain verified against the trust store
  int code = 0;                     // the first error (X509_V_OK when trusted)
  std::string reason;               // its text, "ok" when trusted
  std::string trust_store;          // "system" or the --ca-file path
  std::vector<VerifyError> errors;  // every error met, in the order met (capped)
};

struct TlsSession {
  std::string version;              // "TLSv1.3"
  std::string cipher;               // IANA/OpenSSL name, "TLS_AES_256_GCM_SHA384"
  std::string group;                // key-exchange group, "X25519"; empty when not known
  std::optional<std::string> alpn;  // the protocol the server selected, absent when none
  bool ocsp_stapled = false;
  bool session_ticket = false;  // the server issued a session ticket during the probe
  int chain_length = 0;         // certificates the server sent, leaf included
  // The leaf against the authentication name (X509_check_host, no partial wildcards) or, for an
  // address target without one, against the address (X509_check_ip, compared as bytes).
  std::string auth_name;             // empty: the address was checked
  std::optional<bool> name_matches;  // absent when there is no leaf
  std::uint64_t bytes_sent = 0;      // on the TCP connection, TLS records included
  std::uint64_t bytes_received = 0;
  Verification verification;
};

// Milliseconds, measured on the monotonic clock; absent for phases that did not complete.
struct Timings {
  std::optional<double> tcp_connect_ms;
  std::optional<double> tls_handshake_ms;
  std::optional<double>
      dns_rtt_ms;  // from the query's first byte written to the answer's last read
  double total_ms = 0;
};

// Can clients use this server in the RFC 8310 strict privacy profile?
struct Verdict {
  std::string profile;               // strict-pkix, strict-pin, opportunistic-only, not-dot
  std::vector<std::string> reasons;  // why not strict: self-signed, expired, name-mismatch, ...
  std::optional<int> pin_match;      // the chain index whose SPKI pin matched an expected pin
  std::string policy_group;          // the policy group the target was judged by; empty: none
};

struct ProbeResult {
  Address address;
  std::uint16_t port = 0;
  std::string name;  // the name the target came from, empty for address targets
  std::string sni;   // what was sent as server_name, empty when none
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point ended;
  Outcome outcome = Outcome::InternalError;
  Phase phase = Phase::Connect;
  std::string reason;           // one line: why the probe ended there ("connection refused", ...)
  int attempts = 0;             // TCP connection attempts (1 + retries used)
  std::string first_bytes_hex;  // not-tls and tls-failed: the first bytes received, capped
  Timings timings;
  std::optional<TlsSession> tls;              // present once the handshake completed
  std::vector<CertificateInfo> certificates;  // leaf first, as the server sent them
  std::optional<DnsExchange> dns;             // present once a query was sent
  std::vector<ConformanceCheck> checks;       // --checks, in the order asked; empty when none
  std::vector<Finding> findings;              // the audit's judgement (audit/findings.hpp)
  std::optional<Verdict> verdict;             // the RFC 8310 profile verdict, once judged
};

// nmap's order of hosts: IPv4 before IPv6, then by address, port and name.
struct SortKey {
  bool v6 = false;
  Address address;
  std::uint16_t port = 0;
  std::string name;
  friend bool operator<(const SortKey& a, const SortKey& b) {
    return std::tie(a.v6, a.address, a.port, a.name) < std::tie(b.v6, b.address, b.port, b.name);
  }
};
SortKey sortKey(const ProbeResult& result);

}  // namespace dotscan::model
