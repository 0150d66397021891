#include "dotscan/report/html.hpp"

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "dotscan/audit/findings.hpp"
#include "dotscan/report/escape.hpp"

#include "capture.hpp"
#include "samples.hpp"

namespace dotscan::report {
namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

ReadableReportOptions withGuide() {
  ReadableReportOptions options;
  options.guide = &audit::findingGuide;
  return options;
}

std::string page(const std::vector<model::ProbeResult>& results,
                 ReadableReportOptions options = withGuide(),
                 const ScanMetadata& metadata = samples::metadata()) {
  test::TempOutput out;
  HtmlWriter writer(out.get(), options);
  writer.begin(metadata);
  for (const auto& result : results) writer.add(result);
  writer.finish(metadata);
  return out.text();
}

TEST(Html, ACompletePageThatLoadsNothing) {
  const std::string html = page(samples::allResults());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">", 0), 0U);
  EXPECT_TRUE(html.ends_with("</body></html>\n"));
  EXPECT_FALSE(test::hasRawControl(html));
  // The policy forbids every fetch and allows only our script, by its hash.
  EXPECT_NE(html.find("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src '" +
                      std::string(htmlScriptHash()) + "'; base-uri 'none'; form-action 'none'\""),
            std::string::npos);
  // Nothing that would load: no src, no stylesheet link, no CSS url(), no absolute URL.
  for (const char* loader : {"src=", "<link", "url(", "http://", "https://", "@import"}) {
    EXPECT_EQ(html.find(loader), std::string::npos) << loader;
  }
  EXPECT_EQ(occurrences(html, "<script"), 1U);
  EXPECT_NE(html.find("<script>" + std::string(htmlScript()) + "</script>"), std::string::npos);
}

TEST(Html, ScriptHashMatchesTheScript) {
  const std::string_view script = htmlScript();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  ASSERT_EQ(EVP_Digest(script.data(), script.size(), digest.data(), &size, EVP_sha256(), nullptr),
            1);
  std::array<unsigned char, 64> base64{};
  const int length = EVP_EncodeBlock(base64.data(), digest.data(), static_cast<int>(size));
  EXPECT_EQ(htmlScriptHash(), "sha256-" + std::string(reinterpret_cast<const char*>(base64.data()),
                                                      static_cast<std::size_t>(length)));
}

TEST(Html, SummaryCountsEveryTarget) {
  const std::string html = page(samples::allResults());
  EXPECT_NE(html.find("<b>254</b>targets scanned"), std::string::npos);
  EXPECT_NE(html.find("<b>2</b>DoT servers"), std::string::npos);
  EXPECT_NE(html.find("<b>7</b>answered"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>filtered</td><td class=\"n\">250</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>opportunistic-only</td><td class=\"n\">1</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td><span class=\"sev critical\">critical</span></td><td "
                      "class=\"n\">1</td></tr>"),
            std::string::npos);
}

TEST(Html, OnlyServersThatAnsweredAreDetailed) {
  const std::string html = page(samples::allResults());
  // tls-ok x2, not-tls, tls-failed, dot, dns-malformed, markup; not closed, filtered, internal.
  EXPECT_EQ(occurrences(html, "<details id=\"s-"), 7U);
  EXPECT_EQ(occurrences(html, "<tr data-verdict="), 7U);
  EXPECT_EQ(html.find("[2001:db8::1]:853"), std::string::npos);
  EXPECT_EQ(html.find(">127.53.0.2:853<"), std::string::npos);  // closed
  // Sorted by address: 127.53.0.1 before 192.0.2.7 before 192.0.2.66.
  const auto first = html.find("<details id=\"s-");
  EXPECT_LT(html.find("<b>127.53.0.1:853</b>", first), html.find("<b>192.0.2.7:8853</b>", first));
  EXPECT_LT(html.find("<b>192.0.2.7:8853</b>", first), html.find("<b>192.0.2.66:853</b>", first));
}

