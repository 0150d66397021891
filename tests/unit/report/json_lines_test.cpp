#include "dotscan/report/json_lines.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "dotscan/util/error.hpp"

#include "samples.hpp"
#include "support/cannot_run.hpp"

namespace dotscan::report {
namespace {

using nlohmann::json;

using File = std::unique_ptr<std::FILE, decltype(&std::fclose)>;

std::string readAll(std::FILE* file) {
  EXPECT_EQ(std::fflush(file), 0);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  return text;
}

json parseLine(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << "a record must be one line";
  return json::parse(line);  // throws on invalid JSON or invalid UTF-8
}

TEST(JsonLines, TlsOkRecordHasEveryField) {
  const std::string line = resultToJson(samples::tlsOk());
  EXPECT_EQ(line.rfind(R"({"record":"result","schema_version":1,"address":"127.53.0.1",)", 0), 0U)
      << line;
  const json j = parseLine(line);
  EXPECT_EQ(j.size(), 19U);
  EXPECT_EQ(j["port"], 853);
  EXPECT_EQ(j["name"], "dot.test");
  EXPECT_EQ(j["sni"], "dot.test");
  EXPECT_EQ(j["started"], "2026-11-23T10:00:00.123Z");
  EXPECT_EQ(j["ended"], "2026-11-23T10:00:00.127Z");
  EXPECT_EQ(j["outcome"], "tls-ok");
  EXPECT_EQ(j["phase"], "done");
  EXPECT_EQ(j["reason"], "handshake complete");
  EXPECT_EQ(j["attempts"], 1);
  EXPECT_TRUE(j["first_bytes_hex"].is_null());
  EXPECT_EQ(j["timings"]["tcp_connect_ms"], 0.123);  // rounded to 3 decimals
  EXPECT_EQ(j["timings"]["tls_handshake_ms"], 3.0);
  EXPECT_EQ(j["timings"]["total_ms"], 3.2);
  EXPECT_NE(line.find(R"("tcp_connect_ms":0.123,)"), std::string::npos) << line;

  const json& tls = j["tls"];
  EXPECT_EQ(tls["version"], "TLSv1.3");
  EXPECT_EQ(tls["cipher"], "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(tls["group"], "X25519");
  EXPECT_TRUE(tls["alpn"].is_null());
  EXPECT_EQ(tls["ocsp_stapled"], false);
  EXPECT_EQ(tls["session_ticket"], true);
  EXPECT_EQ(tls["chain_length"], 2);
  EXPECT_EQ(tls["bytes_sent"], 517);
  EXPECT_EQ(tls["bytes_received"], 2210);
  const json& v = tls["verification"];
  EXPECT_EQ(v["trusted"], false);
  EXPECT_EQ(v["code"], 20);
  EXPECT_EQ(v["reason"], "unable to get local issuer certificate");
  EXPECT_EQ(v["trust_store"], "system");
  ASSERT_EQ(v["errors"].size(), 2U);
  EXPECT_EQ(v["errors"][1], (json{{"depth", 0}, {"code", 62}, {"reason", "hostname mismatch"}}));

  ASSERT_EQ(j["certificates"].size(), 2U);
  const json& leaf = j["certificates"][0];
  EXPECT_EQ(leaf.size(), 20U);  // every field but pem, which is empty
  EXPECT_FALSE(leaf.contains("pem"));
  EXPECT_EQ(leaf["subject"], "CN=dot.test");
  EXPECT_EQ(leaf["subject_fields"], json::parse(R"([{"name":"CN","value":"dot.test"}])"));
  EXPECT_EQ(leaf["issuer"], "CN=dotscan test intermediate CA,O=dotscan test");
  EXPECT_EQ(leaf["issuer_fields"][1]["value"], "dotscan test intermediate CA");
  EXPECT_EQ(leaf["serial"], "1000");
  EXPECT_EQ(leaf["not_before"], "2020-01-01T00:00:00Z");
  EXPECT_EQ(leaf["not_after"], "2049-12-31T23:59:59Z");
  EXPECT_EQ(leaf["days_left"], 8438);
  EXPECT_EQ(leaf["san"]["dns"].size(), 5U);
  EXPECT_EQ(leaf["san"]["ip"], json::parse(R"(["127.53.0.1","::1"])"));
  EXPECT_EQ(leaf["san"]["email"][0], "hostmaster@dot.test");
  EXPECT_EQ(leaf["san"]["uri"][0], "https://dot.test/");
  EXPECT_EQ(leaf["san"]["other"][0], "registeredID:1.2.3.4");
  EXPECT_EQ(leaf["key"], (json{{"type", "EC"}, {"bits", 256}, {"curve", "prime256v1"}}));
  EXPECT_EQ(leaf["signature_algorithm"], "ecdsa-with-SHA256");
  EXPECT_EQ(leaf["sha1"], "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(leaf["sha256"].get<std::string>().size(), 64U);
  EXPECT_EQ(leaf["spki_pin_sha256"], "9T2L2ZqIbDcSXbqPVV3H5HrfcJe0gYsjiqE8G6yJv1w=");
  EXPECT_EQ(leaf["basic_constraints"], (json{{"ca", false}, {"path_length", nullptr}}));
  EXPECT_EQ(leaf["key_usage"], json::parse(R"(["digitalSignature"])"));
  EXPECT_EQ(leaf["extended_key_usage"][1], "1.3.6.1.5.5.7.3.99");
  EXPECT_EQ(leaf["self_signed"], false);
  EXPECT_EQ(leaf["parse_errors"], json::array());

  const json& ca = j["certificates"][1];
  EXPECT_EQ(ca["key"], (json{{"type", "RSA"}, {"bits", 2048}, {"curve", nullptr}}));
  EXPECT_EQ(ca["basic_constraints"], (json{{"ca", true}, {"path_length", 0}}));
  EXPECT_EQ(ca["san"], (json{{"dns", json::array()},
                             {"ip", json::array()},
                             {"email", json::array()},
                             {"uri", json::array()},
                             {"other", json::array()}}));
}

TEST(JsonLines, FailureHasNullTlsAndNoCertificates) {
  const json j = parseLine(resultToJson(samples::closed()));
  EXPECT_EQ(j["outcome"], "closed");
  EXPECT_EQ(j["phase"], "tcp-connect");
  EXPECT_EQ(j["reason"], "connection refused");
  EXPECT_TRUE(j["name"].is_null());
  EXPECT_TRUE(j["sni"].is_null());
  EXPECT_TRUE(j["tls"].is_null());
  EXPECT_TRUE(j["first_bytes_hex"].is_null());
  EXPECT_EQ(j["certificates"], json::array());
  EXPECT_TRUE(j["timings"]["tcp_connect_ms"].is_null());
  EXPECT_TRUE(j["timings"]["tls_handshake_ms"].is_null());
  EXPECT_EQ(j["timings"]["total_ms"], 0.25);
}

TEST(JsonLines, EveryOutcomeString) {
  const json not_tls = parseLine(resultToJson(samples::notTls()));
  EXPECT_EQ(not_tls["outcome"], "not-tls");
  EXPECT_EQ(not_tls["phase"], "tls-handshake");
  EXPECT_EQ(not_tls["first_bytes_hex"], "485454502f312e312034303020426164205265717565737400");
  model::ProbeResult r = samples::closed();
  for (int i = 0; i < model::kOutcomeCount; ++i) {
    r.outcome = static_cast<model::Outcome>(i);
    EXPECT_EQ(parseLine(resultToJson(r))["outcome"], model::toString(r.outcome));
  }
  EXPECT_EQ(parseLine(resultToJson(samples::internalError()))["outcome"], "internal-error");
}

TEST(JsonLines, Ipv6AddressAndIpv4MappedAsDottedQuad) {
  const json j = parseLine(resultToJson(samples::filteredV6()));
  EXPECT_EQ(j["address"], "2001:db8::1");
  EXPECT_EQ(j["name"], "v6.example");
  EXPECT_EQ(j["attempts"], 3);
  EXPECT_EQ(j["timings"]["total_ms"], 3000.0);
  model::ProbeResult mapped = samples::closed();
  mapped.address = *Address::parse("::ffff:192.0.2.1");
  EXPECT_EQ(parseLine(resultToJson(mapped))["address"], "192.0.2.1");
}

TEST(JsonLines, HostileBytesStayOneLineOfValidUtf8) {
  std::string line;
  ASSERT_NO_THROW(line = resultToJson(samples::hostileCertificate()));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  const json j = parseLine(line);
  const json& cert = j["certificates"][0];
  // \xff and \xc0 become U+FFFD each; controls and valid UTF-8 survive the round trip.
  const std::string expected_cn =
      "evil\xef\xbf\xbd\xef\xbf\xbd\x1b[2J\n" + samples::kRtlOverride + "gnp.exe";
  EXPECT_EQ(cert["subject"], "CN=" + expected_cn + ",O=caf\xc3\xa9");
  EXPECT_EQ(cert["subject_fields"][0]["value"], expected_cn);
  EXPECT_EQ(cert["issuer_fields"][1]["value"], "caf\xc3\xa9");
  EXPECT_EQ(cert["serial"], "-01");
  EXPECT_EQ(cert["days_left"], -2518);
  EXPECT_EQ(cert["self_signed"], true);
  EXPECT_EQ(cert["pem"], "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(cert["parse_errors"][1], "keyUsage: \x01 bad");
  EXPECT_TRUE(cert["basic_constraints"]["ca"].is_null());
  EXPECT_EQ(j["tls"]["alpn"], "dot");
  EXPECT_TRUE(j["tls"]["group"].is_null());
  EXPECT_TRUE(j["name"].is_null());
}

TEST(JsonLines, DelAndC1ControlsAreEscapedToo) {
  // nlohmann escapes only C0; DEL and U+0080..U+009F (U+009B is a terminal's CSI) must not reach
  // a file raw either (the hostile matrix found them in certificate fields).
  model::ProbeResult result = samples::hostileCertificate();
  result.certificates.at(0).subject = std::string("a\x7f b\xc2\x9b[2J c\xc2\x80 d\xc2\xa0 e");
  const std::string line = resultToJson(result);
  EXPECT_EQ(line.find('\x7f'), std::string::npos);
  EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(line.find("\xc2\x80"), std::string::npos);
  EXPECT_NE(line.find(R"(a\u007f b\u009b[2J c\u0080 d)"), std::string::npos) << line;
  // The round trip gives back the same characters; U+00A0 (not a control) stays as it was.
  EXPECT_EQ(parseLine(line)["certificates"][0]["subject"],
            "a\x7f b\xc2\x9b[2J c\xc2\x80 d\xc2\xa0 e");
}

TEST(JsonLines, InvalidUtf8InEveryStringField) {
  model::ProbeResult r = samples::tlsOk();
  const std::string bad = "\xed\xa0\x80\xf8\x80";  // a surrogate and a 5-byte form
  r.name = bad;
  r.reason = bad;
  r.tls->cipher = bad;
  r.tls->verification.errors[0].reason = bad;
  r.certificates[1].san.dns = {bad};
  r.certificates[1].key_usage = {bad};
  EXPECT_NO_THROW(parseLine(resultToJson(r)));
}

TEST(JsonLines, MetadataRecord) {
  const std::string line = metadataToJson(samples::metadata());
  EXPECT_EQ(line.rfind(R"({"record":"metadata","schema_version":1,"version":"0.1.0",)", 0), 0U);
  const json j = parseLine(line);
  EXPECT_EQ(
      j["command_line"],
      "dotscan --seed 18446744073709551615 -oJ out.jsonl 127.53.0.0/24 caf\xc3\xa9\xef\xbf\xbd");
  EXPECT_EQ(j["seed"].get<std::uint64_t>(), 18446744073709551615ULL);
  EXPECT_NE(line.find(R"("seed":18446744073709551615,)"), std::string::npos);
  EXPECT_EQ(j["shard_index"], 1);
  EXPECT_EQ(j["shard_count"], 4);
  EXPECT_EQ(j["targets_planned"], "340282366920938463463374607431768211456");
  EXPECT_EQ(j["targets_scanned"], 254);
  EXPECT_EQ(j["started"], "2026-11-23T10:00:00.123Z");
  EXPECT_EQ(j["ended"], "2026-11-23T10:00:01.353Z");
  EXPECT_EQ(j["duration_s"], 1.23);
  EXPECT_EQ(j["achieved_rate"], 206.504);
  EXPECT_EQ(j["interrupted"], false);
  ASSERT_EQ(j["counts"].size(), static_cast<std::size_t>(model::kOutcomeCount));
  EXPECT_EQ(j["counts"]["tls-ok"], 1);
  EXPECT_EQ(j["counts"]["filtered"], 250);
  EXPECT_EQ(j["counts"]["closed"], 3);
  EXPECT_EQ(j["counts"]["internal-error"], 0);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["max_parallel"], 1000);
  EXPECT_EQ(j["rate"], 500.0);
  EXPECT_EQ(j["connect_timeout_ms"], 3000);
  EXPECT_EQ(j["tls_timeout_ms"], 5000);
  EXPECT_EQ(j["host_timeout_ms"], 15000);
  EXPECT_EQ(j["retries"], 1);
  EXPECT_EQ(j["tls_min"], "TLSv1.2");
  EXPECT_TRUE(j["tls_max"].is_null());
  EXPECT_EQ(j["alpn"], json::parse(R"(["dot"])"));
  EXPECT_EQ(j["trust_store"], "system");
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_TRUE(j["discovery"].is_null());  // -sT
  EXPECT_TRUE(j["pcap"].is_null());       // no --pcap
  // Issue 15: the timing template, fixed timeouts (no RTT bounds), the checks and the RTTs.
  EXPECT_EQ(j["timing"], "normal");
  EXPECT_TRUE(j["min_rtt_timeout_ms"].is_null());
  EXPECT_TRUE(j["max_rtt_timeout_ms"].is_null());
  EXPECT_EQ(j["cleartext_checks"], 0);
  EXPECT_EQ(j["rtt"]["handshake"]["samples"], 0);
  // --resume: the command line one argument each, and how many runs continued the scan.
  EXPECT_EQ(j["arguments"], json::array());
  EXPECT_EQ(j["resumed"], 0);
  EXPECT_TRUE(j["merged_shards"].is_null());  // a scan, not dotscan merge's result
  EXPECT_EQ(j.size(), 39U);
}

// A scan stopped by an error (exit 3) still ends its output with a metadata record saying why.
TEST(JsonLines, MetadataOfAScanStoppedByAnError) {
  ScanMetadata m = samples::metadata();
  m.error = "eventfd: Too many open files";
  const json j = parseLine(metadataToJson(m));
  EXPECT_EQ(j["error"], "eventfd: Too many open files");
}

TEST(JsonLines, MetadataWithDiscoveryAndPcap) {
  const ScanMetadata metadata = samples::fullMetadata();
  const json j = parseLine(metadataToJson(metadata));
  const json& d = j["discovery"];
  EXPECT_EQ(d["mode"], "syn");
  EXPECT_EQ(d["interface"], "veth0");
  EXPECT_EQ(d["source"], "198.18.0.1");
  EXPECT_EQ(d["sender"], "raw IP socket");
  EXPECT_EQ(d["cooldown_ms"], 1000);
  EXPECT_EQ(d["sent"], 45);
  EXPECT_EQ(d["live"], 1);
  EXPECT_EQ(d["silent"], 21);
  EXPECT_EQ(d["capture_dropped"], 2);
  EXPECT_EQ(d.size(), 15U);
  EXPECT_EQ(j["pcap"],
            (json{{"path", "scan.pcap"}, {"written", 12}, {"skipped", 3}, {"dropped", 1}}));
}

TEST(JsonLines, MetadataWithZeroDurationHasZeroRate) {
  ScanMetadata m = samples::metadata();
  m.duration_s = 0;
  m.interrupted = true;
  const json j = parseLine(metadataToJson(m));
  EXPECT_EQ(j["achieved_rate"], 0.0);
  EXPECT_EQ(j["interrupted"], true);
}

TEST(JsonLines, FormatTime) {
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  EXPECT_EQ(formatTime(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatTime(system_clock::time_point{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(formatTime(samples::at(999)), "2026-11-23T10:00:01.122Z");
  EXPECT_EQ(formatTime(samples::at() + std::chrono::microseconds(999)), "2026-11-23T10:00:00.123Z");
}

TEST(JsonLinesWriter, WritesWholeLines) {
  const File file(std::tmpfile(), &std::fclose);
  ASSERT_NE(file, nullptr);
  JsonLinesWriter writer(file.get());
  for (const auto& result : samples::allResults()) writer.write(result);
  writer.writeMetadata(samples::metadata());
  writer.flush();
  const std::string text = readAll(file.get());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::size_t lines = 0;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos;
       start = end + 1, end = text.find('\n', start)) {
    const json j = parseLine(text.substr(start, end - start));
    EXPECT_EQ(j["record"], lines < samples::allResults().size() ? "result" : "metadata");
    ++lines;
  }
  EXPECT_EQ(lines, samples::allResults().size() + 1);
}

TEST(JsonLinesWriter, DiskFullIsARuntimeError) {
  const File file(std::fopen("/dev/full", "w"), &std::fclose);
  if (!file) DOTSCAN_CANNOT_RUN("no /dev/full");
  JsonLinesWriter writer(file.get());
  try {
    for (int i = 0; i < 100; ++i) writer.write(samples::tlsOk());  // more than one stdio buffer
    writer.flush();
    FAIL() << "a write to /dev/full succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::RuntimeError);
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
}

TEST(JsonLinesWriter, FlushReportsAnErrorLeftInTheStream) {
  const File file(std::fopen("/dev/full", "w"), &std::fclose);
  if (!file) DOTSCAN_CANNOT_RUN("no /dev/full");
  JsonLinesWriter writer(file.get());
  writer.write(samples::closed());  // fits in the stdio buffer
  EXPECT_THROW(writer.flush(), Error);
}

TEST(JsonLines, DotRecordCarriesTheExchange) {
  const auto j = nlohmann::json::parse(resultToJson(samples::dot()));
  EXPECT_EQ(j["outcome"], "dot");
  EXPECT_EQ(j["timings"]["dns_rtt_ms"], 0.813);
  const auto& dns = j["dns"];
  EXPECT_EQ(dns["query"]["name"], "dot.test.");
  EXPECT_EQ(dns["query"]["id"], 4660);
  EXPECT_EQ(dns["checks"].size(), 5U);
  EXPECT_EQ(dns["checks"][2]["detail"], nullptr);
  EXPECT_EQ(dns["response"]["short_answer"], "192.0.2.53");
  EXPECT_EQ(dns["response"]["flags"]["ra"], true);
  EXPECT_EQ(dns["response"]["counts"]["answer"], 1);
  EXPECT_EQ(dns["response"]["edns"]["nsid_text"], "dotscan-test");
  EXPECT_EQ(dns["response"]["edns"]["keepalive_ms"], 10000);
  EXPECT_EQ(dns["response"]["edns"]["other_options"][0], 65001);
  ASSERT_EQ(j["findings"].size(), 3U);
  EXPECT_EQ(j["findings"][0]["id"], "chain-untrusted");
  EXPECT_EQ(j["findings"][0]["severity"], "high");
  EXPECT_EQ(j["findings"][0]["certificate"], nullptr);
  EXPECT_EQ(j["findings"][2]["certificate"], 1);
  EXPECT_EQ(nlohmann::json::parse(resultToJson(samples::closed()))["findings"].size(), 0U);
}

TEST(JsonLines, MalformedRecordNamesTheFailedCheck) {
  const auto j = nlohmann::json::parse(resultToJson(samples::dnsMalformed()));
  EXPECT_EQ(j["outcome"], "dns-malformed");
  EXPECT_EQ(j["phase"], "dns-answer");
  EXPECT_EQ(j["dns"]["checks"][2]["ok"], false);
  EXPECT_EQ(j["dns"]["checks"][2]["detail"], "expected 4660, got 4661");
  EXPECT_EQ(j["dns"]["response"]["edns"], nullptr);
  EXPECT_EQ(j["timings"]["dns_rtt_ms"], nullptr);
  EXPECT_EQ(nlohmann::json::parse(resultToJson(samples::closed()))["dns"], nullptr);
}

// --checks: one object per check, in the result's order, between "dns" and "findings"; the evidence
// an object in the order the check found it, each value of its own JSON type.
TEST(JsonLines, ChecksCarryTheirStatusAndTypedEvidenceInOrder) {
  const std::string line = resultToJson(samples::conformance());
  const std::string checks =
      R"(,"checks":[{"name":"pipelining","status":"pass",)"
      R"("summary":"3 queries written back to back, all answered, out of order, the last after )"
      R"(4 ms","evidence":{"queries":3,"answered":3,"out_of_order":true,)"
      R"("answer_order":["2","1","3"],"last_answer_ms":4}},)"
      R"({"name":"keepalive","status":"fail",)"
      R"("summary":"timeout 10000 ms announced; the server closed the session after 1000 ms )"
      R"(idle","evidence":{"timeout_ms":10000,"idle_ms":1000,"open_after_idle":false,)"
      R"("closed_after_ms":1000}},)"
      R"({"name":"resumption","status":"error",)"
      R"("summary":"the check's connection ended early: closed, connection refused",)"
      R"("evidence":{}},)"
      R"({"name":"versions","status":"fail","summary":"accepts TLSv1, TLSv1.1, TLSv1.2, )"
      R"(TLSv1.3 (TLS below 1.2, against RFC 8996); selects ALPN dot",)"
      R"("evidence":{"accepted":["TLSv1","TLSv1.1","TLSv1.2","TLSv1.3"],"refused":[],)"
      R"("alpn_dot":true}},)"
      R"({"name":"ddr","status":"not-applicable","summary":"no designated resolver )"
      R"j(advertised (_dns.resolver.arpa SVCB: NXDOMAIN, no SVCB record)",)j"
      R"("evidence":{"rcode":"NXDOMAIN"}}],"findings":[)";
  EXPECT_NE(line.find(checks), std::string::npos) << line;
  EXPECT_EQ(parseLine(line).size(), 20U);
  // Text from the network stays one line of escaped JSON, in the keys too.
  const std::string markup = resultToJson(samples::markupCertificate());
  EXPECT_NE(markup.find(R"("checks":[{"name":"sni<i>\u001b","status":"fail",)"
                        R"("summary":"<b>no</b> sni & \u001b[31m",)"
                        R"("evidence":{"seen<":"<i>x</i>\u001b","names":["<a>","\u0001"]}}])"),
            std::string::npos)
      << markup;
}

// Without --checks the record is the one written before the checks existed: no "checks" member.
TEST(JsonLines, NoChecksNoMember) {
  for (model::ProbeResult result : samples::allResults()) {
    result.checks.clear();
    const json j = parseLine(resultToJson(result));
    EXPECT_FALSE(j.contains("checks")) << j.dump();
    EXPECT_EQ(j.size(), 19U);
  }
}

TEST(JsonLinesWriter, AsAWriter) {
  const File file(std::tmpfile(), &std::fclose);
  ASSERT_TRUE(file);
  JsonLinesWriter all(file.get());
  all.begin(samples::metadata());
  all.add(samples::hostileCertificate());
  all.finish(samples::metadata());
  std::string text = readAll(file.get());
  EXPECT_NE(text.find("\"pem\":"), std::string::npos);
  EXPECT_NE(text.find("\"record\":\"metadata\""), std::string::npos);

  // -oJ with --metadata elsewhere, and -oX asking for PEMs that the JSON must not show.
  const File results(std::tmpfile(), &std::fclose);
  ASSERT_TRUE(results);
  JsonLinesWriter no_metadata(results.get(), {true, false, false});
  no_metadata.add(samples::hostileCertificate());
  no_metadata.finish(samples::metadata());
  text = readAll(results.get());
  EXPECT_EQ(text.find("\"pem\":"), std::string::npos);
  EXPECT_EQ(text.find("\"record\":\"metadata\""), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);

  // --metadata FILE: the metadata record alone.
  const File metadata(std::tmpfile(), &std::fclose);
  ASSERT_TRUE(metadata);
  JsonLinesWriter only_metadata(metadata.get(), {false, true, true});
  only_metadata.add(samples::dot());
  only_metadata.finish(samples::metadata());
  text = readAll(metadata.get());
  EXPECT_EQ(text.rfind("{\"record\":\"metadata\"", 0), 0U) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

}  // namespace
}  // namespace dotscan::report
