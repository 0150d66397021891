// SVCB RDATA (RFC 9460) as DDR (RFC 9462) reads it: the records written here octet by octet, each
// refusal shown with the smallest change that makes a good record bad.
#include "dotscan/dns/svcb.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dotscan::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

// An uncompressed wire name from its labels.
Bytes wireName(const std::vector<std::string>& labels) {
  Bytes out;
  for (const std::string& label : labels) {
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
  }
  out.push_back(0);
  return out;
}

// One SvcParam: key, length, value.
Bytes param(std::uint16_t key, const Bytes& value) {
  Bytes out = {static_cast<std::uint8_t>(key >> 8U), static_cast<std::uint8_t>(key & 0xffU),
               static_cast<std::uint8_t>(value.size() >> 8U),
               static_cast<std::uint8_t>(value.size() & 0xffU)};
  append(out, value);
  return out;
}

Bytes rdata(std::uint16_t priority, const Bytes& target, const std::vector<Bytes>& params = {}) {
  Bytes out = {static_cast<std::uint8_t>(priority >> 8U),
               static_cast<std::uint8_t>(priority & 0xffU)};
  append(out, target);
  for (const Bytes& p : params) append(out, p);
  return out;
}

const Bytes kDotExample = wireName({"dot", "example"});

std::string refusal(const Bytes& bytes) {
  std::string error;
  const auto record = parseSvcbRdata(bytes, &error);
  EXPECT_FALSE(record.has_value());
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find('\n'), std::string::npos);
  return error;
}

TEST(DnsSvcb, ServiceModeWithEveryKey) {
  const Bytes v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0,    0,    0,   0, 0, 0x01,
                    0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7};
  const std::string path = "/dns-query{?dns}";
  const Bytes bytes = rdata(1, kDotExample,
                            {param(1, {3, 'd', 'o', 't', 2, 'h', '2'}), param(2, {}),
                             param(3, {0x03, 0x55}), param(4, {192, 0, 2, 1, 198, 51, 100, 2}),
                             param(6, v6), param(7, Bytes(path.begin(), path.end()))});
  std::string error = "untouched";
  const auto record = parseSvcbRdata(bytes, &error);
  ASSERT_TRUE(record.has_value()) << error;
  EXPECT_EQ(error, "untouched");
  EXPECT_EQ(record->priority, 1);
  EXPECT_EQ(record->target, "dot.example.");
  EXPECT_EQ(record->alpn, (std::vector<std::string>{"dot", "h2"}));
  EXPECT_TRUE(record->no_default_alpn);
  EXPECT_EQ(record->port, 853);
  EXPECT_EQ(record->ipv4hint, (std::vector<std::string>{"192.0.2.1", "198.51.100.2"}));
  EXPECT_EQ(record->ipv6hint, (std::vector<std::string>{"2001:db8::1", "::ffff:192.0.2.7"}));
  EXPECT_EQ(record->dohpath, path);
  EXPECT_TRUE(record->other_keys.empty());
}

TEST(DnsSvcb, AliasModeToTheRoot) {
  const auto record = parseSvcbRdata(rdata(0, {0}));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->priority, 0);
  EXPECT_EQ(record->target, ".");
  EXPECT_TRUE(record->alpn.empty());
  EXPECT_FALSE(record->no_default_alpn);
  EXPECT_FALSE(record->port.has_value());
  EXPECT_FALSE(record->dohpath.has_value());
}

TEST(DnsSvcb, OtherKeysInOrderValuesUnread) {
  // mandatory=alpn, ech (opaque), an unassigned key and the reserved 65535.
  const auto record =
      parseSvcbRdata(rdata(2, kDotExample,
                           {param(0, {0, 1}), param(1, {3, 'd', 'o', 't'}), param(5, {1, 2, 3}),
                            param(0x1234, {}), param(0xffff, {9})}));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->alpn, (std::vector<std::string>{"dot"}));
  EXPECT_EQ(record->other_keys, (std::vector<std::uint16_t>{0, 5, 0x1234, 0xffff}));
}

TEST(DnsSvcb, TargetEscapesAsAMasterFile) {
  const auto record = parseSvcbRdata(rdata(1, wireName({"a.b", "sp ace", "x\\y", "\x7f"})));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->target, "a\\.b.sp\\032ace.x\\\\y.\\127.");
}

TEST(DnsSvcb, LongestNameAndLabel) {
  // 255 octets: four labels of 63 (256 octets with their lengths) are one too many.
  const std::string label63(63, 'a');
  const std::string label61(61, 'b');
  EXPECT_TRUE(parseSvcbRdata(rdata(1, wireName({label63, label63, label63, label61}))));
  EXPECT_NE(refusal(rdata(1, wireName({label63, label63, label63, label63}))).find("255"),
            std::string::npos);
  const Bytes label64 = wireName({std::string(64, 'c')});
  EXPECT_NE(refusal(rdata(1, label64)).find("label type 1"), std::string::npos);
}

