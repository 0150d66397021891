// Certificates that no CA script makes, built with the OpenSSL API for the hostile matrix
// (issue 16): control characters and escape sequences, odd and broken string types, garbage
// extensions, a 201-certificate chain. Dates are fixed (2020-01-01..2049-12-31) like the test
// CA's (scripts/make-test-ca.sh), and every leaf names dot.test in its SAN, so only what the
// file is about is wrong. Kept out of the test CA because the openssl command line cannot write
// raw BMPString or UniversalString bytes, invalid encodings or undecodable extensions.
#pragma once

#include <string>

namespace dotscan::testing {

// Writes NAME-chain.pem (leaf first) and NAME.key into `dir` for each NAME below; throws on
// failure. Needs the test CA (testCaPath): most leaves are issued by its intermediate.
//   escape-subject   subject with ESC/CSI/BEL/DEL/CR/LF in UTF8String, BMPString,
//                    UniversalString, T61String (0x9b, a C1 CSI as Latin-1) and PrintableString;
//                    SANs with the same (DNS, email, URI, a BMPString otherName) besides dot.test
//   escape-issuer    self-signed: issuer (= subject) full of escape sequences, SAN dot.test
//   bad-strings      strings that do not decode (a BMPString of odd length, a UniversalString
//                    beyond U+10FFFF, UTF-8 with overlong and stray bytes) as otherName values
//                    and a dNSName; bytes beyond ASCII and a C1 control in the subject
//   garbage-extensions subjectAltName, keyUsage, basicConstraints and extendedKeyUsage whose
//                    values are not DER, and an unknown critical extension (the SAN dot.test is
//                    therefore unreadable)
//   long-lived       valid from 1950-01-01 (UTCTime) to 9999-12-31 (GeneralizedTime)
//   chain-201        a leaf and 200 CA certificates, each issued by the next ("hop 1" ..
//                    "hop 200", the last self-signed), all small P-256 certificates under 100 KB
void writeHostileCertificates(const std::string& dir);

}  // namespace dotscan::testing
