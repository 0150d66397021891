#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "support/dns_wire.hpp"

namespace dotscan::testing {

namespace {

static_assert(kTls10Version == TLS1_VERSION && kTls11Version == TLS1_1_VERSION &&
              kTls12Version == TLS1_2_VERSION && kTls13Version == TLS1_3_VERSION);

SSL_CTX* ctxOf(void* context) {
  return static_cast<SSL_CTX*>(context);
}

// The ALPN select callback (RFC 7301): "dot" when the client offers it and `arg` (a bool) allows
// it; otherwise no protocol at all, as many DoT servers answer (the audit's alpn-not-dot).
int selectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length,
               const unsigned char* in, unsigned in_length, void* arg) {
  static constexpr std::string_view kDot = "dot";
  if (!*static_cast<const bool*>(arg)) return SSL_TLSEXT_ERR_NOACK;
  const std::span<const unsigned char> offered(in, in_length);
  for (std::size_t at = 0; at < offered.size(); at += 1U + offered[at]) {
    const std::size_t length = offered[at];
    if (length == kDot.size() && at + 1 + length <= offered.size() &&
        std::equal(kDot.begin(), kDot.end(), offered.begin() + static_cast<long>(at) + 1)) {
      *out = offered.data() + at + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// SSL_CTX_use_certificate_chain_file, without its refusal of any certificate that leaves an error
// queued: a certificate whose extensions do not decode is accepted by SSL_CTX_use_certificate,
// but its check queues "invalid certificate", and the hostile matrix must be able to send it.
bool useChainFile(SSL_CTX* ctx, const std::string& chain_file) {
  BIO* bio = BIO_new_file(chain_file.c_str(), "r");
  if (bio == nullptr) return false;
  bool ok = true;
  X509* certificate = nullptr;
  for (int i = 0; ok && (certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)); ++i) {
    ok = (i == 0 ? SSL_CTX_use_certificate(ctx, certificate)
                 : SSL_CTX_add1_chain_cert(ctx, certificate)) == 1;
    X509_free(certificate);
  }
  BIO_free(bio);
  if (ok) ERR_clear_error();  // the end of the file, and the checks' complaints
  return ok && SSL_CTX_get0_certificate(ctx) != nullptr;
}

// Reads exactly `length` bytes of application data; false on EOF or error.
bool readExact(SSL* ssl, std::uint8_t* out, std::size_t length) {
  std::size_t done = 0;
  while (done < length) {
    std::size_t got = 0;
    if (SSL_read_ex(ssl, out + done, length - done, &got) != 1) return false;
    done += got;
  }
  return true;
}

bool writeAll(SSL* ssl, std::span<const std::uint8_t> bytes) {
  std::size_t written = 0;
  return bytes.empty() || SSL_write_ex(ssl, bytes.data(), bytes.size(), &written) == 1;
}

// Ends the connection with a RST instead of a FIN (SO_LINGER with a zero timeout, socket(7)); the
// caller closes `fd`.
void resetOnClose(int fd) {
  const linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

// Bytes written to `fd` that the peer has not acknowledged yet (SIOCOUTQ, tcp(7)).
int unsentBytes(int fd) {
  int pending = 0;
  return ::ioctl(fd, SIOCOUTQ, &pending) == 0 ? pending : 0;
}

// Sends each small write in its own segment, so that slow bytes really arrive one by one.
void noDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Bytes that are no protocol at all, with a terminal escape sequence among them: the report must
// show them escaped.
constexpr std::array<std::uint8_t, 24> kGarbage = {0x00, 0xff, 0x1b, '[',  '2',  'J',  0x07, 0x9b,
                                                   0x7f, 0x08, 0x0d, 0x0a, 0xde, 0xad, 0xbe, 0xef,
                                                   0x01, 0x02, 0x03, 0x04, 0xc0, 0xc1, 0xf5, 0xfe};

// A hand-made answer to `query` (a DNS message without its length prefix), by the rules of
// `behaviour`: the test server must be able to send what no real server library would.
std::vector<std::uint8_t> answerFor(const std::vector<std::uint8_t>& query, Behaviour behaviour) {
  std::size_t end = 12;  // the end of the question: the name's labels, then type and class
  while (end < query.size() && query[end] != 0) end += 1U + query[end];
  end += 5;
  if (query.size() < 12 || end > query.size()) return {};
  std::vector<std::uint8_t> out(query.begin(), query.begin() + 2);  // the ID
  if (behaviour == Behaviour::DnsWrongId) out[1] = static_cast<std::uint8_t>(out[1] + 1);
  out.push_back(behaviour == Behaviour::DnsQrClear ? 0x01 : 0x81);  // QR, RD
  out.push_back(0x80);                                              // RA, NOERROR
  const bool huge = behaviour == Behaviour::DnsHuge;
  constexpr std::size_t kTxtRecord = 12 + 256;  // pointer, type, class, TTL, rdlength, one string
  const std::size_t answers = huge ? (65535 - end - 11) / kTxtRecord : 1;
  put16(out, 1);
  put16(out, answers);
  put16(out, 0);
  put16(out, huge ? 0 : 1);  // an OPT record with NSID and keepalive
  out.insert(out.end(), query.begin() + 12, query.begin() + static_cast<long>(end));
  if (behaviour == Behaviour::DnsWrongQuestion && end > 13) {
    out[13] = out[13] == 'x' ? 'y' : 'x';  // the first letter of the name: another name
  }
  for (std::size_t i = 0; i < answers; ++i) {
    if (behaviour == Behaviour::DnsCompressionLoop) {
      put16(out, 0xc000 | out.size());  // a pointer to this very pointer
    } else {
      put16(out, 0xc00c);  // the question's name
    }
    put16(out, huge ? 16 : 1);  // TXT or A
    put16(out, 1);              // IN
    put16(out, 0);
    put16(out, 300);  // TTL
    if (huge) {
      put16(out, 256);
      out.push_back(255);
      out.insert(out.end(), 255, 'x');
    } else {
      put16(out, 4);
      out.insert(out.end(), {192, 0, 2, 53});
    }
  }
  if (!huge) {
    // OPT (RFC 6891): root owner, UDP size 1232, NSID (RFC 5001) and keepalive (RFC 7828).
    static constexpr std::string_view kNsid = "dotscan-test";
    out.push_back(0);
    put16(out, 41);
    put16(out, 1232);
    put16(out, 0);
    put16(out, 0);
    put16(out, 4 + kNsid.size() + 6);
    put16(out, 3);
    put16(out, kNsid.size());
    out.insert(out.end(), kNsid.begin(), kNsid.end());
    put16(out, 11);
    put16(out, 2);
    put16(out, 100);  // 100 x 100 ms
  } else {
    out.resize(std::min<std::size_t>(out.size(), 65535));
  }
  return out;
}

// What a query asked, as far as the answers of a DnsSession depend on it.
struct QueryView {
  std::size_t question_end = 0;  // where the question (name, type, class) ends
  std::string name;              // lower case, dot-terminated: "_dns.resolver.arpa."
  std::uint16_t type = 0;
  bool edns = false;       // it has an OPT record (RFC 6891)
  bool nsid = false;       // ... with the NSID option (RFC 5001)
  bool keepalive = false;  // ... with edns-tcp-keepalive (RFC 7828)
  bool padding = false;    // ... with Padding (RFC 7830)
};

// The question and the EDNS options of `query`; nullopt when it is not one well-formed question.
std::optional<QueryView> readQuery(const std::vector<std::uint8_t>& query) {
  if (query.size() < 12 || get16(query, 4) != 1) return std::nullopt;
  QueryView view;
  std::size_t at = 12;
  while (at < query.size() && query[at] != 0) {
    const std::size_t length = query[at];
    if (length > 63 || at + 1 + length >= query.size()) return std::nullopt;
    for (std::size_t i = 1; i <= length; ++i) {
      view.name.push_back(static_cast<char>(std::tolower(query[at + i])));
    }
    view.name.push_back('.');
    at += 1 + length;
  }
  if (at + 5 > query.size()) return std::nullopt;
  if (view.name.empty()) view.name.push_back('.');  // the root
  view.type = static_cast<std::uint16_t>(get16(query, at + 1));
  view.question_end = at + 5;
  // The other sections' records, for the OPT record among them: owner (labels or a pointer),
  // type, class, TTL, rdlength, rdata.
  at = view.question_end;
  const std::size_t records = get16(query, 6) + get16(query, 8) + get16(query, 10);
  for (std::size_t record = 0; record < records; ++record) {
    while (at < query.size() && query[at] != 0 && (query[at] & 0xc0U) == 0) at += 1U + query[at];
    if (at >= query.size()) return std::nullopt;
    at += (query[at] & 0xc0U) == 0xc0U ? 2U : 1U;
    if (at + 10 > query.size()) return std::nullopt;
    const std::size_t type = get16(query, at);
    const std::size_t end = at + 10 + get16(query, at + 8);
    if (end > query.size()) return std::nullopt;
    if (type == 41) {
      view.edns = true;
      for (std::size_t option = at + 10; option + 4 <= end;
           option += 4 + get16(query, option + 2)) {
        const std::size_t code = get16(query, option);
        view.nsid = view.nsid || code == 3;
        view.keepalive = view.keepalive || code == 11;
        view.padding = view.padding || code == 12;
      }
    }
    at = end;
  }
  return view;
}

// The rdata of the DDR record (RFC 9460 section 2.2, RFC 9462 section 4): SvcPriority 1, the
// target uncompressed, then the SvcParams in increasing key order: alpn (1) "dot", port (3) 853,
// ipv4hint (4).
std::vector<std::uint8_t> ddrRdata(const ServerOptions& options) {
  std::vector<std::uint8_t> out;
  put16(out, 1);
  const std::vector<std::uint8_t> target = wireName(options.ddr_target);
  out.insert(out.end(), target.begin(), target.end());
  put16(out, 1);
  put16(out, 4);
  out.insert(out.end(), {3, 'd', 'o', 't'});
  put16(out, 3);
  put16(out, 2);
  put16(out, 853);
  in_addr hint{};
  ::inet_pton(AF_INET, options.ddr_ipv4hint.c_str(), &hint);  // checked by the constructor
  const auto* octets = reinterpret_cast<const std::uint8_t*>(&hint.s_addr);  // NOLINT
  put16(out, 4);
  put16(out, 4);
  out.insert(out.end(), octets, octets + 4);
  return out;
}

// A DnsSession's answer to `query`: NOERROR with its ID and question; A 192.0.2.53, NS
// ns.dot.test. or the DDR record as asked, no answer records for other types; an OPT record when
// the query has one, with NSID, keepalive and padding by `options`. Empty for a query that is not
// one well-formed question.
std::vector<std::uint8_t> sessionAnswerFor(const std::vector<std::uint8_t>& query,
                                           const ServerOptions& options) {
  const std::optional<QueryView> view = readQuery(query);
  if (!view) return {};
  std::vector<std::uint8_t> out(query.begin(), query.begin() + 2);       // the ID
  out.push_back(static_cast<std::uint8_t>(0x80U | (query[2] & 0x01U)));  // QR, RD as asked
  out.push_back(0x80);                                                   // RA, NOERROR
  put16(out, 1);
  put16(out, 0);  // the answer count, set below
  put16(out, 0);
  put16(out, view->edns ? 1 : 0);
  out.insert(out.end(), query.begin() + 12, query.begin() + static_cast<long>(view->question_end));
  std::size_t answers = 0;
  const auto add_record = [&](std::size_t type, const std::vector<std::uint8_t>& rdata) {
    put16(out, 0xc00c);  // the question's name
    put16(out, type);
    put16(out, 1);  // IN
    put16(out, 0);
    put16(out, 300);  // TTL
    put16(out, rdata.size());
    out.insert(out.end(), rdata.begin(), rdata.end());
    ++answers;
  };
  if (view->type == 1) {
    add_record(1, {192, 0, 2, 53});
  } else if (view->type == 2) {
    add_record(2, wireName("ns.dot.test."));
  } else if (view->type == 64 && view->name == "_dns.resolver.arpa." && options.ddr) {
    add_record(64, ddrRdata(options));
  }
  set16(out, 6, answers);
  if (!view->edns) return out;
  out.push_back(0);  // OPT: root owner, UDP size 1232, no extended RCODE, version 0, no flags
  put16(out, 41);
  put16(out, 1232);
  put16(out, 0);
  put16(out, 0);
  const std::size_t rdlength_at = out.size();
  put16(out, 0);  // set below
  if (view->nsid) {
    static constexpr std::string_view kNsid = "dotscan-test";
    put16(out, 3);
    put16(out, kNsid.size());
    out.insert(out.end(), kNsid.begin(), kNsid.end());
  }
  if (view->keepalive && options.keepalive_timeout_units >= 0) {
    put16(out, 11);
    put16(out, 2);
    put16(out, static_cast<std::size_t>(options.keepalive_timeout_units));
  }
  if (options.pad_answers && (view->padding || options.pad_unpadded) && options.pad_block > 0) {
    appendPadding(out, static_cast<std::size_t>(options.pad_block));
  }
  set16(out, rdlength_at, out.size() - rdlength_at - 2);
  return out;
}

// Reads one query frame (RFC 7858 section 3.3: a two-octet length, then the message).
bool readFrame(SSL* ssl, std::vector<std::uint8_t>& message) {
  std::array<std::uint8_t, 2> prefix{};
  if (!readExact(ssl, prefix.data(), prefix.size())) return false;
  message.resize(static_cast<std::size_t>(prefix[0]) << 8U | prefix[1]);
  return readExact(ssl, message.data(), message.size());
}

enum class Wait { Readable, TimedOut, Stopping };

// Waits until `fd` is readable, `stop_fd` is (the server stops) or `timeout` passed (negative:
// none).
Wait waitFor(int fd, int stop_fd, std::chrono::milliseconds timeout) {
  std::array<pollfd, 2> fds{{{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}}};
  int ready = 0;
  while ((ready = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()))) < 0) {
    if (errno != EINTR) return Wait::Stopping;
  }
  if ((fds[1].revents & POLLIN) != 0) return Wait::Stopping;
  return ready == 0 ? Wait::TimedOut : Wait::Readable;
}

// The ClientHello callback (SSL_CTX_set_client_hello_cb(3)), the place to switch contexts: a
// ClientHello without SNI is served from `arg`, the no-SNI context. SSL_set_SSL_CTX swaps the
// certificate, the key and the callbacks, not the session cache.
int chooseBySni(SSL* ssl, int* /*alert*/, void* arg) {
  const unsigned char* sni = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &sni, &length) == 0) {
    SSL_set_SSL_CTX(ssl, static_cast<SSL_CTX*>(arg));
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

// A server context with `chain_file` and `key_file` and the TLS side of `options`; throws.
SSL_CTX* newContext(const std::string& chain_file, const std::string& key_file,
                    const ServerOptions& options, bool* select_alpn_dot) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) throw std::runtime_error("SSL_CTX_new");
  SSL_CTX_set_security_level(ctx, 0);  // the weak and sha1 fixtures must load
  if (!useChainFile(ctx, chain_file) ||
      SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::array<char, 256> reason{};
    ERR_error_string_n(ERR_get_error(), reason.data(), reason.size());
    ERR_clear_error();
    SSL_CTX_free(ctx);
    throw std::runtime_error("cannot load " + chain_file + " / " + key_file + ": " + reason.data());
  }
  // Security level 0 (above) would let TLS 1.0 and 1.1 through, which sign with MD5+SHA-1 (OpenSSL
  // 3 refuses them from level 1): so TLS 1.2 at least, as a server should, unless the options set
  // a bound. With max_tls_version alone, no lower bound, whatever the system configuration says.
  const int min_version = options.min_tls_version != 0   ? options.min_tls_version
                          : options.max_tls_version != 0 ? 0
                                                         : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, options.max_tls_version) != 1) {
    SSL_CTX_free(ctx);
    throw std::runtime_error("cannot set the TLS version bounds");
  }
  if (!options.resumption) {
    // Nothing to resume from: no stateful cache (TLS 1.2 session IDs, and the TLS 1.3 tickets
    // that SSL_OP_NO_TICKET makes stateful), no tickets at all (SSL_CTX_set_num_tickets(3)).
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, select_alpn_dot);
  return ctx;
}