TEST(DnsSvcb, RefusesDataCutShort) {
  EXPECT_NE(refusal({}).find("SvcPriority"), std::string::npos);
  EXPECT_NE(refusal({0}).find("SvcPriority"), std::string::npos);
  EXPECT_NE(refusal({0, 1}).find("target name cut short"), std::string::npos);
  EXPECT_NE(refusal({0, 1, 3, 'd', 'o'}).find("target name cut short"), std::string::npos);
  EXPECT_NE(refusal({0, 1, 3, 'd', 'o', 't'}).find("target name cut short"), std::string::npos);
  // A value longer than what is left.
  Bytes bytes = rdata(1, kDotExample, {param(3, {0x03, 0x55})});
  bytes.pop_back();
  EXPECT_NE(refusal(bytes).find("cut short"), std::string::npos);
  // Every prefix of a good record but the one that ends after a whole SvcParam is refused.
  const Bytes good = rdata(1, kDotExample, {param(1, {3, 'd', 'o', 't'}), param(3, {0x03, 0x55})});
  const std::size_t after_first = 2 + kDotExample.size() + 8;
  for (std::size_t size = 0; size < good.size(); ++size) {
    const bool whole = size == 2 + kDotExample.size() || size == after_first;
    EXPECT_EQ(
        parseSvcbRdata(Bytes(good.begin(), good.begin() + static_cast<long>(size))).has_value(),
        whole)
        << size;
  }
}

TEST(DnsSvcb, RefusesTrailingBytes) {
  Bytes bytes = rdata(1, kDotExample, {param(3, {0x03, 0x55})});
  bytes.push_back(0);
  EXPECT_NE(refusal(bytes).find("cut short"), std::string::npos);
  // After the target of an AliasMode record, the bytes must be whole SvcParams too.
  EXPECT_NE(refusal({0, 0, 0, 0xff}).find("cut short"), std::string::npos);
}

TEST(DnsSvcb, RefusesKeysOutOfOrderOrRepeated) {
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(3, {0x03, 0x55}), param(1, {1, 'x'})}))
                .find("SvcParamKey 1 after 3"),
            std::string::npos);
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(1, {1, 'x'}), param(1, {1, 'y'})}))
                .find("SvcParamKey 1 after 1"),
            std::string::npos);
}

TEST(DnsSvcb, RefusesMalformedAlpn) {
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(1, {})})).find("empty alpn value"),
            std::string::npos);
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(1, {3, 'd', 'o', 't', 0})})).find("empty alpn-id"),
            std::string::npos);
  EXPECT_NE(
      refusal(rdata(1, kDotExample, {param(1, {4, 'd', 'o', 't'})})).find("alpn-id cut short"),
      std::string::npos);
}

TEST(DnsSvcb, RefusesBadFixedSizes) {
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(2, {0})})).find("no-default-alpn"),
            std::string::npos);
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(3, {0x35})})).find("port value of 1 octets"),
            std::string::npos);
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(3, {0, 0x35, 0})})).find("port value of 3"),
            std::string::npos);
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(4, {})})).find("ipv4hint value of 0"),
            std::string::npos);
  EXPECT_NE(
      refusal(rdata(1, kDotExample, {param(4, {192, 0, 2, 1, 192})})).find("ipv4hint value of 5"),
      std::string::npos);
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(6, {})})).find("ipv6hint value of 0"),
            std::string::npos);
  EXPECT_NE(refusal(rdata(1, kDotExample, {param(6, Bytes(20, 1))})).find("ipv6hint value of 20"),
            std::string::npos);
}

TEST(DnsSvcb, RefusesCompressedOrExtendedTarget) {
  // RFC 9460 section 2.2: "TargetName ... MUST NOT be compressed", even as the whole name.
  EXPECT_NE(refusal({0, 1, 0xc0, 0x0c}).find("compressed target name"), std::string::npos);
  EXPECT_NE(refusal({0, 1, 3, 'd', 'o', 't', 0xc0, 0x0c}).find("compressed target name"),
            std::string::npos);
  EXPECT_NE(refusal({0, 1, 0x41, 0}).find("label type 1"), std::string::npos);
  EXPECT_NE(refusal({0, 1, 0x80, 0}).find("label type 2"), std::string::npos);
}

TEST(DnsSvcb, NoErrorPointerIsFine) {
  EXPECT_FALSE(parseSvcbRdata(Bytes{0, 1, 0xc0, 0x0c}).has_value());
}

}  // namespace
}  // namespace dotscan::dns
