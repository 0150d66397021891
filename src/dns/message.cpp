#include "dotscan/dns/message.hpp"

#include <ldns/ldns.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "dotscan/dns/svcb.hpp"
#include "dotscan/util/c_ptr.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"
#include "dotscan/util/wire_reader.hpp"

namespace dotscan::dns {

namespace {

// Every ldns object is owned by one of these (util/c_ptr.hpp).
using PktPtr = CPtr<ldns_pkt, ldns_pkt_free>;
using RdfPtr = CPtr<ldns_rdf, ldns_rdf_deep_free>;
using BufferPtr = CPtr<ldns_buffer, ldns_buffer_free>;
using EdnsOptionPtr = CPtr<ldns_edns_option, ldns_edns_deep_free>;
using EdnsListPtr = CPtr<ldns_edns_option_list, ldns_edns_option_list_deep_free>;

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kOptionHeaderSize = 4;  // RFC 6891 section 6.1.2: OPTION-CODE, OPTION-LENGTH
constexpr std::size_t kMaxLabel = 63;         // RFC 1035 section 2.3.4
constexpr std::uint16_t kTypeSvcb = 64;       // RFC 9460 section 14.1
// ldns reads from and copies out of these pointers even for zero bytes, so never hand it null.
constexpr std::uint8_t kNoBytes = 0;

BufferPtr newBuffer(std::size_t capacity) {
  BufferPtr buffer(ldns_buffer_new(capacity));
  if (!buffer) throw std::bad_alloc();
  return buffer;
}

// What an ldns *2buffer_str function wrote.
std::string bufferText(const ldns_buffer* buffer) {
  return {reinterpret_cast<const char*>(ldns_buffer_begin(buffer)), ldns_buffer_position(buffer)};
}

std::string statusText(ldns_status status) {
  const char* text = ldns_get_errorstr_by_id(status);
  return text != nullptr ? text : "ldns status " + std::to_string(static_cast<int>(status));
}

std::string nameText(const ldns_rdf* name) {
  if (name == nullptr) return "(none)";
  BufferPtr buffer = newBuffer(LDNS_MAX_DOMAINLEN * 4);
  if (ldns_rdf2buffer_str(buffer.get(), name) != LDNS_STATUS_OK) return "(unprintable)";
  return bufferText(buffer.get());
}

std::string typeName(std::uint16_t type) {
  BufferPtr buffer = newBuffer(16);
  if (ldns_rr_type2buffer_str(buffer.get(), static_cast<ldns_rr_type>(type)) != LDNS_STATUS_OK) {
    return "TYPE" + std::to_string(type);
  }
  return bufferText(buffer.get());
}

std::string className(std::uint16_t rr_class) {
  BufferPtr buffer = newBuffer(16);
  if (ldns_rr_class2buffer_str(buffer.get(), static_cast<ldns_rr_class>(rr_class)) !=
      LDNS_STATUS_OK) {
    return "CLASS" + std::to_string(rr_class);
  }
  return bufferText(buffer.get());
}

bool startsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

// A type mnemonic (any case) or TYPEnnn (RFC 3597 section 5); nullopt when neither.
std::optional<std::uint16_t> parseType(std::string_view text) {
  if (text.empty() || text.find('\0') != std::string_view::npos) return std::nullopt;
  // ldns_get_rr_type_by_name reads TYPEnnn with atoi, without a range check, so that form is ours.
  if (text.size() > 4 && startsWithIgnoringCase(text, "TYPE")) {
    const std::string_view digits = text.substr(4);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    // Type 0 is reserved, and ldns_pkt_query_new would silently turn it into A.
    if (error != std::errc() || end != digits.data() + digits.size() || value == 0 ||
        value > 0xffff) {
      return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
  }
  const std::string copy(text);
  const ldns_rr_type type = ldns_get_rr_type_by_name(copy.c_str());
  if (type == 0) return std::nullopt;
  return static_cast<std::uint16_t>(type);
}

// A presentation-form name as ldns wire data (made absolute); null with the reason on failure.
RdfPtr parseName(const std::string& name, std::string& why) {
  if (name.empty()) {
    why = "empty name";
    return nullptr;
  }
  if (name.find('\0') != std::string::npos) {
    why = "NUL byte in the name";
    return nullptr;
  }
  ldns_rdf* raw = nullptr;
  const ldns_status status = ldns_str2rdf_dname(&raw, name.c_str());
  RdfPtr rdf(raw);
  if (status != LDNS_STATUS_OK || !rdf) {
    why = statusText(status);
    return nullptr;
  }
  return rdf;
}

RdfPtr parseNameOrThrow(const std::string& name) {
  std::string why;
  RdfPtr rdf = parseName(name, why);
  if (!rdf) throw UsageError("--query: bad name " + quoteInput(name) + " (" + why + ")");
  return rdf;
}

void pushOption(ldns_edns_option_list* list, ldns_edns_option_code code,
                std::span<const std::uint8_t> data) {
  EdnsOptionPtr option(
      ldns_edns_new_from_data(code, data.size(), data.empty() ? &kNoBytes : data.data()));
  if (!option || !ldns_edns_option_list_push(list, option.get())) throw std::bad_alloc();
  static_cast<void>(option.release());  // the list owns it now
}

// The query packet; with `padding`, a Padding option of that many data bytes goes last.
PktPtr makeQuery(const QueryOptions& options, std::uint16_t id,
                 std::optional<std::size_t> padding) {
  RdfPtr name = parseNameOrThrow(options.name);
  if (options.type == 0) throw UsageError("--query: type 0 is reserved");
  PktPtr packet(ldns_pkt_query_new(name.get(), static_cast<ldns_rr_type>(options.type),
                                   LDNS_RR_CLASS_IN, options.rd ? LDNS_RD : 0));
  if (!packet) throw std::bad_alloc();
  static_cast<void>(name.release());  // the question owns it now
  ldns_pkt_set_id(packet.get(), id);
  if (!options.edns) return packet;

  ldns_pkt_set_edns_udp_size(packet.get(), options.udp_size);
  // An option list, even an empty one, makes ldns write the OPT record (RFC 6891 section 6.1.1)
  // whatever udp_size is.
  EdnsListPtr list(ldns_edns_option_list_new());
  if (!list) throw std::bad_alloc();
  // RFC 5001 section 2.3 and RFC 7828 section 3.2.1: a client asks with an empty option.
  if (options.nsid) pushOption(list.get(), LDNS_EDNS_NSID, {});
  if (options.keepalive) pushOption(list.get(), LDNS_EDNS_KEEPALIVE, {});
  if (padding) {
    // RFC 7830 section 3: the padding octets SHOULD be 0x00.
    const std::vector<std::uint8_t> zeros(*padding, 0);
    pushOption(list.get(), LDNS_EDNS_PADDING, zeros);
  }
  ldns_pkt_set_edns_option_list(packet.get(), list.release());
  return packet;
}

std::vector<std::uint8_t> toWire(const ldns_pkt* packet) {
  BufferPtr buffer = newBuffer(512);
  const ldns_status status = ldns_pkt2buffer_wire(buffer.get(), packet);
  if (status != LDNS_STATUS_OK) {
    throw std::runtime_error("ldns cannot encode the query: " + statusText(status));
  }
  const std::uint8_t* begin = ldns_buffer_begin(buffer.get());
  return {begin, begin + ldns_buffer_position(buffer.get())};
}

// IANA "DNS RCODEs": the ones a message header (with OPT) can carry. 17 to 22 belong to TSIG and
// TKEY records, never to the header.
std::string rcodeName(std::uint16_t rcode) {
  static constexpr std::array<std::string_view, 12> kNames = {
      "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "DSOTYPENI"};
  if (rcode < kNames.size()) return std::string(kNames.at(rcode));
  if (rcode == 16) return "BADVERS";
  if (rcode == 23) return "BADCOOKIE";
  return "RCODE" + std::to_string(rcode);
}

// IANA "DNS OpCodes".
std::string opcodeName(unsigned opcode) {
  static constexpr std::array<std::string_view, 7> kNames = {"QUERY",  "IQUERY", "STATUS", "",
                                                             "NOTIFY", "UPDATE", "DSO"};
  if (opcode < kNames.size() && !kNames.at(opcode).empty()) return std::string(kNames.at(opcode));
  return "OPCODE" + std::to_string(opcode);
}

// ldns 1.8.3 prints SVCB/HTTPS parameters and HIP keys with ldns_buffer_write_char and
// ldns_buffer_write_chars, which assert (abort the process) instead of growing a full buffer, so
// an HTTPS answer whose owner name happens to fill the buffer exactly kills the scanner (found by
// fuzz_dns_response). Those printers write at most about 4.5 characters per input byte
// ("\DDD" escapes, "key65535," per two-byte mandatory key), so a buffer of this size for the input
// of one RR or field never fills up in them; the printers that may write more grow it themselves.
constexpr std::size_t kPrintSlack = 4096;
constexpr std::size_t kPrintFactor = 8;

BufferPtr printBuffer(std::size_t input_bytes) {
  return newBuffer(kPrintSlack + kPrintFactor * input_bytes);
}

std::string clip(std::string text) {
  if (text.size() > kMaxRecordText) {
    text.resize(kMaxRecordText);
    text += "...";
  }
  return text;
}

std::size_t rdataSize(const ldns_rr* rr) {
  std::size_t size = 0;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    if (const ldns_rdf* field = ldns_rr_rdf(rr, i); field != nullptr) size += ldns_rdf_size(field);
  }
  return size;
}

// ldns prints WKS bitmaps with getprotobynumber and getservbyport: one NSS lookup per bit set
// (64 KiB of bitmap is half a million) and not thread-safe. RFC 1035 section 3.4.2: protocol,
// then a bitmap of ports; we print the numbers.
bool printedByUs(const ldns_rdf* field) {
  const ldns_rdf_type type = ldns_rdf_get_type(field);
  return type == LDNS_RDF_TYPE_WKS || type == LDNS_RDF_TYPE_SERVICE;
}

std::string wksText(std::span<const std::uint8_t> data) {
  if (data.empty()) return {};
  std::string text = std::to_string(data[0]);
  const std::size_t ports = std::min<std::size_t>((data.size() - 1) * 8, 0x10000);
  for (std::size_t port = 0; port < ports && text.size() <= kMaxRecordText; ++port) {
    if ((data[1 + port / 8] & (0x80U >> (port % 8))) != 0) text += " " + std::to_string(port);
  }
  return text;
}

// RFC 3597 section 5: "\# length hex", for RDATA that ldns cannot print.
std::string genericRdata(const ldns_rr* rr) {
  std::string text = "\\# " + std::to_string(rdataSize(rr));
  if (rdataSize(rr) > 0) text.push_back(' ');
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr) && text.size() <= kMaxRecordText; ++i) {
    if (const ldns_rdf* field = ldns_rr_rdf(rr, i); field != nullptr) {
      text += hexEncode({ldns_rdf_data(field), ldns_rdf_size(field)});
    }
  }
  return text;
}

// The RDATA fields of one RR, space-separated, as kdig +short prints them; the generic form when
// ldns cannot print one of them.
std::string rdataText(const ldns_rr* rr) {
  std::string text;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* field = ldns_rr_rdf(rr, i);
    if (field == nullptr) return genericRdata(rr);
    if (!text.empty()) text.push_back(' ');
    if (printedByUs(field)) {
      text += wksText({ldns_rdf_data(field), ldns_rdf_size(field)});
      continue;
    }
    const BufferPtr buffer = printBuffer(ldns_rdf_size(field));
    if (ldns_rdf2buffer_str(buffer.get(), field) != LDNS_STATUS_OK) return genericRdata(rr);
    text += bufferText(buffer.get());
  }
  return text;
}