TEST(Html, FindingsCarryTheirExplanationAndFix) {
  const std::string html = page(samples::allResults());
  const model::FindingGuide* guide = audit::findingGuide("chain-untrusted");
  ASSERT_NE(guide, nullptr);
  EXPECT_NE(html.find("<h3 id=\"f-high-chain-untrusted\">"), std::string::npos);
  EXPECT_NE(html.find(xmlEscape(guide->explanation)), std::string::npos);
  EXPECT_NE(html.find("<b>Fix:</b> " + xmlEscape(guide->fix)), std::string::npos);
  // Each server's finding links to its explanation, which the script copies under it.
  EXPECT_NE(html.find("<div class=\"guide\" id=\"g-chain-untrusted\"><p>"), std::string::npos);
  EXPECT_NE(html.find("<li data-guide=\"g-chain-untrusted\"><span class=\"sev high\">"),
            std::string::npos);
  EXPECT_NE(html.find("<a href=\"#f-high-chain-untrusted\">chain-untrusted</a>: the chain"),
            std::string::npos);
  // The filters offer what the table holds.
  EXPECT_NE(html.find("<option value=\"chain-untrusted\">"), std::string::npos);
  EXPECT_NE(html.find("<option value=\"opportunistic-only\">"), std::string::npos);
  EXPECT_NE(html.find("<option value=\"CN=dotscan test intermediate CA,O=dotscan test\">"),
            std::string::npos);
  // The expiry timeline and the issuer mix.
  EXPECT_NE(html.find("<tr><td>2049-12</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>expired</td>"), std::string::npos);
}

TEST(Html, HostileCertificateIsEscapedNeverRaw) {
  const std::string html = page({samples::markupCertificate(), samples::entityCertificate()});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<b>no</b>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(occurrences(html, "<script"), 1U);
  EXPECT_NE(html.find("CN=&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&apos;"
                      "\\x01\\x7f\\xef\\xbf\\xbf]]&gt;"),
            std::string::npos);
  // Entities in the certificate are text: their & is escaped, so the browser shows them as sent.
  EXPECT_NE(html.find("OU=&amp;lt;img src=x onerror=alert(1)&amp;gt;&amp;#60;script&amp;#62;"
                      "alert(2)&amp;#60;/script&amp;#62;&amp;amp;"),
            std::string::npos);
  EXPECT_EQ(html.find("&#60;script"), std::string::npos);
  // In attributes too (the filters' data and the issuer select).
  EXPECT_NE(html.find("data-issuer=\"CN=&quot;quoted&quot;, O=a&amp;b\""), std::string::npos);
  EXPECT_NE(html.find("policy group g&lt;&amp;&quot;1&quot;&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;no&lt;/b&gt; pin &amp; \\x1b[31m"), std::string::npos);
  EXPECT_NE(html.find("evil\\x09(name)"), std::string::npos);
  EXPECT_FALSE(test::hasRawControl(html));
}

// --checks: a table of the checks in the server's detail, before its chain; none without.
TEST(Html, ConformanceChecksTable) {
  const std::string html = page({samples::conformance()});
  EXPECT_NE(html.find("</dl>\n<table class=\"checks\"><tr><th>conformance check</th><th>status</th>"
                      "<th>summary</th></tr>\n"
                      "<tr><td>pipelining</td><td>pass</td><td>3 queries written back to back, "
                      "all answered, out of order, the last after 4 ms</td></tr>\n"
                      "<tr><td>keepalive</td><td>fail</td><td>timeout 10000 ms announced; the "
                      "server closed the session after 1000 ms idle</td></tr>\n"
                      "<tr><td>resumption</td><td>error</td><td>the check&apos;s connection ended "
                      "early: closed, connection refused</td></tr>\n"
                      "<tr><td>versions</td><td>fail</td><td>accepts TLSv1, TLSv1.1, TLSv1.2, "
                      "TLSv1.3 (TLS below 1.2, against RFC 8996); selects ALPN dot</td></tr>\n"
                      "<tr><td>ddr</td><td>not-applicable</td><td>no designated resolver "
                      "advertised (_dns.resolver.arpa SVCB: NXDOMAIN, no SVCB record)</td></tr>\n"
                      "</table>\n<table class=\"chain\">"),
            std::string::npos)
      << html;
  EXPECT_EQ(page({samples::dot()}).find("class=\"checks\""), std::string::npos);
  const std::string markup = page({samples::markupCertificate()});
  EXPECT_NE(markup.find("<tr><td>sni&lt;i&gt;\\x1b</td><td>fail</td><td>&lt;b&gt;no&lt;/b&gt; sni "
                        "&amp; \\x1b[31m</td></tr>"),
            std::string::npos);
}

