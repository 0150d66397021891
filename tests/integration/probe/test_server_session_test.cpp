// The test server's DnsSession mode and its ServerOptions (issue 13), each shown both ways with a
// small blocking OpenSSL client: pipelined answers in and out of order, the close after one answer,
// keepalive, the idle close, padding, resumption, the certificate without SNI, TLS 1.0 and DDR.
// The conformance checks are tested against these behaviours, so each must do what it says.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "dotscan/tls/openssl_ptr.hpp"

#include "support/dns_wire.hpp"
#include "support/test_server.hpp"

namespace dotscan::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::string chainOf(const std::string& leaf) {
  return testCaPath(leaf + "-chain.pem");
}
std::string keyOf(const std::string& leaf) {
  return testCaPath(leaf + ".key");
}

// What a query carries in its OPT record; no OPT record at all when `edns` is false.
struct QueryOptions {
  bool edns = true;
  bool nsid = false;
  bool keepalive = false;     // an empty edns-tcp-keepalive option (RFC 7828 section 3.1)
  std::size_t pad_block = 0;  // padded to a multiple of this (RFC 8467: 128); 0: not padded
};

// A query for `name` ("dot.test.") of `type`, with the ID `id`.
Bytes makeQuery(std::uint16_t id, std::string_view name, std::uint16_t type,
                const QueryOptions& options = {}) {
  Bytes out;
  put16(out, id);
  put16(out, 0x0100);  // RD
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, options.edns ? 1 : 0);
  const Bytes owner = wireName(name);
  out.insert(out.end(), owner.begin(), owner.end());
  put16(out, type);
  put16(out, 1);
  if (!options.edns) return out;
  out.push_back(0);
  put16(out, 41);
  put16(out, 1232);
  put16(out, 0);
  put16(out, 0);
  const std::size_t rdlength_at = out.size();
  put16(out, 0);
  if (options.nsid) {
    put16(out, 3);
    put16(out, 0);
  }
  if (options.keepalive) {
    put16(out, 11);
    put16(out, 0);
  }
  if (options.pad_block > 0) appendPadding(out, options.pad_block);
  set16(out, rdlength_at, out.size() - rdlength_at - 2);
  return out;
}

Bytes framed(const Bytes& message) {
  Bytes frame;
  frame.reserve(2 + message.size());  // and GCC 12 sees no -Warray-bounds in the insert below
  put16(frame, message.size());
  frame.insert(frame.end(), message.begin(), message.end());
  return frame;
}

// One answer, by the parts these tests look at.
struct Answer {
  Bytes wire;
  std::uint16_t id = 0;
  std::size_t answers = 0;
  std::size_t first_type = 0;  // the first answer record's type; 0: none
  Bytes first_rdata;
  bool has_opt = false;
  std::optional<Bytes> keepalive;      // the option's value, when present
  std::optional<std::size_t> padding;  // the padding option's length, when present
  std::optional<std::string> nsid;
};

// Skips a name (labels, ending in a zero or a pointer) at `at`.
std::size_t skipName(const Bytes& wire, std::size_t at) {
  while (wire.at(at) != 0 && (wire.at(at) & 0xc0U) == 0) at += 1U + wire.at(at);
  return at + ((wire.at(at) & 0xc0U) == 0xc0U ? 2 : 1);
}

// Parses what the server sent; throws std::out_of_range on a message cut short.
Answer parseAnswer(const Bytes& wire) {
  Answer answer;
  answer.wire = wire;
  answer.id = static_cast<std::uint16_t>(get16(wire, 0));
  answer.answers = get16(wire, 6);
  std::size_t at = skipName(wire, 12) + 4;
  const std::size_t records = answer.answers + get16(wire, 8) + get16(wire, 10);
  for (std::size_t record = 0; record < records; ++record) {
    at = skipName(wire, at);
    const std::size_t type = get16(wire, at);
    const std::size_t begin = at + 10;
    const std::size_t end = begin + get16(wire, at + 8);
    if (end > wire.size()) throw std::out_of_range("record beyond the message");
    if (record == 0 && answer.answers > 0) {
      answer.first_type = type;
      answer.first_rdata.assign(wire.begin() + static_cast<long>(begin),
                                wire.begin() + static_cast<long>(end));
    }
    if (type == 41) {
      answer.has_opt = true;
      for (std::size_t option = begin; option + 4 <= end; option += 4 + get16(wire, option + 2)) {
        const std::size_t code = get16(wire, option);
        const std::size_t length = get16(wire, option + 2);
        const auto value = wire.begin() + static_cast<long>(option + 4);
        if (code == 11) answer.keepalive = Bytes(value, value + static_cast<long>(length));
        if (code == 12) answer.padding = length;
        if (code == 3) answer.nsid = std::string(value, value + static_cast<long>(length));
      }
    }
    at = end;
  }
  return answer;
}

