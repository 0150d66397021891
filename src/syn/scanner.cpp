#include "dotscan/syn/scanner.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ifaddrs.h>
#include <mutex>
#include <net/if.h>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dotscan/discover/packet.hpp"
#include "dotscan/discover/reply.hpp"
#include "dotscan/net/rate_limiter.hpp"
#include "dotscan/net/socket.hpp"
#include "dotscan/syn/answered.hpp"
#include "dotscan/syn/route.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::syn {

namespace {

constexpr std::size_t kBatch = 64;        // SYNs per sendmmsg
constexpr int kSnapLength = 256;          // headers are all a reply is read for
constexpr int kCaptureBuffer = 16 << 20;  // the kernel's ring for the capture (replies are few)

// One target, as a reply names it.
struct Key {
  u128 address = 0;
  std::uint16_t port = 0;
  bool operator==(const Key&) const = default;
};

struct KeyHash {
  std::size_t operator()(const Key& key) const noexcept {
    const auto low = static_cast<std::uint64_t>(key.address);
    const auto high = static_cast<std::uint64_t>(key.address >> 64U);
    return std::hash<std::uint64_t>{}(low ^ (high * 0x9e3779b97f4a7c15ULL) ^
                                      (std::uint64_t{key.port} << 48U));
  }
};

std::string macText(const Mac& mac) {
  std::string text;
  constexpr std::string_view kHex = "0123456789abcdef";
  for (const std::uint8_t byte : mac) {
    if (!text.empty()) text += ':';
    text += kHex[byte >> 4U];
    text += kHex[byte & 0xfU];
  }
  return text;
}

void waitFor(int fd, short events, int timeout_ms) {
  pollfd entry{fd, events, 0};
  (void)::poll(&entry, 1, timeout_ms);
}

}  // namespace

// One per scan, dominated by its packet buffers: the order of its members follows their roles
// and their initialisation, not their padding.
class Scanner::Impl {  // NOLINT(clang-analyzer-optin.performance.Padding)
 public:
  Impl(const Settings& settings, const Address& first_target);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  Counts run(const OrderFactory& orders, const AnswerSink& sink);
  void stop() noexcept {
    stopping_.store(true);
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(stop_fd_.get(), &one, sizeof one);
  }

  Settings settings_;
  Family family_;
  std::string sender_;  // how SYNs leave, for the metadata
  std::string interface_;
  Address source_;

 private:
  void receive(const AnswerSink& sink);
  void handleFrame(std::span<const std::uint8_t> frame, const AnswerSink& sink);
  void sendPass(targets::TargetOrder& order, std::uint32_t pass);
  void flush();
  // A SYN our own kernel refused to send: that is the target's answer (unreachable).
  void localAnswer(const Key& key, int error);
  // Waits `duration` unless stopped; true when it waited it all.
  bool pause(Duration duration);
  [[nodiscard]] bool answered(const Key& key);

  net::UniqueFd raw_;  // the sending socket: a raw IP socket, or a packet socket on link_path_
  std::optional<LinkPath> link_path_;
  net::UniqueFd stop_fd_;  // readable once stop() was called
  net::UniqueFd done_fd_;  // readable once the receiver should drain and end
  pcap_t* pcap_ = nullptr;
  discover::LinkType link_ = discover::LinkType::Raw;
  discover::Validator validator_;
  net::RateLimiter limiter_;
  SteadyClock clock_;
  std::atomic<bool> stopping_{false};

  // Sender side.
  std::array<std::array<std::uint8_t, 128>, kBatch> packets_{};
  std::array<sockaddr_storage, kBatch> destinations_{};
  std::array<Key, kBatch> keys_{};  // the target of each queued SYN
  std::array<iovec, kBatch> vectors_{};
  std::array<mmsghdr, kBatch> messages_{};
  std::size_t queued_ = 0;
  std::uint16_t ip_id_ = 0;