TEST(Html, InterruptedScanSaysSo) {
  ScanMetadata m = samples::metadata();
  m.interrupted = true;
  m.error = "cannot write <out>";
  const std::string html = page({}, withGuide(), m);
  EXPECT_NE(html.find("The scan was interrupted: 254 of 340282366920938463463374607431768211456"),
            std::string::npos);
  EXPECT_NE(html.find("stopped on an error: cannot write &lt;out&gt;"), std::string::npos);
  EXPECT_NE(html.find("<p>No findings.</p>"), std::string::npos);
  EXPECT_TRUE(html.ends_with("</body></html>\n"));
}

TEST(Html, PastTheBudgetServersAreCountedWithANote) {
  ReadableReportOptions options = withGuide();
  options.detail_budget = 6000;  // two or three details
  options.row_budget = 100'000;
  std::vector<model::ProbeResult> results;
  for (int i = 0; i < 50; ++i) {
    model::ProbeResult r = samples::dot();
    r.address = *Address::parseV4("10.0.0." + std::to_string(i + 1));
    results.push_back(r);
  }
  const std::string html = page(results, options);
  const std::size_t detailed = occurrences(html, "<details id=\"s-");
  EXPECT_GE(detailed, 1U);
  EXPECT_LT(detailed, 10U);
  EXPECT_EQ(occurrences(html, "<tr data-verdict="), 50U);
  EXPECT_NE(html.find(std::to_string(50 - detailed) + " servers not detailed here: the report's "
                                                      "size limit"),
            std::string::npos);
  // The findings section still counts all 50.
  EXPECT_NE(html.find("chain-untrusted &mdash; 50 servers</h3>"), std::string::npos);
  EXPECT_NE(html.find("<li>and 25 more</li>"), std::string::npos);
}

// 20,000 DoT servers with the default budgets: the page stays under 5 MB and says what it left
// out; the summary counts every server.
TEST(Html, ManyServersStayUnderFiveMegabytes) {
  test::TempOutput out;
  HtmlWriter writer(out.get(), withGuide());
  ScanMetadata m = samples::metadata();
  writer.begin(m);
  model::ProbeResult r = samples::dot();
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    r.address = Address::fromV4(0x0a000000U + i);
    writer.add(r);
  }
  m.targets_scanned = 20'000;
  writer.finish(m);
  const std::string html = out.text();
  EXPECT_LT(html.size(), 5'000'000U);
  EXPECT_NE(html.find("<b>20000</b>DoT servers"), std::string::npos);
  EXPECT_NE(html.find("left out of this table: the report's size limit"), std::string::npos);
  EXPECT_TRUE(html.ends_with("</body></html>\n"));
}

}  // namespace
}  // namespace dotscan::report

namespace dotscan::report {
namespace {

TEST(Html, PolicyRulesAreShownAndSuppressedFindingsNotCounted) {
  model::ProbeResult r = samples::dot();
  r.findings = {{"address-not-in-san", model::Severity::Medium, "not in SAN", 0,
                 model::FindingOverride{"lab", true, std::nullopt, "bare <addresses>", "", false}}};
  const std::string html = page({r});
  EXPECT_NE(html.find("suppressed by policy group &apos;lab&apos;: bare &lt;addresses&gt;"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("bare <addresses>"), std::string::npos);
  // The servers table counts and filters only findings that count.
  EXPECT_NE(html.find(R"(data-findings="")"), std::string::npos) << html;
  EXPECT_EQ(html.find(R"(data-findings="address-not-in-san")"), std::string::npos);
  EXPECT_NE(html.find("suppressed by the policy"), std::string::npos);
}

}  // namespace
}  // namespace dotscan::report