// How the client connects.
struct ClientOptions {
  int version = 0;                // the one TLS version offered; 0: OpenSSL's range
  const char* sni = "dot.test";   // nullptr: no SNI
  SSL_SESSION* resume = nullptr;  // offered for resumption, when set
  bool no_ticket = false;         // TLS 1.2: resume by session ID, not by ticket
};

// A blocking DoT client over 127.0.0.1. Reads give up after 5 s (SO_RCVTIMEO), so that a server
// that wrongly stays silent fails the test instead of hanging it; no test asserts a duration.
class Client {
 public:
  explicit Client(std::uint16_t port, const ClientOptions& options = {})
      : ctx_(SSL_CTX_new(TLS_client_method())) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return;
    // Security level 0: TLS 1.0 signs with MD5+SHA-1, which OpenSSL 3 allows only there.
    SSL_CTX_set_security_level(ctx_.get(), 0);
    if (options.version != 0) {
      SSL_CTX_set_min_proto_version(ctx_.get(), options.version);
      SSL_CTX_set_max_proto_version(ctx_.get(), options.version);
    }
    if (options.no_ticket) SSL_CTX_set_options(ctx_.get(), SSL_OP_NO_TICKET);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    if (options.sni != nullptr) {
      // SSL_set_tlsext_host_name(3), spelled out: the macro's (void*) cast trips -Wold-style-cast.
      SSL_ctrl(ssl_.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(options.sni));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    }
    if (options.resume != nullptr) SSL_set_session(ssl_.get(), options.resume);
    connected_ = SSL_connect(ssl_.get()) == 1;
    ERR_clear_error();
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) = delete;
  Client& operator=(Client&&) = delete;
  ~Client() {
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
  }

  [[nodiscard]] bool connected() const { return connected_; }
  [[nodiscard]] SSL* ssl() const { return ssl_.get(); }

  // TCP_CORK (tcp(7)): while set, what is written waits to leave in full segments.
  bool cork(bool on) {
    const int value = on ? 1 : 0;
    return ::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &value, sizeof value) == 0;
  }

  bool write(const Bytes& bytes) {
    std::size_t written = 0;
    return SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written) == 1;
  }

  // The next frame's message; nullopt when the session ended or the read timed out.
  std::optional<Bytes> readMessage() {
    std::array<std::uint8_t, 2> prefix{};
    if (!readExact(prefix.data(), prefix.size())) return std::nullopt;
    Bytes message(static_cast<std::size_t>(prefix[0]) << 8U | prefix[1]);
    if (!readExact(message.data(), message.size())) return std::nullopt;
    return message;
  }

  // One query and its answer, parsed; nullopt when there was none.
  std::optional<Answer> ask(const Bytes& query) {
    if (!write(framed(query))) return std::nullopt;
    const std::optional<Bytes> message = readMessage();
    if (!message) return std::nullopt;
    return parseAnswer(*message);
  }

  // Whether the server ended the session: a close_notify or the connection's end, as opposed to a
  // read that timed out with the session still open.
  bool serverClosed() {
    std::array<std::uint8_t, 1> byte{};
    std::size_t got = 0;
    if (SSL_read_ex(ssl_.get(), byte.data(), byte.size(), &got) == 1) return false;
    const int error = SSL_get_error(ssl_.get(), 0);
    const bool timed_out =
        error == SSL_ERROR_WANT_READ ||
        (error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
    ERR_clear_error();
    return !timed_out;
  }

  // The server's leaf certificate, DER.
  [[nodiscard]] Bytes leafDer() const {
    const tls::X509Ptr leaf(SSL_get1_peer_certificate(ssl_.get()));
    return der(leaf.get());
  }

  static Bytes der(X509* certificate) {
    if (certificate == nullptr) return {};
    unsigned char* out = nullptr;
    const int length = i2d_X509(certificate, &out);
    if (length <= 0) return {};
    Bytes bytes(out, out + length);
    OPENSSL_free(out);
    return bytes;
  }

 private:
  bool readExact(std::uint8_t* out, std::size_t length) {
    std::size_t done = 0;
    while (done < length) {
      std::size_t got = 0;
      if (SSL_read_ex(ssl_.get(), out + done, length - done, &got) != 1) {
        ERR_clear_error();
        return false;
      }
      done += got;
    }
    return true;
  }

  tls::SslCtxPtr ctx_;
  tls::SslPtr ssl_;
  int fd_ = -1;
  bool connected_ = false;
};