// One RR as ldns_rr2str prints it, on one line (tabs become single spaces). When ldns cannot print
// it, or must not (WKS), the same layout with our RDATA text.
std::string rrText(const ldns_rr* rr) {
  bool ours = false;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* field = ldns_rr_rdf(rr, i);
    ours = ours || field == nullptr || printedByUs(field);
  }
  std::string text;
  const ldns_rdf* owner = ldns_rr_owner(rr);
  if (!ours) {
    const BufferPtr buffer =
        printBuffer((owner != nullptr ? ldns_rdf_size(owner) : 0) + rdataSize(rr));
    if (ldns_rr2buffer_str(buffer.get(), rr) == LDNS_STATUS_OK) text = bufferText(buffer.get());
  }
  if (text.empty()) {
    const auto type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
    text = nameText(owner) + " " + std::to_string(ldns_rr_ttl(rr)) + " " +
           className(static_cast<std::uint16_t>(ldns_rr_get_class(rr))) + " " + typeName(type) +
           " " + rdataText(rr);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (char& c : text) {
    if (c == '\t') c = ' ';
  }
  return text;
}

// RFC 6891 section 6.1.2: the OPT RDATA is a run of {OPTION-CODE, OPTION-LENGTH, OPTION-DATA}.
// Read through WireReader: an option cut short ends the walk, and what came before still counts.
void readOptions(std::span<const std::uint8_t> rdata, model::DnsEdns& edns) {
  WireReader reader(rdata);
  while (reader.remaining() >= kOptionHeaderSize) {
    const std::uint16_t code = reader.readU16();
    const std::size_t length = reader.readU16();
    const std::span<const std::uint8_t> data = reader.readBytes(length);
    if (!reader.ok()) break;
    switch (code) {
      case LDNS_EDNS_NSID: {
        // RFC 5001 section 2.3: the payload is opaque; many servers put a host name there.
        edns.nsid_hex = hexEncode(data);
        bool printable = !data.empty();
        for (const std::uint8_t byte : data) printable = printable && byte >= 0x20 && byte < 0x7f;
        if (printable) edns.nsid_text = std::string(data.begin(), data.end());
        break;
      }
      case LDNS_EDNS_KEEPALIVE:
        // RFC 7828 section 3.1: in a response, TIMEOUT is two bytes in units of 100 ms; an empty
        // option (what a client sends) says nothing about the server's idle timeout.
        if (data.size() == 2) edns.keepalive_ms = std::uint32_t{WireReader(data).readU16()} * 100U;
        break;
      case LDNS_EDNS_PADDING:
        edns.padding = true;
        edns.padding_length += static_cast<std::uint32_t>(data.size());
        break;
      default:
        edns.other_options.push_back(code);
        break;
    }
  }
}