  std::mutex mutex_;  // guards what both threads touch: the answers and the names
  std::optional<AnsweredTargets> answered_;  // made by run(), before the receiver starts
  std::unordered_map<Key, std::string, KeyHash> names_;  // named targets only: few
  std::uint32_t pass_ = 0;
  Counts counts_;
  const AnswerSink* sink_ = nullptr;  // set by run()
};

Scanner::Impl::Impl(const Settings& settings, const Address& first_target)
    : settings_(settings),
      family_(first_target.family()),
      source_(settings.source ? *settings.source : routeSource(first_target)),
      stop_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      done_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      validator_(discover::Validator::withRandomKey(source_, settings.ports)),
      limiter_(settings.rate, static_cast<std::uint32_t>(std::max(1.0, settings.rate / 1000.0))) {
  if (source_.family() != family_) {
    throw UsageError("--source-ip " + source_.toString() + " is not of the targets' family");
  }
  interface_ = settings.interface.empty() ? interfaceOf(source_) : settings.interface;

  // The sending socket first: without the privilege, nothing else is opened. On an Ethernet link
  // to a resolved gateway, a packet socket puts whole frames on the link, bypassing routing,
  // netfilter and (unless the scan is recorded, whose capture would miss them) the queueing
  // discipline, as zmap does; elsewhere a raw IP socket lets the kernel route each SYN.
  if (!settings.raw_ip_only) {
    link_path_ = ethernetPath(interface_, first_target, settings.gateway_mac);
  }
  if (link_path_) {
    raw_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (raw_.valid()) {
      sockaddr_ll link{};
      link.sll_family = AF_PACKET;
      link.sll_protocol = htons(ETH_P_IP);
      link.sll_ifindex = link_path_->ifindex;
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockaddr API
      if (::bind(raw_.get(), reinterpret_cast<sockaddr*>(&link), sizeof link) != 0) {
        throw Error(ExitCode::RuntimeError,
                    "-sS: packet socket on " + interface_ + ": " + errorText(errno));
      }
      const int bypass = settings.qdisc_bypass ? 1 : 0;
      (void)::setsockopt(raw_.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &bypass, sizeof bypass);
      sender_ = "packet socket on " + interface_ + ", next hop " + macText(link_path_->next_hop);
    }
  } else {
    raw_.reset(::socket(family_ == Family::V4 ? AF_INET : AF_INET6,
                        SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW));
    sender_ = "raw IP socket";
  }
  if (!raw_.valid()) {
    if (errno == EPERM || errno == EACCES) {
      throw UsageError("-sS needs root or CAP_NET_RAW (raw socket: " + errorText(errno) +
                       "); -sT scans without privileges");
    }
    throw Error(ExitCode::RuntimeError, "-sS: raw socket: " + errorText(errno));
  }
  if (!link_path_ && !settings.interface.empty() &&
      ::setsockopt(raw_.get(), SOL_SOCKET, SO_BINDTODEVICE, interface_.c_str(),
                   static_cast<socklen_t>(interface_.size())) != 0) {
    throw UsageError("--interface " + interface_ + ": " + errorText(errno));
  }
  const int buffer = 4 << 20;
  (void)::setsockopt(raw_.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);

  std::array<char, PCAP_ERRBUF_SIZE> error{};
  pcap_ = ::pcap_create(interface_.c_str(), error.data());
  if (pcap_ == nullptr) {
    throw Error(ExitCode::RuntimeError, "-sS: capture on " + interface_ + ": " + error.data());
  }
  (void)::pcap_set_snaplen(pcap_, kSnapLength);
  (void)::pcap_set_immediate_mode(pcap_, 1);
  (void)::pcap_set_buffer_size(pcap_, kCaptureBuffer);
  (void)::pcap_set_promisc(pcap_, 0);
  if (const int status = ::pcap_activate(pcap_); status < 0) {
    const std::string why = ::pcap_geterr(pcap_);
    if (status == PCAP_ERROR_PERM_DENIED) {
      throw UsageError("-sS needs root or CAP_NET_RAW (capture: " + why + ")");
    }
    throw Error(ExitCode::RuntimeError, "-sS: capture on " + interface_ + ": " + why);
  }
  const auto link = discover::linkTypeFromDlt(::pcap_datalink(pcap_));
  if (!link) {
    throw Error(ExitCode::RuntimeError, "-sS: " + interface_ + ": link type " +
                                            std::to_string(::pcap_datalink(pcap_)) +
                                            " is not supported");
  }
  link_ = *link;
  // Only what can answer a probe reaches user space: TCP to our source ports, ICMP errors.
  const std::string filter = "(tcp dst portrange " + std::to_string(settings.ports.first) + "-" +
                             std::to_string(settings.ports.last) + ") or icmp or icmp6";
  bpf_program program{};
  if (::pcap_compile(pcap_, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
      ::pcap_setfilter(pcap_, &program) != 0) {
    const std::string why = ::pcap_geterr(pcap_);
    ::pcap_freecode(&program);
    throw Error(ExitCode::RuntimeError, "-sS: capture filter: " + why);
  }
  ::pcap_freecode(&program);
  if (::pcap_setnonblock(pcap_, 1, error.data()) != 0) {
    throw Error(ExitCode::RuntimeError, std::string("-sS: capture: ") + error.data());
  }
}

Scanner::Impl::~Impl() {
  if (pcap_ != nullptr) ::pcap_close(pcap_);
}

bool Scanner::Impl::answered(const Key& key) {
  const std::lock_guard lock(mutex_);
  return answered_->answered(Address::fromValue(key.address), key.port);
}

void Scanner::Impl::handleFrame(std::span<const std::uint8_t> frame, const AnswerSink& sink) {
  ++counts_.captured;
  const discover::Reply reply = discover::parseReply(link_, frame);
  if (reply.kind == discover::ReplyKind::Ignored) return;
  if (!validator_.validates(reply)) {
    ++counts_.invalid;
    return;
  }
  Answer answer;
  answer.from = reply.source;
  answer.when = std::chrono::system_clock::now();
  if (reply.kind == discover::ReplyKind::Unreachable) {
    answer.kind = AnswerKind::Unreachable;
    answer.address = reply.quoted.destination;
    answer.port = reply.quoted.destination_port;
    answer.icmp_type = reply.icmp_type;
    answer.icmp_code = reply.icmp_code;
  } else {
    answer.kind = reply.kind == discover::ReplyKind::SynAck ? AnswerKind::Live : AnswerKind::Closed;
    answer.address = reply.source;
    answer.port = reply.source_port;
  }
  const Key key{answer.address.value(), answer.port};
  {
    const std::lock_guard lock(mutex_);
    const AnsweredTargets::Mark mark = answered_->mark(answer.address, answer.port);
    if (mark == AnsweredTargets::Mark::Unknown) {  // valid, yet for no target of ours: forged
      ++counts_.invalid;
      return;
    }
    if (mark == AnsweredTargets::Mark::Again) {
      ++counts_.duplicates;
      return;
    }
    if (const auto named = names_.find(key); named != names_.end()) answer.name = named->second;
    answer.passes = pass_ + 1;
    switch (answer.kind) {
      case AnswerKind::Live:
        ++counts_.live;
        break;
      case AnswerKind::Closed:
        ++counts_.closed;
        break;
      case AnswerKind::Unreachable:
        ++counts_.unreachable;
        break;
      case AnswerKind::Silent:
        break;
    }
  }
  sink(std::move(answer));
}

void Scanner::Impl::receive(const AnswerSink& sink) {
  struct Context {
    Impl* self;
    const AnswerSink* sink;
  } context{this, &sink};
  const auto handler = [](u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
    auto* ctx = reinterpret_cast<Context*>(user);  // NOLINT: libpcap's callback argument
    ctx->self->handleFrame(std::span<const std::uint8_t>(bytes, header->caplen), *ctx->sink);
  };
  const int capture_fd = ::pcap_get_selectable_fd(pcap_);
  for (;;) {
    std::array<pollfd, 2> fds{pollfd{capture_fd, POLLIN, 0}, pollfd{done_fd_.get(), POLLIN, 0}};
    (void)::poll(fds.data(), fds.size(), 100);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libpcap's user pointer
    while (::pcap_dispatch(pcap_, 256, handler, reinterpret_cast<u_char*>(&context)) > 0) {
    }
    if ((fds[1].revents & POLLIN) != 0) break;
  }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libpcap's user pointer
  while (::pcap_dispatch(pcap_, 256, handler, reinterpret_cast<u_char*>(&context)) > 0) {
  }
  pcap_stat stats{};
  if (::pcap_stats(pcap_, &stats) == 0) counts_.capture_dropped = stats.ps_drop + stats.ps_ifdrop;
}

void Scanner::Impl::localAnswer(const Key& key, int error) {
  Answer answer;
  answer.kind = AnswerKind::Unreachable;
  answer.address = Address::fromValue(key.address);
  answer.port = key.port;
  answer.from = source_;
  answer.local_error = error;
  answer.when = std::chrono::system_clock::now();
  {
    const std::lock_guard lock(mutex_);
    if (answered_->mark(answer.address, key.port) != AnsweredTargets::Mark::First) return;
    if (const auto named = names_.find(key); named != names_.end()) answer.name = named->second;
    answer.passes = pass_ + 1;
    ++counts_.unreachable;
  }
  (*sink_)(std::move(answer));
}

void Scanner::Impl::flush() {
  std::size_t done = 0;
  while (done < queued_ && !stopping_.load()) {
    const int sent =
        ::sendmmsg(raw_.get(), &messages_.at(done), static_cast<unsigned>(queued_ - done), 0);
    if (sent > 0) {
      done += static_cast<std::size_t>(sent);
      counts_.sent += static_cast<std::uint64_t>(sent);
      continue;
    }
    if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
      waitFor(raw_.get(), POLLOUT, 10);
      continue;
    }
    // This SYN cannot go out. No route (or a local firewall's refusal) is this target's
    // answer, as connect() would have said; anything else is only counted.
    const int error = errno;
    ++counts_.send_errors;
    if (error == ENETUNREACH || error == EHOSTUNREACH || error == EACCES || error == EPERM) {
      localAnswer(keys_.at(done), error);
    }
    ++done;
  }
  queued_ = 0;
}

