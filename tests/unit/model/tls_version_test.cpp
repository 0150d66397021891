#include "dotscan/model/tls_version.hpp"

#include <gtest/gtest.h>

namespace dotscan::model {
namespace {

TEST(TlsVersion, ParsesEverySpellingItAccepts) {
  EXPECT_EQ(parseTlsVersion("1.2"), TlsVersion::Tls12);
  EXPECT_EQ(parseTlsVersion("TLSv1.3"), TlsVersion::Tls13);
  EXPECT_EQ(parseTlsVersion("tls1.1"), TlsVersion::Tls11);
  EXPECT_EQ(parseTlsVersion("1"), TlsVersion::Tls10);
  EXPECT_EQ(parseTlsVersion("1.0"), TlsVersion::Tls10);
  EXPECT_EQ(parseTlsVersion("TLSv1"), TlsVersion::Tls10);  // OpenSSL's name for TLS 1.0
  EXPECT_FALSE(parseTlsVersion("1.4"));
  EXPECT_FALSE(parseTlsVersion("SSLv3"));
  EXPECT_FALSE(parseTlsVersion(""));
}

TEST(TlsVersion, NamesRoundTripAndOrder) {
  for (const auto version :
       {TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12, TlsVersion::Tls13}) {
    EXPECT_EQ(parseTlsVersion(toString(version)), version) << toString(version);
  }
  EXPECT_EQ(toString(TlsVersion::Tls10), "TLSv1");
  EXPECT_LT(TlsVersion::Tls11, TlsVersion::Tls12);
}

}  // namespace
}  // namespace dotscan::model
