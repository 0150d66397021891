#include "dotscan/syn/recorder.hpp"

#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <thread>

#include "dotscan/net/socket.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::syn {

class Recorder::Impl {
 public:
  explicit Impl(const RecorderSettings& settings) : settings_(settings) {
    std::array<char, PCAP_ERRBUF_SIZE> error{};
    pcap_ = ::pcap_create(settings.interface.c_str(), error.data());
    if (pcap_ == nullptr) {
      throw Error(ExitCode::RuntimeError, "capture on " + settings.interface + ": " + error.data());
    }
    (void)::pcap_set_snaplen(pcap_, settings.snap_length);
    (void)::pcap_set_immediate_mode(pcap_, 1);
    (void)::pcap_set_buffer_size(pcap_, 8 << 20);
    if (const int status = ::pcap_activate(pcap_); status < 0) {
      const std::string why = ::pcap_geterr(pcap_);
      close();
      if (status == PCAP_ERROR_PERM_DENIED) {
        throw UsageError("writing a pcap file needs root or CAP_NET_RAW (" + why + ")");
      }
      throw Error(ExitCode::RuntimeError, "capture on " + settings.interface + ": " + why);
    }
    // The scan's traffic and nothing else: its ports both ways, discovery's source ports, ICMP.
    std::string filter = "icmp or icmp6 or (tcp dst portrange " +
                         std::to_string(settings.source_ports_first) + "-" +
                         std::to_string(settings.source_ports_last) + ")";
    for (const std::uint16_t port : settings.ports) {
      filter += " or tcp port " + std::to_string(port);
    }
    if (settings.ports.empty()) filter = "tcp or icmp or icmp6";
    bpf_program program{};
    if (::pcap_compile(pcap_, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        ::pcap_setfilter(pcap_, &program) != 0) {
      const std::string why = ::pcap_geterr(pcap_);
      ::pcap_freecode(&program);
      close();
      throw Error(ExitCode::RuntimeError, "capture filter: " + why);
    }
    ::pcap_freecode(&program);
    (void)::pcap_setnonblock(pcap_, 1, error.data());
    dumper_ = ::pcap_dump_open(pcap_, settings.path.c_str());
    if (dumper_ == nullptr) {
      const std::string why = ::pcap_geterr(pcap_);
      close();
      throw UsageError("--pcap: cannot write " + quoteInput(settings.path) + ": " + why);
    }
    stop_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  }
  ~Impl() {
    (void)stop();
    close();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  void start() {
    thread_ = std::thread([this] { loop(); });
  }

  RecorderCounts stop() {
    if (thread_.joinable()) {
      const std::uint64_t one = 1;
      [[maybe_unused]] const ssize_t written = ::write(stop_fd_.get(), &one, sizeof one);
      thread_.join();
    }
    if (dumper_ != nullptr) {
      pcap_stat stats{};
      if (::pcap_stats(pcap_, &stats) == 0) counts_.dropped = stats.ps_drop + stats.ps_ifdrop;
      ::pcap_dump_close(dumper_);
      dumper_ = nullptr;
    }
    return counts_;
  }

 private:
  void close() {
    if (pcap_ != nullptr) ::pcap_close(pcap_);
    pcap_ = nullptr;
  }

  void drain() {
    const auto handler = [](u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
      auto* self = reinterpret_cast<Impl*>(user);  // NOLINT: libpcap's callback argument
      // Past the cap a packet is counted, not written: the file never outgrows max_bytes.
      const auto size = static_cast<std::uint64_t>(::pcap_dump_ftell64(self->dumper_));
      if (size + sizeof(pcap_pkthdr) + header->caplen > self->settings_.max_bytes) {
        ++self->counts_.skipped;
        return;
      }
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libpcap's user pointer
      ::pcap_dump(reinterpret_cast<u_char*>(self->dumper_), header, bytes);
      ++self->counts_.written;
    };
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libpcap's user pointer
    while (::pcap_dispatch(pcap_, 256, handler, reinterpret_cast<u_char*>(this)) > 0) {
    }
  }

  void loop() {
    const int capture_fd = ::pcap_get_selectable_fd(pcap_);
    for (;;) {
      std::array<pollfd, 2> fds{pollfd{capture_fd, POLLIN, 0}, pollfd{stop_fd_.get(), POLLIN, 0}};
      (void)::poll(fds.data(), fds.size(), 100);
      drain();
      if ((fds[1].revents & POLLIN) != 0) break;
    }
    drain();
  }

  RecorderSettings settings_;
  pcap_t* pcap_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
  net::UniqueFd stop_fd_;
  std::thread thread_;
  RecorderCounts counts_;
};

Recorder::Recorder(const RecorderSettings& settings) : impl_(std::make_unique<Impl>(settings)) {}

Recorder::~Recorder() = default;

void Recorder::start() {
  impl_->start();
}

RecorderCounts Recorder::stop() {
  return impl_->stop();
}

}  // namespace dotscan::syn
