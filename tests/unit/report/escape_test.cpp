#include "dotscan/report/escape.hpp"

#include <gtest/gtest.h>

#include <string>

#include "samples.hpp"

namespace dotscan::report {
namespace {

TEST(Escape, TerminalSafeEscapesControlsMalformedAndNonCharacters) {
  EXPECT_EQ(terminalSafe("caf\xc3\xa9 ok"), "caf\xc3\xa9 ok");
  EXPECT_EQ(terminalSafe("a\nb\tc\x1b[2J\x7f"), "a\\x0ab\\x09c\\x1b[2J\\x7f");
  EXPECT_EQ(terminalSafe("\xff\xc0"), "\\xff\\xc0");
  EXPECT_EQ(terminalSafe(samples::kRtlOverride), "\\xe2\\x80\\xae");
  EXPECT_EQ(terminalSafe(samples::kNonCharacter), "\\xef\\xbf\\xbf");
}

TEST(Escape, XmlEscapeKeepsOurNewlinesAsReferences) {
  EXPECT_EQ(xmlEscape("a<b>&\"c'\nd\te"), "a&lt;b&gt;&amp;&quot;c&apos;&#xa;d&#x9;e");
  EXPECT_EQ(xmlEscape(std::string("x\x01y", 3)), "x\\x01y");  // never a raw control byte
}

TEST(Escape, XmlTextTurnsNetworkNewlinesIntoText) {
  EXPECT_EQ(xmlText("<script>\n&"), "&lt;script&gt;\\x0a&amp;");
  EXPECT_EQ(xmlText("]]>" + samples::kNonCharacter), "]]&gt;\\xef\\xbf\\xbf");
}

TEST(Escape, MarkdownTextLeavesNoMarkupLinkOrHtml) {
  EXPECT_EQ(markdownText("dot.test 192.0.2.1:853"), "dot.test 192.0.2.1:853");
  EXPECT_EQ(markdownText("<script>&amp;\"x\"'"), "&lt;script&gt;&amp;amp;&quot;x&quot;&apos;");
  EXPECT_EQ(markdownText("[x](javascript:alert(1)) ![i](y)"),
            "\\[x\\]\\(javascript:alert\\(1\\)\\) \\!\\[i\\]\\(y\\)");
  EXPECT_EQ(markdownText("*a* _b_ `c` ~d~ # e {f}"),
            "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\# e \\{f\\}");
  EXPECT_EQ(markdownText("a|b"), "a\\|b");  // never a new table cell
  // GFM autolinks: scheme://, www., email.
  EXPECT_EQ(markdownText("https://evil.example"), "https\\://evil.example");
  EXPECT_EQ(markdownText("WWW.evil.example"), "WWW\\.evil.example");
  EXPECT_EQ(markdownText("a@b.example"), "a\\@b.example");
  // terminalSafe first: a control byte is the text \x1b, whose backslash is escaped in turn.
  EXPECT_EQ(markdownText("a\x1b[2J\nb\\"), "a\\\\x1b\\[2J\\\\x0ab\\\\");
}

TEST(Escape, CsvFieldQuotesAndDisarmsFormulas) {
  EXPECT_EQ(csvField("plain"), "plain");
  EXPECT_EQ(csvField(""), "");
  EXPECT_EQ(csvField("a,b"), "\"a,b\"");
  EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csvField("line\r\nbreak"), "line\\x0d\\x0abreak");
  for (const char* formula : {"=1+1", "+1", "-2+3", "@SUM(A1)"}) {
    EXPECT_EQ(csvField(formula), "'" + std::string(formula)) << formula;
  }
  EXPECT_EQ(csvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  // A tab or CR at the start is not left to start a cell: it is the text \x09.
  EXPECT_EQ(csvField("\t=1"), "\\x09=1");
}

}  // namespace
}  // namespace dotscan::report
