#include "dotscan/report/markdown.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dotscan/audit/findings.hpp"

#include "capture.hpp"
#include "samples.hpp"

namespace dotscan::report {
namespace {

std::string report(const std::vector<model::ProbeResult>& results,
                   const ScanMetadata& metadata = samples::metadata(),
                   std::size_t detail_budget = ReadableReportOptions{}.detail_budget) {
  ReadableReportOptions options;
  options.guide = &audit::findingGuide;
  options.detail_budget = detail_budget;
  test::TempOutput out;
  MarkdownWriter writer(out.get(), options);
  writer.begin(metadata);
  for (const auto& result : results) writer.add(result);
  writer.finish(metadata);
  return out.text();
}

TEST(Markdown, SummaryThenFindingsBySeverityThenServers) {
  const std::string md = report(samples::allResults());
  EXPECT_EQ(md.rfind("# dotscan findings report\n\n", 0), 0U);
  EXPECT_FALSE(test::hasRawControl(md));
  const auto summary = md.find("\n## Summary\n");
  const auto findings = md.find("\n## Findings\n");
  const auto servers = md.find("\n## Servers\n");
  ASSERT_NE(summary, std::string::npos);
  EXPECT_LT(summary, findings);
  EXPECT_LT(findings, servers);
  EXPECT_NE(md.find("| targets scanned | 254 |\n"), std::string::npos);
  EXPECT_NE(md.find("| DoT servers | 2 |\n"), std::string::npos);
  EXPECT_NE(md.find("| outcome filtered | 250 |\n"), std::string::npos);
  EXPECT_NE(md.find("| findings critical | 1 |\n"), std::string::npos);
  // Most severe first, each id with its explanation, fix and affected servers.
  EXPECT_LT(md.find("### Critical\n"), md.find("### High\n"));
  EXPECT_LT(md.find("### High\n"), md.find("### Info\n"));
  const model::FindingGuide* guide = audit::findingGuide("chain-untrusted");
  ASSERT_NE(guide, nullptr);
  const std::string block = "#### chain-untrusted (";
  const auto at = md.find(block);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(md.find(std::string(guide->explanation), at), std::string::npos);
  EXPECT_NE(md.find("**Fix:** " + std::string(guide->fix), at), std::string::npos);
  EXPECT_NE(md.find("- 127.53.0.1:853 dot.test: the chain does not verify", at), std::string::npos);
}

TEST(Markdown, OnlyServersThatAnsweredHaveASection) {
  const std::string md = report(samples::allResults());
  const auto servers = md.find("\n## Servers\n");
  std::size_t sections = 0;
  for (auto at = md.find("\n### ", servers); at != std::string::npos;
       at = md.find("\n### ", at + 1)) {
    ++sections;
  }
  EXPECT_EQ(sections, 7U);
  EXPECT_EQ(md.find("2001:db8::1"), std::string::npos);
  EXPECT_NE(
      md.find("### 127.53.0.1:853 dot.test\n\n| | |\n|---|---|\n| outcome | dot (phase done)"),
      std::string::npos);
  EXPECT_NE(md.find("| verdict | **opportunistic-only**: untrusted"), std::string::npos);
  EXPECT_NE(md.find("| DNS | dot.test. A: NOERROR"), std::string::npos);
  EXPECT_NE(md.find("| 0 | CN=dot.test | CN=dotscan test intermediate CA,O=dotscan test | "
                    "2049-12-31T23:59:59Z (8438) | EC 256 |"),
            std::string::npos);
}

TEST(Markdown, HostileCertificateIsEscapedNeverRaw) {
  const std::string md = report({samples::markupCertificate(), samples::entityCertificate()});
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_EQ(md.find("<b>"), std::string::npos);
  EXPECT_EQ(md.find("<img"), std::string::npos);
  EXPECT_NE(md.find("CN=&lt;script&gt;alert\\(&quot;x&amp;y&quot;\\)&lt;/script&gt;&apos;"
                    "\\\\x01\\\\x7f\\\\xef\\\\xbf\\\\xbf\\]\\]&gt;"),
            std::string::npos);
  EXPECT_NE(
      md.find("OU=&amp;lt;img src=x onerror=alert\\(1\\)&amp;gt;&amp;\\#60;script&amp;\\#62;"),
      std::string::npos);
  EXPECT_NE(md.find("&lt;b&gt;no&lt;/b&gt; pin &amp; \\\\x1b\\[31m"), std::string::npos);
  EXPECT_NE(md.find("### 192.0.2.66:853 evil\\\\x09\\(name\\)\n"), std::string::npos);
  EXPECT_FALSE(test::hasRawControl(md));
}

// --checks: a table of the checks in the server's section, after its summary table; none without.
TEST(Markdown, ConformanceChecksTable) {
  const std::string md = report({samples::conformance()});
  EXPECT_NE(
      md.find(
          "| DNS | dot.test. A: NOERROR 192.0.2.53 |\n\n"
          "| conformance check | status | summary |\n|---|---|---|\n"
          "| pipelining | pass | 3 queries written back to back, all answered, out of order, "
          "the last after 4 ms |\n"
          "| keepalive | fail | timeout 10000 ms announced; the server closed the session after "
          "1000 ms idle |\n"
          "| resumption | error | the check&apos;s connection ended early: closed, connection "
          "refused |\n"
          "| versions | fail | accepts TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 \\(TLS below 1.2, against "
          "RFC 8996\\); selects ALPN dot |\n"
          "| ddr | not-applicable | no designated resolver advertised "
          "\\(\\_dns.resolver.arpa SVCB: NXDOMAIN, no SVCB record\\) |\n\n"
          "| # | subject |"),
      std::string::npos)
      << md;
  EXPECT_EQ(report({samples::dot()}).find("conformance check"), std::string::npos);
  const std::string markup = report({samples::markupCertificate()});
  EXPECT_NE(markup.find(
                "| sni&lt;i&gt;\\\\x1b | fail | &lt;b&gt;no&lt;/b&gt; sni &amp; \\\\x1b\\[31m |\n"),
            std::string::npos)
      << markup;
}

TEST(Markdown, PastTheBudgetServersAreCountedWithANote) {
  std::vector<model::ProbeResult> results;
  for (int i = 0; i < 40; ++i) {
    model::ProbeResult r = samples::dot();
    r.address = *Address::parseV4("10.0.1." + std::to_string(i + 1));
    results.push_back(r);
  }
  const std::string md = report(results, samples::metadata(), 5000);
  EXPECT_NE(md.find(" servers not detailed here:** the report's size limit"), std::string::npos);
  EXPECT_NE(md.find("#### chain-untrusted (40 servers)"), std::string::npos);
  EXPECT_NE(md.find("- and 15 more\n"), std::string::npos);
}

TEST(Markdown, NoServerNoFinding) {
  const std::string md = report({samples::closed()});
  EXPECT_NE(md.find("## Findings\n\nNo findings.\n"), std::string::npos);
  EXPECT_NE(md.find("## Servers\n\nNo server answered.\n"), std::string::npos);
}

}  // namespace
}  // namespace dotscan::report

namespace dotscan::report {
namespace {

// A finding the policy suppressed is shown with its rule and left out of the counts; a re-rated
// one counts at its new severity (issue 12).
TEST(Markdown, PolicyRulesAreShownAndSuppressedFindingsNotCounted) {
  model::ProbeResult r = samples::dot();
  r.findings = {
      {"address-not-in-san", model::Severity::Medium, "not in SAN", 0,
       model::FindingOverride{"lab", true, std::nullopt, "bare <addresses>", "2027-01-31", false}},
      {"chain-untrusted", model::Severity::Low, "untrusted", std::nullopt,
       model::FindingOverride{"", false, model::Severity::High, "", "", false}}};
  const std::string md = report({r});
  EXPECT_NE(md.find("| findings medium | 0 |\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| findings low | 1 |\n"), std::string::npos);
  EXPECT_NE(md.find("| findings suppressed by the policy | 1 |\n"), std::string::npos);
  EXPECT_NE(
      md.find(
          "suppressed by policy group &apos;lab&apos; until 2027-01-31: bare &lt;addresses&gt;"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("re-rated from high by the policy"), std::string::npos);
}

}  // namespace
}  // namespace dotscan::report
