#include "dotscan/report/json_lines_reader.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "dotscan/report/json_lines.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::report {

namespace {

using Json = nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& why) {
  throw RecordError(where + ": " + why);
}

// The fields of one JSON object, read with their types checked: every getter throws RecordError
// naming the field ("result record: \"tls\".\"cipher\" is not a string") instead of guessing.
class Fields {
 public:
  Fields(const Json& json, std::string where) : json_(json), where_(std::move(where)) {
    if (!json_.is_object()) bad(where_, "is not an object");
  }

  [[nodiscard]] const Json& at(const char* key) const {
    const auto it = json_.find(key);
    if (it == json_.end()) fail(key, "is missing");
    return *it;
  }
  [[nodiscard]] bool has(const char* key) const { return json_.contains(key); }
  [[nodiscard]] bool isNull(const char* key) const { return at(key).is_null(); }
  [[nodiscard]] Fields object(const char* key) const {
    return {at(key), where_ + " \"" + key + "\""};
  }

  [[nodiscard]] std::string string(const char* key) const {
    const Json& value = at(key);
    if (!value.is_string()) fail(key, "is not a string");
    return value.get<std::string>();
  }
  // The writer's stringOrNull: null is the empty string.
  [[nodiscard]] std::string stringOrEmpty(const char* key) const {
    return isNull(key) ? std::string() : string(key);
  }
  [[nodiscard]] std::optional<std::string> optionalString(const char* key) const {
    if (isNull(key)) return std::nullopt;
    return string(key);
  }
  [[nodiscard]] bool boolean(const char* key) const {
    const Json& value = at(key);
    if (!value.is_boolean()) fail(key, "is not true or false");
    return value.get<bool>();
  }
  [[nodiscard]] std::optional<bool> optionalBoolean(const char* key) const {
    if (isNull(key)) return std::nullopt;
    return boolean(key);
  }
  [[nodiscard]] double number(const char* key) const {
    const Json& value = at(key);
    if (!value.is_number()) fail(key, "is not a number");
    return value.get<double>();
  }
  // A duration the writer rounds to 3 decimals (roundMs). Bounded so that rounding again gives
  // the same number: far below 2^53 thousandths, and 10^12 ms is some 31 years.
  [[nodiscard]] double duration(const char* key) const {
    const double value = number(key);
    if (!(value >= 0 && value <= 1e12)) fail(key, "is not a duration from 0 to 10^12");
    return value;
  }
  [[nodiscard]] std::optional<double> optionalDuration(const char* key) const {
    if (isNull(key)) return std::nullopt;
    return duration(key);
  }
  // A whole number from `low` to `high`, as T.
  template <typename T>
  [[nodiscard]] T whole(const char* key) const {
    return wholeOf<T>(at(key), key);
  }
  template <typename T>
  [[nodiscard]] std::optional<T> optionalWhole(const char* key) const {
    if (isNull(key)) return std::nullopt;
    return whole<T>(key);
  }
  [[nodiscard]] std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> list;
    for (const Json& item : array(key)) {
      if (!item.is_string()) fail(key, "holds something that is not a string");
      list.push_back(item.get<std::string>());
    }
    return list;
  }
  [[nodiscard]] const Json& array(const char* key) const {
    const Json& value = at(key);
    if (!value.is_array()) fail(key, "is not an array");
    return value;
  }
  template <typename T>
  [[nodiscard]] T wholeOf(const Json& value, const char* key) const {
    constexpr auto kLow = std::numeric_limits<T>::min();
    constexpr auto kHigh = std::numeric_limits<T>::max();
    const auto range = [&] {
      return "is not a whole number from " + std::to_string(kLow) + " to " + std::to_string(kHigh);
    };
    if (value.is_number_unsigned()) {
      const auto n = value.get<std::uint64_t>();
      if (n > static_cast<std::uint64_t>(kHigh)) fail(key, range());
      return static_cast<T>(n);
    }
    if (value.is_number_integer()) {
      const auto n = value.get<std::int64_t>();
      if constexpr (std::is_unsigned_v<T>) {
        if (n < 0) fail(key, range());
      } else {
        if (n < static_cast<std::int64_t>(kLow) || n > static_cast<std::int64_t>(kHigh)) {
          fail(key, range());
        }
      }
      return static_cast<T>(n);
    }
    fail(key, range());
  }
  [[nodiscard]] const std::string& where() const { return where_; }

  [[noreturn]] void fail(const char* key, const std::string& why) const {
    bad(where_, "\"" + std::string(key) + "\" " + why);
  }

 private:
  const Json& json_;
  std::string where_;
};