// A session after its handshake, and what serving it may do besides reading and writing records.
struct Session {
  SSL* ssl;
  int fd;
  std::function<void()> wait_for_close;
  std::function<bool()> wait_readable;                   // false when the server stops
  std::function<bool(std::chrono::milliseconds)> pause;  // false when the server stops
};

// Writes `bytes` as one-byte records, `interval` apart; false once the client went away.
bool writeSlowly(const Session& session, std::span<const std::uint8_t> bytes,
                 std::chrono::milliseconds interval) {
  for (const std::uint8_t byte : bytes) {
    std::size_t written = 0;
    if (SSL_write_ex(session.ssl, &byte, 1, &written) != 1 || !session.pause(interval)) {
      return false;
    }
  }
  return true;
}

// The frame (length prefix and message) that `behaviour` sends for `answer`.
std::vector<std::uint8_t> frameFor(const std::vector<std::uint8_t>& answer, Behaviour behaviour) {
  std::vector<std::uint8_t> frame;
  switch (behaviour) {
    case Behaviour::DnsZeroLength:
      put16(frame, 0);
      break;
    case Behaviour::DnsLengthBeyondBody:
      put16(frame, answer.size() + 100);
      frame.insert(frame.end(), answer.begin(), answer.end());
      break;
    case Behaviour::DnsBodyCut:
    case Behaviour::ResetMidAnswer:
      put16(frame, answer.size());
      frame.insert(frame.end(), answer.begin(),
                   answer.begin() + static_cast<long>(answer.size() / 2));
      break;
    case Behaviour::DnsLengthOnly:
      put16(frame, answer.size());
      break;
    case Behaviour::DnsHalfLength:
    case Behaviour::DnsHalfLengthClose:
      frame.push_back(static_cast<std::uint8_t>(answer.size() >> 8));
      break;
    case Behaviour::DnsShortMessage:
      put16(frame, 5);
      frame.insert(frame.end(), answer.begin(), answer.begin() + 5);
      break;
    case Behaviour::DnsGarbageBody:
      put16(frame, answer.size());
      for (std::size_t i = 0; i < answer.size(); ++i) {
        frame.push_back(kGarbage.at(i % kGarbage.size()));
      }
      break;
    case Behaviour::DnsMaxLengthCut:
      put16(frame, 65535);
      frame.insert(frame.end(), answer.begin(), answer.end());
      frame.resize(2 + 100, 0);
      break;
    case Behaviour::DnsTwoFrames:
      put16(frame, answer.size());
      frame.insert(frame.end(), answer.begin(), answer.end());
      put16(frame, kGarbage.size());
      frame.insert(frame.end(), kGarbage.begin(), kGarbage.end());
      break;
    default:
      put16(frame, answer.size());
      frame.insert(frame.end(), answer.begin(), answer.end());
      break;
  }
  return frame;
}

