// dotscan/dns/framing.hpp — reassembling one DNS message from the bytes of a stream.
//
// DNS over TCP and over TLS (RFC 1035 section 4.2.2, RFC 7858 section 3.3) sends each message
// after a two-byte big-endian length. The bytes arrive in pieces of any size, so FrameReader
// takes them as they come and says when the first message is whole. Our own bounds-checked code,
// no I/O. Invariants: it never holds more than max_length message bytes whatever the peer sends;
// once Complete or Error the state never changes again (later bytes are only counted); error() is
// empty unless the state is Error.
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

  explicit FrameReader(std::size_t max_length = kMaxFrameLength);

  enum class State { NeedMore, Complete, Error };

  // Consumes bytes up to the end of the first frame; bytes after it are counted in received()
  // but ignored. A length of 0 or over max_length is an Error at once.
  State feed(std::span<const std::uint8_t> bytes);

  // The peer closed the stream. A frame begun but not finished becomes an Error ("length cut
  // short (1 of 2 bytes)", "body cut short (N of M bytes)"); with no byte received at all the
  // state stays NeedMore and error() empty, so the caller can tell silence from a cut.
  State endOfStream();

  [[nodiscard]] State state() const { return state_; }
  // The message without its length prefix; empty unless Complete.
  [[nodiscard]] std::span<const std::uint8_t> message() const;
  [[nodiscard]] const std::string& error() const { return error_; }
  // Every byte fed, length prefix and any bytes after the frame included.
  [[nodiscard]] std::size_t received() const { return received_; }
  // The announced message length once both length bytes arrived (and it was acceptable), else 0.
  [[nodiscard]] std::size_t expected() const { return expected_; }

 private:
  State fail(std::string reason);

  std::size_t max_length_;
  State state_ = State::NeedMore;
  std::array<std::uint8_t, 2> length_bytes_{};
  std::size_t length_have_ = 0;
  std::size_t expected_ = 0;
  std::vector<std::uint8_t> body_;
  std::size_t received_ = 0;
  std::string error_;
};

}  // namespace dotscan::dns