std::chrono::system_clock::time_point time(const Fields& fields, const char* key) {
  const auto parsed = parseTime(fields.string(key));
  if (!parsed) fields.fail(key, "is not a time such as 2026-11-23T10:00:00.123Z");
  return *parsed;
}

template <typename Enum, int Count>
Enum named(const Fields& fields, const char* key) {
  const std::string text = fields.string(key);
  for (int i = 0; i < Count; ++i) {
    if (model::toString(static_cast<Enum>(i)) == text) return static_cast<Enum>(i);
  }
  fields.fail(key, "is not a known value: " + quoteInput(text));
}

std::vector<std::pair<std::string, std::string>> nameValues(const Fields& fields, const char* key) {
  std::vector<std::pair<std::string, std::string>> list;
  for (const Json& item : fields.array(key)) {
    const Fields one(item, fields.where() + " \"" + key + "\" item");
    list.emplace_back(one.string("name"), one.string("value"));
  }
  return list;
}

model::CertificateInfo certificate(const Fields& f) {
  model::CertificateInfo cert;
  cert.subject = f.string("subject");
  cert.subject_fields = nameValues(f, "subject_fields");
  cert.issuer = f.string("issuer");
  cert.issuer_fields = nameValues(f, "issuer_fields");
  cert.serial = f.string("serial");
  cert.not_before = f.string("not_before");
  cert.not_after = f.string("not_after");
  cert.days_left = f.optionalWhole<std::int64_t>("days_left");
  const Fields san = f.object("san");
  cert.san = {san.strings("dns"), san.strings("ip"), san.strings("email"), san.strings("uri"),
              san.strings("other")};
  const Fields key = f.object("key");
  cert.key_type = key.string("type");
  cert.key_bits = key.whole<int>("bits");
  cert.key_curve = key.stringOrEmpty("curve");
  cert.signature_algorithm = f.string("signature_algorithm");
  if (f.has("md5")) cert.md5 = f.string("md5");  // absent in records before dotscan merge
  cert.sha1 = f.string("sha1");
  cert.sha256 = f.string("sha256");
  cert.spki_pin_sha256 = f.string("spki_pin_sha256");
  const Fields constraints = f.object("basic_constraints");
  cert.ca = constraints.optionalBoolean("ca");
  cert.path_length = constraints.optionalWhole<long>("path_length");
  cert.key_usage = f.strings("key_usage");
  cert.extended_key_usage = f.strings("extended_key_usage");
  cert.self_signed = f.boolean("self_signed");
  if (f.has("pem")) cert.pem = f.string("pem");
  cert.parse_errors = f.strings("parse_errors");
  return cert;
}

model::TlsSession tls(const Fields& f) {
  model::TlsSession tls;
  tls.version = f.string("version");
  tls.cipher = f.string("cipher");
  tls.group = f.stringOrEmpty("group");
  tls.alpn = f.optionalString("alpn");
  tls.ocsp_stapled = f.boolean("ocsp_stapled");
  tls.session_ticket = f.boolean("session_ticket");
  tls.chain_length = f.whole<int>("chain_length");
  tls.auth_name = f.stringOrEmpty("auth_name");
  tls.name_matches = f.optionalBoolean("name_matches");
  tls.bytes_sent = f.whole<std::uint64_t>("bytes_sent");
  tls.bytes_received = f.whole<std::uint64_t>("bytes_received");
  const Fields v = f.object("verification");
  tls.verification.trusted = v.boolean("trusted");
  tls.verification.code = v.whole<int>("code");
  tls.verification.reason = v.string("reason");
  tls.verification.trust_store = v.string("trust_store");
  for (const Json& item : v.array("errors")) {
    const Fields error(item, v.where() + " \"errors\" item");
    tls.verification.errors.push_back(
        {error.whole<int>("depth"), error.whole<int>("code"), error.string("reason")});
  }
  return tls;
}

