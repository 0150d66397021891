// dotscan/net/socket.hpp — non-blocking TCP sockets and the epoll set of one event loop.
//
// Everything here is a thin, owning wrapper over the system calls; nothing blocks. A failure to
// reach one target is a value (an errno in ConnectStep), never an exception; only a failure of the
// loop itself (epoll_create) throws. Invariant: a UniqueFd closes its descriptor exactly once, and
// closing a descriptor removes it from every epoll set (it is never dup'd).
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <utility>

#include "dotscan/util/address.hpp"

namespace dotscan::net {

// What a non-blocking step asks for next (PowerDNS IOState, Envoy IoResult).
enum class IoStatus : std::uint8_t {
  Done,       // the step completed
  NeedRead,   // call again when the socket is readable
  NeedWrite,  // call again when the socket is writable
  Failed,     // terminal: the caller reads the reason from the step's owner
};

// A read or write step: its status and, when Done, how many bytes moved; eof when the peer closed.
struct IoResult {
  IoStatus status = IoStatus::Failed;
  std::size_t bytes = 0;
  bool eof = false;
};

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// The result of starting or finishing a TCP connect.
struct ConnectStep {
  IoStatus status = IoStatus::Failed;  // Done, NeedWrite (in progress) or Failed
  int error = 0;                       // errno when Failed
};

// Fills a sockaddr_in or sockaddr_in6 for `address` (IPv4 is kept mapped, see util/address.hpp)
// and returns its length; and the way back, for an AF_INET or AF_INET6 sockaddr.
socklen_t toSockaddr(const Address& address, std::uint16_t port, sockaddr_storage& storage);
Address fromSockaddr(const sockaddr* address);

// Creates a non-blocking TCP socket for `address` and starts connecting it to `port`. The socket
// is returned in `fd` whatever the status, so that the caller owns and closes it.
ConnectStep startConnect(const Address& address, std::uint16_t port, UniqueFd& fd);

// After the socket became writable (or reported an error): the connect's outcome (SO_ERROR).
ConnectStep finishConnect(int fd);

// Asks the kernel to acknowledge what arrives on `fd` at once (TCP_QUICKACK), for a while: the
// kernel falls back to delayed ACKs on its own, so a reader re-arms it after every read. Without
// it, a server whose Nagle holds its answer until its last segment is acknowledged (unbound after
// its TLS 1.3 session tickets) waits for the client's 40 ms delayed-ACK timer (issue 15).
void acknowledgePromptly(int fd);

// Interest of a descriptor in an epoll set.
enum class Interest : std::uint8_t { None, Read, Write };

// Whether `fd` is ready now for `interest`, or has an error or hang-up pending: a zero-timeout
// poll(2). The event loop may learn of readiness late when it is busy; a deadline consults this
// before it concludes that the peer was silent.
bool readyNow(int fd, Interest interest);

// Raises RLIMIT_NOFILE to its hard limit and returns the soft limit in force afterwards.
std::uint64_t raiseOpenFileLimit();

// An epoll set whose events carry a 32-bit token (a probe slot) rather than a pointer.
class Epoll {
 public:
  Epoll();  // throws dotscan::Error if the kernel refuses
  // Adds fd, or changes its interest if `added` (the caller tracks whether it already added it).
  // Returns false (errno set) on failure.
  bool watch(int fd, std::uint32_t token, Interest interest, bool added);
  // Waits up to timeout_ms (-1: forever); returns the number of events or -1 with errno (EINTR).
  int wait(std::span<epoll_event> events, int timeout_ms);
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

// A descriptor that wakes an event loop from another thread or a signal handler (eventfd).
class Wakeup {
 public:
  Wakeup();
  void notify() const noexcept;  // async-signal-safe
  void drain() const noexcept;
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace dotscan::net
