// FrameReader: RFC 7858 section 3.3 framing over bytes that arrive in pieces of any size.
#include "dotscan/dns/framing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace dotscan::dns {
namespace {

using State = FrameReader::State;
using Bytes = std::vector<std::uint8_t>;

Bytes frame(const Bytes& message) {
  // Sized once and copied into (GCC 12 at -O3 saw a false -Warray-bounds in an insert after a
  // two-byte initializer list).
  Bytes out(message.size() + 2);
  out[0] = static_cast<std::uint8_t>(message.size() >> 8U);
  out[1] = static_cast<std::uint8_t>(message.size() & 0xffU);
  std::copy(message.begin(), message.end(), out.begin() + 2);
  return out;
}

Bytes sampleMessage(std::size_t size) {
  Bytes message(size);
  for (std::size_t i = 0; i < size; ++i) message[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return message;
}

Bytes asBytes(std::span<const std::uint8_t> span) {
  return {span.begin(), span.end()};
}

TEST(DnsFrameReader, WholeFrameInOneFeed) {
  const Bytes message = sampleMessage(40);
  FrameReader reader;
  EXPECT_EQ(reader.feed(frame(message)), State::Complete);
  EXPECT_EQ(asBytes(reader.message()), message);
  EXPECT_EQ(reader.expected(), 40U);
  EXPECT_EQ(reader.received(), 42U);
  EXPECT_TRUE(reader.error().empty());
  EXPECT_EQ(reader.endOfStream(), State::Complete);
}

TEST(DnsFrameReader, SplitAtEveryByteBoundary) {
  const Bytes message = sampleMessage(300);  // the length's high byte is not zero
  const Bytes wire = frame(message);
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    FrameReader reader;
    const std::span<const std::uint8_t> all(wire);
    const State first = reader.feed(all.first(split));
    EXPECT_EQ(first, split == wire.size() ? State::Complete : State::NeedMore) << split;
    EXPECT_EQ(reader.expected(), split >= 2 ? 300U : 0U) << split;
    EXPECT_EQ(reader.feed(all.subspan(split)), State::Complete) << split;
    EXPECT_EQ(asBytes(reader.message()), message) << split;
    EXPECT_EQ(reader.received(), wire.size()) << split;
  }
}

TEST(DnsFrameReader, OneByteAtATime) {
  const Bytes message = sampleMessage(17);
  const Bytes wire = frame(message);
  FrameReader reader;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    EXPECT_TRUE(reader.message().empty());
    const State state = reader.feed(std::span<const std::uint8_t>(wire).subspan(i, 1));
    EXPECT_EQ(state, i + 1 == wire.size() ? State::Complete : State::NeedMore) << i;
  }
  EXPECT_EQ(asBytes(reader.message()), message);
}

TEST(DnsFrameReader, EmptyFeedChangesNothing) {
  FrameReader reader;
  EXPECT_EQ(reader.feed({}), State::NeedMore);
  EXPECT_EQ(reader.received(), 0U);
  EXPECT_EQ(reader.endOfStream(), State::NeedMore);
  EXPECT_TRUE(reader.error().empty());
}

TEST(DnsFrameReader, ZeroLengthIsAnError) {
  FrameReader reader;
  EXPECT_EQ(reader.feed(Bytes{0, 0, 1, 2}), State::Error);
  EXPECT_EQ(reader.error(), "zero-length frame");
  EXPECT_TRUE(reader.message().empty());
  // Terminal: more bytes are counted, nothing else.
  EXPECT_EQ(reader.feed(Bytes{0, 1, 9}), State::Error);
  EXPECT_EQ(reader.received(), 7U);
  EXPECT_EQ(reader.endOfStream(), State::Error);
  EXPECT_EQ(reader.error(), "zero-length frame");
}