model::DnsEdns edns(const Fields& f) {
  model::DnsEdns e;
  e.udp_size = f.whole<std::uint16_t>("udp_size");
  e.version = f.whole<std::uint8_t>("version");
  e.do_bit = f.boolean("do");
  e.padding = f.boolean("padding");
  e.padding_length = f.whole<std::uint32_t>("padding_length");
  e.nsid_hex = f.optionalString("nsid_hex");
  e.nsid_text = f.optionalString("nsid_text");
  e.keepalive_ms = f.optionalWhole<std::uint32_t>("keepalive_ms");
  for (const Json& item : f.array("other_options")) {
    e.other_options.push_back(f.wholeOf<std::uint16_t>(item, "other_options"));
  }
  return e;
}

model::DnsResponse response(const Fields& f) {
  model::DnsResponse r;
  r.size = f.whole<std::uint32_t>("size");
  r.id = f.whole<std::uint16_t>("id");
  r.rcode = f.string("rcode");
  r.rcode_value = f.whole<std::uint16_t>("rcode_value");
  r.opcode = f.string("opcode");
  const Fields flags = f.object("flags");
  r.aa = flags.boolean("aa");
  r.tc = flags.boolean("tc");
  r.rd = flags.boolean("rd");
  r.ra = flags.boolean("ra");
  r.ad = flags.boolean("ad");
  r.cd = flags.boolean("cd");
  const Fields counts = f.object("counts");
  r.qdcount = counts.whole<std::uint16_t>("question");
  r.ancount = counts.whole<std::uint16_t>("answer");
  r.nscount = counts.whole<std::uint16_t>("authority");
  r.arcount = counts.whole<std::uint16_t>("additional");
  r.answers = f.strings("answers");
  r.short_answer = f.string("short_answer");
  if (!f.isNull("edns")) r.edns = edns(f.object("edns"));
  return r;
}

model::DnsExchange dns(const Fields& f) {
  model::DnsExchange dns;
  dns.cleartext = f.boolean("cleartext");
  const Fields q = f.object("query");
  dns.query.name = q.string("name");
  dns.query.type = q.string("type");
  dns.query.id = q.whole<std::uint16_t>("id");
  dns.query.rd = q.boolean("rd");
  dns.query.edns = q.boolean("edns");
  dns.query.padding = q.boolean("padding");
  dns.query.nsid = q.boolean("nsid");
  dns.query.keepalive = q.boolean("keepalive");
  dns.query.size = q.whole<std::uint32_t>("size");
  for (const Json& item : f.array("checks")) {
    const Fields check(item, f.where() + " \"checks\" item");
    dns.checks.push_back(
        {check.string("name"), check.boolean("ok"), check.stringOrEmpty("detail")});
  }
  dns.bytes_received = f.whole<std::uint64_t>("bytes_received");
  if (!f.isNull("response")) dns.response = response(f.object("response"));
  return dns;
}

model::Finding finding(const Fields& f) {
  model::Finding finding;
  finding.id = f.string("id");
  const auto severity = model::severityFromString(f.string("severity"));
  if (!severity) f.fail("severity", "is not info, low, medium, high or critical");
  finding.severity = *severity;
  finding.message = f.string("message");
  finding.certificate = f.optionalWhole<int>("certificate");
  // Absent in records before the policy's finding rules (issue 12).
  if (f.has("policy") && !f.isNull("policy")) {
    const Fields rule = f.object("policy");
    model::FindingOverride record;
    record.group = rule.string("group");
    record.suppressed = rule.boolean("suppressed");
    if (const auto was = rule.optionalString("severity_was")) {
      record.was = model::severityFromString(*was);
      if (!record.was) rule.fail("severity_was", "is not info, low, medium, high or critical");
    }
    record.reason = rule.string("reason");
    record.until = rule.optionalString("until").value_or("");
    record.expired = rule.boolean("expired");
    finding.policy = std::move(record);
  }
  return finding;
}

