#include "dotscan/report/json_lines.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <ctime>
#include <utility>
#include <variant>

#include "dotscan/util/error.hpp"

#include "put.hpp"

namespace dotscan::report {

namespace {

// ordered_json keeps the fields in the order written here, which is the order of the schema.
using Json = nlohmann::ordered_json;

double roundMs(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

Json stringOrNull(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

template <typename T>
Json optionalOrNull(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// One line whatever the bytes: invalid UTF-8 becomes U+FFFD instead of throwing
// (nlohmann::json::dump, error_handler_t::replace), and every control character is escaped.
std::string dumpLine(const Json& json) {
  return escapeJsonControls(json.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Json fieldsJson(const std::vector<std::pair<std::string, std::string>>& fields) {
  Json array = Json::array();
  for (const auto& [name, value] : fields) array.push_back(Json{{"name", name}, {"value", value}});
  return array;
}

Json certificateJson(const model::CertificateInfo& cert, bool include_pem) {
  Json json;
  json["subject"] = cert.subject;
  json["subject_fields"] = fieldsJson(cert.subject_fields);
  json["issuer"] = cert.issuer;
  json["issuer_fields"] = fieldsJson(cert.issuer_fields);
  json["serial"] = cert.serial;
  json["not_before"] = cert.not_before;
  json["not_after"] = cert.not_after;
  json["days_left"] = optionalOrNull(cert.days_left);
  json["san"] = Json{{"dns", cert.san.dns},
                     {"ip", cert.san.ip},
                     {"email", cert.san.email},
                     {"uri", cert.san.uri},
                     {"other", cert.san.other}};
  json["key"] = Json{
      {"type", cert.key_type}, {"bits", cert.key_bits}, {"curve", stringOrNull(cert.key_curve)}};
  json["signature_algorithm"] = cert.signature_algorithm;
  json["md5"] = cert.md5;
  json["sha1"] = cert.sha1;
  json["sha256"] = cert.sha256;
  json["spki_pin_sha256"] = cert.spki_pin_sha256;
  json["basic_constraints"] =
      Json{{"ca", optionalOrNull(cert.ca)}, {"path_length", optionalOrNull(cert.path_length)}};
  json["key_usage"] = cert.key_usage;
  json["extended_key_usage"] = cert.extended_key_usage;
  json["self_signed"] = cert.self_signed;
  if (include_pem && !cert.pem.empty()) json["pem"] = cert.pem;
  json["parse_errors"] = cert.parse_errors;
  return json;
}

Json tlsJson(const model::TlsSession& tls) {
  Json errors = Json::array();
  for (const model::VerifyError& error : tls.verification.errors) {
    errors.push_back(Json{{"depth", error.depth}, {"code", error.code}, {"reason", error.reason}});
  }
  Json json;
  json["version"] = tls.version;
  json["cipher"] = tls.cipher;
  json["group"] = stringOrNull(tls.group);
  json["alpn"] = optionalOrNull(tls.alpn);
  json["ocsp_stapled"] = tls.ocsp_stapled;
  json["session_ticket"] = tls.session_ticket;
  json["chain_length"] = tls.chain_length;
  json["auth_name"] = stringOrNull(tls.auth_name);
  json["name_matches"] = optionalOrNull(tls.name_matches);
  json["bytes_sent"] = tls.bytes_sent;
  json["bytes_received"] = tls.bytes_received;
  json["verification"] = Json{{"trusted", tls.verification.trusted},
                              {"code", tls.verification.code},
                              {"reason", tls.verification.reason},
                              {"trust_store", tls.verification.trust_store},
                              {"errors", std::move(errors)}};
  return json;
}

Json optionalMs(const std::optional<double>& ms) {
  return ms ? Json(roundMs(*ms)) : Json(nullptr);
}

}  // namespace

// nlohmann escapes only C0 (below 0x20); DEL (0x7f) and the C1 controls (U+0080 to U+009F, which
// a terminal takes as escape sequences: U+009B is CSI) are escaped here. The dump is valid UTF-8
// and its structure is ASCII, so such characters can only stand inside strings, and a C1
// character is always the two bytes C2 80 to C2 9F.
std::string escapeJsonControls(std::string_view dumped) {
  std::string line;
  line.reserve(dumped.size());
  constexpr std::string_view kHex = "0123456789abcdef";
  for (std::size_t i = 0; i < dumped.size(); ++i) {
    const auto byte = static_cast<unsigned char>(dumped[i]);
    unsigned code = 0;
    if (byte == 0x7f) {
      code = 0x7f;
    } else if (byte == 0xc2 && i + 1 < dumped.size() &&
               static_cast<unsigned char>(dumped[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(dumped[i + 1]) <= 0x9f) {
      code = static_cast<unsigned char>(dumped[++i]);
    } else {
      line.push_back(dumped[i]);
      continue;
    }
    line += "\\u00";
    line.push_back(kHex[code >> 4U]);
    line.push_back(kHex[code & 0xfU]);
  }
  return line;
}

std::string formatTime(std::chrono::system_clock::time_point time) {
  using std::chrono::floor;
  const auto ms = floor<std::chrono::milliseconds>(time.time_since_epoch());
  const auto seconds = floor<std::chrono::seconds>(ms);
  const auto millis = (ms - seconds).count();  // 0..999, also before 1970
  const auto t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "1970-01-01T00:00:00.000Z";  // out of range
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  if (std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), text,
                    static_cast<int>(millis)) <= 0) {
    return "1970-01-01T00:00:00.000Z";
  }
  return out;
}

namespace {

Json dnsJson(const model::DnsExchange& dns) {
  const model::DnsQuery& q = dns.query;
  Json json;
  json["cleartext"] = dns.cleartext;
  json["query"] = Json{{"name", q.name}, {"type", q.type},           {"id", q.id},
                       {"rd", q.rd},     {"edns", q.edns},           {"padding", q.padding},
                       {"nsid", q.nsid}, {"keepalive", q.keepalive}, {"size", q.size}};
  Json checks = Json::array();
  for (const model::DnsCheck& check : dns.checks) {
    checks.push_back(
        Json{{"name", check.name}, {"ok", check.ok}, {"detail", stringOrNull(check.detail)}});
  }
  json["checks"] = std::move(checks);
  json["bytes_received"] = dns.bytes_received;
  if (!dns.response) {
    json["response"] = nullptr;
    return json;
  }
  const model::DnsResponse& r = *dns.response;
  Json response;
  response["size"] = r.size;
  response["id"] = r.id;
  response["rcode"] = r.rcode;
  response["rcode_value"] = r.rcode_value;
  response["opcode"] = r.opcode;
  response["flags"] =
      Json{{"aa", r.aa}, {"tc", r.tc}, {"rd", r.rd}, {"ra", r.ra}, {"ad", r.ad}, {"cd", r.cd}};
  response["counts"] = Json{{"question", r.qdcount},
                            {"answer", r.ancount},
                            {"authority", r.nscount},
                            {"additional", r.arcount}};
  response["answers"] = r.answers;
  response["short_answer"] = r.short_answer;
  if (r.edns) {
    const model::DnsEdns& e = *r.edns;
    response["edns"] = Json{{"udp_size", e.udp_size},
                            {"version", e.version},
                            {"do", e.do_bit},
                            {"padding", e.padding},
                            {"padding_length", e.padding_length},
                            {"nsid_hex", optionalOrNull(e.nsid_hex)},
                            {"nsid_text", optionalOrNull(e.nsid_text)},
                            {"keepalive_ms", optionalOrNull(e.keepalive_ms)},
                            {"other_options", e.other_options}};
  } else {
    response["edns"] = nullptr;
  }
  json["response"] = std::move(response);
  return json;
}

// The conformance checks (--checks), in the result's order. Each check's evidence is one object
// whose members keep the order the check found them in (ordered_json) and their type: true, 3,
// "text", ["a", "b"].
Json checksJson(const std::vector<model::ConformanceCheck>& checks) {
  Json array = Json::array();
  for (const model::ConformanceCheck& check : checks) {
    Json evidence = Json::object();
    for (const model::Evidence& item : check.evidence) {
      evidence[item.key] = std::visit([](const auto& value) { return Json(value); }, item.value);
    }
    array.push_back(Json{{"name", check.name},
                         {"status", std::string(model::toString(check.status))},
                         {"summary", check.summary},
                         {"evidence", std::move(evidence)}});
  }
  return array;
}

}  // namespace

std::string resultToJson(const model::ProbeResult& result, bool include_pem) {
  Json json;
  json["record"] = "result";
  json["schema_version"] = kSchemaVersion;
  json["address"] = result.address.toString();
  json["port"] = result.port;
  json["name"] = stringOrNull(result.name);
  json["sni"] = stringOrNull(result.sni);
  json["started"] = formatTime(result.started);
  json["ended"] = formatTime(result.ended);
  json["outcome"] = model::toString(result.outcome);
  json["phase"] = model::toString(result.phase);
  json["reason"] = result.reason;
  json["attempts"] = result.attempts;
  json["first_bytes_hex"] = stringOrNull(result.first_bytes_hex);
  json["timings"] = Json{{"tcp_connect_ms", optionalMs(result.timings.tcp_connect_ms)},
                         {"tls_handshake_ms", optionalMs(result.timings.tls_handshake_ms)},
                         {"dns_rtt_ms", optionalMs(result.timings.dns_rtt_ms)},
                         {"total_ms", roundMs(result.timings.total_ms)}};
  json["tls"] = result.tls ? tlsJson(*result.tls) : Json(nullptr);
  Json certificates = Json::array();
  for (const model::CertificateInfo& cert : result.certificates) {
    certificates.push_back(certificateJson(cert, include_pem));
  }
  json["certificates"] = std::move(certificates);
  json["dns"] = result.dns ? dnsJson(*result.dns) : Json(nullptr);
  // Left out, not null, when no check was asked for: a scan without --checks writes the record
  // it wrote before the checks existed.
  if (!result.checks.empty()) json["checks"] = checksJson(result.checks);
  Json findings = Json::array();
  for (const model::Finding& finding : result.findings) {
    Json policy = nullptr;
    if (finding.policy) {
      const model::FindingOverride& rule = *finding.policy;
      policy = Json{{"group", rule.group},
                    {"suppressed", rule.suppressed},
                    {"severity_was", rule.was ? Json(model::toString(*rule.was)) : Json(nullptr)},
                    {"reason", rule.reason},
                    {"until", rule.until.empty() ? Json(nullptr) : Json(rule.until)},
                    {"expired", rule.expired}};
    }
    findings.push_back(Json{{"id", finding.id},
                            {"severity", model::toString(finding.severity)},
                            {"message", finding.message},
                            {"certificate", optionalOrNull(finding.certificate)},
                            {"policy", std::move(policy)}});
  }
  json["findings"] = std::move(findings);
  if (result.verdict) {
    json["verdict"] = Json{{"profile", result.verdict->profile},
                           {"reasons", result.verdict->reasons},
                           {"pin_match", optionalOrNull(result.verdict->pin_match)},
                           {"policy_group", result.verdict->policy_group.empty()
                                                ? Json(nullptr)
                                                : Json(result.verdict->policy_group)}};
  } else {
    json["verdict"] = nullptr;
  }
  return dumpLine(json);
}

std::string metadataToJson(const ScanMetadata& metadata) {
  Json counts = Json::object();
  for (std::size_t i = 0; i < metadata.counts.size(); ++i) {
    counts[std::string(model::toString(static_cast<model::Outcome>(i)))] = metadata.counts.at(i);
  }
  const double rate = metadata.duration_s > 0
                          ? static_cast<double>(metadata.targets_scanned) / metadata.duration_s
                          : 0.0;
  Json json;
  json["record"] = "metadata";
  json["schema_version"] = kSchemaVersion;
  json["version"] = metadata.version;
  json["command_line"] = metadata.command_line;
  json["arguments"] = metadata.arguments;
  json["resumed"] = metadata.resumed;
  json["seed"] = metadata.seed;
  json["shard_index"] = metadata.shard_index;
  json["shard_count"] = metadata.shard_count;
  json["merged_shards"] =
      metadata.merged_shards != 0 ? Json(metadata.merged_shards) : Json(nullptr);
  json["targets_planned"] = metadata.targets_planned;
  json["targets_scanned"] = metadata.targets_scanned;
  json["started"] = formatTime(metadata.started);
  json["ended"] = formatTime(metadata.ended);
  json["duration_s"] = roundMs(metadata.duration_s);
  json["achieved_rate"] = roundMs(rate);
  json["counts"] = std::move(counts);
  json["interrupted"] = metadata.interrupted;
  json["threads"] = metadata.threads;
  json["max_parallel"] = metadata.max_parallel;
  json["rate"] = metadata.rate;
  json["connect_timeout_ms"] = metadata.connect_timeout_ms;
  json["tls_timeout_ms"] = metadata.tls_timeout_ms;
  json["host_timeout_ms"] = metadata.host_timeout_ms;
  json["retries"] = metadata.retries;
  json["timing"] = metadata.timing;
  const auto optional = [](const std::optional<std::uint32_t>& value) {
    return value ? Json(*value) : Json(nullptr);
  };
  json["min_rtt_timeout_ms"] = optional(metadata.min_rtt_timeout_ms);
  json["max_rtt_timeout_ms"] = optional(metadata.max_rtt_timeout_ms);
  json["cleartext_checks"] = metadata.cleartext_checks;
  Json rtt = Json::object();
  const std::array<const char*, 3> kinds = {"connect", "handshake", "dns"};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const ScanMetadata::Rtt& one = metadata.rtt.at(i);
    rtt[kinds.at(i)] = Json{{"srtt_ms", roundMs(one.srtt_ms)},
                            {"rttvar_ms", roundMs(one.rttvar_ms)},
                            {"samples", one.samples}};
  }
  json["rtt"] = std::move(rtt);
  json["tls_min"] = stringOrNull(metadata.tls_min);
  json["tls_max"] = stringOrNull(metadata.tls_max);
  json["alpn"] = metadata.alpn;
  json["trust_store"] = stringOrNull(metadata.trust_store);
  json["dns_timeout_ms"] = metadata.dns_timeout_ms;
  json["query"] = stringOrNull(metadata.query);
  json["error"] = metadata.error ? Json(*metadata.error) : Json(nullptr);
  if (metadata.discovery) {
    const DiscoveryMetadata& d = *metadata.discovery;
    json["discovery"] = Json{{"mode", d.mode},
                             {"interface", d.interface},
                             {"source", d.source},
                             {"sender", d.sender},
                             {"cooldown_ms", d.cooldown_ms},
                             {"sent", d.sent},
                             {"send_errors", d.send_errors},
                             {"live", d.live},
                             {"closed", d.closed},
                             {"unreachable", d.unreachable},
                             {"silent", d.silent},
                             {"invalid", d.invalid},
                             {"duplicates", d.duplicates},
                             {"captured", d.captured},
                             {"capture_dropped", d.capture_dropped}};
  } else {
    json["discovery"] = nullptr;
  }
  if (metadata.pcap) {
    json["pcap"] = Json{{"path", metadata.pcap->path},
                        {"written", metadata.pcap->written},
                        {"skipped", metadata.pcap->skipped},
                        {"dropped", metadata.pcap->dropped}};
  } else {
    json["pcap"] = nullptr;
  }
  return dumpLine(json);
}

JsonLinesWriter::JsonLinesWriter(std::FILE* out, JsonLinesOptions options)
    : out_(out), options_(options) {}

void JsonLinesWriter::add(const model::ProbeResult& result) {
  if (!options_.results) return;
  write(result);
  flush();
}

void JsonLinesWriter::finish(const ScanMetadata& metadata) {
  if (options_.metadata) writeMetadata(metadata);
  flush();
}

void JsonLinesWriter::write(const model::ProbeResult& result) {
  writeLine(resultToJson(result, options_.include_pem));
}

void JsonLinesWriter::writeMetadata(const ScanMetadata& metadata) {
  writeLine(metadataToJson(metadata));
}

// The whole record is serialised before the first byte goes out, so a failure to describe a
// result never leaves half a line behind; one fwrite per line.
void JsonLinesWriter::writeLine(std::string line) {
  line.push_back('\n');
  errno = 0;
  if (std::fwrite(line.data(), 1, line.size(), out_) != line.size() || std::ferror(out_) != 0) {
    throwWriteError(errno != 0 ? errno : EIO);
  }
}

void JsonLinesWriter::flush() {
  errno = 0;
  if (std::fflush(out_) != 0 || std::ferror(out_) != 0) throwWriteError(errno != 0 ? errno : EIO);
}

}  // namespace dotscan::report