TEST(DnsFrameReader, LengthOverTheCapIsAnErrorAtOnce) {
  FrameReader reader(100);
  EXPECT_EQ(reader.feed(Bytes{0, 100}), State::NeedMore);
  FrameReader capped(100);
  EXPECT_EQ(capped.feed(Bytes{0, 101}), State::Error);
  EXPECT_EQ(capped.error(), "frame length 101 over the cap of 100");
  EXPECT_EQ(capped.expected(), 0U);

  FrameReader small(512);
  EXPECT_EQ(small.feed(Bytes{0xff, 0xff}), State::Error);
  EXPECT_EQ(small.error(), "frame length 65535 over the cap of 512");

  FrameReader full;  // 65535, the most two bytes can say
  EXPECT_EQ(full.feed(Bytes{0xff, 0xff}), State::NeedMore);
  EXPECT_EQ(full.expected(), 65535U);
}

TEST(DnsFrameReader, LengthCutShort) {
  FrameReader reader;
  EXPECT_EQ(reader.feed(Bytes{0}), State::NeedMore);
  EXPECT_EQ(reader.endOfStream(), State::Error);
  EXPECT_EQ(reader.error(), "length cut short (1 of 2 bytes)");
}

TEST(DnsFrameReader, BodyCutShort) {
  FrameReader reader;
  EXPECT_EQ(reader.feed(Bytes{0, 10, 1, 2, 3}), State::NeedMore);
  EXPECT_EQ(reader.expected(), 10U);
  EXPECT_EQ(reader.endOfStream(), State::Error);
  EXPECT_EQ(reader.error(), "body cut short (3 of 10 bytes)");
  EXPECT_TRUE(reader.message().empty());

  FrameReader bare;  // the length arrived, no byte of the body
  bare.feed(Bytes{1, 0});
  EXPECT_EQ(bare.endOfStream(), State::Error);
  EXPECT_EQ(bare.error(), "body cut short (0 of 256 bytes)");
}

TEST(DnsFrameReader, BytesAfterTheFrameAreKeptForTheNext) {
  const Bytes message = sampleMessage(12);
  Bytes wire = frame(message);
  const Bytes second = sampleMessage(5);
  const Bytes next = frame(second);
  wire.insert(wire.end(), next.begin(), next.end());
  FrameReader reader;
  EXPECT_EQ(reader.feed(wire), State::Complete);
  EXPECT_EQ(asBytes(reader.message()), message);
  EXPECT_EQ(reader.received(), wire.size());
  EXPECT_EQ(reader.frameReceived(), 14U);
  EXPECT_EQ(reader.kept(), next.size());
  // Fed while Complete: counted and kept, the current message unchanged.
  const Bytes third = frame(sampleMessage(3));
  EXPECT_EQ(reader.feed(third), State::Complete);
  EXPECT_EQ(reader.received(), wire.size() + third.size());
  EXPECT_EQ(asBytes(reader.message()), message);

  EXPECT_EQ(reader.next(), State::Complete);
  EXPECT_EQ(asBytes(reader.message()), second);
  EXPECT_EQ(reader.expected(), 5U);
  EXPECT_EQ(reader.kept(), third.size());
  EXPECT_EQ(reader.next(), State::Complete);
  EXPECT_EQ(asBytes(reader.message()), sampleMessage(3));
  EXPECT_EQ(reader.kept(), 0U);
  EXPECT_EQ(reader.next(), State::NeedMore);
  EXPECT_TRUE(reader.message().empty());
  EXPECT_EQ(reader.frameReceived(), 0U);
  EXPECT_EQ(reader.endOfStream(), State::NeedMore);  // between frames: a clean close
  EXPECT_TRUE(reader.error().empty());
}

TEST(DnsFrameReader, NextIsANoOpUnlessComplete) {
  FrameReader reader;
  EXPECT_EQ(reader.next(), State::NeedMore);
  EXPECT_EQ(reader.feed(Bytes{0, 3, 1}), State::NeedMore);
  EXPECT_EQ(reader.next(), State::NeedMore);
  EXPECT_EQ(reader.feed(Bytes{2, 3}), State::Complete);
  EXPECT_EQ(asBytes(reader.message()), (Bytes{1, 2, 3}));

  FrameReader broken;
  EXPECT_EQ(broken.feed(Bytes{0, 0}), State::Error);
  EXPECT_EQ(broken.next(), State::Error);
  EXPECT_EQ(broken.error(), "zero-length frame");
}

