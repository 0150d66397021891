#include "dotscan/net/socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "dotscan/util/error.hpp"

namespace dotscan::net {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(std::exchange(other.fd_, -1));
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

socklen_t toSockaddr(const Address& address, std::uint16_t port, sockaddr_storage& storage) {
  std::memset(&storage, 0, sizeof storage);
  if (address.isV4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(address.v4());
    std::memcpy(&storage, &sin, sizeof sin);
    return sizeof sin;
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  address.toV6Bytes(sin6.sin6_addr.s6_addr);
  std::memcpy(&storage, &sin6, sizeof sin6);
  return sizeof sin6;
}

Address fromSockaddr(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, address, sizeof sin);
    return Address::fromV4(ntohl(sin.sin_addr.s_addr));
  }
  sockaddr_in6 sin6{};
  std::memcpy(&sin6, address, sizeof sin6);
  return Address::fromV6Bytes(sin6.sin6_addr.s6_addr);
}

void acknowledgePromptly(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

ConnectStep startConnect(const Address& address, std::uint16_t port, UniqueFd& fd) {
  const int family = address.isV4() ? AF_INET : AF_INET6;
  fd.reset(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) return {IoStatus::Failed, errno};
  // A probe sends a few small writes and waits for each answer: no Nagle delay.
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // On close, send RST instead of lingering in TIME_WAIT: a scan of thousands of targets would
  // otherwise exhaust the local ports towards one server (as masscan and zgrab do).
  const linger hard_close{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard_close, sizeof hard_close);

  sockaddr_storage storage{};
  const socklen_t length = toSockaddr(address, port, storage);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockaddr API
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&storage), length) == 0) {
    return {IoStatus::Done, 0};
  }
  if (errno == EINPROGRESS) return {IoStatus::NeedWrite, 0};
  return {IoStatus::Failed, errno};
}

ConnectStep finishConnect(int fd) {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    return {IoStatus::Failed, errno};
  }
  if (error == 0) return {IoStatus::Done, 0};
  if (error == EINPROGRESS || error == EALREADY) return {IoStatus::NeedWrite, 0};
  return {IoStatus::Failed, error};
}

bool readyNow(int fd, Interest interest) {
  if (fd < 0 || interest == Interest::None) return false;
  pollfd entry{fd, static_cast<short>(interest == Interest::Read ? POLLIN : POLLOUT), 0};
  int ready = 0;
  do {
    ready = ::poll(&entry, 1, 0);
  } while (ready < 0 && errno == EINTR);
  return ready > 0 && entry.revents != 0;
}

std::uint64_t raiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? std::uint64_t{1} << 20 : limit.rlim_cur;
}

Epoll::Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!fd_.valid()) {
    throw Error(ExitCode::RuntimeError, std::string("epoll_create1: ") + std::strerror(errno));
  }
}

bool Epoll::watch(int fd, std::uint32_t token, Interest interest, bool added) {
  epoll_event event{};
  std::uint32_t mask = EPOLLRDHUP;
  if (interest == Interest::Read) mask |= EPOLLIN;
  if (interest == Interest::Write) mask |= EPOLLOUT;
  event.events = mask;
  event.data.u64 = token;
  return ::epoll_ctl(fd_.get(), added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) == 0;
}

int Epoll::wait(std::span<epoll_event> events, int timeout_ms) {
  return ::epoll_wait(fd_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
}

Wakeup::Wakeup() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!fd_.valid()) {
    throw Error(ExitCode::RuntimeError, std::string("eventfd: ") + std::strerror(errno));
  }
}

void Wakeup::notify() const noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(fd_.get(), &one, sizeof one);
}

void Wakeup::drain() const noexcept {
  std::uint64_t value = 0;
  [[maybe_unused]] const ssize_t got = ::read(fd_.get(), &value, sizeof value);
}

}  // namespace dotscan::net