// Sends `count` KeyUpdate messages (RFC 8446 section 4.6.3), each flushed at once
// (SSL_key_update(3): SSL_do_handshake sends it).
bool sendKeyUpdates(SSL* ssl, int count, int type) {
  for (int i = 0; i < count; ++i) {
    if (SSL_key_update(ssl, type) != 1 || SSL_do_handshake(ssl) != 1) return false;
  }
  return true;
}

// One DNS exchange after the handshake, misbehaving as asked.
void serveDns(const Session& session, Behaviour behaviour) {
  SSL* ssl = session.ssl;
  if (behaviour == Behaviour::ResetAfterHandshake) {
    // Once the query is there, so that the client meets the reset reading, not writing.
    static_cast<void>(session.wait_readable());
    resetOnClose(session.fd);
    return;
  }
  if (behaviour == Behaviour::RenegotiateBeforeQuery) {
    // SSL_renegotiate(3): the server's SSL_do_handshake sends a HelloRequest (RFC 5246 section
    // 7.4.1.1); the blocking read of the query below then runs the client's new handshake.
    if (SSL_renegotiate(ssl) != 1 || SSL_do_handshake(ssl) != 1) return;
  }
  std::array<std::uint8_t, 2> prefix{};
  if (!readExact(ssl, prefix.data(), prefix.size())) return;
  std::vector<std::uint8_t> query(static_cast<std::size_t>(prefix[0]) << 8 | prefix[1]);
  if (!readExact(ssl, query.data(), query.size())) return;
  switch (behaviour) {
    case Behaviour::DnsSilence:
      session.wait_for_close();
      return;
    case Behaviour::ResetAfterQuery:
      resetOnClose(session.fd);
      return;
    case Behaviour::PlaintextAfterHandshake: {
      // Bytes outside any record: to the client's record layer, a record header it cannot accept.
      static constexpr std::string_view kPlain = "plain DNS bytes inside a TLS session";
      ::send(session.fd, kPlain.data(), kPlain.size(), MSG_NOSIGNAL);
      session.wait_for_close();
      return;
    }
    case Behaviour::RenegotiateBeforeAnswer:
      if (SSL_renegotiate(ssl) != 1 || SSL_do_handshake(ssl) != 1) return;
      break;
    case Behaviour::KeyUpdateBeforeAnswer:
      if (!sendKeyUpdates(ssl, 10, SSL_KEY_UPDATE_REQUESTED)) return;
      break;
    case Behaviour::KeyUpdateFlood:
      if (!sendKeyUpdates(ssl, 1000, SSL_KEY_UPDATE_NOT_REQUESTED)) return;
      break;
    default:
      break;
  }
  const std::vector<std::uint8_t> frame = frameFor(answerFor(query, behaviour), behaviour);
  const std::span<const std::uint8_t> bytes(frame);
  bool written = false;
  switch (behaviour) {
    case Behaviour::DnsDribbleLength:
      written = writeSlowly(session, bytes, std::chrono::milliseconds(1500));
      break;
    case Behaviour::DnsDribbleBody:
      written = writeAll(ssl, bytes.first(2)) &&
                writeSlowly(session, bytes.subspan(2), std::chrono::milliseconds(50));
      break;
    case Behaviour::DnsDribbleInTime:
      written = writeSlowly(session, bytes, std::chrono::milliseconds(2));
      break;
    default:
      written = writeAll(ssl, bytes);
      break;
  }
  if (!written) return;
  switch (behaviour) {
    case Behaviour::DnsBodyCut:
    case Behaviour::DnsAnswerThenClose:
    case Behaviour::DnsHalfLengthClose:
    case Behaviour::DnsMaxLengthCut:
      SSL_shutdown(ssl);
      return;
    case Behaviour::ResetMidAnswer:
      // A close with a RST drops what is still in the send queue (socket(7), SO_LINGER): wait
      // until the half answer has left, so that the client really gets it before the reset.
      while (unsentBytes(session.fd) > 0 && session.pause(std::chrono::milliseconds(1))) {
      }
      resetOnClose(session.fd);
      return;
    default:
      session.wait_for_close();
      return;
  }
}

}  // namespace