// Moves past one name where it stands (RFC 1035 section 4.1.4: labels up to a zero octet or a
// pointer), without following the pointer: each turn consumes at least one octet or fails.
void skipName(WireReader& reader) {
  while (reader.ok()) {
    const std::uint8_t length = reader.readU8();
    if (length == 0) return;
    if ((length & 0xc0U) == 0xc0U) {
      reader.skip(1);
      return;
    }
    if (length > kMaxLabel) reader.fail();
    reader.skip(length);
  }
}

// The SVCB records of the answer section, read from the message's own bytes: ldns 1.8.3 expands a
// compressed SVCB target, which RFC 9460 section 2.2 forbids, so the RDATA it holds may not be
// what was sent. A record whose RDATA does not parse is left out; a walk cut short ends with the
// records before it (ldns parsed the message, so it does not happen).
std::vector<model::SvcbRecord> svcbAnswers(std::span<const std::uint8_t> message) {
  std::vector<model::SvcbRecord> records;
  WireReader reader(message);
  reader.skip(4);  // ID, flags
  const std::size_t questions = reader.readU16();
  const std::size_t answers = reader.readU16();
  reader.skip(4);  // NSCOUNT, ARCOUNT
  for (std::size_t i = 0; i < questions && reader.ok(); ++i) {
    skipName(reader);
    reader.skip(4);  // QTYPE, QCLASS
  }
  for (std::size_t i = 0; i < answers && reader.ok(); ++i) {
    skipName(reader);
    const std::uint16_t type = reader.readU16();
    reader.skip(6);  // CLASS, TTL
    const std::size_t length = reader.readU16();
    const std::span<const std::uint8_t> rdata = reader.readBytes(length);
    if (!reader.ok()) break;
    if (type != kTypeSvcb) continue;
    if (std::optional<model::SvcbRecord> record = parseSvcbRdata(rdata)) {
      records.push_back(std::move(*record));
    }
  }
  return records;
}

