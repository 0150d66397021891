// Queries as sent and responses as read. The responses are built here with ldns itself, so each
// test states the answer in presentation form and checks what parseResponse makes of its wire.
#include "dotscan/dns/message.hpp"

#include <ldns/ldns.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dotscan/dns/framing.hpp"
#include "dotscan/util/c_ptr.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::dns {
namespace {

using PktPtr = CPtr<ldns_pkt, ldns_pkt_free>;
using BufferPtr = CPtr<ldns_buffer, ldns_buffer_free>;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t kId = 0x4d2b;

Bytes wireOf(const ldns_pkt* packet) {
  const BufferPtr buffer(ldns_buffer_new(512));
  EXPECT_EQ(ldns_pkt2buffer_wire(buffer.get(), packet), LDNS_STATUS_OK);
  const std::uint8_t* begin = ldns_buffer_begin(buffer.get());
  return {begin, begin + ldns_buffer_position(buffer.get())};
}

// The message of a built query, without its length prefix.
Bytes messageOf(const BuiltQuery& built) {
  return {built.wire.begin() + 2, built.wire.end()};
}

PktPtr parse(const Bytes& message) {
  ldns_pkt* packet = nullptr;
  EXPECT_EQ(ldns_wire2pkt(&packet, message.data(), message.size()), LDNS_STATUS_OK);
  return PktPtr(packet);
}

// The EDNS option codes of a parsed query, in order, with their data sizes.
std::vector<std::pair<int, std::size_t>> optionsOf(ldns_pkt* packet) {
  std::vector<std::pair<int, std::size_t>> out;
  const ldns_edns_option_list* list = ldns_pkt_edns_get_option_list(packet);
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < ldns_edns_option_list_get_count(list); ++i) {
    const ldns_edns_option* option = ldns_edns_option_list_get_option(list, i);
    out.emplace_back(ldns_edns_get_code(option), ldns_edns_get_size(option));
  }
  return out;
}

// A response skeleton: QR, RD, RA, the question echoed.
PktPtr responseTo(const std::string& name, ldns_rr_type type, std::uint16_t id = kId) {
  PktPtr packet(ldns_pkt_query_new(ldns_dname_new_frm_str(name.c_str()), type, LDNS_RR_CLASS_IN,
                                   LDNS_QR | LDNS_RD | LDNS_RA));
  ldns_pkt_set_id(packet.get(), id);
  return packet;
}

void addRr(ldns_pkt* packet, ldns_pkt_section section, const std::string& text) {
  ldns_rr* rr = nullptr;
  ASSERT_EQ(ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK) << text;
  ldns_pkt_push_rr(packet, section, rr);
}

void addOption(ldns_pkt* packet, ldns_edns_option_code code, const std::string& data) {
  ldns_edns_option_list* list = ldns_pkt_edns_get_option_list(packet);
  if (list == nullptr) {
    list = ldns_edns_option_list_new();
    ldns_pkt_set_edns_option_list(packet, list);
  }
  const char nothing = 0;
  ldns_edns_option_list_push(
      list, ldns_edns_new_from_data(code, data.size(), data.empty() ? &nothing : data.data()));
}

model::DnsQuery queryFor(const std::string& name, const std::string& type) {
  QueryOptions options;
  options.name = name;
  options = parseQuerySpec(name + "/" + type, options);
  return buildQuery(options, kId).query;
}

struct Parsed {
  bool ok = false;
  model::DnsExchange exchange;

  [[nodiscard]] const model::DnsCheck* check(const std::string& name) const {
    for (const auto& c : exchange.checks) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }
};

Parsed parseAs(const Bytes& message, const model::DnsQuery& query) {
  Parsed parsed;
  parsed.ok = parseResponse(message, query, parsed.exchange);
  return parsed;
}

// ---- queries

TEST(DnsMessageQuery, DefaultIsRootNsWithEdnsNsidKeepaliveAndPadding) {
  const BuiltQuery built = buildQuery(QueryOptions{}, 0xbeef);
  const Bytes message = messageOf(built);
  ASSERT_GE(built.wire.size(), 2U);
  EXPECT_EQ((std::size_t{built.wire[0]} << 8U) | built.wire[1], message.size());
  EXPECT_EQ(message.size(), 128U);
  EXPECT_EQ(built.query.size, 128U);
  EXPECT_EQ(built.query.name, ".");
  EXPECT_EQ(built.query.type, "NS");
  EXPECT_EQ(built.query.id, 0xbeef);
  EXPECT_TRUE(built.query.rd && built.query.edns && built.query.padding && built.query.nsid &&
              built.query.keepalive);

  const PktPtr packet = parse(message);
  ASSERT_TRUE(packet);
  EXPECT_EQ(ldns_pkt_id(packet.get()), 0xbeef);
  EXPECT_EQ(message[0], 0xbe);
  EXPECT_EQ(message[1], 0xef);
  EXPECT_TRUE(ldns_pkt_rd(packet.get()));
  EXPECT_FALSE(ldns_pkt_qr(packet.get()));
  ASSERT_EQ(ldns_pkt_qdcount(packet.get()), 1);
  const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(packet.get()), 0);
  EXPECT_EQ(ldns_rr_get_type(question), LDNS_RR_TYPE_NS);
  EXPECT_EQ(ldns_rr_get_class(question), LDNS_RR_CLASS_IN);
  EXPECT_EQ(ldns_dname_label_count(ldns_rr_owner(question)), 0U);
  EXPECT_TRUE(ldns_pkt_edns(packet.get()));
  EXPECT_EQ(ldns_pkt_edns_udp_size(packet.get()), 1232);
  EXPECT_FALSE(ldns_pkt_edns_do(packet.get()));
  const auto options = optionsOf(packet.get());
  ASSERT_EQ(options.size(), 3U);
  EXPECT_EQ(options[0], std::make_pair(3, std::size_t{0}));   // NSID, empty
  EXPECT_EQ(options[1], std::make_pair(11, std::size_t{0}));  // keepalive, empty
  EXPECT_EQ(options[2].first, 12);                            // padding, last
  // The padding is zeros, the tail of the message.
  EXPECT_TRUE(std::all_of(message.end() - static_cast<std::ptrdiff_t>(options[2].second),
                          message.end(), [](std::uint8_t byte) { return byte == 0; }));
}

