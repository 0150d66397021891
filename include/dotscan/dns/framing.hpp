// dotscan/dns/framing.hpp — reassembling DNS messages, one after the other, from the bytes of a
// stream.
//
// DNS over TCP and over TLS (RFC 1035 section 4.2.2, RFC 7858 section 3.3) sends each message
// after a two-byte big-endian length. The bytes arrive in pieces of any size, and one piece may
// end one message and begin the next (a server may coalesce its answers, RFC 7766 section 6.2.1),
// so FrameReader takes them as they come, says when the current message is whole, keeps the bytes
// after it, and next() moves on to the following message. Our own bounds-checked code, no I/O.
// Invariants: it never holds more than max_length bytes of the current message nor more than
// kMaxKept bytes after it, whatever the peer sends; once Complete or Error the state changes only
// through next() (a Complete frame to the following one; an Error is final); error() is empty
// unless the state is Error.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dotscan::dns {

class FrameReader {
 public:
  // The largest message a two-byte length can announce.
  static constexpr std::size_t kMaxFrameLength = 65535;
  // The most bytes kept after the current frame: one whole frame of the largest kind. A caller
  // that calls next() once a frame is Complete, before it reads more, never reaches it.
  static constexpr std::size_t kMaxKept = kMaxFrameLength + 2;

  explicit FrameReader(std::size_t max_length = kMaxFrameLength);

  enum class State { NeedMore, Complete, Error };

  // Consumes bytes up to the end of the current frame and keeps the bytes after it for the next
  // (all counted in received()). A length of 0 or over max_length is an Error at once.
  State feed(std::span<const std::uint8_t> bytes);

  // After Complete: drops the current message and goes on to the next frame with the bytes kept,
  // which may complete it at once. A no-op in any other state. Kept bytes past kMaxKept make the
  // next frame an Error ("more than N bytes queued after a frame").
  State next();

  // The peer closed the stream. A frame begun but not finished becomes an Error ("length cut
  // short (1 of 2 bytes)", "body cut short (N of M bytes)"); with no byte of the current frame
  // received the state stays NeedMore and error() empty, so the caller can tell silence from a
  // cut. Remembered: a frame that next() begins from kept bytes is judged the same way.
  State endOfStream();

  [[nodiscard]] State state() const { return state_; }
  // The message without its length prefix; empty unless Complete.
  [[nodiscard]] std::span<const std::uint8_t> message() const;
  [[nodiscard]] const std::string& error() const { return error_; }
  // Every byte fed, length prefixes and bytes kept after the current frame included.
  [[nodiscard]] std::size_t received() const { return received_; }
  // The bytes of the current frame received so far, its length prefix included.
  [[nodiscard]] std::size_t frameReceived() const { return frame_received_; }
  // The bytes kept after the current frame.
  [[nodiscard]] std::size_t kept() const { return kept_.size(); }
  // The announced message length once both length bytes arrived (and it was acceptable), else 0.
  [[nodiscard]] std::size_t expected() const { return expected_; }

 private:
  State consume(std::span<const std::uint8_t> bytes);
  void keep(std::span<const std::uint8_t> bytes);
  State fail(std::string reason);
  State cutShort();

  std::size_t max_length_;
  State state_ = State::NeedMore;
  std::array<std::uint8_t, 2> length_bytes_{};
  std::size_t length_have_ = 0;
  std::size_t expected_ = 0;
  std::vector<std::uint8_t> body_;
  std::vector<std::uint8_t> kept_;  // bytes after the current frame, for the next
  bool overflow_ = false;           // bytes past kMaxKept arrived (and were dropped)
  bool ended_ = false;              // endOfStream() was called
  std::size_t received_ = 0;
  std::size_t frame_received_ = 0;
  std::string error_;
};

}  // namespace dotscan::dns