// Empty when the question echoes the query (RFC 1035 section 7.3: a resolver checks that a
// response matches the question it asked), else why not.
std::string questionProblem(const ldns_pkt* packet, const model::DnsQuery& query) {
  const ldns_rr_list* questions = ldns_pkt_question(packet);
  const std::size_t count = questions != nullptr ? ldns_rr_list_rr_count(questions) : 0;
  if (count != 1) return std::to_string(count) + " questions, expected 1";
  const ldns_rr* question = ldns_rr_list_rr(questions, 0);
  std::string why;
  const RdfPtr expected_name = parseName(query.name, why);
  if (!expected_name) return "the query's name " + quoteInput(query.name) + " is unusable: " + why;
  const ldns_rdf* owner = ldns_rr_owner(question);
  // ldns_dname_compare is case-insensitive, as RFC 4343 asks of name comparison.
  if (owner == nullptr || ldns_rdf_get_type(owner) != LDNS_RDF_TYPE_DNAME ||
      ldns_dname_compare(owner, expected_name.get()) != 0) {
    return "name " + nameText(owner) + ", expected " + query.name;
  }
  const std::optional<std::uint16_t> expected_type = parseType(query.type);
  if (!expected_type) return "the query's type " + quoteInput(query.type) + " is unknown";
  const auto type = static_cast<std::uint16_t>(ldns_rr_get_type(question));
  if (type != *expected_type) return "type " + typeName(type) + ", expected " + query.type;
  const auto rr_class = static_cast<std::uint16_t>(ldns_rr_get_class(question));
  if (rr_class != LDNS_RR_CLASS_IN) return "class " + className(rr_class) + ", expected IN";
  return {};
}