Bytes fileLeafDer(const std::string& file) {
  const tls::BioPtr bio(BIO_new_file(file.c_str(), "r"));
  const tls::X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                     : nullptr);
  return Client::der(certificate.get());
}

std::unique_ptr<TestServer> sessionServer(const ServerOptions& options) {
  return std::make_unique<TestServer>(Behaviour::DnsSession, chainOf("ecdsa"), keyOf("ecdsa"), 0,
                                      options);
}

TEST(TestServerSession, AnswersSeveralQueriesOnOneSession) {
  const auto server = sessionServer({});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  for (std::uint16_t id = 1; id <= 3; ++id) {
    const std::optional<Answer> answer = client.ask(makeQuery(id, "dot.test.", 1));
    ASSERT_TRUE(answer) << "query " << id;
    EXPECT_EQ(answer->id, id);
    ASSERT_EQ(answer->answers, 1U);
    EXPECT_EQ(answer->first_type, 1U);
    EXPECT_EQ(answer->first_rdata, (Bytes{192, 0, 2, 53}));
    EXPECT_TRUE(answer->has_opt);
    EXPECT_FALSE(answer->nsid);  // not asked
  }
  const std::optional<Answer> ns = client.ask(makeQuery(4, "dot.test.", 2, {.nsid = true}));
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->first_type, 2U);
  EXPECT_EQ(ns->nsid, "dotscan-test");
  const std::optional<Answer> txt = client.ask(makeQuery(5, "dot.test.", 16, {.edns = false}));
  ASSERT_TRUE(txt);
  EXPECT_EQ(txt->id, 5);
  EXPECT_EQ(txt->answers, 0U);
  EXPECT_FALSE(txt->has_opt);  // no OPT in the query, none in the answer (RFC 6891 section 7)
  EXPECT_EQ(server->handshakes(), 1);
}

// Two queries back to back: answered in reverse with out_of_order, in order without. Either in
// one TLS record, or in two records that TCP_CORK holds back until both are written, so that they
// reach the server together whatever the scheduling (the record after the first is then in the
// socket, not in OpenSSL's buffer).
class PipelineTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(PipelineTest, AnswersTheBatchInTheOrderAsked) {
  const auto [out_of_order, two_records] = GetParam();
  const auto server = sessionServer({.out_of_order = out_of_order});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  const Bytes first = framed(makeQuery(0x1111, "dot.test.", 1));
  const Bytes second = framed(makeQuery(0x2222, "dot.test.", 28));
  if (two_records) {
    ASSERT_TRUE(client.cork(true));
    ASSERT_TRUE(client.write(first));
    ASSERT_TRUE(client.write(second));
    ASSERT_TRUE(client.cork(false));
  } else {
    Bytes both = first;
    both.insert(both.end(), second.begin(), second.end());
    ASSERT_TRUE(client.write(both));
  }
  std::vector<std::uint16_t> ids;
  for (int i = 0; i < 2; ++i) {
    const std::optional<Bytes> message = client.readMessage();
    ASSERT_TRUE(message) << "answer " << i;
    ids.push_back(parseAnswer(*message).id);
  }
  const std::vector<std::uint16_t> expected = out_of_order
                                                  ? std::vector<std::uint16_t>{0x2222, 0x1111}
                                                  : std::vector<std::uint16_t>{0x1111, 0x2222};
  EXPECT_EQ(ids, expected);
  // A single query is answered either way, and the session goes on.
  const std::optional<Answer> alone = client.ask(makeQuery(0x3333, "dot.test.", 1));
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->id, 0x3333);
}

