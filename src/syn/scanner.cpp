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

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
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
#include "dotscan/syn/tx_ring.hpp"
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

// The SYNs queued for one sendmmsg on one socket.
struct Batch {
  std::array<std::array<std::uint8_t, 128>, kBatch> packets{};
  std::array<sockaddr_storage, kBatch> destinations{};
  std::array<Key, kBatch> keys{};  // the target of each queued SYN
  std::array<iovec, kBatch> vectors{};
  std::array<mmsghdr, kBatch> messages{};
  std::size_t queued = 0;
};

// One address family's way out: our address on the route, how its SYNs leave (a raw IP socket,
// or a packet socket on link) and the validator of the replies to them.
struct Path {
  Family family = Family::V4;
  Address source;
  std::string interface;
  std::string sender;  // how SYNs leave, for the metadata
  std::optional<LinkPath> link;
  std::optional<discover::Validator> validator;
};

// One sender's socket on one path, with its batch (or the packet socket's transmit ring).
struct Outlet {
  net::UniqueFd socket;
  std::unique_ptr<TxRing> ring;  // a packet socket's transmit ring; without one, batch
  Batch batch;
};

// One sending thread: an outlet per path (in the paths' order), its share of --rate, its counts.
struct Sender {
  explicit Sender(double rate)
      : limiter(rate, static_cast<std::uint32_t>(std::max(1.0, rate / 1000.0))) {}
  std::vector<std::unique_ptr<Outlet>> outlets;
  net::RateLimiter limiter;
  std::uint64_t sent = 0;
  std::uint64_t send_errors = 0;
  std::uint16_t ip_id = 0;
};

// A libpcap capture on one interface, closed with it.
struct Capture {
  Capture() = default;
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  Capture(Capture&&) = delete;
  Capture& operator=(Capture&&) = delete;
  ~Capture() {
    if (pcap != nullptr) ::pcap_close(pcap);
  }
  std::string interface;
  pcap_t* pcap = nullptr;
  discover::LinkType link = discover::LinkType::Raw;
};

// Opens a sending socket on `path`: without the privilege, a UsageError and nothing else open.
// On an Ethernet link to a resolved gateway (path.link), a packet socket puts whole frames on the
// link, bypassing routing, netfilter and (unless the scan is recorded, whose capture would miss
// them) the queueing discipline, as zmap does; elsewhere a raw IP socket lets the kernel route
// each SYN. Sets path.sender from the first outlet opened.
std::unique_ptr<Outlet> openOutlet(Path& path, const Settings& settings) {
  auto outlet = std::make_unique<Outlet>();
  net::UniqueFd& socket = outlet->socket;
  if (path.link) {
    socket.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.valid()) {
      sockaddr_ll link{};
      link.sll_family = AF_PACKET;
      link.sll_protocol = htons(ETH_P_IP);
      link.sll_ifindex = path.link->ifindex;
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockaddr API
      if (::bind(socket.get(), reinterpret_cast<sockaddr*>(&link), sizeof link) != 0) {
        throw Error(ExitCode::RuntimeError,
                    "-sS: packet socket on " + path.interface + ": " + errorText(errno));
      }
      const int bypass = settings.qdisc_bypass ? 1 : 0;
      (void)::setsockopt(socket.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &bypass, sizeof bypass);
      // Frames written in place in a transmit ring, where the kernel allows one; else sendmmsg.
      outlet->ring = TxRing::open(socket.get());
      if (path.sender.empty()) {
        path.sender = "packet socket on " + path.interface + ", next hop " +
                      macText(path.link->next_hop) + (outlet->ring ? ", TX ring" : "");
      }
    }
  } else {
    socket.reset(::socket(path.family == Family::V4 ? AF_INET : AF_INET6,
                          SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW));
    path.sender = "raw IP socket";
  }
  if (!socket.valid()) {
    if (errno == EPERM || errno == EACCES) {
      throw UsageError("-sS needs root or CAP_NET_RAW (raw socket: " + errorText(errno) +
                       "); -sT scans without privileges");
    }
    throw Error(ExitCode::RuntimeError, "-sS: raw socket: " + errorText(errno));
  }
  if (!path.link && !settings.interface.empty() &&
      ::setsockopt(socket.get(), SOL_SOCKET, SO_BINDTODEVICE, path.interface.c_str(),
                   static_cast<socklen_t>(path.interface.size())) != 0) {
    throw UsageError("--interface " + path.interface + ": " + errorText(errno));
  }
  const int buffer = 4 << 20;
  (void)::setsockopt(socket.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  return outlet;
}