std::string testCaPath(const std::string& file) {
  const char* dir = std::getenv("DOTSCAN_TEST_CA");
  if (dir == nullptr) throw std::runtime_error("DOTSCAN_TEST_CA is not set (ctest sets it)");
  return std::string(dir) + "/" + file;
}

TestServer::TestServer(Behaviour behaviour, const std::string& chain_file,
                       const std::string& key_file, int chain_copies, ServerOptions options)
    : behaviour_(behaviour),
      options_(std::move(options)),
      select_alpn_dot_(options_.select_alpn_dot) {
  // Writing to a client that already reset the connection must fail with EPIPE, not kill the test.
  static_cast<void>(::signal(SIGPIPE, SIG_IGN));
  in_addr hint{};
  if (::inet_pton(AF_INET, options_.ddr_ipv4hint.c_str(), &hint) != 1) {
    throw std::invalid_argument("ddr_ipv4hint is not an IPv4 address: " + options_.ddr_ipv4hint);
  }
  SSL_CTX* ctx = newContext(chain_file, key_file, options_, &select_alpn_dot_);
  context_ = ctx;
  if (!options_.no_sni_chain_file.empty()) {
    no_sni_context_ = newContext(options_.no_sni_chain_file, options_.no_sni_key_file, options_,
                                 &select_alpn_dot_);
    SSL_CTX_set_client_hello_cb(ctx, chooseBySni, no_sni_context_);
  }
  if (chain_copies > 0) {
    BIO* bio = BIO_new_file(testCaPath("intermediate.crt").c_str(), "r");
    X509* intermediate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (intermediate == nullptr) throw std::runtime_error("cannot read intermediate.crt");
    for (int i = 0; i < chain_copies; ++i) SSL_CTX_add1_chain_cert(ctx, intermediate);
    X509_free(intermediate);
  }

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast)
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 512) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error(std::string("test server socket: ") + std::strerror(errno));
  }
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  port_ = ntohs(address.sin_port);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (behaviour == Behaviour::BacklogFull) {
    // A backlog of 0 admits one connection to the accept queue; with this one waiting there and
    // nobody accepting, the kernel drops every later SYN (tcp_conn_request: "listen overflow").
    if (::listen(listen_fd_, 0) != 0) throw std::runtime_error("listen(0)");
    filler_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    if (::connect(filler_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error(std::string("filler connect: ") + std::strerror(errno));
    }
    return;
  }
  acceptor_ = std::thread([this] { acceptLoop(); });
}