void Scanner::Impl::sendPass(targets::TargetOrder& order, std::uint32_t pass) {
  targets::Target target;
  while (!stopping_.load() && order.next(target)) {
    if (target.address.family() != family_) {
      ++counts_.send_errors;  // one family per -sS scan (the route and the socket are per family)
      continue;
    }
    const Key key{target.address.value(), target.port};
    if (pass > 0 && answered(key)) continue;
    if (pass == 0 && !target.name.empty()) {
      const std::lock_guard lock(mutex_);
      names_.emplace(key, std::string(target.name));
    }
    while (!limiter_.tryAcquire(clock_.now())) {
      flush();  // what is queued goes out while we wait for the next slot
      const auto due = limiter_.nextDue(clock_.now());
      const auto wait = due ? std::chrono::ceil<std::chrono::milliseconds>(*due - clock_.now())
                            : std::chrono::milliseconds(0);
      if (wait.count() > 0) waitFor(stop_fd_.get(), POLLIN, static_cast<int>(wait.count()));
      if (stopping_.load()) return;
    }
    const discover::Probe probe = validator_.makeProbe(target.address, target.port);
    discover::SynParameters parameters;
    parameters.source = source_;
    parameters.destination = target.address;
    parameters.source_port = probe.source_port;
    parameters.destination_port = target.port;
    parameters.seq = probe.seq;
    parameters.ip_id = ip_id_++;
    std::span<std::uint8_t> buffer(packets_.at(queued_));
    std::optional<discover::EthernetHeader> ethernet;
    if (link_path_) ethernet = discover::EthernetHeader{link_path_->next_hop, link_path_->source};
    const std::size_t size = discover::writeSyn(buffer, parameters, ethernet);
    if (size == 0) {
      ++counts_.send_errors;
      continue;
    }
    // A raw IPv4 socket takes the port-less destination; an IPv6 one wants port 0 too.
    const socklen_t length = net::toSockaddr(target.address, 0, destinations_.at(queued_));
    vectors_.at(queued_) = iovec{buffer.data(), size};
    keys_.at(queued_) = key;
    msghdr& header = messages_.at(queued_).msg_hdr;
    header = msghdr{};
    if (!link_path_) {  // the packet socket is bound to its interface: no address needed
      header.msg_name = &destinations_.at(queued_);
      header.msg_namelen = length;
    }
    header.msg_iov = &vectors_.at(queued_);
    header.msg_iovlen = 1;
    if (++queued_ == kBatch) flush();
  }
  flush();
}

