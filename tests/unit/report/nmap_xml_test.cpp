#include "dotscan/report/nmap_xml.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "capture.hpp"
#include "samples.hpp"
#include "support/cannot_run.hpp"

namespace dotscan::report {
namespace {

constexpr const char* kDtd = "/usr/share/nmap/nmap.dtd";

std::string document(const std::vector<model::ProbeResult>& results, const ScanMetadata& m) {
  test::TempOutput out;
  NmapXmlWriter writer(out.get(), {"connect", {443, 853, 854, 855}});
  writer.begin(m);
  for (const auto& result : results) writer.add(result);
  writer.finish(m);
  return out.text();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(NmapXml, OneHostPerTargetThatAnswered) {
  const std::string xml = document(samples::allResults(), samples::metadata());
  // tls-ok x2, closed, not-tls, tls-failed, dot, dns-malformed, markup: 8; not filtered or the
  // internal error.
  EXPECT_EQ(count(xml, "<host "), 8U);
  EXPECT_EQ(xml.find("2001:db8::1\""), std::string::npos);
  EXPECT_EQ(xml.find("10.0.0.1"), std::string::npos);
  EXPECT_NE(xml.find("<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"4\" "
                     "services=\"443,853-855\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<hosts up=\"8\" down=\"246\" total=\"254\"/>"), std::string::npos);
  EXPECT_EQ(xml.substr(xml.size() - 11), "</nmaprun>\n");
  EXPECT_FALSE(test::hasRawControl(xml));
}

TEST(NmapXml, PortStateAndServiceConfidence) {
  const std::string dot = nmapXmlHost(samples::dot());
  EXPECT_NE(dot.find("<state state=\"open\" reason=\"syn-ack\" reason_ttl=\"0\"/><service "
                     "name=\"domain-s\" method=\"probed\" conf=\"10\"/>"),
            std::string::npos)
      << dot;
  EXPECT_NE(nmapXmlHost(samples::tlsOk()).find("method=\"probed\" conf=\"5\""), std::string::npos);
  EXPECT_NE(nmapXmlHost(samples::tlsFailed()).find("method=\"table\" conf=\"3\""),
            std::string::npos);
  const std::string closed = nmapXmlHost(samples::closed());
  EXPECT_NE(closed.find("<state state=\"closed\" reason=\"conn-refused\""), std::string::npos);
  EXPECT_EQ(closed.find("<script"), std::string::npos);
  EXPECT_EQ(nmapXmlHost(samples::filteredV6()), "");
  EXPECT_EQ(nmapXmlHost(samples::internalError()), "");
  // A non-DoT port that refused: nothing is known of its service.
  model::ProbeResult other = samples::closed();
  other.port = 8853;
  EXPECT_EQ(nmapXmlHost(other).find("<service"), std::string::npos);
}

TEST(NmapXml, SslCertLikeNmap) {
  const std::string host = nmapXmlHost(samples::dot());
  EXPECT_NE(host.find("<hostname name=\"dot.test\" type=\"user\"/>"), std::string::npos);
  EXPECT_NE(host.find("<script id=\"ssl-cert\" output=\"Subject: commonName=dot.test&#xa;"
                      "Subject Alternative Name: DNS:dot.test, DNS:*.dot.test, DNS:dns.test, "
                      "DNS:resolver.test, DNS:extra.test, IP Address:127.53.0.1, IP Address:::1, "
                      "email:hostmaster@dot.test, URI:https://dot.test/, registeredID:1.2.3.4&#xa;"
                      "Issuer: organizationName=dotscan test/commonName=dotscan test intermediate "
                      "CA&#xa;Public Key type: ec&#xa;Public Key bits: 256&#xa;Signature "
                      "Algorithm: ecdsa-with-SHA256&#xa;Not valid before: 2020-01-01T00:00:00&#xa;"
                      "Not valid after:  2049-12-31T23:59:59&#xa;MD5:   0011 2233 4455 6677 8899 "
                      "aabb ccdd eeff&#xa;SHA-1: 0123 4567 89ab cdef 0123 4567 89ab cdef 0123 "
                      "4567\">"),
            std::string::npos)
      << host;
  for (const char* table :
       {"<table key=\"subject\">\n<elem key=\"commonName\">dot.test</elem>\n</table>",
        "<table key=\"pubkey\">\n<elem key=\"type\">ec</elem>\n<elem key=\"bits\">256</elem>",
        "<elem key=\"curve\">prime256v1</elem>",
        "<table key=\"validity\">\n<elem key=\"notBefore\">2020-01-01T00:00:00</elem>",
        "<elem key=\"md5\">00112233445566778899aabbccddeeff</elem>",
        "<elem key=\"sha1\">0123456789abcdef0123456789abcdef01234567</elem>",
        "<script id=\"dotscan\" output=\"outcome: dot: DNS answered inside TLS: NOERROR&#xa;tls: "
        "TLSv1.3",
        "<elem key=\"rcode\">NOERROR</elem>", "<elem key=\"id\">weak-key</elem>"}) {
    EXPECT_NE(host.find(table), std::string::npos) << table << "\n" << host;
  }
  // The PEM, when the probe kept it, is a table of its own with its lines.
  const std::string pem = nmapXmlHost(samples::hostileCertificate());
  EXPECT_NE(pem.find("<elem key=\"pem\">-----BEGIN CERTIFICATE-----&#xa;MIIB&#xa;"),
            std::string::npos)
      << pem;
}

TEST(NmapXml, MarkupFromTheNetworkStaysText) {
  const std::string host = nmapXmlHost(samples::markupCertificate());
  EXPECT_EQ(host.find("<script>"), std::string::npos);
  EXPECT_EQ(host.find("<b>"), std::string::npos);
  EXPECT_EQ(host.find("]]>"), std::string::npos);
  EXPECT_NE(host.find("commonName=&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"
                      "&apos;\\x01\\x7f\\xef\\xbf\\xbf]]&gt;"),
            std::string::npos)
      << host;
  EXPECT_NE(host.find("<hostname name=\"evil\\x09(name)\" type=\"user\"/>"), std::string::npos);
  EXPECT_FALSE(test::hasRawControl(host));
}

// --checks: in dotscan's host script, a line of names and statuses (no summary: it may hold
// timings, which ndiff would show as changes) and a "checks" table, one elem per check.
TEST(NmapXml, ChecksInTheDotscanScript) {
  const std::string host = nmapXmlHost(samples::conformance());
  EXPECT_NE(host.find("&#xa;dns: dot.test. A NOERROR 192.0.2.53&#xa;checks: pipelining pass, "
                      "keepalive fail, resumption error, versions fail, ddr not-applicable&#xa;"
                      "finding: "),
            std::string::npos)
      << host;
  EXPECT_NE(host.find("</table>\n<table key=\"checks\">\n<elem key=\"pipelining\">pass</elem>\n"
                      "<elem key=\"keepalive\">fail</elem>\n<elem key=\"resumption\">error</elem>"
                      "\n<elem key=\"versions\">fail</elem>\n<elem key=\"ddr\">not-applicable"
                      "</elem>\n</table>\n<table key=\"findings\">"),
            std::string::npos)
      << host;
  EXPECT_EQ(host.find("3 queries"), std::string::npos);
  // No script of its own: Debian's ndiff (7.93) fails on a host or a port with two scripts.
  EXPECT_EQ(count(host, "<script "), 2U);  // ssl-cert on the port, dotscan on the host
  EXPECT_EQ(nmapXmlHost(samples::dot()).find("checks"), std::string::npos);
  const std::string markup = nmapXmlHost(samples::markupCertificate());
  EXPECT_NE(markup.find("&#xa;checks: sni&lt;i&gt;\\x1b fail&#xa;"), std::string::npos) << markup;
  EXPECT_NE(markup.find("<elem key=\"sni&lt;i&gt;\\x1b\">fail</elem>"), std::string::npos);
}

// The whole document against Debian nmap's DTD, with xmllint (libxml2-utils).
TEST(NmapXml, ValidatesAgainstNmapDtd) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0 || ::access(kDtd, R_OK) != 0) {
    DOTSCAN_CANNOT_RUN("xmllint or /usr/share/nmap/nmap.dtd missing (scripts/setup.sh test)");
  }
  ScanMetadata interrupted = samples::metadata();
  interrupted.interrupted = true;
  for (const ScanMetadata& m : {samples::metadata(), interrupted}) {
    char path[] = "/tmp/dotscan-xml-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::vector<model::ProbeResult> results = samples::allResults();
    results.push_back(samples::conformance());
    std::ofstream(path) << document(results, m);
    const std::string command =
        std::string("xmllint --noout --dtdvalid ") + kDtd + " " + path + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    ::unlink(path);
  }
}

TEST(NmapXml, FinishAloneIsAWholeDocument) {
  test::TempOutput out;
  NmapXmlWriter writer(out.get());
  ScanMetadata m = samples::metadata();
  m.error = "eventfd: <Too many> open files";
  writer.finish(m);
  const std::string xml = out.text();
  EXPECT_EQ(xml.rfind("<?xml", 0), 0U);
  EXPECT_NE(xml.find("exit=\"error\" errormsg=\"eventfd: &lt;Too many&gt; open files\""),
            std::string::npos);
  EXPECT_EQ(xml.substr(xml.size() - 11), "</nmaprun>\n");
}

}  // namespace
}  // namespace dotscan::report
