// dotscan/util/wire_reader.hpp — a bounds-checked cursor over untrusted bytes.
//
// Every byte from the network is read through this (Knot DNS src/contrib/wire_ctx.h): reads are
// big-endian, and the first read past the end makes the reader fail. Invariants: it never reads
// outside its span; once failed it stays failed (the error is sticky), every later read returns 0
// or an empty span and moves nothing, so a parser may read a whole header and check ok() once.
// No I/O, no allocation; a reader is a view, the bytes must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dotscan {

class WireReader {
 public:
  constexpr WireReader() = default;
  constexpr explicit WireReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  [[nodiscard]] constexpr bool ok() const { return ok_; }
  // Bytes not yet read; 0 once failed.
  [[nodiscard]] constexpr std::size_t remaining() const { return ok_ ? bytes_.size() - pos_ : 0; }
  // Bytes read so far, from the start of the span.
  [[nodiscard]] constexpr std::size_t offset() const { return pos_; }
  // What is left, unread; empty once failed.
  [[nodiscard]] constexpr std::span<const std::uint8_t> rest() const {
    return ok_ ? bytes_.subspan(pos_) : std::span<const std::uint8_t>{};
  }

  // Marks the input bad (for a value that is in bounds but wrong, such as a length field).
  constexpr void fail() { ok_ = false; }

  constexpr std::uint8_t readU8() {
    const auto bytes = take(1);
    return bytes.empty() ? 0 : bytes[0];
  }
  constexpr std::uint16_t readU16() {
    const auto bytes = take(2);
    if (bytes.empty()) return 0;
    return static_cast<std::uint16_t>((unsigned{bytes[0]} << 8U) | bytes[1]);
  }
  constexpr std::uint32_t readU32() {
    const auto bytes = take(4);
    if (bytes.empty()) return 0;
    return (std::uint32_t{bytes[0]} << 24U) | (std::uint32_t{bytes[1]} << 16U) |
           (std::uint32_t{bytes[2]} << 8U) | bytes[3];
  }
  constexpr void skip(std::size_t count) { take(count); }
  // The next `count` bytes, consumed; empty (and failed) when fewer remain. A count of 0 gives an
  // empty span and leaves the reader as it was.
  constexpr std::span<const std::uint8_t> readBytes(std::size_t count) { return take(count); }
  // A reader over the next `count` bytes, consumed here: the sub-reader cannot run past them. A
  // failed reader, or too few bytes, gives a failed sub-reader.
  constexpr WireReader sub(std::size_t count) {
    const auto bytes = take(count);
    WireReader reader(bytes);
    if (!ok_) reader.fail();
    return reader;
  }

 private:
  constexpr std::span<const std::uint8_t> take(std::size_t count) {
    if (!ok_ || bytes_.size() - pos_ < count) {
      ok_ = false;
      return {};
    }
    const auto bytes = bytes_.subspan(pos_, count);
    pos_ += count;
    return bytes;
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace dotscan