TEST(DnsMessageQuery, PaddingMakesEveryMessageAMultipleOf128) {
  const std::string label63(63, 'a');
  // 253 characters, the longest presentation name: 3 labels of 63, one of 61.
  const std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(longest.size(), 253U);
  const std::vector<std::string> names = {
      ".", "a", "dot.test", "dot.test.", label63, "Ex-Ample.Com", longest, longest + "."};
  for (const auto& name : names) {
    for (const int type : {1, 2, 16, 28, 65534}) {
      for (int mask = 0; mask < 4; ++mask) {
        QueryOptions options;
        options.name = name;
        options.type = static_cast<std::uint16_t>(type);
        options.nsid = (mask & 1) != 0;
        options.keepalive = (mask & 2) != 0;
        const BuiltQuery built = buildQuery(options, kId);
        const Bytes message = messageOf(built);
        EXPECT_EQ(message.size() % kQueryPaddingBlock, 0U) << name << " " << type << " " << mask;
        EXPECT_EQ(built.query.size, message.size());
        const PktPtr packet = parse(message);
        ASSERT_TRUE(packet);
        const auto found = optionsOf(packet.get());
        ASSERT_FALSE(found.empty());
        EXPECT_EQ(found.back().first, 12);
        EXPECT_EQ(found.size(), 1 + static_cast<std::size_t>(mask & 1) +
                                    static_cast<std::size_t>((mask & 2) >> 1));
      }
    }
  }
}

TEST(DnsMessageQuery, EachSwitchChangesTheWire) {
  QueryOptions unpadded;
  unpadded.padding = false;
  const Bytes base = messageOf(buildQuery(unpadded, kId));
  // Header 12, root name 1, type and class 4, OPT 11, two empty options 4 each.
  EXPECT_EQ(base.size(), 12U + 1 + 4 + 11 + 4 + 4);
  const PktPtr base_packet = parse(base);
  EXPECT_EQ(optionsOf(base_packet.get()),
            (std::vector<std::pair<int, std::size_t>>{{3, 0}, {11, 0}}));

  QueryOptions no_nsid = unpadded;
  no_nsid.nsid = false;
  const BuiltQuery without_nsid = buildQuery(no_nsid, kId);
  EXPECT_EQ(without_nsid.wire.size() + 4, base.size() + 2);
  EXPECT_FALSE(without_nsid.query.nsid);
  const PktPtr nsid_packet = parse(messageOf(without_nsid));
  EXPECT_EQ(optionsOf(nsid_packet.get()), (std::vector<std::pair<int, std::size_t>>{{11, 0}}));

  QueryOptions no_keepalive = unpadded;
  no_keepalive.keepalive = false;
  const BuiltQuery without_keepalive = buildQuery(no_keepalive, kId);
  EXPECT_FALSE(without_keepalive.query.keepalive);
  const PktPtr keepalive_packet = parse(messageOf(without_keepalive));
  EXPECT_EQ(optionsOf(keepalive_packet.get()), (std::vector<std::pair<int, std::size_t>>{{3, 0}}));

  QueryOptions bare = unpadded;
  bare.nsid = bare.keepalive = false;
  const BuiltQuery bare_query = buildQuery(bare, kId);
  EXPECT_EQ(bare_query.query.size, 12U + 1 + 4 + 11);  // an OPT record with no options
  const PktPtr bare_packet = parse(messageOf(bare_query));
  EXPECT_TRUE(ldns_pkt_edns(bare_packet.get()));
  EXPECT_TRUE(optionsOf(bare_packet.get()).empty());

  QueryOptions no_edns;
  no_edns.edns = false;
  const BuiltQuery plain = buildQuery(no_edns, kId);
  EXPECT_EQ(plain.query.size, 12U + 1 + 4);  // no OPT, so no padding either
  EXPECT_FALSE(plain.query.edns || plain.query.padding || plain.query.nsid ||
               plain.query.keepalive);
  const Bytes plain_message = messageOf(plain);
  EXPECT_EQ(plain_message[10], 0);
  EXPECT_EQ(plain_message[11], 0);  // ARCOUNT 0

  QueryOptions no_rd = unpadded;
  no_rd.rd = false;
  const BuiltQuery norecurse = buildQuery(no_rd, kId);
  EXPECT_FALSE(norecurse.query.rd);
  EXPECT_EQ(messageOf(norecurse)[2] & 0x01, 0);  // RFC 1035 4.1.1: RD is the low bit of byte 2
  EXPECT_EQ(base[2] & 0x01, 1);

  QueryOptions big = unpadded;
  big.udp_size = 4096;
  const PktPtr big_packet = parse(messageOf(buildQuery(big, kId)));
  EXPECT_EQ(ldns_pkt_edns_udp_size(big_packet.get()), 4096);
}

TEST(DnsMessageQuery, IdIsTheFirstTwoBytes) {
  for (const std::uint16_t id : std::vector<std::uint16_t>{0, 1, 0x1234, 0xffff}) {
    const BuiltQuery built = buildQuery(QueryOptions{}, id);
    EXPECT_EQ(built.wire[2], id >> 8U);
    EXPECT_EQ(built.wire[3], id & 0xffU);
    EXPECT_EQ(built.query.id, id);
  }
}

TEST(DnsMessageQuery, NameAndTypeAsSent) {
  QueryOptions options;
  options.name = "Dot.Test";
  options.type = 65534;
  const BuiltQuery built = buildQuery(options, kId);
  EXPECT_EQ(built.query.name, "Dot.Test.");
  EXPECT_EQ(built.query.type, "TYPE65534");
  options.type = 28;
  EXPECT_EQ(buildQuery(options, kId).query.type, "AAAA");
}

