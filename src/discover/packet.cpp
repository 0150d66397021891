#include "dotscan/discover/packet.hpp"

#include <algorithm>

#include "dotscan/discover/checksum.hpp"

namespace dotscan::discover {
namespace {

// TCP option kinds (IANA "TCP Option Kind Numbers").
constexpr std::uint8_t kOptionNop = 1;
constexpr std::uint8_t kOptionMss = 2;
constexpr std::uint8_t kOptionWindowScale = 3;
constexpr std::uint8_t kOptionSackPermitted = 4;
constexpr std::uint8_t kOptionTimestamps = 8;
constexpr std::uint8_t kLinuxWindowScale = 7;

constexpr std::size_t kMssOptionsSize = 4;
constexpr std::size_t kLinuxOptionsSize = 20;

std::size_t optionsSize(TcpOptionSet options) {
  return options == TcpOptionSet::Linux ? kLinuxOptionsSize : kMssOptionsSize;
}

// Writes big-endian values into a span already known to be large enough.
class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> out) : out_(out) {}
  void u8(std::uint8_t value) { out_[pos_++] = value; }
  void u16(std::uint16_t value) {
    u8(static_cast<std::uint8_t>(value >> 8U));
    u8(static_cast<std::uint8_t>(value));
  }
  void u32(std::uint32_t value) {
    u16(static_cast<std::uint16_t>(value >> 16U));
    u16(static_cast<std::uint16_t>(value));
  }
  void bytes(std::span<const std::uint8_t> values) {
    std::copy(values.begin(), values.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ += values.size();
  }
  void address(const Address& address) {
    if (address.isV4()) {
      u32(address.v4());
      return;
    }
    std::array<std::uint8_t, 16> v6{};
    address.toV6Bytes(v6.data());
    bytes(v6);
  }
  [[nodiscard]] std::size_t position() const { return pos_; }

 private:
  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
};

void putChecksum(std::span<std::uint8_t> packet, std::size_t at, std::uint16_t checksum) {
  packet[at] = static_cast<std::uint8_t>(checksum >> 8U);
  packet[at + 1] = static_cast<std::uint8_t>(checksum);
}

void writeTcp(Writer& out, const SynParameters& p) {
  const std::size_t header = kTcpHeaderSize + optionsSize(p.options);
  out.u16(p.source_port);
  out.u16(p.destination_port);
  out.u32(p.seq);
  out.u32(0);  // acknowledgment number: no ACK flag
  out.u8(static_cast<std::uint8_t>((header / 4) << 4U));
  out.u8(kTcpSyn);
  out.u16(p.window);
  out.u16(0);  // checksum, filled in afterwards
  out.u16(0);  // urgent pointer
  out.u8(kOptionMss);
  out.u8(4);
  out.u16(p.mss);
  if (p.options == TcpOptionSet::Linux) {
    out.u8(kOptionSackPermitted);
    out.u8(2);
    out.u8(kOptionTimestamps);
    out.u8(10);
    out.u32(p.timestamp);
    out.u32(0);  // TSecr: nothing to echo yet (RFC 7323 section 3.2)
    out.u8(kOptionNop);
    out.u8(kOptionWindowScale);
    out.u8(3);
    out.u8(kLinuxWindowScale);
  }
}

}  // namespace

std::size_t synSize(Family family, TcpOptionSet options, bool ethernet) {
  return (ethernet ? kEthernetHeaderSize : 0) +
         (family == Family::V4 ? kIpv4HeaderSize : kIpv6HeaderSize) + kTcpHeaderSize +
         optionsSize(options);
}

std::size_t writeSyn(std::span<std::uint8_t> out, const SynParameters& p,
                     const std::optional<EthernetHeader>& link) {
  const Family family = p.source.family();
  if (p.destination.family() != family) return 0;
  const std::size_t size = synSize(family, p.options, link.has_value());
  if (out.size() < size) return 0;
  out = out.first(size);
  Writer writer(out);
  if (link) {
    writer.bytes(link->destination);
    writer.bytes(link->source);
    writer.u16(family == Family::V4 ? kEtherTypeIpv4 : kEtherTypeIpv6);
  }
  const std::size_t ip_start = writer.position();
  const std::size_t tcp_size = kTcpHeaderSize + optionsSize(p.options);
  if (family == Family::V4) {
    writer.u8(0x45);  // version 4, IHL 5: no options
    writer.u8(0);     // DSCP and ECN
    writer.u16(static_cast<std::uint16_t>(kIpv4HeaderSize + tcp_size));
    writer.u16(p.ip_id);
    writer.u16(0);  // flags and fragment offset
    writer.u8(p.ttl);
    writer.u8(kProtocolTcp);
    writer.u16(0);  // header checksum, filled in below
    writer.address(p.source);
    writer.address(p.destination);
    putChecksum(out, ip_start + 10, internetChecksum(out.subspan(ip_start, kIpv4HeaderSize)));
  } else {
    writer.u32(0x60000000U);  // version 6, traffic class 0, flow label 0
    writer.u16(static_cast<std::uint16_t>(tcp_size));
    writer.u8(kProtocolTcp);
    writer.u8(p.ttl);
    writer.address(p.source);
    writer.address(p.destination);
  }
  const std::size_t tcp_start = writer.position();
  writeTcp(writer, p);
  putChecksum(out, tcp_start + 16,
              transportChecksum(p.source, p.destination, kProtocolTcp, out.subspan(tcp_start)));
  return size;
}

std::vector<std::uint8_t> buildSyn(const SynParameters& parameters,
                                   const std::optional<EthernetHeader>& link) {
  std::vector<std::uint8_t> packet(
      synSize(parameters.source.family(), parameters.options, link.has_value()));
  packet.resize(writeSyn(packet, parameters, link));
  return packet;
}

}  // namespace dotscan::discover