INSTANTIATE_TEST_SUITE_P(Batches, PipelineTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& param) {
                           return std::string(std::get<0>(param.param) ? "OutOfOrder" : "InOrder") +
                                  (std::get<1>(param.param) ? "TwoRecords" : "OneRecord");
                         });

TEST(TestServerSession, CloseAfterAnswerEndsTheSession) {
  const auto server = sessionServer({.close_after_answer = true});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.ask(makeQuery(1, "dot.test.", 1)));
  EXPECT_TRUE(client.serverClosed());
}

TEST(TestServerSession, WithoutCloseAfterAnswerTheSessionStaysOpen) {
  const auto server = sessionServer({});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.ask(makeQuery(1, "dot.test.", 1)));
  EXPECT_FALSE(client.serverClosed());  // the 5-second read timeout, the session still open
  EXPECT_TRUE(client.ask(makeQuery(2, "dot.test.", 1)));
}

TEST(TestServerSession, KeepaliveTimeoutIsAnnouncedWhenAsked) {
  const auto server = sessionServer({.keepalive_timeout_units = 37});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  const std::optional<Answer> asked = client.ask(makeQuery(1, "dot.test.", 1, {.keepalive = true}));
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->keepalive, (Bytes{0, 37}));
  const std::optional<Answer> not_asked = client.ask(makeQuery(2, "dot.test.", 1));
  ASSERT_TRUE(not_asked);
  EXPECT_FALSE(not_asked->keepalive);
}

TEST(TestServerSession, KeepaliveDefaultsToTenSeconds) {
  const auto server = sessionServer({});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  const std::optional<Answer> asked = client.ask(makeQuery(1, "dot.test.", 1, {.keepalive = true}));
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->keepalive, (Bytes{0, 100}));
}

TEST(TestServerSession, IgnoredKeepaliveIsNeverAnnounced) {
  const auto server = sessionServer({.keepalive_timeout_units = -1});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  const std::optional<Answer> asked = client.ask(makeQuery(1, "dot.test.", 1, {.keepalive = true}));
  ASSERT_TRUE(asked);
  EXPECT_TRUE(asked->has_opt);
  EXPECT_FALSE(asked->keepalive);
}

// Announces 10 s and closes after 300 ms idle: the failing keepalive check's server. The read
// below ends with the server's close, not with the client's 5-second timeout.
TEST(TestServerSession, IdleCloseEndsAnIdleSession) {
  const auto server = sessionServer({.idle_close = std::chrono::milliseconds(300)});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  const std::optional<Answer> asked = client.ask(makeQuery(1, "dot.test.", 1, {.keepalive = true}));
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->keepalive, (Bytes{0, 100}));
  EXPECT_TRUE(client.serverClosed());
}

struct PaddingCase {
  const char* name;
  bool pad_answers;
  bool pad_unpadded;
  int pad_block;
  std::size_t query_pad_block;  // 0: the query is not padded
  bool padded;                  // the answer is expected padded
};

std::ostream& operator<<(std::ostream& out, const PaddingCase& c) {
  return out << c.name;
}

class PaddingTest : public ::testing::TestWithParam<PaddingCase> {};