TEST(DnsMessageQuery, BadNameThrowsUsageError) {
  QueryOptions options;
  options.name = "a..b";
  EXPECT_THROW(buildQuery(options, kId), UsageError);
  options.name = "dot.test";
  options.type = 0;
  EXPECT_THROW(buildQuery(options, kId), UsageError);
}

// A Query built once yields, for any ID, exactly what buildQuery builds with that ID, for every
// combination of the switches (the ID is not patched at a guessed place).
TEST(DnsMessageQuery, QueryObjectYieldsTheWireFormWithTheGivenId) {
  for (int switches = 0; switches < 16; ++switches) {
    QueryOptions options;
    options.name = "dot.test";
    options.type = 28;
    options.rd = (switches & 1) != 0;
    options.edns = (switches & 2) != 0;
    options.padding = (switches & 4) != 0;
    options.nsid = (switches & 8) != 0;
    const Query query(options);
    for (const std::uint16_t id : std::vector<std::uint16_t>{0, 1, 0x1234, 0xbeef, 0xffff}) {
      const BuiltQuery built = buildQuery(options, id);
      EXPECT_EQ(query.framed(id), built.wire) << switches << " " << id;
      const model::DnsQuery described = query.describe(id);
      EXPECT_EQ(described.id, id);
      EXPECT_EQ(described.name, built.query.name);
      EXPECT_EQ(described.type, built.query.type);
      EXPECT_EQ(described.size, built.query.size);
      EXPECT_EQ(described.padding, built.query.padding);
      EXPECT_EQ(query.size(), built.query.size);
      const PktPtr packet = parse(Bytes(built.wire.begin() + 2, built.wire.end()));
      ASSERT_TRUE(packet);
      EXPECT_EQ(ldns_pkt_id(packet.get()), id);
    }
  }
  QueryOptions bad;
  bad.name = "a..b";
  EXPECT_THROW(Query{bad}, UsageError);
}

TEST(DnsMessageQuerySpec, NameAndType) {
  QueryOptions base;
  base.rd = false;
  base.udp_size = 4096;
  const QueryOptions name_only = parseQuerySpec("dot.test", base);
  EXPECT_EQ(name_only.name, "dot.test");
  EXPECT_EQ(name_only.type, 2);  // from base
  EXPECT_FALSE(name_only.rd);
  EXPECT_EQ(name_only.udp_size, 4096);

  EXPECT_EQ(parseQuerySpec("dot.test/A").type, 1);
  EXPECT_EQ(parseQuerySpec("dot.test/aaaa").type, 28);
  EXPECT_EQ(parseQuerySpec("dot.test/Txt").type, 16);
  EXPECT_EQ(parseQuerySpec("example./svcb").type, 64);
  EXPECT_EQ(parseQuerySpec("example./ANY").type, 255);
  EXPECT_EQ(parseQuerySpec("./TYPE65534").type, 65534);
  EXPECT_EQ(parseQuerySpec("./type1").type, 1);
  EXPECT_EQ(parseQuerySpec("./TYPE65535").type, 65535);
  // The last '/' separates the type, so a name with '/' (RFC 2317) works with a type.
  const QueryOptions classless = parseQuerySpec("0/25.2.0.192.in-addr.arpa/PTR");
  EXPECT_EQ(classless.name, "0/25.2.0.192.in-addr.arpa");
  EXPECT_EQ(classless.type, 12);
}

