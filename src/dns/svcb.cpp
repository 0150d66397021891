#include "dotscan/dns/svcb.hpp"

#include <string_view>
#include <utility>

#include "dotscan/util/address.hpp"
#include "dotscan/util/wire_reader.hpp"

namespace dotscan::dns {

namespace {

// RFC 1035 section 2.3.4.
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxNameWire = 255;
constexpr std::size_t kV4Size = 4;
constexpr std::size_t kV6Size = 16;

// Why a record was refused; the first reason wins.
class Refusal {
 public:
  explicit Refusal(std::string* out) : out_(out) {}
  std::nullopt_t operator()(std::string why) const {
    if (out_ != nullptr) *out_ = std::move(why);
    return std::nullopt;
  }

 private:
  std::string* out_;
};

// One label octet as RFC 1035 section 5.1 writes it in a master file.
void appendLabelOctet(std::string& text, std::uint8_t octet) {
  static constexpr std::string_view kSpecial = ".\\\"();@$";
  if (octet > 0x20 && octet < 0x7f) {
    if (kSpecial.find(static_cast<char>(octet)) != std::string_view::npos) text.push_back('\\');
    text.push_back(static_cast<char>(octet));
    return;
  }
  text.push_back('\\');
  text.push_back(static_cast<char>('0' + octet / 100));
  text.push_back(static_cast<char>('0' + octet / 10 % 10));
  text.push_back(static_cast<char>('0' + octet % 10));
}

// An uncompressed wire name (RFC 9460 section 2.2) in absolute presentation form; nullopt with
// the reason in `why` otherwise.
std::optional<std::string> readTarget(WireReader& reader, std::string& why) {
  std::string text;
  std::size_t wire_size = 0;
  while (true) {
    const std::uint8_t length = reader.readU8();
    if (!reader.ok()) {
      why = "target name cut short";
      return std::nullopt;
    }
    // The two top bits: 11 is a compression pointer, 01 and 10 are the retired extended label
    // types (RFC 6891 section 5); a label length is at most 63 either way.
    if (length > kMaxLabel) {
      why = (length & 0xc0U) == 0xc0U ? "compressed target name (RFC 9460 section 2.2)"
                                      : "target name label type " + std::to_string(length >> 6U);
      return std::nullopt;
    }
    wire_size += 1U + length;
    if (wire_size > kMaxNameWire) {
      why = "target name longer than 255 octets";
      return std::nullopt;
    }
    if (length == 0) break;
    const std::span<const std::uint8_t> label = reader.readBytes(length);
    if (!reader.ok()) {
      why = "target name cut short";
      return std::nullopt;
    }
    for (const std::uint8_t octet : label) appendLabelOctet(text, octet);
    text.push_back('.');
  }
  if (text.empty()) text = ".";
  return text;
}

std::string asText(std::span<const std::uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

// RFC 5952 text; an IPv4-mapped address keeps its "::ffff:" (RFC 5952 section 5), which
// Address::toString would drop.
std::string v6Text(std::span<const std::uint8_t> bytes) {
  const Address address = Address::fromV6Bytes(bytes.data());
  if (address.isV4()) return "::ffff:" + address.toString();
  return address.toString();
}

// Reads one SvcParamValue into the record; empty when it is well formed, else why not.
std::string readValue(std::uint16_t key, std::span<const std::uint8_t> value,
                      model::SvcbRecord& record) {
  switch (key) {
    case kSvcParamAlpn: {
      // RFC 9460 section 7.1.1: at least one alpn-id, each a length octet and that many octets,
      // exactly filling the value; RFC 7301 section 3.1 rules out an empty ID.
      if (value.empty()) return "empty alpn value";
      WireReader ids(value);
      while (ids.remaining() > 0) {
        const std::size_t length = ids.readU8();
        const std::span<const std::uint8_t> id = ids.readBytes(length);
        if (length == 0) return "empty alpn-id";
        if (!ids.ok()) return "alpn-id cut short";
        record.alpn.push_back(asText(id));
      }
      return {};
    }
    case kSvcParamNoDefaultAlpn:
      if (!value.empty()) return "no-default-alpn value not empty";
      record.no_default_alpn = true;
      return {};
    case kSvcParamPort:
      if (value.size() != 2) return "port value of " + std::to_string(value.size()) + " octets";
      record.port = WireReader(value).readU16();
      return {};
    case kSvcParamIpv4Hint:
      // RFC 9460 section 7.3: one or more addresses.
      if (value.empty() || value.size() % kV4Size != 0) {
        return "ipv4hint value of " + std::to_string(value.size()) + " octets";
      }
      for (std::size_t i = 0; i < value.size(); i += kV4Size) {
        record.ipv4hint.push_back(
            Address::fromV4(WireReader(value.subspan(i)).readU32()).toString());
      }
      return {};
    case kSvcParamIpv6Hint:
      if (value.empty() || value.size() % kV6Size != 0) {
        return "ipv6hint value of " + std::to_string(value.size()) + " octets";
      }
      for (std::size_t i = 0; i < value.size(); i += kV6Size) {
        record.ipv6hint.push_back(v6Text(value.subspan(i, kV6Size)));
      }
      return {};
    case kSvcParamDohPath:
      // RFC 9461 section 5: a relative URI Template in UTF-8, kept as sent.
      record.dohpath = asText(value);
      return {};
    default:
      record.other_keys.push_back(key);
      return {};
  }
}

}  // namespace

std::optional<model::SvcbRecord> parseSvcbRdata(std::span<const std::uint8_t> rdata,
                                                std::string* error) {
  const Refusal refuse(error);
  WireReader reader(rdata);
  model::SvcbRecord record;
  record.priority = reader.readU16();
  if (!reader.ok()) return refuse("SvcPriority cut short");
  std::string why;
  std::optional<std::string> target = readTarget(reader, why);
  if (!target) return refuse(std::move(why));
  record.target = std::move(*target);

  std::optional<std::uint16_t> previous;
  while (reader.remaining() > 0) {
    const std::size_t at = reader.offset();
    const std::uint16_t key = reader.readU16();
    const std::size_t length = reader.readU16();
    const std::span<const std::uint8_t> value = reader.readBytes(length);
    if (!reader.ok()) return refuse("SvcParam at offset " + std::to_string(at) + " cut short");
    // RFC 9460 section 2.2: "SvcParamKeys SHALL appear in increasing numeric order"; a repeated
    // key is malformed too.
    if (previous && key <= *previous) {
      return refuse("SvcParamKey " + std::to_string(key) + " after " + std::to_string(*previous) +
                    " (keys must increase)");
    }
    previous = key;
    if (std::string problem = readValue(key, value, record); !problem.empty()) {
      return refuse(std::move(problem));
    }
  }
  return record;
}

}  // namespace dotscan::dns
