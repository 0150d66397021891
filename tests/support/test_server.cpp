#include "support/test_server.hpp"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <span>
#include <stdexcept>
#include <string_view>

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

bool writeAll(SSL* ssl, const std::vector<std::uint8_t>& bytes) {
  std::size_t written = 0;
  return bytes.empty() || SSL_write_ex(ssl, bytes.data(), bytes.size(), &written) == 1;
}

void put16(std::vector<std::uint8_t>& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>((value >> 8) & 0xff));
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

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

// One DNS exchange after the handshake, misbehaving as asked.
void serveDns(SSL* ssl, Behaviour behaviour, const std::function<bool()>& wait_for_close) {
  std::array<std::uint8_t, 2> prefix{};
  if (!readExact(ssl, prefix.data(), prefix.size())) return;
  std::vector<std::uint8_t> query(static_cast<std::size_t>(prefix[0]) << 8 | prefix[1]);
  if (!readExact(ssl, query.data(), query.size())) return;
  if (behaviour == Behaviour::DnsSilence) {
    wait_for_close();
    return;
  }
  const std::vector<std::uint8_t> answer = answerFor(query, behaviour);
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
      put16(frame, answer.size());
      frame.insert(frame.end(), answer.begin(),
                   answer.begin() + static_cast<long>(answer.size() / 2));
      break;
    default:
      put16(frame, answer.size());
      frame.insert(frame.end(), answer.begin(), answer.end());
      break;
  }
  if (!writeAll(ssl, frame)) return;
  if (behaviour == Behaviour::DnsBodyCut || behaviour == Behaviour::DnsAnswerThenClose) {
    SSL_shutdown(ssl);
    return;
  }
  wait_for_close();
}

}  // namespace

std::string testCaPath(const std::string& file) {
  const char* dir = std::getenv("DOTSCAN_TEST_CA");
  if (dir == nullptr) throw std::runtime_error("DOTSCAN_TEST_CA is not set (ctest sets it)");
  return std::string(dir) + "/" + file;
}

TestServer::TestServer(Behaviour behaviour, const std::string& chain_file,
                       const std::string& key_file, int chain_copies, ServerOptions options)
    : behaviour_(behaviour), select_alpn_dot_(options.select_alpn_dot) {
  // Writing to a client that already reset the connection must fail with EPIPE, not kill the test.
  static_cast<void>(::signal(SIGPIPE, SIG_IGN));
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) throw std::runtime_error("SSL_CTX_new");
  context_ = ctx;
  SSL_CTX_set_security_level(ctx, 0);  // the weak and sha1 fixtures must load
  if (SSL_CTX_use_certificate_chain_file(ctx, chain_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("cannot load " + chain_file + " / " + key_file);
  }
  if (options.max_tls_version != 0) {
    // No lower bound either, whatever the system configuration says: TLS 1.0 and 1.1 sign with
    // MD5+SHA-1, which security level 0 (above) allows.
    if (SSL_CTX_set_min_proto_version(ctx, 0) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, options.max_tls_version) != 1) {
      throw std::runtime_error("cannot set the TLS version bounds");
    }
  }
  SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, &select_alpn_dot_);
  if (behaviour == Behaviour::HugeChain) {
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
  acceptor_ = std::thread([this] { acceptLoop(); });
}

TestServer::~TestServer() {
  stopping_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(stop_fd_, &one, sizeof one);
  acceptor_.join();
  {
    const std::lock_guard lock(mutex_);
    for (const int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& worker : workers_) worker.join();
  ::close(listen_fd_);
  ::close(stop_fd_);
  SSL_CTX_free(ctxOf(context_));
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
  switch (behaviour_) {
    case Behaviour::StallBeforeHandshake:
      while (waitReadable(fd)) {
        // Readable means the client wrote or closed; keep stalling until it closes.
        if (::recv(fd, buffer.data(), buffer.size(), MSG_PEEK | MSG_DONTWAIT) == 0) break;
        std::array<pollfd, 1> stop{{{stop_fd_, POLLIN, 0}}};
        ::poll(stop.data(), stop.size(), 20);
        if (stopping_) break;
      }
      break;
    case Behaviour::CloseMidHandshake:
    case Behaviour::ResetMidHandshake:
    case Behaviour::Alert:
      if (waitReadable(fd) && ::recv(fd, buffer.data(), buffer.size(), 0) > 0) {
        if (behaviour_ == Behaviour::Alert) {
          // A TLS 1.2 record: alert, fatal (2), handshake_failure (40) (RFC 5246 section 7.2).
          static constexpr std::array<unsigned char, 7> kAlert = {0x15, 0x03, 0x03, 0x00,
                                                                  0x02, 0x02, 0x28};
          ::send(fd, kAlert.data(), kAlert.size(), MSG_NOSIGNAL);
        }
        if (behaviour_ == Behaviour::ResetMidHandshake) {
          const linger hard{1, 0};
          ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        }
      }
      break;
    case Behaviour::PlainDns: {
      // A cleartext DNS server on the DoT port: a ClientHello (0x16 0x03 ...) is garbage to it.
      std::vector<std::uint8_t> in;
      while (waitReadable(fd)) {
        const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (got <= 0) break;
        in.insert(in.end(), buffer.begin(), buffer.begin() + got);
        if (in[0] == 0x16) break;
        if (in.size() >= 2 && in.size() >= 2U + ((std::size_t{in[0]} << 8U) | in[1])) {
          const std::vector<std::uint8_t> query(in.begin() + 2, in.end());
          const std::vector<std::uint8_t> answer = answerFor(query, Behaviour::DnsAnswer);
          std::vector<std::uint8_t> frame;
          put16(frame, answer.size());
          frame.insert(frame.end(), answer.begin(), answer.end());
          ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
          break;
        }
      }
      break;
    }
    case Behaviour::PlainTcp: {
      static constexpr std::string_view kBanner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
      ::send(fd, kBanner.data(), kBanner.size(), MSG_NOSIGNAL);
      while (waitReadable(fd) && ::recv(fd, buffer.data(), buffer.size(), 0) > 0) {
      }
      break;
    }
    default: {
      SSL* ssl = SSL_new(ctxOf(context_));
      SSL_set_fd(ssl, fd);
      // Serve until the client closes: a read returns 0 or fails.
      const auto wait_for_close = [&] {
        while (waitReadable(fd) && SSL_read(ssl, buffer.data(), buffer.size()) > 0) {
        }
        return true;
      };
      if (SSL_accept(ssl) == 1) {
        ++handshakes_;
        if (behaviour_ == Behaviour::Normal || behaviour_ == Behaviour::HugeChain) {
          wait_for_close();
        } else if (behaviour_ == Behaviour::CloseAfterHandshake) {
          SSL_shutdown(ssl);
        } else {
          serveDns(ssl, behaviour_, wait_for_close);
        }
      }
      ERR_clear_error();
      SSL_free(ssl);
      break;
    }
  }
  // Unregister before closing, so that the destructor never shuts down a reused descriptor.
  const std::lock_guard lock(mutex_);
  std::erase(client_fds_, fd);
  ::close(fd);
}

}  // namespace dotscan::testing