// Three frames coalesced and then split at every possible pair of places: the same three
// messages come out in order, whatever the pieces.
TEST(DnsFrameReader, FramesInSequenceSplitAndCoalesced) {
  const std::vector<Bytes> messages{sampleMessage(12), sampleMessage(1), sampleMessage(30)};
  Bytes stream;
  for (const Bytes& message : messages) {
    const Bytes framed = frame(message);
    stream.insert(stream.end(), framed.begin(), framed.end());
  }
  for (std::size_t cut1 = 0; cut1 <= stream.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= stream.size(); ++cut2) {
      FrameReader reader;
      std::vector<Bytes> got;
      const auto take = [&](std::span<const std::uint8_t> piece) {
        State state = reader.feed(piece);
        while (state == State::Complete) {
          got.push_back(asBytes(reader.message()));
          state = reader.next();
        }
        ASSERT_NE(state, State::Error) << reader.error();
      };
      const std::span<const std::uint8_t> all(stream);
      take(all.subspan(0, cut1));
      take(all.subspan(cut1, cut2 - cut1));
      take(all.subspan(cut2));
      EXPECT_EQ(got, messages) << "cut at " << cut1 << " and " << cut2;
      EXPECT_EQ(reader.received(), stream.size());
      EXPECT_EQ(reader.endOfStream(), State::NeedMore);
    }
  }
}

TEST(DnsFrameReader, KeptBytesCutShortAtTheEnd) {
  FrameReader reader;
  // A whole frame, then 3 of the next one's 10 body bytes, then the peer closes.
  EXPECT_EQ(reader.feed(Bytes{0, 2, 7, 7, 0, 10, 1, 2, 3}), State::Complete);
  EXPECT_EQ(reader.endOfStream(), State::Complete);  // the whole frame stands
  EXPECT_EQ(reader.next(), State::Error);            // the kept part was cut
  EXPECT_EQ(reader.error(), "body cut short (3 of 10 bytes)");
  EXPECT_TRUE(reader.message().empty());

  FrameReader half;  // one byte of the next length
  EXPECT_EQ(half.feed(Bytes{0, 1, 9, 0}), State::Complete);
  EXPECT_EQ(half.next(), State::NeedMore);
  EXPECT_EQ(half.endOfStream(), State::Error);
  EXPECT_EQ(half.error(), "length cut short (1 of 2 bytes)");
}

TEST(DnsFrameReader, OversizedNextFrameIsAnError) {
  FrameReader reader(16);
  // The first frame fits the cap; the one after it announces 17 bytes.
  EXPECT_EQ(reader.feed(Bytes{0, 1, 5, 0, 17, 1, 2}), State::Complete);
  EXPECT_EQ(reader.next(), State::Error);
  EXPECT_EQ(reader.error(), "frame length 17 over the cap of 16");
  EXPECT_EQ(reader.kept(), 0U);
  EXPECT_EQ(reader.feed(Bytes{0, 1, 5}), State::Error);  // final
}

TEST(DnsFrameReader, KeptBytesAreBounded) {
  FrameReader reader;
  EXPECT_EQ(reader.feed(Bytes{0, 1, 5}), State::Complete);
  // A peer that floods while the caller has not moved on: at most kMaxKept bytes are held.
  const Bytes flood(FrameReader::kMaxKept - 1, 0);
  EXPECT_EQ(reader.feed(flood), State::Complete);
  EXPECT_EQ(reader.kept(), FrameReader::kMaxKept - 1);
  EXPECT_EQ(reader.feed(Bytes{0, 0}), State::Complete);
  EXPECT_EQ(reader.kept(), FrameReader::kMaxKept - 1);
  EXPECT_EQ(reader.next(), State::Error);
  EXPECT_EQ(reader.error(), "more than 65537 bytes queued after a frame");
  EXPECT_EQ(reader.kept(), 0U);
}

}  // namespace
}  // namespace dotscan::dns