// Opens the capture of the answers on `capture.interface`: non-blocking, immediate, and filtered
// to what can answer a probe (TCP to our source ports, ICMP errors, of either family).
void openCapture(Capture& capture, const Settings& settings) {
  std::array<char, PCAP_ERRBUF_SIZE> error{};
  const std::string& interface = capture.interface;
  capture.pcap = ::pcap_create(interface.c_str(), error.data());
  pcap_t* pcap = capture.pcap;
  if (pcap == nullptr) {
    throw Error(ExitCode::RuntimeError, "-sS: capture on " + interface + ": " + error.data());
  }
  (void)::pcap_set_snaplen(pcap, kSnapLength);
  (void)::pcap_set_immediate_mode(pcap, 1);
  (void)::pcap_set_buffer_size(pcap, kCaptureBuffer);
  (void)::pcap_set_promisc(pcap, 0);
  if (const int status = ::pcap_activate(pcap); status < 0) {
    const std::string why = ::pcap_geterr(pcap);
    if (status == PCAP_ERROR_PERM_DENIED) {
      throw UsageError("-sS needs root or CAP_NET_RAW (capture: " + why + ")");
    }
    throw Error(ExitCode::RuntimeError, "-sS: capture on " + interface + ": " + why);
  }
  const auto link = discover::linkTypeFromDlt(::pcap_datalink(pcap));
  if (!link) {
    throw Error(ExitCode::RuntimeError, "-sS: " + interface + ": link type " +
                                            std::to_string(::pcap_datalink(pcap)) +
                                            " is not supported");
  }
  capture.link = *link;
  const std::string filter = "(tcp dst portrange " + std::to_string(settings.ports.first) + "-" +
                             std::to_string(settings.ports.last) + ") or icmp or icmp6";
  bpf_program program{};
  if (::pcap_compile(pcap, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
      ::pcap_setfilter(pcap, &program) != 0) {
    const std::string why = ::pcap_geterr(pcap);
    ::pcap_freecode(&program);
    throw Error(ExitCode::RuntimeError, "-sS: capture filter: " + why);
  }
  ::pcap_freecode(&program);
  if (::pcap_setnonblock(pcap, 1, error.data()) != 0) {
    throw Error(ExitCode::RuntimeError, std::string("-sS: capture: ") + error.data());
  }
}

// The texts without repeats, in order.
std::vector<std::string> distinct(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const std::string& text : texts) {
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
  }
  return out;
}

// "a, b" of the distinct texts, in order.
std::string joined(const std::vector<std::string>& texts) {
  std::string out;
  for (const std::string& text : distinct(texts)) out += (out.empty() ? "" : ", ") + text;
  return out;
}

}  // namespace

// One per scan, dominated by its packet buffers: the order of its members follows their roles
// and their initialisation, not their padding.
class Scanner::Impl {  // NOLINT(clang-analyzer-optin.performance.Padding)
 public:
  Impl(const Settings& settings, const std::vector<Address>& route_targets);
  ~Impl() = default;
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
  // For the metadata: each family's, joined ("198.18.0.1, 2001:2::1"), first target's first.
  std::string sender_;
  std::string interface_;
  std::string source_;
  std::vector<std::string> interfaces_;  // the distinct interfaces, first target's first