// nlohmann::json keeps an object's members sorted by key, but a check's evidence is in the order
// the check found it, which the writer keeps. So a record with checks is read a second time by
// this SAX handler, which builds nothing and notes the keys of each "checks"[i]."evidence" object
// in the order written. As in the parse, the last of two members of the same name wins; a key
// written twice in one evidence object is noted twice (and refused).
class EvidenceOrder final : public nlohmann::json_sax<Json> {
 public:
  // The evidence keys of item i of the record's "checks", in order (empty: none seen).
  [[nodiscard]] const std::vector<std::string>& keys(std::size_t i) const {
    static const std::vector<std::string> kNone;
    return i < keys_.size() ? keys_[i] : kNone;
  }

  bool null() override { return value(); }
  bool boolean(bool /*value*/) override { return value(); }
  bool number_integer(number_integer_t /*value*/) override { return value(); }
  bool number_unsigned(number_unsigned_t /*value*/) override { return value(); }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return value(); }
  bool string(string_t& /*value*/) override { return value(); }
  bool binary(binary_t& /*value*/) override { return value(); }
  bool start_object(std::size_t /*elements*/) override {
    // Levels: 0 the record, 1 its "checks" array, 2 a check, 3 that check's "evidence".
    const bool in_checks = levels_.size() >= 2 && levels_[0].key == "checks" && !levels_[1].object;
    if (in_checks && levels_.size() == 2) check_ = levels_[1].items;
    const bool evidence =
        in_checks && levels_.size() == 3 && levels_[2].object && levels_[2].key == "evidence";
    if (evidence) {
      if (keys_.size() <= check_) keys_.resize(check_ + 1);
      keys_[check_].clear();  // a second "evidence" of one check replaces the first
    }
    value();
    levels_.push_back({true, evidence, {}, 0});
    return true;
  }
  bool key(string_t& key) override {
    if (levels_.back().evidence) keys_[check_].push_back(key);
    levels_.back().key = key;
    return true;
  }
  bool end_object() override { return end(); }
  bool start_array(std::size_t /*elements*/) override {
    if (levels_.size() == 1 && levels_[0].key == "checks") keys_.clear();  // a second "checks"
    value();
    levels_.push_back({false, false, {}, 0});
    return true;
  }
  bool end_array() override { return end(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const Json::exception& /*error*/) override {
    return false;
  }

 private:
  struct Level {
    bool object = false;
    bool evidence = false;  // the "evidence" object of a check
    std::string key;        // an object: the member being read
    std::size_t items = 0;  // an array: the items begun
  };
  bool value() {
    if (!levels_.empty() && !levels_.back().object) ++levels_.back().items;
    return true;
  }
  bool end() {
    levels_.pop_back();
    return true;
  }

  std::vector<Level> levels_;
  std::vector<std::vector<std::string>> keys_;
  std::size_t check_ = 0;
};

[[noreturn]] void badEvidence(const Fields& check, const std::string& key, const char* why) {
  std::string text = "member ";
  text += quoteInput(key);
  text += ' ';
  text += why;
  check.fail("evidence", text);
}

// One fact of a check, of the type the writer gave it: true, 3, "text" or ["a", "b"].
model::EvidenceValue evidenceValue(const Fields& check, const std::string& key, const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned()) {
    if (value.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max()) {
      badEvidence(check, key, "is not a whole number from -2^63 to 2^63 - 1");
    }
    return value.get<std::int64_t>();
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_array()) {
    std::vector<std::string> list;
    for (const Json& item : value) {
      if (!item.is_string()) badEvidence(check, key, "holds something that is not a string");
      list.push_back(item.get<std::string>());
    }
    return list;
  }
  badEvidence(check, key, "is not true or false, a whole number, a string or a list of strings");
}

