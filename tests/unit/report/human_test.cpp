#include "dotscan/report/human.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dotscan/util/error.hpp"

#include "capture.hpp"
#include "samples.hpp"
#include "support/cannot_run.hpp"

namespace dotscan::report {
namespace {

using model::Outcome;

// Each block written as its result arrives, instead of sorted at the end.
ListingOptions streamed() {
  ListingOptions options;
  options.sort_limit = 0;
  return options;
}

// Runs `body` on a HumanReport that writes to a temporary file; returns what it wrote.
template <typename Body>
std::string capture(Body body) {
  const test::TempOutput out;
  if (!out) return "(no tmpfile)";
  HumanReport report(out.get(), streamed());
  body(report);
  return out.text();
}

std::string show(const model::ProbeResult& result) {
  return capture([&](HumanReport& report) { report.add(result); });
}

TEST(HumanReport, TlsOkBlock) {
  EXPECT_EQ(show(samples::tlsOk()),
            "127.53.0.1:853 dot.test  tls-ok  TLSv1.3 TLS_AES_256_GCM_SHA384 X25519 alpn:none  "
            "3.2 ms\n"
            "  certificate  CN=dot.test  issuer CN=dotscan test intermediate CA,O=dotscan test\n"
            "               expires 2049-12-31 (8438 days)  EC 256 prime256v1  "
            "SHA-256 ab12cd34ef567890..\n"
            "               pin-sha256 9T2L2ZqIbDcSXbqPVV3H5HrfcJe0gYsjiqE8G6yJv1w=  "
            "names dot.test, *.dot.test, dns.test, resolver.test (+3 more)\n"
            "  chain        2 certificates, not trusted (system): unable to get local issuer "
            "certificate (depth 1)\n");
}

TEST(HumanReport, HostileCertificateIsEscaped) {
  const std::string text = show(samples::hostileCertificate());
  EXPECT_EQ(
      text,
      "192.0.2.7:8853  tls-ok  TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 alpn:dot  15.0 ms\n"
      "  certificate  CN=evil\\xff\\xc0\\x1b[2J\\x0a\\xe2\\x80\\xaegnp.exe,O=caf\xc3\xa9"
      "  (self-signed)\n"
      "               expires 2020-01-01 (expired 2518 days ago)  RSA 1024  "
      "SHA-256 ffffffffffffffff..\n"
      "               pin-sha256 //////////////////////////////////////////8=  names none\n"
      "               parse errors: subjectAltName: malformed extension; keyUsage: \\x01 bad\n"
      "  chain        1 certificate, not trusted (/etc/dot/ca.pem): self-signed certificate "
      "(depth 0), OCSP stapled\n");
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(HumanReport, FailuresAreOneLineWithTheirPhase) {
  EXPECT_EQ(show(samples::tlsFailed()),
            "127.53.0.9:853  tls-failed  during tls-handshake: tlsv1 alert handshake failure  "
            "1.5 ms\n"
            "  first bytes  15030300020228 \"......(\"\n");
  EXPECT_EQ(show(samples::notTls()),
            "[2001:db8::53]:853  not-tls  during tls-handshake: the peer answered with bytes that "
            "are not a TLS record  4.8 ms\n"
            "  first bytes  485454502f312e312034303020426164.. \"HTTP/1.1 400 Bad\"\n");
  EXPECT_EQ(show(samples::internalError()),
            "10.0.0.1:853  internal-error  during tcp-connect  0.0 ms\n");
  model::ProbeResult timeout = samples::tlsFailed();
  timeout.outcome = Outcome::TlsTimeout;
  timeout.reason = "no answer within 5000 ms";
  timeout.first_bytes_hex.clear();
  timeout.name = "dot.test";
  timeout.sni = "other.test";
  EXPECT_EQ(show(timeout),
            "127.53.0.9:853 dot.test sni:other.test  tls-timeout  during tls-handshake: no answer "
            "within 5000 ms  1.5 ms\n");
}

TEST(HumanReport, TlsWithoutCertificate) {
  model::ProbeResult r = samples::tlsOk();
  r.certificates.clear();
  r.tls->chain_length = 0;
  r.tls->verification = {true, 0, "ok", "system", {}};
  const std::string text = show(r);
  EXPECT_NE(
      text.find("\n  certificate  none sent\n  chain        0 certificates, trusted (system)\n"),
      std::string::npos)
      << text;
}

TEST(HumanReport, SilentOutcomesAreNotListed) {
  EXPECT_EQ(show(samples::closed()), "");
  EXPECT_EQ(show(samples::filteredV6()), "");
  model::ProbeResult r = samples::closed();
  r.outcome = Outcome::Unreachable;
  EXPECT_EQ(show(r), "");
  r.outcome = Outcome::Interrupted;
  EXPECT_EQ(show(r), "");
  r.outcome = Outcome::Error;
  EXPECT_EQ(show(r), "127.53.0.2:853  error  during tcp-connect: connection refused  0.2 ms\n");
}

TEST(HumanReport, FinishSummarises) {
  ScanMetadata m = samples::metadata();
  m.counts.at(static_cast<std::size_t>(Outcome::Unreachable)) = 1;
  EXPECT_EQ(capture([&](HumanReport& report) { report.finish(m); }),
            "Not shown: 250 filtered, 3 closed, 1 unreachable\n"
            "dotscan done: 254 targets in 1.23 s (206.5/s): 1 tls-ok, 3 closed, 250 filtered, "
            "1 unreachable\n");
}

TEST(HumanReport, FinishSaysHowManyWereSilentToSyns) {
  ScanMetadata m;
  m.targets_planned = "4";
  m.targets_scanned = 3;
  m.counts.at(static_cast<std::size_t>(Outcome::Dot)) = 1;
  m.counts.at(static_cast<std::size_t>(Outcome::Closed)) = 2;
  DiscoveryMetadata discovery;
  discovery.silent = 1;
  m.discovery = discovery;
  EXPECT_EQ(capture([&](HumanReport& report) { report.finish(m); }),
            "Not shown: 2 closed\n"
            "dotscan done: 3 targets in 0.00 s (0.0/s): 1 dot, 2 closed, 1 silent to SYNs "
            "(filtered, not listed; --write-silent lists them)\n");
  // With --write-silent they are results, counted as filtered: nothing more to say.
  m.counts.at(static_cast<std::size_t>(Outcome::Filtered)) = 1;
  EXPECT_EQ(capture([&](HumanReport& report) { report.finish(m); }).find("silent"),
            std::string::npos);
}

TEST(HumanReport, FinishInterruptedAndNothingHidden) {
  ScanMetadata m;
  m.targets_planned = "1000";
  m.targets_scanned = 1;
  m.interrupted = true;
  m.counts.at(static_cast<std::size_t>(Outcome::TlsOk)) = 1;
  EXPECT_EQ(capture([&](HumanReport& report) { report.finish(m); }),
            "dotscan interrupted: 1 of 1000 targets in 0.00 s (0.0/s): 1 tls-ok\n");
  EXPECT_EQ(capture([](HumanReport& report) { report.finish(ScanMetadata{}); }),
            "dotscan done: 0 targets in 0.00 s (0.0/s)\n");
}

TEST(HumanReport, WriteErrorIsARuntimeError) {
  const std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen("/dev/full", "w"),
                                                                &std::fclose);
  if (!file) DOTSCAN_CANNOT_RUN("no /dev/full");
  HumanReport report(file.get(), streamed());
  try {
    report.add(samples::tlsOk());
    FAIL() << "a write to /dev/full succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::RuntimeError);
  }
}

TEST(HumanReport, DotShowsTheAnswerLikeKdigShort) {
  const std::string text = show(samples::dot());
  EXPECT_NE(text.find("  dot  TLSv1.3"), std::string::npos) << text;
  EXPECT_NE(
      text.find("  dns          dot.test. A  NOERROR  192.0.2.53  0.8 ms  nsid dotscan-test\n"),
      std::string::npos)
      << text;
}

// A 64 KiB answer holds 4,094 A records: the listing shows the first ten and how many more.
TEST(HumanReport, AHugeAnswerIsCutOnItsLine) {
  model::ProbeResult result = samples::dot();
  model::DnsResponse& response = *result.dns->response;
  response.answers.clear();
  response.short_answer.clear();
  std::string first_ten;
  for (int i = 0; i < 4094; ++i) {
    const std::string address = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    response.answers.push_back("big.test. 300 IN A " + address);
    response.short_answer += (i == 0 ? "" : " ") + address;
    if (i < 10) first_ten += (i == 0 ? "" : " ") + address;
  }
  const std::string text = show(result);
  EXPECT_NE(text.find("  dns          dot.test. A  NOERROR  " + first_ten +
                      " \u2026 4084 more (-oJ has all 4094)  0.8 ms"),
            std::string::npos)
      << text.substr(0, 2000);
  EXPECT_LT(text.size(), 2000U);
  // Multi-word RDATA (MX) counts answers, not words.
  response.answers.assign(12, "dot.test. 300 IN MX 10 mail.dot.test.");
  EXPECT_NE(show(result).find("NOERROR  10 mail.dot.test. 10 mail.dot.test. 10 mail.dot.test. "
                              "10 mail.dot.test. 10 mail.dot.test. 10 mail.dot.test. "
                              "10 mail.dot.test. 10 mail.dot.test. 10 mail.dot.test. "
                              "10 mail.dot.test. \u2026 2 more (-oJ has all 12)"),
            std::string::npos)
      << show(result);
}

// -v, -vv: the same blocks with more detail.
std::string showVerbose(const model::ProbeResult& result, int verbosity) {
  const test::TempOutput out;
  if (!out) return "(no tmpfile)";
  ListingOptions options = streamed();
  options.verbosity = verbosity;
  HumanReport report(out.get(), options);
  report.add(result);
  return out.text();
}

// -v: every certificate of the chain, every ssl-cert field, the fingerprints whole.
TEST(HumanReport, VerboseShowsTheWholeChain) {
  EXPECT_EQ(showVerbose(samples::tlsOk(), 1),
            "127.53.0.1:853 dot.test  tls-ok  TLSv1.3 TLS_AES_256_GCM_SHA384 X25519 alpn:none  "
            "3.2 ms\n"
            "  certificate  0 (leaf)\n"
            "               subject     CN=dot.test\n"
            "               issuer      CN=dotscan test intermediate CA,O=dotscan test\n"
            "               names       DNS:dot.test, DNS:*.dot.test, DNS:dns.test, "
            "DNS:resolver.test, DNS:extra.test, IP:127.53.0.1, IP:::1, "
            "email:hostmaster@dot.test, URI:https://dot.test/, registeredID:1.2.3.4\n"
            "               not before  2020-01-01T00:00:00Z\n"
            "               not after   2049-12-31T23:59:59Z (8438 days)\n"
            "               serial      1000\n"
            "               signature   ecdsa-with-SHA256\n"
            "               key         EC 256 prime256v1\n"
            "               usage       digitalSignature; serverAuth, 1.3.6.1.5.5.7.3.99\n"
            "               ca          no\n"
            "               MD5         00112233445566778899aabbccddeeff\n"
            "               SHA-1       0123456789abcdef0123456789abcdef01234567\n"
            "               SHA-256     "
            "ab12cd34ef56789001234567890abcdef0123456789abcdef0123456789abcde\n"
            "               pin-sha256  9T2L2ZqIbDcSXbqPVV3H5HrfcJe0gYsjiqE8G6yJv1w=\n"
            "  certificate  1\n"
            "               subject     CN=dotscan test intermediate CA,O=dotscan test\n"
            "               issuer      CN=dotscan test root CA,O=dotscan test\n"
            "               not before  2020-01-01T00:00:00Z\n"
            "               not after   2050-01-01T00:00:00Z (8439 days)\n"
            "               serial      02\n"
            "               signature   sha256WithRSAEncryption\n"
            "               key         RSA 2048\n"
            "               usage       keyCertSign, cRLSign\n"
            "               ca          yes, path length 0\n"
            "               SHA-1       89abcdef0123456789abcdef0123456789abcdef\n"
            "               SHA-256     "
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
            "               pin-sha256  AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
            "  chain        2 certificates, not trusted (system): unable to get local issuer "
            "certificate (depth 1)\n");
}

TEST(HumanReport, VerboseHostileCertificateIsEscaped) {
  const std::string text = showVerbose(samples::hostileCertificate(), 2);
  EXPECT_NE(text.find("  certificate  0 (leaf) (self-signed)\n"
                      "               subject     "
                      "CN=evil\\xff\\xc0\\x1b[2J\\x0a\\xe2\\x80\\xaegnp.exe,O=caf\xc3\xa9\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("               not after   2020-01-01T00:00:00Z (expired 2518 days ago)\n"
                      "               serial      -01\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("               parse errors subjectAltName: malformed extension; "
                      "keyUsage: \\x01 bad\n"),
            std::string::npos)
      << text;
  EXPECT_FALSE(test::hasRawControl(text)) << text;
  EXPECT_EQ(text.find(samples::kRtlOverride), std::string::npos);
}

// -vv: the DNS header, the answer section and the EDNS options; -v leaves them out.
TEST(HumanReport, VeryVerboseShowsTheAnswerSectionAndEdns) {
  model::ProbeResult result = samples::dot();
  result.dns->response->answers.push_back("dot.test. 300 IN TXT \"\x1b[31m\"");
  result.dns->response->edns->nsid_text = "bad\x07";
  const std::string dns_line =
      "  dns          dot.test. A  NOERROR  192.0.2.53  0.8 ms  nsid bad\\x07\n";
  const std::string text = showVerbose(result, 2);
  EXPECT_NE(
      text.find(dns_line + "               header      id 4660, QUERY, NOERROR, flags rd ra; "
                           "1 question, 1 answer, 0 authority, 1 additional; 68 bytes\n"
                           "               answer      dot.test. 300 IN A 192.0.2.53\n"
                           "               answer      dot.test. 300 IN TXT \"\\x1b[31m\"\n"
                           "               edns        version 0, udp 1232; nsid "
                           "646f747363616e2d74657374 \"bad\\x07\"; keepalive 10000 ms; padding 20 "
                           "bytes; option 65001\n"),
      std::string::npos)
      << text;
  EXPECT_FALSE(test::hasRawControl(text)) << text;
  const std::string verbose = showVerbose(result, 1);
  EXPECT_NE(verbose.find(dns_line), std::string::npos) << verbose;
  EXPECT_EQ(verbose.find("answer      "), std::string::npos) << verbose;
  // An answer without EDNS says so; a huge one is cut after kVerboseAnswers records.
  result.dns->response->edns.reset();
  result.dns->response->answers.assign(kVerboseAnswers + 5, "big.test. 300 IN A 10.0.0.1");
  const std::string big = showVerbose(result, 2);
  EXPECT_NE(big.find("               answer      \u2026 5 more (-oJ has all 105)\n"
                     "               edns        none\n"),
            std::string::npos)
      << big.substr(big.size() - 500);
}

// --checks: one line with each check's name and status, in the result's order, after the DNS line;
// -v adds each check's summary under it.
TEST(HumanReport, ChecksLineAndWithVerboseTheirSummaries) {
  const std::string dns =
      "  dns          dot.test. A  NOERROR  192.0.2.53  0.8 ms  nsid dotscan-test\n";
  const std::string checks =
      "  checks       pipelining pass, keepalive fail, resumption error, versions fail, ddr n/a\n";
  const std::string summaries =
      "               pipelining  pass: 3 queries written back to back, all answered, out of "
      "order, the last after 4 ms\n"
      "               keepalive   fail: timeout 10000 ms announced; the server closed the session "
      "after 1000 ms idle\n"
      "               resumption  error: the check's connection ended early: closed, connection "
      "refused\n"
      "               versions    fail: accepts TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 (TLS below 1.2, "
      "against RFC 8996); selects ALPN dot\n"
      "               ddr         not-applicable: no designated resolver advertised "
      "(_dns.resolver.arpa SVCB: NXDOMAIN, no SVCB record)\n";
  const std::string finding = "  finding      high  chain-untrusted: ";
  const std::string text = show(samples::conformance());
  EXPECT_NE(text.find(dns + checks + finding), std::string::npos) << text;
  const std::string verbose = showVerbose(samples::conformance(), 1);
  EXPECT_NE(verbose.find(dns + checks + summaries + finding), std::string::npos) << verbose;
  // Without checks, no line.
  EXPECT_EQ(show(samples::dot()).find("  checks"), std::string::npos);
  EXPECT_EQ(showVerbose(samples::dot(), 2).find("  checks"), std::string::npos);
  // Names and summaries from a file (dotscan report) are escaped like the rest.
  const std::string markup = showVerbose(samples::markupCertificate(), 1);
  EXPECT_NE(markup.find("  checks       sni<i>\\x1b fail\n"
                        "               sni<i>\\x1b  fail: <b>no</b> sni & \\x1b[31m\n"),
            std::string::npos)
      << markup;
  EXPECT_FALSE(test::hasRawControl(markup)) << markup;
}

TEST(HumanReport, DefaultListingIsUnchangedByVerbosityZero) {
  for (const model::ProbeResult& result : samples::allResults()) {
    EXPECT_EQ(showVerbose(result, 0), show(result));
  }
  EXPECT_EQ(showVerbose(samples::conformance(), 0), show(samples::conformance()));
}

TEST(HumanReport, FindingsAreSummarisedAtTheEnd) {
  const std::string text = capture([](HumanReport& report) {
    report.add(samples::dot());
    report.add(samples::dot());
    report.finish(samples::metadata());
  });
  EXPECT_NE(text.find("Findings: 2 high weak-key, 2 high chain-untrusted, 2 info alpn-not-dot\n"),
            std::string::npos)
      << text;
}

// A one-line block per result: the headline of an internal error at ADDRESS:PORT.
model::ProbeResult at(const char* address, std::uint16_t port) {
  model::ProbeResult result = samples::internalError();
  result.address = *Address::parse(address);
  result.port = port;
  return result;
}

std::vector<std::string> headlines(const std::string& text) {
  std::vector<std::string> endpoints;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    if (line.find("internal-error") != std::string::npos) {
      endpoints.push_back(line.substr(0, line.find(' ')));
    }
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return endpoints;
}

TEST(HumanReport, SortedByAddressThenPortIpv4First) {
  test::TempOutput out;
  HumanReport report(out.get());
  for (const auto& [address, port] :
       std::vector<std::pair<const char*, std::uint16_t>>{{"192.0.2.5", 853},
                                                          {"::1", 853},
                                                          {"192.0.2.10", 443},
                                                          {"192.0.2.1", 853},
                                                          {"192.0.2.10", 53},
                                                          {"10.0.0.2", 853}}) {
    report.add(at(address, port));
  }
  EXPECT_EQ(out.text(), "");  // held until the end
  report.finish(ScanMetadata{});
  EXPECT_EQ(headlines(out.text()),
            (std::vector<std::string>{"10.0.0.2:853", "192.0.2.1:853", "192.0.2.5:853",
                                      "192.0.2.10:53", "192.0.2.10:443", "[::1]:853"}));
}

TEST(HumanReport, PastTheSortLimitItStreams) {
  test::TempOutput out;
  std::size_t told = 0;
  ListingOptions options;
  options.sort_limit = 2;
  options.on_sort_limit = [&](std::size_t limit) {
    EXPECT_EQ(limit, 2U);
    ++told;
  };
  HumanReport report(out.get(), options);
  report.add(at("192.0.2.9", 853));
  report.add(at("192.0.2.3", 853));
  EXPECT_EQ(out.text(), "");
  report.add(at("192.0.2.7", 853));  // the third: the two held go out sorted, then this one
  EXPECT_EQ(headlines(out.text()),
            (std::vector<std::string>{"192.0.2.3:853", "192.0.2.9:853", "192.0.2.7:853"}));
  report.add(at("192.0.2.1", 853));  // streamed at once
  EXPECT_EQ(headlines(out.text()).back(), "192.0.2.1:853");
  report.finish(ScanMetadata{});
  EXPECT_EQ(told, 1U);
  EXPECT_EQ(headlines(out.text()).size(), 4U);
}

TEST(HumanReport, NormalOutputHasNmapStyleComments) {
  test::TempOutput out;
  ListingOptions options;
  options.comments = true;
  HumanReport report(out.get(), options);
  const ScanMetadata m = samples::metadata();
  report.begin(m);
  report.add(samples::tlsFailed());
  report.finish(m);
  const std::string text = out.text();
  EXPECT_EQ(text.rfind("# dotscan 0.1.0 scan initiated 2026-11-23T10:00:00.123Z as: dotscan "
                       "dotscan --seed 18446744073709551615 -oJ out.jsonl 127.53.0.0/24 "
                       "caf\xc3\xa9\\xff\n127.53.0.9:853  tls-failed",
                       0),
            0U)
      << text;
  EXPECT_NE(text.find("\n# dotscan done at 2026-11-23T10:00:01.353Z -- 254 targets scanned in "
                      "1.23 seconds\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace dotscan::report
