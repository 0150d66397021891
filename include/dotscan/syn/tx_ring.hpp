// dotscan/syn/tx_ring.hpp — a packet socket's transmit ring (PACKET_TX_RING, TPACKET_V2).
//
// Frames are written in place, in memory the socket shares with the kernel, and one send() hands
// the kernel every frame marked since the last: no iovec copied in and no result written back per
// frame, as sendmmsg does. Frames go round in order; the kernel marks each available again once
// the device has taken it (packet(7), "PACKET_TX_RING"; Documentation/networking/packet_mmap).
// Invariants: a frame is handed out only when the kernel has finished with it; every frame
// committed is counted once by reap(), once the kernel gives it back; the mapping is undone with
// the ring.
// Not thread-safe: one sender uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace dotscan::syn {

class TxRing {
 public:
  // Sets up a ring of `frames` frames of `frame_size` bytes (a multiple of 16, a divisor of the
  // page size) on the bound packet socket `fd`; nullptr when the kernel refuses.
  static std::unique_ptr<TxRing> open(int fd, std::size_t frames = 1024,
                                      std::size_t frame_size = 256);
  TxRing(const TxRing&) = delete;
  TxRing& operator=(const TxRing&) = delete;
  TxRing(TxRing&&) = delete;
  TxRing& operator=(TxRing&&) = delete;
  ~TxRing();

  // The next frame's bytes to write a packet into; empty when every frame is still the kernel's.
  std::span<std::uint8_t> frame();
  // Marks the frame frame() gave, holding `length` bytes, for sending.
  void commit(std::size_t length);
  // Frames committed since the last send().
  [[nodiscard]] std::size_t unsent() const { return unsent_; }
  // Hands the committed frames to the kernel (send(2) with no data). Returns what send returned;
  // on an error, the frames stay committed and unsent.
  int send();

  // Counts the frames the kernel has given back since the last call: sent (or, malformed, skipped;
  // this scanner's frames never are).
  std::uint64_t reap();
  // Frames committed and not yet given back.
  [[nodiscard]] std::size_t inFlight() const { return in_ring_; }

 private:
  TxRing(int fd, void* map, std::size_t frames, std::size_t frame_size, bool vnet);
  [[nodiscard]] std::uint8_t* frameAt(std::size_t index) const;

  int fd_;
  void* map_;
  std::size_t frames_;
  std::size_t frame_size_;
  std::size_t prefix_;       // the virtio-net header before each packet, when there is one
  std::size_t next_ = 0;     // the frame to fill next
  std::size_t oldest_ = 0;   // the oldest frame not yet reaped
  std::size_t in_ring_ = 0;  // committed, not reaped
  std::size_t unsent_ = 0;   // committed since the last send()
};

}  // namespace dotscan::syn