model::ConformanceCheck conformanceCheck(const Fields& f, const std::vector<std::string>& order) {
  model::ConformanceCheck check;
  check.name = f.string("name");
  const auto status = model::checkStatusFromString(f.string("status"));
  if (!status) f.fail("status", "is not pass, fail, not-applicable or error");
  check.status = *status;
  check.summary = f.string("summary");
  (void)f.object("evidence");  // refuses anything but an object
  const Json& evidence = f.at("evidence");
  for (const std::string& key : order) {
    for (const model::Evidence& seen : check.evidence) {
      if (seen.key == key) f.fail("evidence", "holds " + quoteInput(key) + " twice");
    }
    const auto it = evidence.find(key);
    if (it == evidence.end()) break;  // cannot be: the same text, read twice
    check.evidence.push_back({key, evidenceValue(f, key, *it)});
  }
  if (check.evidence.size() != evidence.size()) f.fail("evidence", "does not match its text");
  return check;
}

std::vector<model::ConformanceCheck> conformanceChecks(const Fields& f, std::string_view line) {
  std::vector<model::ConformanceCheck> checks;
  const Json& items = f.array("checks");
  if (items.empty()) return checks;
  EvidenceOrder order;
  (void)Json::sax_parse(line, &order);  // the line parsed once already: no error here
  for (std::size_t i = 0; i < items.size(); ++i) {
    checks.push_back(
        conformanceCheck(Fields(items[i], f.where() + " \"checks\" item"), order.keys(i)));
  }
  return checks;
}

model::ProbeResult result(const Fields& f, std::string_view line) {
  model::ProbeResult result;
  const auto address = Address::parse(f.string("address"));
  if (!address) f.fail("address", "is not an IP address");
  result.address = *address;
  result.port = f.whole<std::uint16_t>("port");
  result.name = f.stringOrEmpty("name");
  result.sni = f.stringOrEmpty("sni");
  result.started = time(f, "started");
  result.ended = time(f, "ended");
  result.outcome = named<model::Outcome, model::kOutcomeCount>(f, "outcome");
  result.phase = named<model::Phase, static_cast<int>(model::Phase::Done) + 1>(f, "phase");
  result.reason = f.string("reason");
  result.attempts = f.whole<int>("attempts");
  result.first_bytes_hex = f.stringOrEmpty("first_bytes_hex");
  const Fields timings = f.object("timings");
  result.timings.tcp_connect_ms = timings.optionalDuration("tcp_connect_ms");
  result.timings.tls_handshake_ms = timings.optionalDuration("tls_handshake_ms");
  result.timings.dns_rtt_ms = timings.optionalDuration("dns_rtt_ms");
  result.timings.total_ms = timings.duration("total_ms");
  if (!f.isNull("tls")) result.tls = tls(f.object("tls"));
  for (const Json& item : f.array("certificates")) {
    result.certificates.push_back(certificate(Fields(item, f.where() + " \"certificates\" item")));
  }
  if (!f.isNull("dns")) result.dns = dns(f.object("dns"));
  // Absent when no check was asked for, and in records before the checks (issue 13).
  if (f.has("checks")) result.checks = conformanceChecks(f, line);
  for (const Json& item : f.array("findings")) {
    result.findings.push_back(finding(Fields(item, f.where() + " \"findings\" item")));
  }
  if (!f.isNull("verdict")) {
    const Fields v = f.object("verdict");
    result.verdict =
        model::Verdict{v.string("profile"), v.strings("reasons"), v.optionalWhole<int>("pin_match"),
                       v.stringOrEmpty("policy_group")};
  }
  return result;
}