TestServer::~TestServer() {
  stopping_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(stop_fd_, &one, sizeof one);
  if (acceptor_.joinable()) acceptor_.join();
  {
    const std::lock_guard lock(mutex_);
    for (const int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& worker : workers_) worker.join();
  if (filler_fd_ >= 0) ::close(filler_fd_);
  ::close(listen_fd_);
  ::close(stop_fd_);
  SSL_CTX_free(ctxOf(context_));
  SSL_CTX_free(ctxOf(no_sni_context_));
}

int TestServer::handshakesWhenAtLeast(int count) const {
  for (int i = 0; i < 500 && handshakes_.load() < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return handshakes_.load();
}

bool TestServer::waitReadable(int fd) const {
  std::array<pollfd, 2> fds{{{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}}};
  while (::poll(fds.data(), fds.size(), -1) < 0) {
    if (errno != EINTR) return false;
  }
  return (fds[1].revents & POLLIN) == 0;
}

bool TestServer::pause(std::chrono::milliseconds interval) const {
  std::array<pollfd, 1> stop{{{stop_fd_, POLLIN, 0}}};
  ::poll(stop.data(), stop.size(), static_cast<int>(interval.count()));
  return !stopping_ && (stop[0].revents & POLLIN) == 0;
}

void TestServer::acceptLoop() {
  while (waitReadable(listen_fd_)) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++accepted_;
    const std::lock_guard lock(mutex_);
    client_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void TestServer::serve(int fd) {
  std::array<char, 4096> buffer{};
  // Reads what the client sent first (the ClientHello); false when it closed or we stop.
  const auto read_hello = [&] {
    return waitReadable(fd) && ::recv(fd, buffer.data(), buffer.size(), 0) > 0;
  };
  const auto send_bytes = [fd](std::span<const std::uint8_t> bytes) {
    return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  };
  // Holds the connection open until the client closes it (or we stop), reading what it sends.
  const auto hold = [&] {
    while (waitReadable(fd) && ::recv(fd, buffer.data(), buffer.size(), 0) > 0) {
    }
  };
  switch (behaviour_) {
    case Behaviour::StallBeforeHandshake:
      while (waitReadable(fd)) {
        // Readable means the client wrote or closed; keep stalling until it closes.
        if (::recv(fd, buffer.data(), buffer.size(), MSG_PEEK | MSG_DONTWAIT) == 0) break;
        if (!pause(std::chrono::milliseconds(20))) break;
      }
      break;
    case Behaviour::CloseMidHandshake:
    case Behaviour::ResetMidHandshake:
    case Behaviour::Alert:
      if (read_hello()) {
        if (behaviour_ == Behaviour::Alert) {
          // A TLS 1.2 record: alert, fatal (2), handshake_failure (40) (RFC 5246 section 7.2).
          static constexpr std::array<std::uint8_t, 7> kAlert = {0x15, 0x03, 0x03, 0x00,
                                                                 0x02, 0x02, 0x28};
          send_bytes(kAlert);
        }
        if (behaviour_ == Behaviour::ResetMidHandshake) resetOnClose(fd);
      }
      break;
    case Behaviour::ResetOnAccept:
      resetOnClose(fd);
      break;
    case Behaviour::CloseOnAccept:
      break;
    case Behaviour::GarbageAtOnce:
      if (send_bytes(kGarbage)) hold();
      break;
    case Behaviour::SlowGarbage:
      noDelay(fd);
      for (std::size_t i = 0;; ++i) {
        if (!send_bytes(std::span(kGarbage).subspan(i % kGarbage.size(), 1))) break;
        if (!pause(std::chrono::milliseconds(400))) break;
        // Drain what the client sent; a read of 0 is its close.
        const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
      }
      break;
    case Behaviour::HttpResponse:
      if (read_hello()) {
        static constexpr std::string_view kHttp =
            "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n"
            "Content-Length: 22\r\nConnection: close\r\n\r\n<h1>Bad Request</h1>\r\n";
        ::send(fd, kHttp.data(), kHttp.size(), MSG_NOSIGNAL);
        ::shutdown(fd, SHUT_WR);
        hold();
      }
      break;
    case Behaviour::TlsHeaderGarbage:
      if (read_hello()) {
        // A handshake record (22), TLS 1.2, of 24 bytes: the garbage, read as a handshake message.
        static constexpr std::array<std::uint8_t, 5> kHeader = {0x16, 0x03, 0x03, 0x00,
                                                                kGarbage.size()};
        if (send_bytes(kHeader) && send_bytes(kGarbage)) hold();
      }
      break;
    case Behaviour::OversizedRecord:
      // RFC 8446 section 5.1: a record is at most 2^14 bytes (2^14 + 256 encrypted).
      if (read_hello()) {
        static constexpr std::array<std::uint8_t, 5> kHeader = {0x16, 0x03, 0x03, 0xff, 0xff};
        if (send_bytes(kHeader)) hold();
      }
      break;
    case Behaviour::CloseNotify:
      // A cleartext alert record: warning (1), close_notify (0) (RFC 5246 section 7.2.1).
      if (read_hello()) {
        static constexpr std::array<std::uint8_t, 7> kAlert = {0x15, 0x03, 0x03, 0x00,
                                                               0x02, 0x01, 0x00};
        send_bytes(kAlert);
      }
      break;
    case Behaviour::StallMidHandshake:
    case Behaviour::DribbleHandshake:
      serveSlowHandshake(fd);
      break;
    case Behaviour::PlainDns:
    case Behaviour::PlainDnsPatient: {
      // A cleartext DNS server on the DoT port: a ClientHello (0x16 0x03 ...) is garbage to it.
      std::vector<std::uint8_t> in;
      while (waitReadable(fd)) {
        const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (got <= 0) break;
        in.insert(in.end(), buffer.begin(), buffer.begin() + got);
        if (in[0] == 0x16 && behaviour_ == Behaviour::PlainDns) break;
        if (in.size() >= 2 && in.size() >= 2U + ((std::size_t{in[0]} << 8U) | in[1])) {
          const std::vector<std::uint8_t> query(in.begin() + 2, in.end());
          const std::vector<std::uint8_t> answer = answerFor(query, Behaviour::DnsAnswer);
          std::vector<std::uint8_t> frame;
          put16(frame, answer.size());
          frame.insert(frame.end(), answer.begin(), answer.end());
          send_bytes(frame);
          break;
        }
      }
      break;
    }
    case Behaviour::PlainTcp: {
      static constexpr std::string_view kBanner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
      ::send(fd, kBanner.data(), kBanner.size(), MSG_NOSIGNAL);
      hold();
      break;
    }
    case Behaviour::SlowHandshake:
      if (pause(kSlowHandshakeDelay)) serveTls(fd);
      break;
    default:
      serveTls(fd);
      break;
  }
  // Unregister before closing, so that the destructor never shuts down a reused descriptor.
  const std::lock_guard lock(mutex_);
  std::erase(client_fds_, fd);
  ::close(fd);
}

void TestServer::serveTls(int fd) {
  std::array<char, 4096> buffer{};
  SSL* ssl = SSL_new(ctxOf(context_));
  SSL_set_fd(ssl, fd);
  // A session ended by the client's FIN without close_notify is still a good one to resume: not
  // the fatal "unexpected eof" of OpenSSL 3, which would drop it from the cache.
  if (behaviour_ == Behaviour::DnsSession) SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
  const Session session{
      ssl, fd,
      // Serve until the client closes: a read returns 0 or fails.
      [&] {
        while (waitReadable(fd) && SSL_read(ssl, buffer.data(), buffer.size()) > 0) {
        }
      },
      [this, fd] { return waitReadable(fd); },
      [this](std::chrono::milliseconds interval) { return pause(interval); }};
  if (SSL_accept(ssl) == 1) {
    ++handshakes_;
    if (behaviour_ == Behaviour::Normal || behaviour_ == Behaviour::HugeChain) {
      session.wait_for_close();
    } else if (behaviour_ == Behaviour::CloseAfterHandshake) {
      SSL_shutdown(ssl);
    } else if (behaviour_ == Behaviour::SlowHandshake) {
      serveDns(session, Behaviour::DnsAnswer);
    } else if (behaviour_ == Behaviour::DnsSession) {
      serveSession(ssl, fd);
    } else {
      serveDns(session, behaviour_);
    }
  }
  ERR_clear_error();
  SSL_free(ssl);
}

// Behaviour::DnsSession: batches of queries, each answered by sessionAnswerFor, until the client
// closes, a query does not parse, or the options close the session (after the first answer, or
// after idle_close without a query).
void TestServer::serveSession(void* handle, int fd) {
  SSL* ssl = static_cast<SSL*>(handle);
  constexpr std::chrono::milliseconds kPipelineWindow(100);
  constexpr std::size_t kMaxBatch = 64;
  const std::chrono::milliseconds idle =
      options_.idle_close.count() > 0 ? options_.idle_close : std::chrono::milliseconds(-1);
  for (bool open = true; open;) {
    // Decrypted bytes or a record already read need no poll (SSL_has_pending(3)).
    if (SSL_has_pending(ssl) == 0) {
      const Wait wait = waitFor(fd, stop_fd_, idle);
      if (wait == Wait::Stopping) return;
      if (wait == Wait::TimedOut) {
        SSL_shutdown(ssl);
        return;
      }
    }
    std::vector<std::vector<std::uint8_t>> batch(1);
    if (!readFrame(ssl, batch.front())) {
      // Answer the client's end with ours: an SSL freed without sending close_notify drops its
      // session from the cache (SSL_free(3)), and TLS 1.2 resumption by session ID with it.
      SSL_shutdown(ssl);
      return;
    }
    while (
        options_.out_of_order && batch.size() < kMaxBatch &&
        (SSL_has_pending(ssl) == 1 || waitFor(fd, stop_fd_, kPipelineWindow) == Wait::Readable)) {
      batch.emplace_back();
      if (!readFrame(ssl, batch.back())) {
        batch.pop_back();  // the client closed: answer what came before, then end
        open = false;
        break;
      }
    }
    if (options_.out_of_order && batch.size() >= 2) std::reverse(batch.begin(), batch.end());
    for (const std::vector<std::uint8_t>& query : batch) {
      const std::vector<std::uint8_t> answer = sessionAnswerFor(query, options_);
      if (answer.empty()) return;
      std::vector<std::uint8_t> frame;
      put16(frame, answer.size());
      frame.insert(frame.end(), answer.begin(), answer.end());
      if (!writeAll(ssl, frame)) return;
      if (options_.close_after_answer) break;
    }
    if (!open || options_.close_after_answer) SSL_shutdown(ssl);
    if (options_.close_after_answer) return;
  }
}

// The server's side of the handshake over memory BIOs, so that its bytes reach the socket cut
// short (StallMidHandshake) or one at a time (DribbleHandshake); then holds the connection.
void TestServer::serveSlowHandshake(int fd) {
  noDelay(fd);
  SSL* ssl = SSL_new(ctxOf(context_));
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in, -1);  // an empty input is "retry", not the end of the stream
  SSL_set_bio(ssl, in, out);       // the SSL owns both from here
  SSL_set_accept_state(ssl);
  std::array<std::uint8_t, 4096> buffer{};
  std::size_t sent = 0;
  bool going = true;
  while (going) {
    const int ret = SSL_do_handshake(ssl);
    int got = 0;
    while (going && (got = BIO_read(out, buffer.data(), static_cast<int>(buffer.size()))) > 0) {
      for (const std::uint8_t byte : std::span(buffer).first(static_cast<std::size_t>(got))) {
        if (behaviour_ == Behaviour::StallMidHandshake && sent >= 60) break;
        if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) {
          going = false;
          break;
        }
        ++sent;
        if (behaviour_ == Behaviour::DribbleHandshake && !pause(std::chrono::milliseconds(10))) {
          going = false;
          break;
        }
      }
    }
    if (!going || ret == 1 || SSL_get_error(ssl, ret) != SSL_ERROR_WANT_READ) break;
    if (!waitReadable(fd)) break;
    const ssize_t received = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (received <= 0) break;
    BIO_write(in, buffer.data(), static_cast<int>(received));
  }
  while (going && waitReadable(fd) && ::recv(fd, buffer.data(), buffer.size(), 0) > 0) {
  }
  ERR_clear_error();
  SSL_free(ssl);
}

}  // namespace dotscan::testing