bool Scanner::Impl::pause(Duration duration) {
  const TimePoint end = clock_.now() + duration;
  while (!stopping_.load()) {
    const TimePoint now = clock_.now();
    if (now >= end) return true;
    waitFor(stop_fd_.get(), POLLIN,
            static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(end - now).count()));
  }
  return false;
}

Counts Scanner::Impl::run(const OrderFactory& orders, const AnswerSink& sink) {
  const TimePoint started = clock_.now();
  sink_ = &sink;
  auto first_order = orders();
  const auto planned = static_cast<std::uint64_t>(first_order->size());
  answered_.emplace(first_order->set());  // every order of the scan is over this one set
  std::thread receiver([this, &sink] { receive(sink); });
  try {
    for (std::uint32_t pass = 0; pass <= static_cast<std::uint32_t>(settings_.retries); ++pass) {
      {
        const std::lock_guard lock(mutex_);
        pass_ = pass;
      }
      const auto order = pass == 0 ? std::move(first_order) : orders();
      sendPass(*order, pass);
      if (!pause(settings_.cooldown)) break;
      {
        const std::lock_guard lock(mutex_);
        if (answered_->count() >= planned) break;  // everyone answered: no pass left to make
      }
    }
  } catch (...) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(done_fd_.get(), &one, sizeof one);
    receiver.join();
    throw;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(done_fd_.get(), &one, sizeof one);
  receiver.join();

  std::uint64_t answers = 0;
  {
    const std::lock_guard lock(mutex_);
    answers = static_cast<std::uint64_t>(answered_->count());
  }
  counts_.silent = planned > answers ? planned - answers : 0;
  if (settings_.report_silent && !stopping_.load()) {
    const auto order = orders();
    targets::Target target;
    while (order->next(target)) {
      if (answered(Key{target.address.value(), target.port})) continue;
      Answer answer;
      answer.kind = AnswerKind::Silent;
      answer.address = target.address;
      answer.port = target.port;
      answer.name = std::string(target.name);
      answer.passes = static_cast<std::uint32_t>(settings_.retries) + 1;
      answer.when = std::chrono::system_clock::now();
      sink(std::move(answer));
    }
  }
  counts_.duration_s = std::chrono::duration<double>(clock_.now() - started).count();
  return counts_;
}

Scanner::Scanner(const Settings& settings, const Address& first_target)
    : impl_(std::make_unique<Impl>(settings, first_target)) {}

Scanner::~Scanner() = default;

Counts Scanner::run(const OrderFactory& orders, const AnswerSink& sink) {
  return impl_->run(orders, sink);
}

void Scanner::stop() noexcept {
  impl_->stop();
}

const std::string& Scanner::interface() const {
  return impl_->interface_;
}

const Address& Scanner::source() const {
  return impl_->source_;
}

const std::string& Scanner::sender() const {
  return impl_->sender_;
}

std::string libraryVersion() {
  return pcap_lib_version();
}

}  // namespace dotscan::syn