DiscoveryMetadata discovery(const Fields& f) {
  DiscoveryMetadata d;
  d.mode = f.string("mode");
  d.interface = f.string("interface");
  d.source = f.string("source");
  d.sender = f.string("sender");
  d.cooldown_ms = f.whole<std::uint32_t>("cooldown_ms");
  d.sent = f.whole<std::uint64_t>("sent");
  d.send_errors = f.whole<std::uint64_t>("send_errors");
  d.live = f.whole<std::uint64_t>("live");
  d.closed = f.whole<std::uint64_t>("closed");
  d.unreachable = f.whole<std::uint64_t>("unreachable");
  d.silent = f.whole<std::uint64_t>("silent");
  d.invalid = f.whole<std::uint64_t>("invalid");
  d.duplicates = f.whole<std::uint64_t>("duplicates");
  d.captured = f.whole<std::uint64_t>("captured");
  d.capture_dropped = f.whole<std::uint64_t>("capture_dropped");
  return d;
}

bool isDecimal(std::string_view text) {
  if (text.empty() || text.size() > 40) return false;  // 2^128 has 39 digits
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

ScanMetadata metadata(const Fields& f) {
  ScanMetadata m;
  m.version = f.string("version");
  m.command_line = f.string("command_line");
  m.arguments = f.strings("arguments");
  m.resumed = f.whole<std::uint32_t>("resumed");
  m.seed = f.whole<std::uint64_t>("seed");
  m.shard_index = f.whole<std::uint32_t>("shard_index");
  m.shard_count = f.whole<std::uint32_t>("shard_count");
  // Absent in the records of dotscan before merge existed.
  if (f.has("merged_shards")) {
    m.merged_shards = f.optionalWhole<std::uint32_t>("merged_shards").value_or(0);
  }
  m.targets_planned = f.string("targets_planned");
  if (!isDecimal(m.targets_planned)) f.fail("targets_planned", "is not a decimal number");
  m.targets_scanned = f.whole<std::uint64_t>("targets_scanned");
  m.started = time(f, "started");
  m.ended = time(f, "ended");
  m.duration_s = f.duration("duration_s");
  (void)f.number("achieved_rate");  // derived from targets_scanned and duration_s
  const Fields counts = f.object("counts");
  for (std::size_t i = 0; i < m.counts.size(); ++i) {
    const std::string name(model::toString(static_cast<model::Outcome>(i)));
    m.counts.at(i) = counts.whole<std::uint64_t>(name.c_str());
  }
  m.interrupted = f.boolean("interrupted");
  m.threads = f.whole<std::uint32_t>("threads");
  m.max_parallel = f.whole<std::uint64_t>("max_parallel");
  m.rate = f.number("rate");
  m.connect_timeout_ms = f.whole<std::uint32_t>("connect_timeout_ms");
  m.tls_timeout_ms = f.whole<std::uint32_t>("tls_timeout_ms");
  m.host_timeout_ms = f.whole<std::uint32_t>("host_timeout_ms");
  m.retries = f.whole<int>("retries");
  m.timing = f.string("timing");
  m.min_rtt_timeout_ms = f.optionalWhole<std::uint32_t>("min_rtt_timeout_ms");
  m.max_rtt_timeout_ms = f.optionalWhole<std::uint32_t>("max_rtt_timeout_ms");
  m.cleartext_checks = f.whole<std::uint64_t>("cleartext_checks");
  const Fields rtt = f.object("rtt");
  const std::array<const char*, 3> kinds = {"connect", "handshake", "dns"};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const Fields one = rtt.object(kinds.at(i));
    m.rtt.at(i) = {one.duration("srtt_ms"), one.duration("rttvar_ms"),
                   one.whole<std::uint64_t>("samples")};
  }
  m.tls_min = f.stringOrEmpty("tls_min");
  m.tls_max = f.stringOrEmpty("tls_max");
  m.alpn = f.strings("alpn");
  m.trust_store = f.stringOrEmpty("trust_store");
  m.dns_timeout_ms = f.whole<std::uint32_t>("dns_timeout_ms");
  m.query = f.stringOrEmpty("query");
  m.error = f.optionalString("error");
  if (!f.isNull("discovery")) m.discovery = discovery(f.object("discovery"));
  if (!f.isNull("pcap")) {
    const Fields p = f.object("pcap");
    m.pcap = PcapMetadata{p.string("path"), p.whole<std::uint64_t>("written"),
                          p.whole<std::uint64_t>("skipped"), p.whole<std::uint64_t>("dropped")};
  }
  return m;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parseTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS.mmmZ, exactly as formatTime writes it.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size()) return std::nullopt;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
  }
  const auto number = [text](std::size_t at, std::size_t digits) {
    int value = 0;
    for (std::size_t i = at; i < at + digits; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  using namespace std::chrono;
  const year_month_day date{year(number(0, 4)), month(static_cast<unsigned>(number(5, 2))),
                            day(static_cast<unsigned>(number(8, 2)))};
  const int hours = number(11, 2);
  const int minutes = number(14, 2);
  const int seconds = number(17, 2);
  if (!date.ok() || hours > 23 || minutes > 59 || seconds > 59) return std::nullopt;
  return sys_days(date) + hours * 1h + minutes * 1min + seconds * 1s + milliseconds(number(20, 3));
}

Record parseRecord(std::string_view line) {
  const Json json = Json::parse(line, nullptr, false);
  if (json.is_discarded()) throw RecordError("not valid JSON");
  if (!json.is_object()) throw RecordError("not a JSON object");
  const Fields fields(json, "record");
  const std::string kind = fields.string("record");
  if (kind != "result" && kind != "metadata") {
    throw RecordError("unknown record " + quoteInput(kind) + " (result or metadata)");
  }
  const Fields record(json, kind + " record");
  if (record.at("schema_version") != kSchemaVersion) {
    record.fail("schema_version",
                "is not " + std::to_string(kSchemaVersion) + " (written by another dotscan)");
  }
  if (kind == "result") return result(record, line);
  return metadata(record);
}

JsonLinesReader::JsonLinesReader(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    in_ = stdin;
    return;
  }
  // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): closed in the destructor
  in_ = std::fopen(path_.c_str(), "rb");
  if (in_ == nullptr) {
    throw UsageError("cannot read " + quoteInput(path_) + ": " + std::strerror(errno));
  }
  owned_ = true;
}

