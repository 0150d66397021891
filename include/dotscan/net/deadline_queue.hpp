// dotscan/net/deadline_queue.hpp — the one ordered structure of every pending deadline of a loop.
//
// Keyed by probe slot index (what epoll_event.data carries), not by pointer. An indexed binary
// min-heap: arm, re-arm and disarm in O(log n), the nearest deadline in O(1), so epoll_wait sleeps
// exactly until the next timeout (nmap nsock/src/engine_epoll.c). Invariant: a slot has at most one
// deadline; arming it again replaces the old one.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "dotscan/util/clock.hpp"

namespace dotscan::net {

class DeadlineQueue {
 public:
  void arm(std::uint32_t slot, TimePoint when);
  void disarm(std::uint32_t slot);
  [[nodiscard]] bool armed(std::uint32_t slot) const;
  [[nodiscard]] std::optional<TimePoint> nearest() const;
  [[nodiscard]] std::size_t size() const { return heap_.size(); }

  // Removes and returns the slot with the earliest deadline if that deadline is <= now.
  std::optional<std::uint32_t> popExpired(TimePoint now);

  // The epoll_wait timeout: -1 with nothing armed, 0 if a deadline has passed, otherwise the wait
  // in milliseconds rounded up, so that a wake-up never comes before the deadline it serves.
  [[nodiscard]] int epollTimeoutMs(TimePoint now) const;

 private:
  struct Entry {
    TimePoint when;
    std::uint32_t slot;
  };
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  void place(std::size_t index);  // restores the heap order around index
  bool siftUp(std::size_t index);
  void siftDown(std::size_t index);
  void swapEntries(std::size_t a, std::size_t b);
  void removeAt(std::size_t index);

  std::vector<Entry> heap_;
  std::vector<std::uint32_t> position_;  // slot -> index in heap_, or kNone
};

}  // namespace dotscan::net