 private:
  void receive(const AnswerSink& sink);
  void handleFrame(const Capture& capture, std::span<const std::uint8_t> frame,
                   const AnswerSink& sink);
  // One pass: every sender on its interleaved part of the order, `first` (if any) sender 0's.
  void sendAll(const OrderFactory& orders, std::unique_ptr<targets::TargetOrder> first,
               std::uint32_t pass);
  void sendPass(Sender& sender, targets::TargetOrder& order, std::uint32_t pass);
  void flush(Sender& sender, Outlet& outlet);
  void flushAll(Sender& sender) {
    for (const auto& outlet : sender.outlets) flush(sender, *outlet);
  }
  void finishPass(Sender& sender);
  [[nodiscard]] Path* pathFor(Family family) const {
    const auto index = pathIndex(family);
    return index ? paths_[*index].get() : nullptr;
  }
  [[nodiscard]] std::optional<std::size_t> pathIndex(Family family) const {
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      if (paths_[i]->family == family) return i;
    }
    return std::nullopt;
  }
  // A SYN our own kernel refused to send: that is the target's answer (unreachable).
  void localAnswer(const Key& key, int error);
  // Waits `duration` unless stopped; true when it waited it all.
  bool pause(Duration duration);
  [[nodiscard]] bool answered(const Key& key);

  std::vector<std::unique_ptr<Path>> paths_;        // one per address family with a route
  std::vector<std::unique_ptr<Sender>> senders_;    // settings_.sender_threads of them
  std::vector<std::unique_ptr<Capture>> captures_;  // one per distinct interface of the paths
  net::UniqueFd stop_fd_;                           // readable once stop() was called
  net::UniqueFd done_fd_;  // readable once the receiver should drain and end
  SteadyClock clock_;
  std::atomic<bool> stopping_{false};

  std::mutex mutex_;  // guards what the threads share: the answers, the names, the answer counts
  std::optional<AnsweredTargets> answered_;  // made by run(), before the receiver starts
  std::unordered_map<Key, std::string, KeyHash> names_;  // named targets only: few
  std::uint32_t pass_ = 0;
  Counts counts_;
  const AnswerSink* sink_ = nullptr;  // set by run()
};

Scanner::Impl::Impl(const Settings& settings, const std::vector<Address>& route_targets)
    : settings_(settings),
      stop_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      done_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (route_targets.empty()) throw Error(ExitCode::RuntimeError, "-sS: no target to route to");
  // Each sender paces its own part of the order at its share of the rate.
  const unsigned threads = std::max(1U, settings.sender_threads);
  for (unsigned i = 0; i < threads; ++i) {
    senders_.push_back(std::make_unique<Sender>(settings.rate / threads));
  }
  // The sending sockets first: without the privilege, nothing else is opened.
  std::vector<std::string> senders;
  std::vector<std::string> sources;
  for (const Address& target : route_targets) {
    if (pathFor(target.family()) != nullptr) continue;  // one path per family
    auto path = std::make_unique<Path>();
    path->family = target.family();
    const bool given = settings.source && settings.source->family() == path->family;
    path->source = given ? *settings.source : routeSource(target);
    path->interface = settings.interface.empty() ? interfaceOf(path->source) : settings.interface;
    path->validator.emplace(discover::Validator::withRandomKey(path->source, settings.ports));
    if (!settings.raw_ip_only) {
      path->link = ethernetPath(path->interface, target, settings.gateway_mac);
    }
    for (const auto& sender : senders_) sender->outlets.push_back(openOutlet(*path, settings));
    senders.push_back(path->sender);
    sources.push_back(path->source.toString());
    interfaces_.push_back(path->interface);
    paths_.push_back(std::move(path));
  }
  if (settings.source && pathFor(settings.source->family()) == nullptr) {
    throw UsageError("--source-ip " + settings.source->toString() +
                     " is not of the targets' family");
  }
  interfaces_ = distinct(interfaces_);
  sender_ = joined(senders);
  source_ = joined(sources);
  interface_ = joined(interfaces_);
  for (const std::string& name : interfaces_) {
    auto capture = std::make_unique<Capture>();
    capture->interface = name;
    openCapture(*capture, settings);
    captures_.push_back(std::move(capture));
  }
}

bool Scanner::Impl::answered(const Key& key) {
  const std::lock_guard lock(mutex_);
  return answered_->answered(Address::fromValue(key.address), key.port);
}

void Scanner::Impl::handleFrame(const Capture& capture, std::span<const std::uint8_t> frame,
                                const AnswerSink& sink) {
  ++counts_.captured;
  const discover::Reply reply = discover::parseReply(capture.link, frame);
  if (reply.kind == discover::ReplyKind::Ignored) return;
  // A reply is to us: the path of its destination's family has the key that made the probe.
  const Path* path = pathFor(reply.destination.family());
  if (path == nullptr || !path->validator->validates(reply)) {
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
    const Capture* capture;
    const AnswerSink* sink;
  };
  const auto handler = [](u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
    auto* ctx = reinterpret_cast<Context*>(user);  // NOLINT: libpcap's callback argument
    ctx->self->handleFrame(*ctx->capture, std::span<const std::uint8_t>(bytes, header->caplen),
                           *ctx->sink);
  };
  std::vector<Context> contexts;
  std::vector<pollfd> fds;
  for (const auto& capture : captures_) {
    contexts.push_back(Context{this, capture.get(), &sink});
    fds.push_back(pollfd{::pcap_get_selectable_fd(capture->pcap), POLLIN, 0});
  }
  fds.push_back(pollfd{done_fd_.get(), POLLIN, 0});
  const auto drain = [&] {
    for (std::size_t i = 0; i < captures_.size(); ++i) {
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libpcap's user pointer
      auto* user = reinterpret_cast<u_char*>(&contexts[i]);
      while (::pcap_dispatch(captures_[i]->pcap, 256, handler, user) > 0) {
      }
    }
  };
  for (;;) {
    for (pollfd& entry : fds) entry.revents = 0;
    (void)::poll(fds.data(), fds.size(), 100);
    drain();
    if ((fds.back().revents & POLLIN) != 0) break;
  }
  drain();
  for (const auto& capture : captures_) {
    pcap_stat stats{};
    if (::pcap_stats(capture->pcap, &stats) == 0) {
      counts_.capture_dropped += stats.ps_drop + stats.ps_ifdrop;
    }
  }
}