JsonLinesReader::~JsonLinesReader() {
  if (owned_) (void)std::fclose(in_);  // NOLINT(cppcoreguidelines-owning-memory)
}

void JsonLinesReader::fail(const std::string& why) const {
  throw UsageError(quoteInput(path_) + " line " + std::to_string(line_) + ": " + why);
}

// One line into buffer_, without its newline, byte by byte (NUL bytes included), so that a line
// of any length costs at most kMaxLineBytes.
bool JsonLinesReader::readLine() {
  buffer_.clear();
  int c = 0;
  while ((c = getc_unlocked(in_)) != EOF) {
    if (c == '\n') {
      ++line_;
      return true;
    }
    if (buffer_.size() == kMaxLineBytes) {
      ++line_;
      fail("longer than " + std::to_string(kMaxLineBytes) + " bytes");
    }
    buffer_.push_back(static_cast<char>(c));
  }
  ++line_;
  if (std::ferror(in_) != 0) fail(std::string("cannot read it: ") + std::strerror(errno));
  if (buffer_.empty()) {
    --line_;
    return false;
  }
  fail("the last line has no newline: the file was cut short (the writer was killed mid-line)");
}

bool JsonLinesReader::skip() {
  return readLine();
}

std::optional<Record> JsonLinesReader::next() {
  if (!readLine()) return std::nullopt;
  if (buffer_.find('\0') != std::string::npos) fail("holds a NUL byte");
  try {
    return parseRecord(buffer_);
  } catch (const RecordError& e) {
    fail(e.what());
  }
}

}  // namespace dotscan::report