TEST_P(PaddingTest, PadsAsConfigured) {
  const PaddingCase& c = GetParam();
  const auto server = sessionServer(
      {.pad_answers = c.pad_answers, .pad_unpadded = c.pad_unpadded, .pad_block = c.pad_block});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  // Names of several lengths, so that the padding lengths differ.
  for (const char* name : {"dot.test.", "a-longer-name.example.", "_dns.resolver.arpa."}) {
    const std::optional<Answer> answer =
        client.ask(makeQuery(7, name, 1, {.nsid = true, .pad_block = c.query_pad_block}));
    ASSERT_TRUE(answer) << name;
    EXPECT_EQ(answer->padding.has_value(), c.padded) << name;
    if (c.padded) {
      EXPECT_EQ(answer->wire.size() % static_cast<std::size_t>(c.pad_block), 0U)
          << name << ": " << answer->wire.size() << " octets";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Options, PaddingTest,
                         ::testing::Values(PaddingCase{"PaddedQuery", true, false, 468, 128, true},
                                           PaddingCase{"UnpaddedQuery", true, false, 468, 0, false},
                                           PaddingCase{"PadUnpadded", true, true, 468, 0, true},
                                           PaddingCase{"Off", false, false, 468, 128, false},
                                           PaddingCase{"OffEvenUnpadded", false, true, 468, 0,
                                                       false},
                                           PaddingCase{"Block128", true, false, 128, 128, true}),
                         [](const ::testing::TestParamInfo<PaddingCase>& param) {
                           return std::string(param.param.name);
                         });

struct ResumptionCase {
  const char* name;
  int version;
  bool no_ticket;       // TLS 1.2 by session ID
  bool abrupt = false;  // the first connection ends without close_notify
};

std::ostream& operator<<(std::ostream& out, const ResumptionCase& c) {
  return out << c.name;
}

class ResumptionTest
    : public ::testing::TestWithParam<std::tuple<ResumptionCase, bool /*resumption*/>> {};

TEST_P(ResumptionTest, SecondConnectionResumesOnlyWhenAllowed) {
  const auto& [c, resumption] = GetParam();
  const auto server = sessionServer({.resumption = resumption});
  tls::SslSessionPtr session;
  {
    Client first(server->port(), {.version = c.version, .no_ticket = c.no_ticket});
    ASSERT_TRUE(first.connected());
    ASSERT_EQ(SSL_version(first.ssl()), c.version);
    // The answer comes after the TLS 1.3 tickets, so reading it has taken them in.
    ASSERT_TRUE(first.ask(makeQuery(1, "dot.test.", 1)));
    session.reset(SSL_get1_session(first.ssl()));
    ASSERT_NE(session, nullptr);
    if (c.abrupt) {
      // No close_notify, but the session stays resumable on this side: SSL_free without a sent
      // shutdown marks the client's own SSL_SESSION not resumable (SSL_free(3),
      // SSL_set_shutdown(3)).
      SSL_set_shutdown(first.ssl(), SSL_SENT_SHUTDOWN);
    } else {
      SSL_shutdown(first.ssl());
    }
  }
  Client second(server->port(),
                {.version = c.version, .resume = session.get(), .no_ticket = c.no_ticket});
  ASSERT_TRUE(second.connected());
  EXPECT_EQ(SSL_session_reused(second.ssl()) == 1, resumption);
  EXPECT_TRUE(second.ask(makeQuery(2, "dot.test.", 1)));  // DNS works on the resumed session
}

INSTANTIATE_TEST_SUITE_P(
    Versions, ResumptionTest,
    ::testing::Combine(::testing::Values(ResumptionCase{"Tls12Ticket", kTls12Version, false},
                                         ResumptionCase{"Tls12SessionId", kTls12Version, true},
                                         ResumptionCase{"Tls12SessionIdAbruptClose", kTls12Version,
                                                        true, true},
                                         ResumptionCase{"Tls13", kTls13Version, false}),
                       ::testing::Bool()),
    [](const auto& param) {
      return std::string(std::get<0>(param.param).name) +
             (std::get<1>(param.param) ? "Allowed" : "Refused");
    });

TEST(TestServerSession, NoSniGetsTheOtherCertificate) {
  const auto server = sessionServer(
      {.no_sni_chain_file = chainOf("wrongname"), .no_sni_key_file = keyOf("wrongname")});
  const Bytes ecdsa = fileLeafDer(testCaPath("ecdsa.crt"));
  const Bytes wrongname = fileLeafDer(testCaPath("wrongname.crt"));
  ASSERT_FALSE(ecdsa.empty());
  ASSERT_NE(ecdsa, wrongname);
  Client named(server->port());
  ASSERT_TRUE(named.connected());
  EXPECT_EQ(named.leafDer(), ecdsa);
  Client other_name(server->port(), {.sni = "other.example"});
  ASSERT_TRUE(other_name.connected());
  EXPECT_EQ(other_name.leafDer(), ecdsa);
  Client unnamed(server->port(), {.sni = nullptr});
  ASSERT_TRUE(unnamed.connected());
  EXPECT_EQ(unnamed.leafDer(), wrongname);
  EXPECT_TRUE(unnamed.ask(makeQuery(1, "dot.test.", 1)));  // the swapped context serves DNS too
  // TLS 1.2 takes the same path (the servername callback runs for both versions).
  Client unnamed12(server->port(), {.version = kTls12Version, .sni = nullptr});
  ASSERT_TRUE(unnamed12.connected());
  EXPECT_EQ(unnamed12.leafDer(), wrongname);
}

TEST(TestServerSession, WithoutNoSniFileTheCertificateIsTheSame) {
  const auto server = sessionServer({});
  Client unnamed(server->port(), {.sni = nullptr});
  ASSERT_TRUE(unnamed.connected());
  EXPECT_EQ(unnamed.leafDer(), fileLeafDer(testCaPath("ecdsa.crt")));
}

class OldVersionTest : public ::testing::TestWithParam<int> {};

TEST_P(OldVersionTest, AcceptedOnlyWithMinTlsVersion) {
  const int version = GetParam();
  {
    const auto server = sessionServer({.min_tls_version = kTls10Version});
    Client client(server->port(), {.version = version});
    ASSERT_TRUE(client.connected());
    EXPECT_EQ(SSL_version(client.ssl()), version);
    EXPECT_TRUE(client.ask(makeQuery(1, "dot.test.", 1)));
  }
  const auto server = sessionServer({});
  Client client(server->port(), {.version = version});
  EXPECT_FALSE(client.connected());
}

INSTANTIATE_TEST_SUITE_P(Tls10And11, OldVersionTest,
                         ::testing::Values(kTls10Version, kTls11Version));

// The DDR record's rdata, octet by octet (RFC 9460 section 2.2).
TEST(TestServerSession, DdrAnswersTheSvcbQuery) {
  const auto server =
      sessionServer({.ddr = true, .ddr_target = "dns.example.", .ddr_ipv4hint = "127.0.0.9"});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  const std::optional<Answer> answer = client.ask(makeQuery(9, "_dns.resolver.arpa.", 64));
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->answers, 1U);
  EXPECT_EQ(answer->first_type, 64U);
  const Bytes expected = {0, 1,  // SvcPriority
                          3, 'd', 'n', 's', 7,    'e',  'x', 'a', 'm', 'p', 'l', 'e', 0,  // target
                          0, 1,   0,   4,   3,    'd',  'o', 't',                         // alpn
                          0, 3,   0,   2,   0x03, 0x55,           // port 853
                          0, 4,   0,   4,   127,  0,    0,   9};  // ipv4hint
  EXPECT_EQ(answer->first_rdata, expected);
  // Other names and types get no SVCB record.
  const std::optional<Answer> other = client.ask(makeQuery(10, "dot.test.", 64));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->answers, 0U);
}

TEST(TestServerSession, WithoutDdrTheSvcbQueryHasNoAnswer) {
  const auto server = sessionServer({});
  Client client(server->port());
  ASSERT_TRUE(client.connected());
  const std::optional<Answer> answer = client.ask(makeQuery(9, "_dns.resolver.arpa.", 64));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->id, 9);
  EXPECT_EQ(get16(answer->wire, 2) & 0x000fU, 0U);  // NOERROR
  EXPECT_EQ(answer->answers, 0U);
}

TEST(TestServerSession, RejectsABadIpv4Hint) {
  EXPECT_THROW(sessionServer({.ddr = true, .ddr_ipv4hint = "::1"}), std::invalid_argument);
}

}  // namespace
}  // namespace dotscan::testing