void Scanner::Impl::localAnswer(const Key& key, int error) {
  Answer answer;
  answer.kind = AnswerKind::Unreachable;
  answer.address = Address::fromValue(key.address);
  answer.port = key.port;
  const Path* path = pathFor(answer.address.family());
  answer.from = path != nullptr ? path->source : answer.address;
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

void Scanner::Impl::flush(Sender& sender, Outlet& outlet) {
  if (outlet.ring) {
    TxRing& ring = *outlet.ring;
    while (ring.unsent() > 0 && !stopping_.load() && ring.send() < 0) {
      if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) break;  // left for the next send
      waitFor(outlet.socket.get(), POLLOUT, 10);
    }
    sender.sent += ring.reap();
    return;
  }
  Batch& batch = outlet.batch;
  std::size_t done = 0;
  while (done < batch.queued && !stopping_.load()) {
    const int sent = ::sendmmsg(outlet.socket.get(), &batch.messages.at(done),
                                static_cast<unsigned>(batch.queued - done), 0);
    if (sent > 0) {
      done += static_cast<std::size_t>(sent);
      sender.sent += static_cast<std::uint64_t>(sent);
      continue;
    }
    if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
      waitFor(outlet.socket.get(), POLLOUT, 10);
      continue;
    }
    // This SYN cannot go out. No route (or a local firewall's refusal) is this target's
    // answer, as connect() would have said; anything else is only counted.
    const int error = errno;
    ++sender.send_errors;
    if (error == ENETUNREACH || error == EHOSTUNREACH || error == EACCES || error == EPERM) {
      localAnswer(batch.keys.at(done), error);
    }
    ++done;
  }
  batch.queued = 0;
}

