#include "dotscan/dns/framing.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace dotscan::dns {

FrameReader::FrameReader(std::size_t max_length) : max_length_(max_length) {}

FrameReader::State FrameReader::fail(std::string reason) {
  state_ = State::Error;
  error_ = std::move(reason);
  body_.clear();
  body_.shrink_to_fit();
  kept_.clear();
  kept_.shrink_to_fit();
  return state_;
}

FrameReader::State FrameReader::feed(std::span<const std::uint8_t> bytes) {
  received_ += bytes.size();
  if (state_ == State::Complete) keep(bytes);
  if (state_ != State::NeedMore) return state_;
  return consume(bytes);
}

FrameReader::State FrameReader::consume(std::span<const std::uint8_t> bytes) {
  const std::size_t before = bytes.size();
  while (length_have_ < length_bytes_.size() && !bytes.empty()) {
    length_bytes_.at(length_have_++) = bytes.front();
    bytes = bytes.subspan(1);
  }
  frame_received_ += before - bytes.size();
  if (length_have_ < length_bytes_.size()) return state_;

  if (expected_ == 0) {
    // RFC 1035 section 4.2.2: the length is big-endian and excludes its own two bytes.
    const std::size_t length = (std::size_t{length_bytes_[0]} << 8U) | length_bytes_[1];
    // A DNS message has at least a 12-byte header, so 0 can only be a broken peer; refusing it
    // here keeps "Complete" meaning "a message arrived".
    if (length == 0) return fail("zero-length frame");
    if (length > max_length_) {
      return fail("frame length " + std::to_string(length) + " over the cap of " +
                  std::to_string(max_length_));
    }
    expected_ = length;
    body_.reserve(length);
  }

  const std::size_t take = std::min(bytes.size(), expected_ - body_.size());
  body_.insert(body_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
  frame_received_ += take;
  if (body_.size() == expected_) {
    state_ = State::Complete;
    keep(bytes.subspan(take));
  }
  return state_;
}

void FrameReader::keep(std::span<const std::uint8_t> bytes) {
  if (bytes.empty() || overflow_) return;
  if (bytes.size() > kMaxKept - kept_.size()) {
    overflow_ = true;
    return;
  }
  kept_.insert(kept_.end(), bytes.begin(), bytes.end());
}

FrameReader::State FrameReader::next() {
  if (state_ != State::Complete) return state_;
  state_ = State::NeedMore;
  length_have_ = 0;
  expected_ = 0;
  body_.clear();
  frame_received_ = 0;
  if (overflow_) {
    return fail("more than " + std::to_string(kMaxKept) + " bytes queued after a frame");
  }
  const std::vector<std::uint8_t> kept = std::exchange(kept_, {});
  consume(kept);
  if (state_ == State::NeedMore && ended_) return cutShort();
  return state_;
}

FrameReader::State FrameReader::endOfStream() {
  ended_ = true;
  if (state_ != State::NeedMore) return state_;
  return cutShort();
}

FrameReader::State FrameReader::cutShort() {
  if (frame_received_ == 0) return state_;
  if (length_have_ < length_bytes_.size()) {
    return fail("length cut short (" + std::to_string(length_have_) + " of 2 bytes)");
  }
  return fail("body cut short (" + std::to_string(body_.size()) + " of " +
              std::to_string(expected_) + " bytes)");
}

std::span<const std::uint8_t> FrameReader::message() const {
  if (state_ != State::Complete) return {};
  return body_;
}

}  // namespace dotscan::dns
