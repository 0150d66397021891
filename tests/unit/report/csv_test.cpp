#include "dotscan/report/csv.hpp"

#include <gtest/gtest.h>

#include <string>

#include "capture.hpp"
#include "samples.hpp"

namespace dotscan::report {
namespace {

TEST(Csv, HeaderThenOneRowPerTarget) {
  test::TempOutput out;
  CsvWriter writer(out.get());
  writer.begin(samples::metadata());
  for (const auto& result : samples::allResults()) writer.add(result);
  writer.finish(samples::metadata());
  const std::string text = out.text();
  EXPECT_EQ(text.rfind(std::string(kCsvHeader) + "\r\n", 0), 0U);
  std::size_t rows = 0;
  for (std::size_t at = text.find("\r\n"); at != std::string::npos;
       at = text.find("\r\n", at + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, samples::allResults().size() + 1);
  EXPECT_FALSE(test::hasRawControl(text, true));
}

TEST(Csv, Rows) {
  EXPECT_EQ(csvRow(samples::dot()),
            "127.53.0.1,853,dot.test,dot,TLSv1.3,CN=dot.test,"
            "dot.test *.dot.test dns.test resolver.test extra.test 127.53.0.1 ::1,"
            "\"CN=dotscan test intermediate CA,O=dotscan test\",2049-12-31T23:59:59Z,8438,"
            "ab12cd34ef56789001234567890abcdef0123456789abcdef0123456789abcde,"
            "9T2L2ZqIbDcSXbqPVV3H5HrfcJe0gYsjiqE8G6yJv1w=,,high chain-untrusted\r\n");
  EXPECT_EQ(csvRow(samples::closed()), "127.53.0.2,853,,closed,,,,,,,,,,\r\n");
  EXPECT_EQ(csvRow(samples::hostileCertificate()),
            "192.0.2.7,8853,,tls-ok,TLSv1.2,"
            "\"CN=evil\\xff\\xc0\\x1b[2J\\x0a\\xe2\\x80\\xaegnp.exe,O=caf\xc3\xa9\",,"
            "\"CN=evil\\xff\\xc0\\x1b[2J\\x0a\\xe2\\x80\\xaegnp.exe,O=caf\xc3\xa9\","
            "2020-01-01T00:00:00Z,-2518,"
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff,"
            "//////////////////////////////////////////8=,,\r\n");
}

TEST(Csv, MarkupAndFormulasStayText) {
  const std::string row = csvRow(samples::markupCertificate());
  EXPECT_EQ(row,
            "192.0.2.66,853,evil\\x09(name),dot,TLSv1.3,"
            "\"CN=<script>alert(\"\"x&y\"\")</script>'\\x01\\x7f\\xef\\xbf\\xbf]]>\","
            "'-2+3 @sum,\"CN=\"\"quoted\"\", O=a&b\",2049-12-31T23:59:59Z,8438,"
            "ab12cd34ef56789001234567890abcdef0123456789abcdef0123456789abcde,"
            "9T2L2ZqIbDcSXbqPVV3H5HrfcJe0gYsjiqE8G6yJv1w=,opportunistic-only,"
            "critical pin-mismatch\r\n");
}

}  // namespace
}  // namespace dotscan::report
