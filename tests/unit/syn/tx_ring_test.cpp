// A packet socket's transmit ring (syn/tx_ring.hpp), on the loopback interface of a network
// namespace of the test's own: every frame committed leaves once, whole and in order, however
// many times the ring goes round, and is counted once when the kernel gives it back. Needs root
// (a namespace and a packet socket): without it, skipped, or failed under CI=true.
#include "dotscan/syn/tx_ring.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <net/if.h>
#include <sched.h>
#include <vector>

#include "dotscan/net/socket.hpp"

#include "support/cannot_run.hpp"

namespace dotscan::syn {
namespace {

constexpr std::uint16_t kEtherType = 0x88b5;  // IEEE 802 local experimental
constexpr std::size_t kFrameLength = 60;

// Brings `lo` up in this (new) namespace; its index, or 0.
int loopbackUp() {
  const net::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (!fd.valid() || ::ioctl(fd.get(), SIOCGIFFLAGS, &request) != 0) return 0;
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (::ioctl(fd.get(), SIOCSIFFLAGS, &request) != 0) return 0;
  return static_cast<int>(::if_nametoindex("lo"));
}

net::UniqueFd packetSocket(int ifindex, std::uint16_t protocol) {
  net::UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(protocol)));
  sockaddr_ll link{};
  link.sll_family = AF_PACKET;
  link.sll_protocol = htons(protocol);
  link.sll_ifindex = ifindex;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockaddr API
  if (fd.valid() && ::bind(fd.get(), reinterpret_cast<sockaddr*>(&link), sizeof link) != 0) {
    return net::UniqueFd();
  }
  return fd;
}

TEST(TxRing, EveryFrameLeavesOnceInOrderAndIsCounted) {
  if (::unshare(CLONE_NEWNET) != 0) {
    DOTSCAN_CANNOT_RUN("a network namespace of its own needs root");
  }
  const int lo = loopbackUp();
  ASSERT_NE(lo, 0);
  const net::UniqueFd capture = packetSocket(lo, kEtherType);
  const net::UniqueFd sender = packetSocket(lo, kEtherType);
  ASSERT_TRUE(capture.valid() && sender.valid()) << std::strerror(errno);
  const int buffer = 4 << 20;
  (void)::setsockopt(capture.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);

  // 64 frames, 16 to a page: 300 frames go round the ring several times.
  const auto ring = TxRing::open(sender.get(), 64, 256);
  ASSERT_TRUE(ring);
  constexpr std::uint32_t kFrames = 300;
  std::uint64_t given_back = 0;
  for (std::uint32_t n = 0; n < kFrames; ++n) {
    std::span<std::uint8_t> frame = ring->frame();
    for (int tries = 0; frame.empty() && tries < 1000; ++tries) {
      ASSERT_GE(ring->send(), 0) << std::strerror(errno);
      given_back += ring->reap();
      frame = ring->frame();
    }
    ASSERT_GE(frame.size(), kFrameLength);
    std::fill_n(frame.begin(), kFrameLength, std::uint8_t{0});
    frame[12] = kEtherType >> 8U;  // destination and source MAC left zero
    frame[13] = kEtherType & 0xffU;
    std::memcpy(&frame[14], &n, sizeof n);
    ring->commit(kFrameLength);
    if (ring->unsent() == 16) {
      ASSERT_GE(ring->send(), 0) << std::strerror(errno);
    }
  }
  for (int tries = 0; ring->inFlight() > 0 && tries < 1000; ++tries) {
    ASSERT_GE(ring->send(), 0);
    given_back += ring->reap();
  }
  EXPECT_EQ(given_back, kFrames);
  EXPECT_EQ(ring->inFlight(), 0U);

  // What left the ring, as the loopback brings it back in: each frame once, in order, whole.
  std::vector<std::uint32_t> seen;
  std::array<std::uint8_t, 2048> bytes{};
  for (;;) {
    sockaddr_ll from{};
    socklen_t length = sizeof from;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockaddr API
    const ssize_t got = ::recvfrom(capture.get(), bytes.data(), bytes.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &length);
    if (got < 0) break;
    if (from.sll_pkttype == PACKET_OUTGOING) continue;  // (a socket of one protocol sees none)
    EXPECT_EQ(got, static_cast<ssize_t>(kFrameLength));
    std::uint32_t n = 0;
    std::memcpy(&n, &bytes[14], sizeof n);
    seen.push_back(n);
  }
  ASSERT_EQ(seen.size(), kFrames);
  for (std::uint32_t n = 0; n < kFrames; ++n) EXPECT_EQ(seen[n], n);
}

TEST(TxRing, RefusesAGeometryTheKernelWouldNot) {
  // Checked before any socket option: no socket needed.
  EXPECT_FALSE(TxRing::open(-1, 64, 200));  // not a multiple of 16
  EXPECT_FALSE(TxRing::open(-1, 64, 48));   // too small for a header and a packet
  EXPECT_FALSE(TxRing::open(-1, 10, 256));  // not whole pages
}

}  // namespace
}  // namespace dotscan::syn
