#include "samples.hpp"

namespace dotscan::report::samples {

namespace {

Address v4(const char* text) {
  return *Address::parseV4(text);
}

}  // namespace

std::chrono::system_clock::time_point at(int ms) {
  using namespace std::chrono;
  return sys_days{year{2026} / November / 23} + hours(10) + milliseconds(123 + ms);
}

model::ProbeResult tlsOk() {
  model::ProbeResult r;
  r.address = v4("127.53.0.1");
  r.port = 853;
  r.name = "dot.test";
  r.sni = "dot.test";
  r.started = at();
  r.ended = at(4);
  r.outcome = model::Outcome::TlsOk;
  r.phase = model::Phase::Done;
  r.reason = "handshake complete";
  r.attempts = 1;
  r.timings.tcp_connect_ms = 0.12345;
  r.timings.tls_handshake_ms = 3.0004;
  r.timings.total_ms = 3.2;

  model::TlsSession tls;
  tls.version = "TLSv1.3";
  tls.cipher = "TLS_AES_256_GCM_SHA384";
  tls.group = "X25519";
  tls.ocsp_stapled = false;
  tls.session_ticket = true;
  tls.chain_length = 2;
  tls.bytes_sent = 517;
  tls.bytes_received = 2210;
  tls.verification.trusted = false;
  tls.verification.code = 20;
  tls.verification.reason = "unable to get local issuer certificate";
  tls.verification.trust_store = "system";
  tls.verification.errors = {{1, 20, "unable to get local issuer certificate"},
                             {0, 62, "hostname mismatch"}};
  r.tls = tls;

  model::CertificateInfo leaf;
  leaf.subject = "CN=dot.test";
  leaf.subject_fields = {{"CN", "dot.test"}};
  leaf.issuer = "CN=dotscan test intermediate CA,O=dotscan test";
  leaf.issuer_fields = {{"O", "dotscan test"}, {"CN", "dotscan test intermediate CA"}};
  leaf.serial = "1000";
  leaf.not_before = "2020-01-01T00:00:00Z";
  leaf.not_after = "2049-12-31T23:59:59Z";
  leaf.days_left = 8438;
  leaf.san.dns = {"dot.test", "*.dot.test", "dns.test", "resolver.test", "extra.test"};
  leaf.san.ip = {"127.53.0.1", "::1"};
  leaf.san.email = {"hostmaster@dot.test"};
  leaf.san.uri = {"https://dot.test/"};
  leaf.san.other = {"registeredID:1.2.3.4"};
  leaf.key_type = "EC";
  leaf.key_bits = 256;
  leaf.key_curve = "prime256v1";
  leaf.signature_algorithm = "ecdsa-with-SHA256";
  leaf.md5 = "00112233445566778899aabbccddeeff";
  leaf.sha1 = "0123456789abcdef0123456789abcdef01234567";
  leaf.sha256 = "ab12cd34ef56789001234567890abcdef0123456789abcdef0123456789abcde";
  leaf.spki_pin_sha256 = "9T2L2ZqIbDcSXbqPVV3H5HrfcJe0gYsjiqE8G6yJv1w=";
  leaf.ca = false;
  leaf.key_usage = {"digitalSignature"};
  leaf.extended_key_usage = {"serverAuth", "1.3.6.1.5.5.7.3.99"};

  model::CertificateInfo intermediate;
  intermediate.subject = "CN=dotscan test intermediate CA,O=dotscan test";
  intermediate.subject_fields = leaf.issuer_fields;
  intermediate.issuer = "CN=dotscan test root CA,O=dotscan test";
  intermediate.issuer_fields = {{"O", "dotscan test"}, {"CN", "dotscan test root CA"}};
  intermediate.serial = "02";
  intermediate.not_before = "2020-01-01T00:00:00Z";
  intermediate.not_after = "2050-01-01T00:00:00Z";
  intermediate.days_left = 8439;
  intermediate.key_type = "RSA";
  intermediate.key_bits = 2048;
  intermediate.signature_algorithm = "sha256WithRSAEncryption";
  intermediate.sha1 = "89abcdef0123456789abcdef0123456789abcdef";
  intermediate.sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  intermediate.spki_pin_sha256 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  intermediate.ca = true;
  intermediate.path_length = 0;
  intermediate.key_usage = {"keyCertSign", "cRLSign"};
  r.certificates = {leaf, intermediate};
  return r;
}

model::ProbeResult hostileCertificate() {
  model::ProbeResult r;
  r.address = v4("192.0.2.7");
  r.port = 8853;
  r.started = at(10);
  r.ended = at(25);
  r.outcome = model::Outcome::TlsOk;
  r.phase = model::Phase::Done;
  r.reason = "handshake complete";
  r.attempts = 2;
  r.timings.tcp_connect_ms = 1.0;
  r.timings.tls_handshake_ms = 14.0;
  r.timings.total_ms = 15.0;
  model::TlsSession tls;
  tls.version = "TLSv1.2";
  tls.cipher = "ECDHE-RSA-AES128-GCM-SHA256";
  tls.alpn = "dot";
  tls.ocsp_stapled = true;
  tls.chain_length = 1;
  tls.bytes_sent = 300;
  tls.bytes_received = 1500;
  tls.verification.trusted = false;
  tls.verification.code = 18;
  tls.verification.reason = "self-signed certificate";
  tls.verification.trust_store = "/etc/dot/ca.pem";
  tls.verification.errors = {{0, 18, "self-signed certificate"},
                             {0, 10, "certificate has expired"}};
  r.tls = tls;

  model::CertificateInfo cert;
  const std::string cn = "evil\xff\xc0\x1b[2J\n" + kRtlOverride + "gnp.exe";
  cert.subject = "CN=" + cn + ",O=caf\xc3\xa9";
  cert.subject_fields = {{"CN", cn}, {"O", "caf\xc3\xa9"}};
  cert.issuer = cert.subject;
  cert.issuer_fields = cert.subject_fields;
  cert.serial = "-01";
  cert.not_before = "2019-01-01T00:00:00Z";
  cert.not_after = "2020-01-01T00:00:00Z";
  cert.days_left = -2518;
  cert.key_type = "RSA";
  cert.key_bits = 1024;
  cert.signature_algorithm = "sha1WithRSAEncryption";
  cert.sha1 = "ffffffffffffffffffffffffffffffffffffffff";
  cert.sha256 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  cert.spki_pin_sha256 = "//////////////////////////////////////////8=";
  cert.self_signed = true;
  cert.pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  cert.parse_errors = {"subjectAltName: malformed extension", "keyUsage: \x01 bad"};
  r.certificates = {cert};
  return r;
}

model::ProbeResult closed() {
  model::ProbeResult r;
  r.address = v4("127.53.0.2");
  r.port = 853;
  r.started = at(1);
  r.ended = at(2);
  r.outcome = model::Outcome::Closed;
  r.phase = model::Phase::Connect;
  r.reason = "connection refused";
  r.attempts = 1;
  r.timings.total_ms = 0.25;
  return r;
}

model::ProbeResult filteredV6() {
  model::ProbeResult r;
  r.address = *Address::parseV6("2001:db8::1");
  r.port = 853;
  r.name = "v6.example";
  r.sni = "v6.example";
  r.started = at();
  r.ended = at(3000);
  r.outcome = model::Outcome::Filtered;
  r.phase = model::Phase::Connect;
  r.reason = "no answer to 3 connection attempts";
  r.attempts = 3;
  r.timings.total_ms = 3000.0004;
  return r;
}

model::ProbeResult notTls() {
  model::ProbeResult r;
  r.address = *Address::parseV6("2001:db8::53");
  r.port = 853;
  r.started = at();
  r.ended = at(5);
  r.outcome = model::Outcome::NotTls;
  r.phase = model::Phase::TlsHandshake;
  r.reason = "the peer answered with bytes that are not a TLS record";
  r.attempts = 1;
  r.first_bytes_hex = "485454502f312e312034303020426164205265717565737400";
  r.timings.tcp_connect_ms = 0.5;
  r.timings.total_ms = 4.75;
  return r;
}

model::ProbeResult tlsFailed() {
  model::ProbeResult r;
  r.address = v4("127.53.0.9");
  r.port = 853;
  r.started = at();
  r.ended = at(2);
  r.outcome = model::Outcome::TlsFailed;
  r.phase = model::Phase::TlsHandshake;
  r.reason = "tlsv1 alert handshake failure";
  r.attempts = 1;
  r.first_bytes_hex = "15030300020228";
  r.timings.tcp_connect_ms = 0.1;
  r.timings.total_ms = 1.5;
  return r;
}

model::ProbeResult internalError() {
  model::ProbeResult r;
  r.address = v4("10.0.0.1");
  r.port = 853;
  r.started = at();
  r.ended = at();
  r.outcome = model::Outcome::InternalError;
  r.phase = model::Phase::Connect;
  r.attempts = 0;
  return r;
}

model::ProbeResult dot() {
  model::ProbeResult r = tlsOk();
  r.outcome = model::Outcome::Dot;
  r.phase = model::Phase::Done;
  r.reason = "DNS answered inside TLS: NOERROR";
  r.timings.dns_rtt_ms = 0.8125;
  model::DnsExchange dns;
  dns.query = {"dot.test.", "A", 4660, true, true, true, true, true, 128};
  dns.checks = {{"framing", true, ""},
                {"parse", true, ""},
                {"id", true, ""},
                {"qr", true, ""},
                {"question", true, ""}};
  dns.bytes_received = 70;
  model::DnsResponse response;
  response.size = 68;
  response.id = 4660;
  response.rcode = "NOERROR";
  response.opcode = "QUERY";
  response.rd = response.ra = true;
  response.qdcount = response.ancount = response.arcount = 1;
  response.answers = {"dot.test. 300 IN A 192.0.2.53"};
  response.short_answer = "192.0.2.53";
  model::DnsEdns edns;
  edns.udp_size = 1232;
  edns.padding = true;
  edns.padding_length = 20;
  edns.nsid_hex = "646f747363616e2d74657374";
  edns.nsid_text = "dotscan-test";
  edns.keepalive_ms = 10000;
  edns.other_options = {65001};
  response.edns = edns;
  dns.response = response;
  r.dns = dns;
  r.findings = {
      {"chain-untrusted", model::Severity::High,
       "the chain does not verify against system: unable to get local issuer certificate",
       std::nullopt, std::nullopt},
      {"alpn-not-dot", model::Severity::Info, "the server selected no ALPN protocol", std::nullopt,
       std::nullopt},
      {"weak-key", model::Severity::High, "certificate 1 has a 1024-bit RSA key", 1, std::nullopt}};
  return r;
}

model::ProbeResult dnsMalformed() {
  model::ProbeResult r = dot();
  r.outcome = model::Outcome::DnsMalformed;
  r.phase = model::Phase::DnsAnswer;
  r.reason = "id: expected 4660, got 4661";
  r.dns->checks.at(2) = {"id", false, "expected 4660, got 4661"};
  r.dns->response->id = 4661;
  r.dns->response->edns.reset();
  r.timings.dns_rtt_ms.reset();
  return r;
}

model::ProbeResult markupCertificate() {
  model::ProbeResult r = dot();
  r.address = v4("192.0.2.66");
  r.name = "evil\t(name)";
  r.sni.clear();
  model::CertificateInfo& leaf = r.certificates.front();
  const std::string cn = "<script>alert(\"x&y\")</script>'\x01\x7f" + kNonCharacter + "]]>";
  leaf.subject = "CN=" + cn;
  leaf.subject_fields = {{"CN", cn}, {"OU", "=HYPERLINK(\"http://x\",\"a,b\")"}};
  leaf.san.dns = {"-2+3", "@sum"};
  leaf.san.ip.clear();
  leaf.issuer = "CN=\"quoted\", O=a&b";
  leaf.issuer_fields = {{"CN", "\"quoted\""}, {"O", "a&b"}};
  r.findings.push_back(
      {"pin-mismatch", model::Severity::Critical, "<b>no</b> pin & \x1b[31m", 0, std::nullopt});
  r.verdict = model::Verdict{"opportunistic-only", {"untrusted"}, std::nullopt, "g<&\"1\">"};
  r.checks = {{"sni<i>\x1b",
               model::CheckStatus::Fail,
               "<b>no</b> sni & \x1b[31m",
               {{"seen<", std::string("<i>x</i>\x1b")},
                {"names", std::vector<std::string>{"<a>", "\x01"}}}}};
  return r;
}

model::ProbeResult entityCertificate() {
  model::ProbeResult r = markupCertificate();
  r.address = v4("192.0.2.67");
  r.certificates.front().subject +=
      ",OU=&lt;img src=x onerror=alert(1)&gt;&#60;script&#62;alert(2)&#60;/script&#62;&amp;";
  return r;
}

model::ProbeResult conformance() {
  model::ProbeResult r = dot();
  r.address = v4("127.53.0.3");
  r.checks = {
      {"pipelining",
       model::CheckStatus::Pass,
       "3 queries written back to back, all answered, out of order, the last after 4 ms",
       {{"queries", std::int64_t{3}},
        {"answered", std::int64_t{3}},
        {"out_of_order", true},
        {"answer_order", std::vector<std::string>{"2", "1", "3"}},
        {"last_answer_ms", std::int64_t{4}}}},
      {"keepalive",
       model::CheckStatus::Fail,
       "timeout 10000 ms announced; the server closed the session after 1000 ms idle",
       {{"timeout_ms", std::int64_t{10000}},
        {"idle_ms", std::int64_t{1000}},
        {"open_after_idle", false},
        {"closed_after_ms", std::int64_t{1000}}}},
      {"resumption",
       model::CheckStatus::Error,
       "the check's connection ended early: closed, connection refused",
       {}},
      {"versions",
       model::CheckStatus::Fail,
       "accepts TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 (TLS below 1.2, against RFC 8996); selects ALPN "
       "dot",
       {{"accepted", std::vector<std::string>{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}},
        {"refused", std::vector<std::string>{}},
        {"alpn_dot", true}}},
      {"ddr",
       model::CheckStatus::NotApplicable,
       "no designated resolver advertised (_dns.resolver.arpa SVCB: NXDOMAIN, no SVCB record)",
       {{"rcode", std::string("NXDOMAIN")}}}};
  return r;
}

ScanMetadata metadata() {
  ScanMetadata m;
  m.version = "0.1.0";
  m.command_line =
      "dotscan --seed 18446744073709551615 -oJ out.jsonl 127.53.0.0/24 caf\xc3\xa9\xff";
  m.seed = 18446744073709551615ULL;
  m.shard_index = 1;
  m.shard_count = 4;
  m.targets_planned = "340282366920938463463374607431768211456";
  m.targets_scanned = 254;
  m.started = at();
  m.ended = at(1230);
  m.duration_s = 1.23;
  m.counts.at(static_cast<std::size_t>(model::Outcome::TlsOk)) = 1;
  m.counts.at(static_cast<std::size_t>(model::Outcome::Filtered)) = 250;
  m.counts.at(static_cast<std::size_t>(model::Outcome::Closed)) = 3;
  m.threads = 2;
  m.max_parallel = 1000;
  m.rate = 500;
  m.connect_timeout_ms = 3000;
  m.tls_timeout_ms = 5000;
  m.host_timeout_ms = 15000;
  m.retries = 1;
  m.tls_min = "TLSv1.2";
  m.alpn = {"dot"};
  m.trust_store = "system";
  m.dns_timeout_ms = 5000;
  m.query = ". NS";
  return m;
}

ScanMetadata fullMetadata() {
  ScanMetadata m = metadata();
  m.arguments = {"--seed", "18446744073709551615", "--output-json", "out.jsonl", "127.53.0.0/24"};
  m.resumed = 2;
  m.interrupted = true;
  m.min_rtt_timeout_ms = 100;
  m.max_rtt_timeout_ms = 10000;
  m.cleartext_checks = 7;
  m.rtt.at(0) = {1.25, 0.5, 12};
  m.rtt.at(2) = {3.125, 1.0625, 3};
  m.tls_max = "TLSv1.3";
  m.error = "cannot write the report: No space left on device";
  DiscoveryMetadata discovery;
  discovery.interface = "veth0";
  discovery.source = "198.18.0.1";
  discovery.sender = "raw IP socket";
  discovery.cooldown_ms = 1000;
  discovery.sent = 45;
  discovery.live = 1;
  discovery.silent = 21;
  discovery.capture_dropped = 2;
  m.discovery = discovery;
  m.pcap = PcapMetadata{"scan.pcap", 12, 3, 1};
  return m;
}

std::vector<model::ProbeResult> allResults() {
  return {tlsOk(),     hostileCertificate(), closed(), filteredV6(),   notTls(),
          tlsFailed(), internalError(),      dot(),    dnsMalformed(), markupCertificate()};
}

}  // namespace dotscan::report::samples