model::DnsResponse describe(std::span<const std::uint8_t> message, const ldns_pkt* packet) {
  model::DnsResponse response;
  response.size = static_cast<std::uint32_t>(message.size());
  response.id = ldns_pkt_id(packet);
  response.aa = ldns_pkt_aa(packet);
  response.tc = ldns_pkt_tc(packet);
  response.rd = ldns_pkt_rd(packet);
  response.ra = ldns_pkt_ra(packet);
  response.ad = ldns_pkt_ad(packet);
  response.cd = ldns_pkt_cd(packet);
  response.opcode = opcodeName(ldns_pkt_get_opcode(packet));
  // The header's counts as sent: ldns takes the OPT record out of the additional section and
  // lowers its ARCOUNT. The message parsed, so it has the whole 12-byte header (RFC 1035 4.1.1).
  WireReader counts(message);
  counts.skip(4);
  response.qdcount = counts.readU16();
  response.ancount = counts.readU16();
  response.nscount = counts.readU16();
  response.arcount = counts.readU16();

  const bool has_edns = ldns_pkt_edns(packet);
  // RFC 6891 section 6.1.3: with OPT, the RCODE has 12 bits, the upper 8 in the OPT TTL.
  response.rcode_value = static_cast<std::uint16_t>(
      unsigned{ldns_pkt_get_rcode(packet)} |
      (has_edns ? unsigned{ldns_pkt_edns_extended_rcode(packet)} << 4U : 0U));
  response.rcode = rcodeName(response.rcode_value);

  const ldns_rr_list* answers = ldns_pkt_answer(packet);
  const std::size_t answer_count = answers != nullptr ? ldns_rr_list_rr_count(answers) : 0;
  for (std::size_t i = 0; i < answer_count; ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answers, i);
    if (rr == nullptr) continue;
    response.answers.push_back(clip(rrText(rr)));
    const std::string rdata = clip(rdataText(rr));
    if (!rdata.empty() && !response.short_answer.empty()) response.short_answer.push_back(' ');
    response.short_answer += rdata;
  }
  response.svcb = svcbAnswers(message);

  if (has_edns) {
    model::DnsEdns edns;
    edns.udp_size = ldns_pkt_edns_udp_size(packet);
    edns.version = ldns_pkt_edns_version(packet);
    edns.do_bit = ldns_pkt_edns_do(packet);
    if (const ldns_rdf* data = ldns_pkt_edns_data(packet); data != nullptr) {
      readOptions({ldns_rdf_data(data), ldns_rdf_size(data)}, edns);
    }
    response.edns = std::move(edns);
  }
  return response;
}

