#include "dotscan/net/deadline_queue.hpp"

#include <limits>
#include <utility>

namespace dotscan::net {

void DeadlineQueue::arm(std::uint32_t slot, TimePoint when) {
  if (slot >= position_.size()) position_.resize(static_cast<std::size_t>(slot) + 1, kNone);
  if (const std::uint32_t at = position_[slot]; at != kNone) {
    heap_[at].when = when;
    place(at);
    return;
  }
  heap_.push_back({when, slot});
  position_[slot] = static_cast<std::uint32_t>(heap_.size() - 1);
  siftUp(heap_.size() - 1);
}

void DeadlineQueue::disarm(std::uint32_t slot) {
  if (!armed(slot)) return;
  removeAt(position_[slot]);
}

bool DeadlineQueue::armed(std::uint32_t slot) const {
  return slot < position_.size() && position_[slot] != kNone;
}

std::optional<TimePoint> DeadlineQueue::nearest() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().when;
}

std::optional<std::uint32_t> DeadlineQueue::popExpired(TimePoint now) {
  if (heap_.empty() || heap_.front().when > now) return std::nullopt;
  const std::uint32_t slot = heap_.front().slot;
  removeAt(0);
  return slot;
}

int DeadlineQueue::epollTimeoutMs(TimePoint now) const {
  if (heap_.empty()) return -1;
  const TimePoint when = heap_.front().when;
  if (when <= now) return 0;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
  return wait > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                                : static_cast<int>(wait);
}

void DeadlineQueue::removeAt(std::size_t index) {
  position_[heap_[index].slot] = kNone;
  const std::size_t last = heap_.size() - 1;
  if (index != last) {
    heap_[index] = heap_[last];
    position_[heap_[index].slot] = static_cast<std::uint32_t>(index);
  }
  heap_.pop_back();
  if (index < heap_.size()) place(index);
}

void DeadlineQueue::place(std::size_t index) {
  if (!siftUp(index)) siftDown(index);
}

bool DeadlineQueue::siftUp(std::size_t index) {
  bool moved = false;
  while (index > 0) {
    const std::size_t parent = (index - 1) / 2;
    if (!(heap_[index].when < heap_[parent].when)) break;
    swapEntries(index, parent);
    index = parent;
    moved = true;
  }
  return moved;
}

void DeadlineQueue::siftDown(std::size_t index) {
  while (true) {
    const std::size_t left = 2 * index + 1;
    if (left >= heap_.size()) return;
    std::size_t child = left;
    if (left + 1 < heap_.size() && heap_[left + 1].when < heap_[left].when) child = left + 1;
    if (!(heap_[child].when < heap_[index].when)) return;
    swapEntries(index, child);
    index = child;
  }
}

void DeadlineQueue::swapEntries(std::size_t a, std::size_t b) {
  std::swap(heap_[a], heap_[b]);
  position_[heap_[a].slot] = static_cast<std::uint32_t>(a);
  position_[heap_[b].slot] = static_cast<std::uint32_t>(b);
}

}  // namespace dotscan::net