void Scanner::Impl::sendAll(const OrderFactory& orders, std::unique_ptr<targets::TargetOrder> first,
                            std::uint32_t pass) {
  // Sender i takes the positions i, i+N, i+2N, ... of the pass's order: disjoint parts, together
  // the whole, each paced at its share of --rate. Sender 0 runs on this thread.
  const auto count = static_cast<std::uint64_t>(senders_.size());
  std::vector<std::unique_ptr<targets::TargetOrder>> parts;
  for (std::uint64_t i = 0; i < count; ++i) {
    parts.push_back(i == 0 && first ? std::move(first) : orders());
    parts.back()->interleave(count, i);
  }
  std::vector<std::exception_ptr> failures(senders_.size());
  const auto send = [&](std::size_t i) {
    try {
      sendPass(*senders_[i], *parts[i], pass);
    } catch (...) {
      failures[i] = std::current_exception();
      stopping_.store(true);  // the others stop too; the failure is rethrown below
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < senders_.size(); ++i) threads.emplace_back(send, i);
  send(0);
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

void Scanner::Impl::sendPass(Sender& sender, targets::TargetOrder& order, std::uint32_t pass) {
  targets::Target target;
  std::uint32_t granted = 0;  // starts taken from the rate limiter and not yet used
  while (!stopping_.load() && order.next(target)) {
    const Key key{target.address.value(), target.port};
    if (pass > 0 && answered(key)) continue;
    const auto index = pathIndex(target.address.family());
    if (!index) {
      // No target of this family had a route when the scan started: as connect() would say.
      ++sender.send_errors;
      localAnswer(key, ENETUNREACH);
      continue;
    }
    const Path* path = paths_[*index].get();
    Outlet& outlet = *sender.outlets[*index];
    if (pass == 0 && !target.name.empty()) {
      const std::lock_guard lock(mutex_);
      names_.emplace(key, std::string(target.name));
    }
    // A batch's worth of starts at one reading of the clock, as many as are due.
    while (granted == 0 && (granted = sender.limiter.acquire(clock_.now(), kBatch)) == 0) {
      flushAll(sender);  // what is queued goes out while we wait for the next slot
      const auto due = sender.limiter.nextDue(clock_.now());
      const auto wait = due ? std::chrono::ceil<std::chrono::milliseconds>(*due - clock_.now())
                            : std::chrono::milliseconds(0);
      if (wait.count() > 0) waitFor(stop_fd_.get(), POLLIN, static_cast<int>(wait.count()));
      if (stopping_.load()) return;
    }
    --granted;
    const discover::Probe probe = path->validator->makeProbe(target.address, target.port);
    discover::SynParameters parameters;
    parameters.source = path->source;
    parameters.destination = target.address;
    parameters.source_port = probe.source_port;
    parameters.destination_port = target.port;
    parameters.seq = probe.seq;
    parameters.ip_id = sender.ip_id++;
    std::optional<discover::EthernetHeader> ethernet;
    if (path->link) ethernet = discover::EthernetHeader{path->link->next_hop, path->link->source};
    if (outlet.ring) {
      // The frame is written where the kernel reads it; a send() every batch hands them over.
      TxRing& ring = *outlet.ring;
      std::span<std::uint8_t> frame = ring.frame();
      while (frame.empty() && !stopping_.load()) {  // every frame is still the kernel's
        flush(sender, outlet);
        frame = ring.frame();
        if (frame.empty()) waitFor(outlet.socket.get(), POLLOUT, 10);
      }
      const std::size_t size = frame.empty() ? 0 : discover::writeSyn(frame, parameters, ethernet);
      if (size == 0) {
        if (!stopping_.load()) ++sender.send_errors;
        continue;
      }
      ring.commit(size);
      if (ring.unsent() == kBatch) flush(sender, outlet);
      continue;
    }
    Batch& batch = outlet.batch;
    const std::size_t slot = batch.queued;
    std::span<std::uint8_t> buffer(batch.packets.at(slot));
    const std::size_t size = discover::writeSyn(buffer, parameters, ethernet);
    if (size == 0) {
      ++sender.send_errors;
      continue;
    }
    // A raw IPv4 socket takes the port-less destination; an IPv6 one wants port 0 too.
    const socklen_t length = net::toSockaddr(target.address, 0, batch.destinations.at(slot));
    batch.vectors.at(slot) = iovec{buffer.data(), size};
    batch.keys.at(slot) = key;
    msghdr& header = batch.messages.at(slot).msg_hdr;
    header = msghdr{};
    if (!path->link) {  // the packet socket is bound to its interface: no address needed
      header.msg_name = &batch.destinations.at(slot);
      header.msg_namelen = length;
    }
    header.msg_iov = &batch.vectors.at(slot);
    header.msg_iovlen = 1;
    if (++batch.queued == kBatch) flush(sender, outlet);
  }
  finishPass(sender);
}

void Scanner::Impl::finishPass(Sender& sender) {
  flushAll(sender);
  // A transmit ring's frames are counted once the kernel gives them back: at once on veth, after
  // the device's completion elsewhere. A tenth of a second at most.
  for (const auto& outlet : sender.outlets) {
    TxRing* ring = outlet->ring.get();
    if (ring == nullptr) continue;
    for (int tries = 0; tries < 100 && ring->inFlight() > 0 && !stopping_.load(); ++tries) {
      (void)ring->send();  // frames a full device refused before are still marked
      sender.sent += ring->reap();
      if (ring->inFlight() > 0) waitFor(stop_fd_.get(), POLLIN, 1);
    }
  }
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
      sendAll(orders, pass == 0 ? std::move(first_order) : nullptr, pass);
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
  for (const auto& sender : senders_) {
    counts_.sent += sender->sent;
    counts_.send_errors += sender->send_errors;
  }
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

Scanner::Scanner(const Settings& settings, const std::vector<Address>& route_targets)
    : impl_(std::make_unique<Impl>(settings, route_targets)) {}

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

const std::string& Scanner::source() const {
  return impl_->source_;
}

const std::vector<std::string>& Scanner::interfaces() const {
  return impl_->interfaces_;
}

const std::string& Scanner::sender() const {
  return impl_->sender_;
}

std::string libraryVersion() {
  return pcap_lib_version();
}

}  // namespace dotscan::syn