bool parseUnguarded(std::span<const std::uint8_t> message, const model::DnsQuery& query,
                    model::DnsExchange& exchange) {
  ldns_pkt* raw = nullptr;
  const ldns_status status =
      ldns_wire2pkt(&raw, message.empty() ? &kNoBytes : message.data(), message.size());
  // ldns hands over a packet only on success; never free what a failed call may have freed.
  const PktPtr packet(status == LDNS_STATUS_OK ? raw : nullptr);
  if (!packet || message.size() < kHeaderSize) {
    exchange.checks.push_back(
        {"parse", false, packet ? "shorter than the 12-byte header" : statusText(status)});
    return false;
  }
  exchange.checks.push_back({"parse", true, {}});
  exchange.response = describe(message, packet.get());
  const model::DnsResponse& response = *exchange.response;

  bool all_ok = true;
  const auto check = [&](std::string name, std::string problem) {
    const bool ok = problem.empty();
    all_ok = all_ok && ok;
    exchange.checks.push_back({std::move(name), ok, std::move(problem)});
  };
  check("id", response.id == query.id ? std::string()
                                      : "response ID " + std::to_string(response.id) +
                                            ", query ID " + std::to_string(query.id));
  check("qr", ldns_pkt_qr(packet.get()) ? std::string() : "QR clear: the message is a query");
  check("question", questionProblem(packet.get(), query));
  return all_ok;
}

}  // namespace

QueryOptions parseQuerySpec(const std::string& spec, QueryOptions base) {
  if (spec.empty()) throw UsageError("--query: empty (expected NAME or NAME/TYPE)");
  std::string name = spec;
  if (const std::size_t slash = spec.rfind('/'); slash != std::string::npos) {
    name = spec.substr(0, slash);
    const std::string type_text = spec.substr(slash + 1);
    const std::optional<std::uint16_t> type = parseType(type_text);
    if (!type) {
      throw UsageError("--query: unknown type " + quoteInput(type_text) + " in " +
                       quoteInput(spec) +
                       " (expected a mnemonic such as A, AAAA or NS, or TYPE1 to TYPE65535)");
    }
    base.type = *type;
  }
  static_cast<void>(parseNameOrThrow(name));
  base.name = std::move(name);
  return base;
}

BuiltQuery buildQuery(const QueryOptions& options, std::uint16_t id) {
  std::vector<std::uint8_t> message = toWire(makeQuery(options, id, std::nullopt).get());
  const bool padding = options.edns && options.padding;
  if (padding) {
    // RFC 8467 section 4.1 pads the whole DNS message, and the Padding option's own code and
    // length (RFC 7830 section 3) count toward it too.
    const std::size_t unpadded = message.size() + kOptionHeaderSize;
    const std::size_t length =
        (kQueryPaddingBlock - unpadded % kQueryPaddingBlock) % kQueryPaddingBlock;
    message = toWire(makeQuery(options, id, length).get());
  }

  BuiltQuery built;
  // RFC 7858 section 3.3 / RFC 1035 section 4.2.2: two-byte big-endian length first.
  built.wire.reserve(2 + message.size());
  built.wire.push_back(static_cast<std::uint8_t>(message.size() >> 8U));
  built.wire.push_back(static_cast<std::uint8_t>(message.size() & 0xffU));
  built.wire.insert(built.wire.end(), message.begin(), message.end());

  model::DnsQuery& query = built.query;
  query.name = nameText(parseNameOrThrow(options.name).get());
  query.type = typeName(options.type);
  query.id = id;
  query.rd = options.rd;
  query.edns = options.edns;
  query.padding = padding;
  query.nsid = options.edns && options.nsid;
  query.keepalive = options.edns && options.keepalive;
  query.size = static_cast<std::uint32_t>(message.size());
  return built;
}

Query::Query(const QueryOptions& options) : built_(buildQuery(options, 0)) {}

std::vector<std::uint8_t> Query::framed(std::uint16_t id) const {
  std::vector<std::uint8_t> wire = built_.wire;
  // RFC 1035 section 4.1.1: the ID is the header's first two octets, after the length prefix.
  wire.at(2) = static_cast<std::uint8_t>(id >> 8U);
  wire.at(3) = static_cast<std::uint8_t>(id & 0xffU);
  return wire;
}

model::DnsQuery Query::describe(std::uint16_t id) const {
  model::DnsQuery query = built_.query;
  query.id = id;
  return query;
}

bool parseResponse(std::span<const std::uint8_t> message, const model::DnsQuery& query,
                   model::DnsExchange& exchange) {
  try {
    return parseUnguarded(message, query, exchange);
  } catch (const std::exception& error) {
    // Only an allocation can fail here; a hostile message is data, never an exception.
    exchange.checks.push_back({"parse", false, std::string("internal error: ") + error.what()});
    return false;
  }
}

std::string libraryVersion() {
  return std::string("ldns ") + ldns_version();
}

}  // namespace dotscan::dns