TEST(DnsMessageQuerySpec, ErrorsNameTheOption) {
  const std::string label63(63, 'a');
  const std::string too_long = label63 + "." + label63 + "." + label63 + "." + label63;
  for (const std::string& spec : std::vector<std::string>{
           "", "/A", "a..b", "a..b/A", "dot.test/", "dot.test/BOGUS", "dot.test/TYPE0",
           "dot.test/TYPE65536", "dot.test/TYPE", "dot.test/TYPE1x", "dot.test/TYPE-1",
           "dot.test/TYPE+1", "dot.test/IN", "dot.test/A/", std::string(64, 'x') + ".test",
           too_long}) {
    try {
      parseQuerySpec(spec);
      ADD_FAILURE() << "accepted '" << spec << "'";
    } catch (const UsageError& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind("--query: ", 0), 0U) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

// ---- responses

TEST(DnsMessageResponse, AAnswer) {
  const PktPtr packet = responseTo("dot.test.", LDNS_RR_TYPE_A);
  addRr(packet.get(), LDNS_SECTION_ANSWER, "dot.test. 300 IN A 192.0.2.1");
  addRr(packet.get(), LDNS_SECTION_ANSWER, "dot.test. 300 IN A 192.0.2.2");
  const Bytes message = wireOf(packet.get());
  const Parsed parsed = parseAs(message, queryFor("dot.test", "A"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_EQ(parsed.exchange.checks.size(), 4U);
  EXPECT_EQ(parsed.exchange.checks[0].name, "parse");
  EXPECT_EQ(parsed.exchange.checks[1].name, "id");
  EXPECT_EQ(parsed.exchange.checks[2].name, "qr");
  EXPECT_EQ(parsed.exchange.checks[3].name, "question");
  for (const auto& check : parsed.exchange.checks) {
    EXPECT_TRUE(check.ok) << check.name;
    EXPECT_TRUE(check.detail.empty()) << check.name;
  }
  ASSERT_TRUE(parsed.exchange.response);
  const model::DnsResponse& response = *parsed.exchange.response;
  EXPECT_EQ(response.size, message.size());
  EXPECT_EQ(response.id, kId);
  EXPECT_EQ(response.rcode, "NOERROR");
  EXPECT_EQ(response.rcode_value, 0);
  EXPECT_EQ(response.opcode, "QUERY");
  EXPECT_TRUE(response.rd && response.ra);
  EXPECT_FALSE(response.aa || response.tc || response.ad || response.cd);
  EXPECT_EQ(response.qdcount, 1);
  EXPECT_EQ(response.ancount, 2);
  EXPECT_EQ(response.nscount, 0);
  EXPECT_EQ(response.arcount, 0);
  EXPECT_EQ(response.answers, (std::vector<std::string>{"dot.test. 300 IN A 192.0.2.1",
                                                        "dot.test. 300 IN A 192.0.2.2"}));
  EXPECT_EQ(response.short_answer, "192.0.2.1 192.0.2.2");
  EXPECT_FALSE(response.edns);
}

TEST(DnsMessageResponse, AaaaAnswerCaseInsensitiveQuestion) {
  const PktPtr packet = responseTo("DOT.Test.", LDNS_RR_TYPE_AAAA);
  ldns_pkt_set_aa(packet.get(), true);
  ldns_pkt_set_ad(packet.get(), true);
  addRr(packet.get(), LDNS_SECTION_ANSWER, "DOT.Test. 60 IN AAAA 2001:db8::53");
  const Parsed parsed = parseAs(wireOf(packet.get()), queryFor("dot.test", "AAAA"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_TRUE(parsed.exchange.response->aa && parsed.exchange.response->ad);
  EXPECT_EQ(parsed.exchange.response->answers,
            std::vector<std::string>{"DOT.Test. 60 IN AAAA 2001:db8::53"});
  EXPECT_EQ(parsed.exchange.response->short_answer, "2001:db8::53");
}

TEST(DnsMessageResponse, MultiFieldRdataIsSpaceJoined) {
  const PktPtr packet = responseTo("test.", LDNS_RR_TYPE_SOA);
  addRr(packet.get(), LDNS_SECTION_ANSWER,
        "test. 3600 IN SOA ns.test. admin.test. 2024010101 7200 3600 1209600 300");
  addRr(packet.get(), LDNS_SECTION_ANSWER, R"(test. 3600 IN TXT "a b" "c")");
  const Parsed parsed = parseAs(wireOf(packet.get()), queryFor("test.", "SOA"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_EQ(parsed.exchange.response->short_answer,
            "ns.test. admin.test. 2024010101 7200 3600 1209600 300 \"a b\" \"c\"");
  EXPECT_EQ(parsed.exchange.response->answers[1], "test. 3600 IN TXT \"a b\" \"c\"");
}

// Builds an RR field by field, for RDATA that presentation form cannot (or should not) express.
ldns_rr* rawRr(const char* owner, ldns_rr_type type, const std::vector<ldns_rdf*>& fields) {
  ldns_rr* rr = ldns_rr_new();
  ldns_rr_set_owner(rr, ldns_dname_new_frm_str(owner));
  ldns_rr_set_type(rr, type);
  ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
  ldns_rr_set_ttl(rr, 300);
  for (ldns_rdf* field : fields) ldns_rr_push_rdf(rr, field);
  return rr;
}

ldns_rdf* rawRdf(ldns_rdf_type type, const Bytes& data) {
  return ldns_rdf_new_frm_data(type, data.size(), data.data());
}

TEST(DnsMessageResponse, SvcbAndHttpsPrintAtEveryBufferPosition) {
  // ldns 1.8.3 aborts when its SVCB printer meets a full buffer (found by fuzz_dns_response): an
  // owner name printed with escapes grows the buffer to an exact fit, then the parameters need
  // one more byte. Owners of 1 to 120 escaped bytes (4 to 480 characters) cross any boundary.
  // ldns keeps the keys in wire order, ascending (RFC 9460 section 2.2).
  for (std::size_t bytes = 1; bytes <= 120; ++bytes) {
    std::string owner;
    for (std::size_t i = 0; i < bytes; ++i) owner += i % 15 == 14 ? "\\001." : "\\001";
    if (owner.back() != '.') owner += ".";
    owner += "test.";
    const PktPtr packet = responseTo(owner, LDNS_RR_TYPE_HTTPS);
    // ldns's RR parser takes owners of at most 255 characters, so the owner is set afterwards.
    addRr(packet.get(), LDNS_SECTION_ANSWER,
          "x. 300 IN HTTPS 1 . mandatory=alpn alpn=h2,h3 ech=AEX+DQBB "
          "ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1,2001:db8::2");
    addRr(packet.get(), LDNS_SECTION_ANSWER,
          R"(x. 300 IN SVCB 1 dot.test. alpn=dot port=853 key65000="a b")");
    for (std::size_t i = 0; i < 2; ++i) {
      ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(packet.get()), i);
      ldns_rdf_deep_free(ldns_rr_owner(rr));
      ldns_rr_set_owner(rr, ldns_dname_new_frm_str(owner.c_str()));
    }
    const Parsed parsed = parseAs(wireOf(packet.get()), queryFor(owner, "HTTPS"));
    EXPECT_TRUE(parsed.ok) << bytes;
    ASSERT_TRUE(parsed.exchange.response);
    ASSERT_EQ(parsed.exchange.response->answers.size(), 2U);
    EXPECT_EQ(parsed.exchange.response->answers[0],
              owner +
                  " 300 IN HTTPS 1 . mandatory=alpn alpn=h2,h3 ipv4hint=192.0.2.1,192.0.2.2 "
                  "ech=AEX+DQBB ipv6hint=2001:db8::1,2001:db8::2");
    EXPECT_EQ(parsed.exchange.response->short_answer,
              "1 . mandatory=alpn alpn=h2,h3 ipv4hint=192.0.2.1,192.0.2.2 ech=AEX+DQBB "
              "ipv6hint=2001:db8::1,2001:db8::2 1 dot.test. alpn=dot port=853 key65000=\"a b\"");
  }
}

TEST(DnsMessageResponse, UnprintableRdataInGenericForm) {
  // no-default-alpn (key 2) must be empty: ldns refuses to print it with a value.
  const PktPtr packet = responseTo("test.", LDNS_RR_TYPE_HTTPS);
  ldns_pkt_push_rr(packet.get(), LDNS_SECTION_ANSWER,
                   rawRr("test.", LDNS_RR_TYPE_HTTPS,
                         {rawRdf(LDNS_RDF_TYPE_INT16, {0, 1}), ldns_dname_new_frm_str("."),
                          rawRdf(LDNS_RDF_TYPE_SVCPARAMS, {0, 2, 0, 1, 0x78})}));
  const Parsed parsed = parseAs(wireOf(packet.get()), queryFor("test", "HTTPS"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_EQ(parsed.exchange.response->answers,
            std::vector<std::string>{R"(test. 300 IN HTTPS \# 8 0001000002000178)"});
  EXPECT_EQ(parsed.exchange.response->short_answer, R"(\# 8 0001000002000178)");
}

TEST(DnsMessageResponse, SvcbAnswersParsedForDdr) {
  // RFC 9462 section 4: the answer to "_dns.resolver.arpa SVCB". Only type 64 is read (not HTTPS,
  // not A), in answer order; a record that does not parse is left out and changes nothing else.
  const PktPtr packet = responseTo("_dns.resolver.arpa.", LDNS_RR_TYPE_SVCB);
  addRr(packet.get(), LDNS_SECTION_ANSWER,
        "_dns.resolver.arpa. 300 IN SVCB 1 dot.example. alpn=dot port=853 ipv4hint=192.0.2.1 "
        "ipv6hint=2001:db8::1");
  addRr(packet.get(), LDNS_SECTION_ANSWER, "dot.example. 300 IN A 192.0.2.1");
  addRr(packet.get(), LDNS_SECTION_ANSWER, "_dns.resolver.arpa. 300 IN HTTPS 1 . alpn=h2");
  // no-default-alpn with a value (RFC 9460 section 7.1.1 wants it empty).
  ldns_pkt_push_rr(packet.get(), LDNS_SECTION_ANSWER,
                   rawRr("_dns.resolver.arpa.", LDNS_RR_TYPE_SVCB,
                         {rawRdf(LDNS_RDF_TYPE_INT16, {0, 3}), ldns_dname_new_frm_str("."),
                          rawRdf(LDNS_RDF_TYPE_SVCPARAMS, {0, 2, 0, 1, 0x78})}));
  addRr(packet.get(), LDNS_SECTION_ANSWER,
        "_dns.resolver.arpa. 300 IN SVCB 2 doh.example. alpn=h2,h3 no-default-alpn "
        "key65000=x dohpath=/dns-query{?dns}");
  addOption(packet.get(), LDNS_EDNS_NSID, "resolver-1");
  const Parsed parsed = parseAs(wireOf(packet.get()), queryFor("_dns.resolver.arpa", "SVCB"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  const model::DnsResponse& response = *parsed.exchange.response;
  EXPECT_EQ(response.answers.size(), 5U);
  ASSERT_TRUE(response.edns);
  EXPECT_EQ(response.edns->nsid_text, "resolver-1");
  ASSERT_EQ(response.svcb.size(), 2U);
  const model::SvcbRecord& dot = response.svcb[0];
  EXPECT_EQ(dot.priority, 1);
  EXPECT_EQ(dot.target, "dot.example.");
  EXPECT_EQ(dot.alpn, std::vector<std::string>{"dot"});
  EXPECT_EQ(dot.port, 853);
  EXPECT_EQ(dot.ipv4hint, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(dot.ipv6hint, std::vector<std::string>{"2001:db8::1"});
  EXPECT_FALSE(dot.dohpath);
  const model::SvcbRecord& doh = response.svcb[1];
  EXPECT_EQ(doh.priority, 2);
  EXPECT_EQ(doh.target, "doh.example.");
  EXPECT_EQ(doh.alpn, (std::vector<std::string>{"h2", "h3"}));
  EXPECT_TRUE(doh.no_default_alpn);
  EXPECT_FALSE(doh.port);
  EXPECT_EQ(doh.dohpath, "/dns-query{?dns}");
  EXPECT_EQ(doh.other_keys, std::vector<std::uint16_t>{65000});
}

TEST(DnsMessageResponse, CompressedSvcbTargetIsLeftOut) {
  // ldns 1.8.3 expands a compressed SVCB target; RFC 9460 section 2.2 forbids one, so the record is
  // read from the message's own bytes and left out. Question "_dns.resolver.arpa SVCB IN"; answer 1
  // targets a pointer to "resolver.arpa" (offset 17), answer 2 "dot." uncompressed; both owners are
  // pointers to the question (offset 12).
  const Bytes message = {
      0x4d, 0x2b, 0x81, 0x80, 0,   1,   0,   2,   0,   0,    0,   0,  // header
      4,    '_',  'd',  'n',  's', 8,   'r', 'e', 's', 'o',  'l', 'v',  'e',
      'r',  4,    'a',                           // question
      'r',  'p',  'a',  0,    0,   64,  0,   1,  //
      0xc0, 0x0c, 0,    64,   0,   1,   0,   0,   1,   0x2c, 0,   4,    0,
      1,    0xc0, 0x11,                                                // answer 1
      0xc0, 0x0c, 0,    64,   0,   1,   0,   0,   1,   0x2c, 0,   13,  // answer 2
      0,    1,    3,    'd',  'o', 't', 0,   0,   3,   0,    2,   0x03, 0x55};
  const Parsed parsed = parseAs(message, queryFor("_dns.resolver.arpa", "SVCB"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_EQ(parsed.exchange.response->answers.size(), 2U);
  EXPECT_EQ(parsed.exchange.response->answers[0],
            "_dns.resolver.arpa. 300 IN SVCB 1 resolver.arpa.");
  ASSERT_EQ(parsed.exchange.response->svcb.size(), 1U);
  EXPECT_EQ(parsed.exchange.response->svcb[0].target, "dot.");
  EXPECT_EQ(parsed.exchange.response->svcb[0].port, 853);
}

TEST(DnsMessageResponse, WksPortsAsNumbersWithoutServiceLookups) {
  const PktPtr packet = responseTo("test.", LDNS_RR_TYPE_WKS);
  // Protocol 6, ports 25 and 53 (RFC 1035 section 3.4.2: bit n of the map is port n).
  ldns_pkt_push_rr(packet.get(), LDNS_SECTION_ANSWER,
                   rawRr("test.", LDNS_RR_TYPE_WKS,
                         {rawRdf(LDNS_RDF_TYPE_A, {192, 0, 2, 1}),
                          rawRdf(LDNS_RDF_TYPE_WKS, {6, 0, 0, 0, 0x40, 0, 0, 0x04})}));
  const Parsed parsed = parseAs(wireOf(packet.get()), queryFor("test", "WKS"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_EQ(parsed.exchange.response->answers,
            std::vector<std::string>{"test. 300 IN WKS 192.0.2.1 6 25 53"});
  EXPECT_EQ(parsed.exchange.response->short_answer, "192.0.2.1 6 25 53");
}

TEST(DnsMessageResponse, HugeRecordTextIsCut) {
  // An NSEC bitmap naming every type of 100 windows prints to hundreds of kilobytes.
  Bytes bitmap;
  for (int window = 0; window < 100; ++window) {
    bitmap.push_back(static_cast<std::uint8_t>(window));
    bitmap.push_back(32);
    bitmap.insert(bitmap.end(), 32, 0xff);
  }
  const PktPtr packet = responseTo("test.", LDNS_RR_TYPE_NSEC);
  ldns_pkt_push_rr(packet.get(), LDNS_SECTION_ANSWER,
                   rawRr("test.", LDNS_RR_TYPE_NSEC,
                         {ldns_dname_new_frm_str("a.test."), rawRdf(LDNS_RDF_TYPE_NSEC, bitmap)}));
  const Parsed parsed = parseAs(wireOf(packet.get()), queryFor("test", "NSEC"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  ASSERT_EQ(parsed.exchange.response->answers.size(), 1U);
  const std::string& text = parsed.exchange.response->answers[0];
  EXPECT_EQ(text.size(), kMaxRecordText + 3);
  EXPECT_EQ(text.rfind("test. 300 IN NSEC a.test. ", 0), 0U);
  EXPECT_EQ(text.substr(text.size() - 3), "...");
  EXPECT_EQ(parsed.exchange.response->short_answer.size(), kMaxRecordText + 3);
}

TEST(DnsMessageResponse, NsReferralHasNoAnswer) {
  // An authoritative server for test. asked about a delegated name: NS and glue, no answer.
  const PktPtr packet = responseTo("www.sub.test.", LDNS_RR_TYPE_A);
  ldns_pkt_set_ra(packet.get(), false);
  addRr(packet.get(), LDNS_SECTION_AUTHORITY, "sub.test. 86400 IN NS ns1.sub.test.");
  addRr(packet.get(), LDNS_SECTION_AUTHORITY, "sub.test. 86400 IN NS ns2.sub.test.");
  addRr(packet.get(), LDNS_SECTION_ADDITIONAL, "ns1.sub.test. 86400 IN A 192.0.2.53");
  addRr(packet.get(), LDNS_SECTION_ADDITIONAL, "ns2.sub.test. 86400 IN AAAA 2001:db8::53");
  const Parsed parsed = parseAs(wireOf(packet.get()), queryFor("www.sub.test", "A"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  const auto& response = *parsed.exchange.response;
  EXPECT_EQ(response.rcode, "NOERROR");
  EXPECT_EQ(response.ancount, 0);
  EXPECT_EQ(response.nscount, 2);
  EXPECT_EQ(response.arcount, 2);
  EXPECT_TRUE(response.answers.empty());
  EXPECT_TRUE(response.short_answer.empty());
}

TEST(DnsMessageResponse, RefusedWithNoAnswerStillConfirmsDns) {
  const PktPtr packet = responseTo(".", LDNS_RR_TYPE_NS);
  ldns_pkt_set_rcode(packet.get(), LDNS_RCODE_REFUSED);
  ldns_pkt_set_ra(packet.get(), false);
  const Parsed parsed = parseAs(wireOf(packet.get()), buildQuery(QueryOptions{}, kId).query);
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_EQ(parsed.exchange.response->rcode, "REFUSED");
  EXPECT_EQ(parsed.exchange.response->rcode_value, 5);
  EXPECT_TRUE(parsed.exchange.response->answers.empty());
}

TEST(DnsMessageResponse, UnknownRcodeAndOpcode) {
  const PktPtr packet = responseTo(".", LDNS_RR_TYPE_NS);
  ldns_pkt_set_rcode(packet.get(), 12);
  ldns_pkt_set_opcode(packet.get(), static_cast<ldns_pkt_opcode>(3));
  const Parsed parsed = parseAs(wireOf(packet.get()), buildQuery(QueryOptions{}, kId).query);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_EQ(parsed.exchange.response->rcode, "RCODE12");
  EXPECT_EQ(parsed.exchange.response->opcode, "OPCODE3");
}

TEST(DnsMessageResponse, EdnsNsidKeepalivePaddingAndOthers) {
  const PktPtr packet = responseTo(".", LDNS_RR_TYPE_NS);
  addRr(packet.get(), LDNS_SECTION_ANSWER, ". 518400 IN NS a.root-servers.net.");
  ldns_pkt_set_edns_udp_size(packet.get(), 1232);
  ldns_pkt_set_edns_do(packet.get(), true);
  addOption(packet.get(), LDNS_EDNS_NSID, "unbound-1");
  addOption(packet.get(), LDNS_EDNS_KEEPALIVE, std::string("\x00\x64", 2));  // 100 x 100 ms
  addOption(packet.get(), LDNS_EDNS_COOKIE, "0123456789abcdef");
  addOption(packet.get(), LDNS_EDNS_PADDING, std::string(37, '\0'));
  const Bytes message = wireOf(packet.get());
  const Parsed parsed = parseAs(message, buildQuery(QueryOptions{}, kId).query);
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  const auto& response = *parsed.exchange.response;
  EXPECT_EQ(response.arcount, 1);  // the OPT record, as the header counts it
  EXPECT_EQ(response.short_answer, "a.root-servers.net.");
  ASSERT_TRUE(response.edns);
  const model::DnsEdns& edns = *response.edns;
  EXPECT_EQ(edns.udp_size, 1232);
  EXPECT_EQ(edns.version, 0);
  EXPECT_TRUE(edns.do_bit);
  EXPECT_EQ(edns.nsid_hex, "756e626f756e642d31");
  EXPECT_EQ(edns.nsid_text, "unbound-1");
  EXPECT_EQ(edns.keepalive_ms, 10000U);
  EXPECT_TRUE(edns.padding);
  EXPECT_EQ(edns.padding_length, 37U);
  EXPECT_EQ(edns.other_options, std::vector<std::uint16_t>{10});
}

TEST(DnsMessageResponse, EdnsEdgeCases) {
  const PktPtr packet = responseTo(".", LDNS_RR_TYPE_NS);
  ldns_pkt_set_edns_udp_size(packet.get(), 512);
  ldns_pkt_set_edns_extended_rcode(packet.get(), 1);  // with RCODE 0: 16, BADVERS
  addOption(packet.get(), LDNS_EDNS_NSID,
            std::string("\x01\xff"
                        "ab",
                        4));
  addOption(packet.get(), LDNS_EDNS_KEEPALIVE, "");
  const Parsed parsed = parseAs(wireOf(packet.get()), buildQuery(QueryOptions{}, kId).query);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_EQ(parsed.exchange.response->rcode, "BADVERS");
  EXPECT_EQ(parsed.exchange.response->rcode_value, 16);
  ASSERT_TRUE(parsed.exchange.response->edns);
  const model::DnsEdns& edns = *parsed.exchange.response->edns;
  EXPECT_EQ(edns.nsid_hex, "01ff6162");
  EXPECT_FALSE(edns.nsid_text);     // not printable
  EXPECT_FALSE(edns.keepalive_ms);  // empty: no timeout given
  EXPECT_FALSE(edns.padding);
  EXPECT_TRUE(edns.other_options.empty());
}

TEST(DnsMessageResponse, OptionCutShortKeepsWhatCameBefore) {
  const PktPtr packet = responseTo(".", LDNS_RR_TYPE_NS);
  addOption(packet.get(), LDNS_EDNS_NSID, "ns1");
  Bytes message = wireOf(packet.get());
  // Raise the OPT RDLENGTH by 4 and append an option header announcing 200 bytes that never come.
  const std::size_t rdlength_at = message.size() - (4 + 3) - 2;
  ASSERT_EQ(message[rdlength_at + 1], 7);
  message[rdlength_at + 1] = 11;
  for (const std::uint8_t byte : Bytes{0, 12, 0, 200}) message.push_back(byte);
  const Parsed parsed = parseAs(message, buildQuery(QueryOptions{}, kId).query);
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response && parsed.exchange.response->edns);
  EXPECT_EQ(parsed.exchange.response->edns->nsid_text, "ns1");
  EXPECT_FALSE(parsed.exchange.response->edns->padding);
}

TEST(DnsMessageResponse, WrongId) {
  const PktPtr packet = responseTo(".", LDNS_RR_TYPE_NS, kId + 1);
  const Parsed parsed = parseAs(wireOf(packet.get()), buildQuery(QueryOptions{}, kId).query);
  EXPECT_FALSE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);  // still described
  ASSERT_NE(parsed.check("id"), nullptr);
  EXPECT_FALSE(parsed.check("id")->ok);
  EXPECT_EQ(parsed.check("id")->detail, "response ID 19756, query ID 19755");
  EXPECT_TRUE(parsed.check("qr")->ok);
  EXPECT_TRUE(parsed.check("question")->ok);
}

TEST(DnsMessageResponse, QrClear) {
  // A server that echoes the query back.
  const BuiltQuery built = buildQuery(QueryOptions{}, kId);
  const Parsed parsed = parseAs(messageOf(built), built.query);
  EXPECT_FALSE(parsed.ok);
  EXPECT_TRUE(parsed.check("id")->ok);
  EXPECT_FALSE(parsed.check("qr")->ok);
  EXPECT_FALSE(parsed.check("qr")->detail.empty());
  EXPECT_TRUE(parsed.check("question")->ok);
  ASSERT_TRUE(parsed.exchange.response && parsed.exchange.response->edns);
  EXPECT_TRUE(parsed.exchange.response->edns->padding);
}

TEST(DnsMessageResponse, QuestionMismatch) {
  const model::DnsQuery query = queryFor("dot.test", "A");
  const auto question = [&](const PktPtr& packet) {
    const Parsed parsed = parseAs(wireOf(packet.get()), query);
    EXPECT_FALSE(parsed.ok);
    EXPECT_TRUE(parsed.check("id")->ok);
    return *parsed.check("question");
  };
  EXPECT_EQ(question(responseTo("other.test.", LDNS_RR_TYPE_A)).detail,
            "name other.test., expected dot.test.");
  EXPECT_EQ(question(responseTo("dot.test.", LDNS_RR_TYPE_AAAA)).detail, "type AAAA, expected A");

  PktPtr chaos(ldns_pkt_query_new(ldns_dname_new_frm_str("dot.test."), LDNS_RR_TYPE_A,
                                  LDNS_RR_CLASS_CH, LDNS_QR));
  ldns_pkt_set_id(chaos.get(), kId);
  EXPECT_EQ(question(chaos).detail, "class CH, expected IN");

  PktPtr none(ldns_pkt_new());
  ldns_pkt_set_id(none.get(), kId);
  ldns_pkt_set_qr(none.get(), true);
  EXPECT_EQ(question(none).detail, "0 questions, expected 1");

  PktPtr two = responseTo("dot.test.", LDNS_RR_TYPE_A);
  ldns_rr* extra = nullptr;
  ASSERT_EQ(ldns_rr_new_question_frm_str(&extra, "dot.test. IN A", nullptr, nullptr),
            LDNS_STATUS_OK);
  ldns_pkt_push_rr(two.get(), LDNS_SECTION_QUESTION, extra);
  EXPECT_EQ(question(two).detail, "2 questions, expected 1");
}

TEST(DnsMessageResponse, TruncatedAtEveryLength) {
  const PktPtr packet = responseTo("dot.test.", LDNS_RR_TYPE_A);
  addRr(packet.get(), LDNS_SECTION_ANSWER, "dot.test. 300 IN A 192.0.2.1");
  addOption(packet.get(), LDNS_EDNS_NSID, "unbound-1");
  const Bytes message = wireOf(packet.get());
  const model::DnsQuery query = queryFor("dot.test", "A");
  for (std::size_t cut = 0; cut < message.size(); ++cut) {
    const Bytes prefix(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(cut));
    const Parsed parsed = parseAs(prefix, query);
    EXPECT_FALSE(parsed.ok) << cut;
    ASSERT_FALSE(parsed.exchange.checks.empty());
    EXPECT_EQ(parsed.exchange.checks[0].name, "parse");
    EXPECT_FALSE(parsed.exchange.checks[0].ok) << cut;
    EXPECT_FALSE(parsed.exchange.checks[0].detail.empty());
    EXPECT_EQ(parsed.exchange.checks.size(), 1U);
    EXPECT_FALSE(parsed.exchange.response);
  }
  EXPECT_TRUE(parseAs(message, query).ok);
}

TEST(DnsMessageResponse, CompressionPointerToItself) {
  // Header (ID, QR, QDCOUNT 1), then a question name that is a pointer to its own offset 12.
  const Bytes message = {0x4d, 0x2b, 0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 2, 0, 1};
  const Parsed parsed = parseAs(message, buildQuery(QueryOptions{}, kId).query);
  EXPECT_FALSE(parsed.ok);
  ASSERT_EQ(parsed.exchange.checks.size(), 1U);
  EXPECT_EQ(parsed.exchange.checks[0].name, "parse");
  EXPECT_FALSE(parsed.exchange.checks[0].ok);
  EXPECT_FALSE(parsed.exchange.checks[0].detail.empty());

  // A two-pointer loop in an answer's owner name.
  Bytes loop = {0x4d, 0x2b, 0x80, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 0x0e, 0xc0,
                0x0c, 0,    1,    0,    1, 0, 0, 0, 0, 0, 4, 1, 2,    3,    4};
  EXPECT_FALSE(parseAs(loop, buildQuery(QueryOptions{}, kId).query).ok);
  // A forward pointer past the end.
  loop[13] = 0xff;
  EXPECT_FALSE(parseAs(loop, buildQuery(QueryOptions{}, kId).query).ok);
}

TEST(DnsMessageResponse, RandomGarbageNeverCrashes) {
  const model::DnsQuery query = buildQuery(QueryOptions{}, kId).query;
  const PktPtr packet = responseTo(".", LDNS_RR_TYPE_NS);
  addRr(packet.get(), LDNS_SECTION_ANSWER, ". 518400 IN NS a.root-servers.net.");
  addOption(packet.get(), LDNS_EDNS_NSID, "unbound-1");
  const Bytes good = wireOf(packet.get());
  // A fixed seed on purpose: a failure must reproduce.
  std::mt19937 random(20261123);  // NOLINT(cert-msc32-c,cert-msc51-cpp)
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 3000; ++round) {
    Bytes message;
    if (round % 2 == 0) {
      message.resize(static_cast<std::size_t>(random() % 700));
      for (auto& b : message) b = static_cast<std::uint8_t>(byte(random));
    } else {
      // A good answer with a few bytes flipped: gets past the header far more often.
      message = good;
      for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips) {
        message[random() % message.size()] = static_cast<std::uint8_t>(byte(random));
      }
    }
    model::DnsExchange exchange;
    const bool ok = parseResponse(message, query, exchange);
    ASSERT_FALSE(exchange.checks.empty());
    EXPECT_EQ(exchange.checks[0].name, "parse");
    EXPECT_EQ(exchange.checks[0].ok, exchange.response.has_value());
    if (ok) {
      EXPECT_EQ(exchange.checks.size(), 4U);
    }
  }
}

TEST(DnsMessageResponse, LargestMessageThroughTheFrameReader) {
  const PktPtr packet = responseTo("dot.test.", LDNS_RR_TYPE_TXT);
  const std::string text(255, 'x');
  for (int i = 0; i < 200; ++i) {
    addRr(packet.get(), LDNS_SECTION_ANSWER, "dot.test. 300 IN TXT \"" + text + "\"");
  }
  // Then a Padding option that fills the message to exactly 65535 bytes.
  addOption(packet.get(), LDNS_EDNS_NSID, "big");
  const std::size_t before = wireOf(packet.get()).size();
  ASSERT_LT(before + 4, 65535U);
  const std::size_t fill = 65535 - before - 4;
  addOption(packet.get(), LDNS_EDNS_PADDING, std::string(fill, '\0'));
  const Bytes message = wireOf(packet.get());
  ASSERT_EQ(message.size(), 65535U);

  Bytes framed = {0xff, 0xff};
  framed.insert(framed.end(), message.begin(), message.end());
  FrameReader reader;
  ASSERT_EQ(reader.feed(framed), FrameReader::State::Complete);
  const Parsed parsed =
      parseAs({reader.message().begin(), reader.message().end()}, queryFor("dot.test", "TXT"));
  EXPECT_TRUE(parsed.ok);
  ASSERT_TRUE(parsed.exchange.response);
  EXPECT_EQ(parsed.exchange.response->size, 65535U);
  EXPECT_EQ(parsed.exchange.response->answers.size(), 200U);
  EXPECT_EQ(parsed.exchange.response->ancount, 200);
  ASSERT_TRUE(parsed.exchange.response->edns);
  EXPECT_EQ(parsed.exchange.response->edns->padding_length, fill);
  EXPECT_EQ(parsed.exchange.response->edns->nsid_text, "big");
}

}  // namespace
}  // namespace dotscan::dns
