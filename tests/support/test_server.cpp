#include "support/test_server.hpp"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace dotscan::testing {

namespace {

SSL_CTX* ctxOf(void* context) {
  return static_cast<SSL_CTX*>(context);
}

}  // namespace

std::string testCaPath(const std::string& file) {
  const char* dir = std::getenv("DOTSCAN_TEST_CA");
  if (dir == nullptr) throw std::runtime_error("DOTSCAN_TEST_CA is not set (ctest sets it)");
  return std::string(dir) + "/" + file;
}

TestServer::TestServer(Behaviour behaviour, const std::string& chain_file,
                       const std::string& key_file, int chain_copies)
    : behaviour_(behaviour) {
  // Writing to a client that already reset the connection must fail with EPIPE, not kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) throw std::runtime_error("SSL_CTX_new");
  context_ = ctx;
  SSL_CTX_set_security_level(ctx, 0);  // the weak and sha1 fixtures must load
  if (SSL_CTX_use_certificate_chain_file(ctx, chain_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("cannot load " + chain_file + " / " + key_file);
  }
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
    case Behaviour::PlainTcp: {
      static constexpr std::string_view kBanner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
      ::send(fd, kBanner.data(), kBanner.size(), MSG_NOSIGNAL);
      while (waitReadable(fd) && ::recv(fd, buffer.data(), buffer.size(), 0) > 0) {
      }
      break;
    }
    case Behaviour::Normal:
    case Behaviour::HugeChain: {
      SSL* ssl = SSL_new(ctxOf(context_));
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) {
        ++handshakes_;
        // Serve until the client closes: a read returns 0 or fails.
        while (waitReadable(fd) && SSL_read(ssl, buffer.data(), buffer.size()) > 0) {
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
