#include "dotscan/syn/tx_ring.hpp"

#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace dotscan::syn {

namespace {

// A frame starts with its tpacket2_hdr; TPACKET_V2 sends the bytes from the end of the header
// rounded to TPACKET_ALIGNMENT (tpacket_snd: tp_hdrlen - sizeof(struct sockaddr_ll)).
constexpr std::size_t kAlignment = TPACKET_ALIGNMENT;
constexpr std::size_t kDataOffset =
    (sizeof(tpacket2_hdr) + kAlignment - 1) / kAlignment * kAlignment;
static_assert(kDataOffset == 32);

// struct virtio_net_hdr of <linux/virtio_net.h>, which is C only (a member named "class").
struct VirtioNetHeader {
  std::uint8_t flags = 0;
  std::uint8_t gso_type = 0;  // VIRTIO_NET_HDR_GSO_NONE
  std::uint16_t hdr_len = 0;
  std::uint16_t gso_size = 0;
  std::uint16_t csum_start = 0;
  std::uint16_t csum_offset = 0;
};
static_assert(sizeof(VirtioNetHeader) == 10);

std::atomic_ref<std::uint32_t> status(std::uint8_t* frame) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the kernel's frame layout
  return std::atomic_ref<std::uint32_t>(reinterpret_cast<tpacket2_hdr*>(frame)->tp_status);
}

}  // namespace

std::unique_ptr<TxRing> TxRing::open(int fd, std::size_t frames, std::size_t frame_size) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  if (frame_size % kAlignment != 0 || frame_size < kDataOffset + 64 || page % frame_size != 0 ||
      frames % (page / frame_size) != 0) {
    return nullptr;
  }
  const int version = TPACKET_V2;
  if (::setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) return nullptr;
  // A virtio-net header before each packet, whose hdr_len is the whole packet, has the kernel copy
  // the packet into the socket buffer (tpacket_snd's copylen). Without it, the kernel copies the
  // link-layer header only and points at the rest in the ring's page, and a veth peer then copies
  // that page to a new one for every packet (skb_copy_ubufs): slower than sendmmsg.
  // A frame the kernel finds malformed is skipped (PACKET_LOSS), not left to stop the ring: it
  // would otherwise keep its place at the ring's head, and no later frame would go.
  const int loss = 1;
  if (::setsockopt(fd, SOL_PACKET, PACKET_LOSS, &loss, sizeof loss) != 0) return nullptr;
  const int vnet = 1;
  const bool with_vnet = ::setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &vnet, sizeof vnet) == 0;
  tpacket_req request{};
  request.tp_block_size = static_cast<unsigned>(page);
  request.tp_block_nr = static_cast<unsigned>(frames / (page / frame_size));
  request.tp_frame_size = static_cast<unsigned>(frame_size);
  request.tp_frame_nr = static_cast<unsigned>(frames);
  if (::setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &request, sizeof request) != 0) return nullptr;
  void* map = ::mmap(nullptr, frames * frame_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return nullptr;  // NOLINT(cppcoreguidelines-pro-type-cstyle-cast)
  return std::unique_ptr<TxRing>(new TxRing(fd, map, frames, frame_size, with_vnet));
}

TxRing::TxRing(int fd, void* map, std::size_t frames, std::size_t frame_size, bool vnet)
    : fd_(fd),
      map_(map),
      frames_(frames),
      frame_size_(frame_size),
      prefix_(vnet ? sizeof(VirtioNetHeader) : 0) {}

TxRing::~TxRing() {
  ::munmap(map_, frames_ * frame_size_);
}

std::uint8_t* TxRing::frameAt(std::size_t index) const {
  return static_cast<std::uint8_t*>(map_) + index * frame_size_;
}

std::span<std::uint8_t> TxRing::frame() {
  if (in_ring_ == frames_) return {};  // next_ is oldest_, not yet given back
  std::uint8_t* frame = frameAt(next_);
  return {frame + kDataOffset + prefix_, frame_size_ - kDataOffset - prefix_};
}

void TxRing::commit(std::size_t length) {
  std::uint8_t* frame = frameAt(next_);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the kernel's frame layout
  auto* header = reinterpret_cast<tpacket2_hdr*>(frame);
  header->tp_len = static_cast<std::uint32_t>(prefix_ + length);
  if (prefix_ != 0) {
    VirtioNetHeader vnet;  // no checksum offload, no segmentation: the whole packet, copied
    vnet.hdr_len = static_cast<std::uint16_t>(length);  // little-endian (legacy virtio on x86)
    std::memcpy(frame + kDataOffset, &vnet, sizeof vnet);
  }
  // The bytes and the length before the status: the kernel reads them once it sees the request.
  status(frame).store(TP_STATUS_SEND_REQUEST, std::memory_order_release);
  next_ = (next_ + 1) % frames_;
  ++in_ring_;
  ++unsent_;
}

int TxRing::send() {
  // The kernel sends every frame marked, from where it stopped, and returns without waiting for
  // the device (MSG_DONTWAIT). Frames it could not take stay marked, for the next send.
  const auto result = static_cast<int>(::send(fd_, nullptr, 0, MSG_DONTWAIT));
  if (result >= 0) unsent_ = 0;
  return result;
}

std::uint64_t TxRing::reap() {
  std::uint64_t given_back = 0;
  while (in_ring_ > 0 &&
         status(frameAt(oldest_)).load(std::memory_order_acquire) == TP_STATUS_AVAILABLE) {
    ++given_back;
    oldest_ = (oldest_ + 1) % frames_;
    --in_ring_;
  }
  return given_back;
}

}  // namespace dotscan::syn
