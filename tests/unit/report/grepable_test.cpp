#include "dotscan/report/grepable.hpp"

#include <gtest/gtest.h>

#include <string>

#include "capture.hpp"
#include "samples.hpp"

namespace dotscan::report {
namespace {

TEST(Grepable, NmapLayoutOneLinePerHost) {
  EXPECT_EQ(grepableLine(samples::dot()),
            "Host: 127.53.0.1 (dot.test)\tPorts: 853/open/tcp//domain-s//dot/\n");
  EXPECT_EQ(grepableLine(samples::closed()),
            "Host: 127.53.0.2 ()\tPorts: 853/closed/tcp//domain-s//closed/\n");
  EXPECT_EQ(grepableLine(samples::notTls()),
            "Host: 2001:db8::53 ()\tPorts: 853/open/tcp//domain-s//not-tls/\n");
  EXPECT_EQ(grepableLine(samples::hostileCertificate()),
            "Host: 192.0.2.7 ()\tPorts: 8853/open/tcp//domain-s//tls-ok/\n");
  EXPECT_EQ(grepableLine(samples::filteredV6()), "");
  EXPECT_EQ(grepableLine(samples::internalError()), "");
  // The name's tab cannot split the line.
  EXPECT_EQ(grepableLine(samples::markupCertificate()),
            "Host: 192.0.2.66 (evil\\x09(name))\tPorts: 853/open/tcp//domain-s//dot/\n");
}

TEST(Grepable, HeaderAndFooterComments) {
  test::TempOutput out;
  GrepableWriter writer(out.get());
  const ScanMetadata m = samples::metadata();
  writer.begin(m);
  for (const auto& result : samples::allResults()) writer.add(result);
  writer.finish(m);
  const std::string text = out.text();
  EXPECT_EQ(text.rfind("# dotscan 0.1.0 scan initiated 2026-11-23T10:00:00.123Z as: dotscan "
                       "dotscan --seed 18446744073709551615 -oJ out.jsonl 127.53.0.0/24 "
                       "caf\xc3\xa9\\xff\n",
                       0),
            0U)
      << text;
  EXPECT_NE(text.find("\n# dotscan done at 2026-11-23T10:00:01.353Z -- 254 targets (8 hosts up) "
                      "scanned in 1.23 seconds\n"),
            std::string::npos)
      << text;
  EXPECT_FALSE(test::hasRawControl(text.substr(0, text.find('\t')))) << text;
}

}  // namespace
}  // namespace dotscan::report
