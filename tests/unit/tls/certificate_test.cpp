// Certificate description, checked against the fixed-date test CA (scripts/make-test-ca.sh) and,
// for fingerprints and pins, against what the openssl command line computes independently.
#include "dotscan/tls/certificate.hpp"

#include <openssl/pem.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "dotscan/tls/openssl_ptr.hpp"

#include "support/cannot_run.hpp"

namespace dotscan::tls {
namespace {

std::string caDir() {
  const char* dir = std::getenv("DOTSCAN_TEST_CA");
  return dir != nullptr ? dir : "";
}

X509Ptr load(const std::string& name) {
  const std::string path = caDir() + "/" + name + ".crt";
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// 2026-11-23T00:00:00Z: the day this test was written; only days_left depends on it.
constexpr std::time_t kNow = 1795392000;

CertificateInfo describe(const std::string& name) {
  X509Ptr certificate = load(name);
  if (!certificate) {
    ADD_FAILURE() << "cannot load " << name << " from DOTSCAN_TEST_CA=" << caDir();
    return {};
  }
  return describeCertificate(*certificate, kNow, false);
}

std::string shell(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

class Certificate : public ::testing::Test {
 protected:
  void SetUp() override {
    if (caDir().empty()) DOTSCAN_CANNOT_RUN("DOTSCAN_TEST_CA is not set (run through ctest)");
  }
};

TEST_F(Certificate, EcdsaLeaf) {
  const auto info = describe("ecdsa");
  EXPECT_EQ(info.subject, "CN=dot.test");
  ASSERT_EQ(info.subject_fields.size(), 1U);
  EXPECT_EQ(info.subject_fields[0], (std::pair<std::string, std::string>{"CN", "dot.test"}));
  EXPECT_EQ(info.issuer, "CN=dotscan test intermediate CA,O=dotscan test");
  EXPECT_EQ(info.issuer_fields.size(), 2U);
  EXPECT_EQ(info.serial, "1001");
  EXPECT_EQ(info.not_before, "2020-01-01T00:00:00Z");
  EXPECT_EQ(info.not_after, "2049-12-31T00:00:00Z");
  ASSERT_TRUE(info.days_left);
  EXPECT_EQ(*info.days_left, 8439);  // 2026-11-23 to 2049-12-31
  EXPECT_EQ(info.san.dns, std::vector<std::string>{"dot.test"});
  EXPECT_EQ(info.san.ip, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(info.key_type, "EC");
  EXPECT_EQ(info.key_bits, 256);
  EXPECT_EQ(info.key_curve, "prime256v1");
  EXPECT_EQ(info.signature_algorithm, "sha256WithRSAEncryption");  // signed by the RSA intermediate
  EXPECT_EQ(info.ca, std::optional<bool>(false));
  EXPECT_EQ(info.key_usage, std::vector<std::string>{"digitalSignature"});
  EXPECT_EQ(info.extended_key_usage, std::vector<std::string>{"serverAuth"});
  EXPECT_FALSE(info.self_signed);
  EXPECT_TRUE(info.parse_errors.empty());
  EXPECT_TRUE(info.pem.empty());
}

TEST_F(Certificate, FingerprintsAndPinMatchTheOpensslCommandLine) {
  for (const char* name : {"ecdsa", "rsa", "negserial"}) {
    const auto info = describe(name);
    const std::string file = caDir() + "/" + name + ".crt";
    std::string sha256 = shell("openssl x509 -in '" + file + "' -noout -fingerprint -sha256");
    std::string sha1 = shell("openssl x509 -in '" + file + "' -noout -fingerprint -sha1");
    auto normalise = [](std::string text) {
      text = text.substr(text.find('=') + 1);
      std::string out;
      for (char c : text) {
        if (c != ':') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      }
      return out;
    };
    EXPECT_EQ(info.sha256, normalise(sha256)) << name;
    EXPECT_EQ(info.sha1, normalise(sha1)) << name;
    // The RFC 7858 pin recipe that kdig's documentation gives.
    const std::string pin = shell("openssl x509 -in '" + file +
                                  "' -noout -pubkey | openssl pkey -pubin -outform der | "
                                  "openssl dgst -sha256 -binary | base64");
    EXPECT_EQ(info.spki_pin_sha256, pin) << name;
    EXPECT_EQ(info.spki_pin_sha256.size(), 44U);
  }
}

TEST_F(Certificate, RsaWeakAndSha1) {
  const auto rsa = describe("rsa");
  EXPECT_EQ(rsa.key_type, "RSA");
  EXPECT_EQ(rsa.key_bits, 2048);
  EXPECT_TRUE(rsa.key_curve.empty());
  EXPECT_EQ(rsa.key_usage, (std::vector<std::string>{"digitalSignature", "keyEncipherment"}));
  EXPECT_EQ(describe("weak").key_bits, 1024);
  EXPECT_EQ(describe("sha1").signature_algorithm, "sha1WithRSAEncryption");
}

TEST_F(Certificate, NegativeSerialIsKept) {
  EXPECT_EQ(describe("negserial").serial, "-05");
}

TEST_F(Certificate, ValidityOfExpiredAndNotYetValid) {
  const auto expired = describe("expired");
  EXPECT_EQ(expired.not_after, "2021-01-01T00:00:00Z");
  ASSERT_TRUE(expired.days_left);
  EXPECT_LT(*expired.days_left, -2000);
  const auto notyet = describe("notyet");
  EXPECT_EQ(notyet.not_before, "2045-01-01T00:00:00Z");
  EXPECT_GT(*notyet.days_left, 0);
}

TEST_F(Certificate, SelfSignedAndCa) {
  EXPECT_TRUE(describe("selfsigned").self_signed);
  const auto root = describe("root");
  EXPECT_TRUE(root.self_signed);
  EXPECT_EQ(root.ca, std::optional<bool>(true));
  EXPECT_EQ(root.key_usage, (std::vector<std::string>{"keyCertSign", "cRLSign"}));
  const auto intermediate = describe("intermediate");
  EXPECT_FALSE(intermediate.self_signed);
  EXPECT_EQ(intermediate.path_length, std::optional<long>(0));
}

TEST_F(Certificate, MissingExtensionsAreAbsentNotErrors) {
  const auto nosan = describe("nosan");
  EXPECT_TRUE(nosan.san.dns.empty());
  EXPECT_TRUE(nosan.san.ip.empty());
  EXPECT_TRUE(nosan.parse_errors.empty());
  const auto noeku = describe("noeku");
  EXPECT_TRUE(noeku.extended_key_usage.empty());
  EXPECT_TRUE(noeku.parse_errors.empty());
  EXPECT_EQ(describe("wrongname").san.dns, std::vector<std::string>{"other.test"});
}

TEST_F(Certificate, UnusualSanTypes) {
  const auto info = describe("odd-san");
  EXPECT_EQ(info.san.email, std::vector<std::string>{"hostmaster@dot.test"});
  EXPECT_EQ(info.san.uri, std::vector<std::string>{"https://dot.test/dns-query"});
  ASSERT_EQ(info.san.other.size(), 3U);
  EXPECT_EQ(info.san.other[0], "registeredID:1.3.6.1.4.1.99999.1");
  EXPECT_EQ(info.san.other[1].rfind("otherName:1.3.6.1.5.5.7.8.7", 0), 0U) << info.san.other[1];
  EXPECT_EQ(info.san.other[2].rfind("dirName:CN=dot.test", 0), 0U) << info.san.other[2];
}

TEST_F(Certificate, PemOnRequest) {
  X509Ptr certificate = load("ecdsa");
  ASSERT_TRUE(certificate);
  const auto info = describeCertificate(*certificate, kNow, true);
  EXPECT_EQ(info.pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0U);
}

std::vector<std::uint8_t> derOf(const std::string& name) {
  X509Ptr certificate = load(name);
  unsigned char* der = nullptr;
  const int length = certificate ? i2d_X509(certificate.get(), &der) : 0;
  std::vector<std::uint8_t> bytes(der, der + std::max(length, 0));
  OPENSSL_free(der);
  return bytes;
}

TEST_F(Certificate, DerRoundTripAndTrailingBytes) {
  auto der = derOf("rsa");
  ASSERT_FALSE(der.empty());
  const auto info = describeDer(der, kNow, false);
  EXPECT_EQ(info.serial, "1002");
  EXPECT_TRUE(info.parse_errors.empty());
  EXPECT_EQ(info.sha256, describe("rsa").sha256);
  der.push_back(0);
  const auto padded = describeDer(der, kNow, false);
  ASSERT_EQ(padded.parse_errors.size(), 1U);
  EXPECT_EQ(padded.parse_errors[0], "1 bytes after the certificate");
  EXPECT_NE(padded.sha256, info.sha256);  // fingerprints are of the bytes as received
}

TEST(CertificateDer, GarbageStillHasFingerprintsAndAReason) {
  const std::vector<std::uint8_t> garbage = {0x30, 0x82, 0xff, 0xff, 0x01, 0x02};
  const auto info = describeDer(garbage, kNow, false);
  ASSERT_EQ(info.parse_errors.size(), 1U);
  EXPECT_EQ(info.parse_errors[0].rfind("not a certificate OpenSSL can parse: ", 0), 0U);
  EXPECT_EQ(info.sha256.size(), 64U);
  EXPECT_EQ(info.sha1.size(), 40U);
  const auto empty = describeDer({}, kNow, false);
  EXPECT_EQ(empty.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(Certificate, TruncatedDerIsAParseErrorAtEveryLength) {
  const auto der = derOf("ecdsa");
  ASSERT_GT(der.size(), 100U);
  for (std::size_t cut = 0; cut < der.size(); ++cut) {
    const auto info = describeDer(std::span<const std::uint8_t>(der.data(), cut), kNow, false);
    ASSERT_FALSE(info.parse_errors.empty()) << cut;
    ASSERT_EQ(info.sha256.size(), 64U);
  }
}

}  // namespace
}  // namespace dotscan::tls
