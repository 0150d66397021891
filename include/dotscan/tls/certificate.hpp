// dotscan/tls/certificate.hpp — describing a certificate as plain data (model/certificate.hpp).
//
// Pure functions over one certificate (Envoy source/common/tls/utility.cc): no I/O, no global
// state, easy to test on fixture files and to fuzz on raw DER. Invariant: a record is never
// dropped. A certificate OpenSSL cannot fully parse still yields its fingerprints and whatever did
// parse, with one note per part that did not in parse_errors. The report module sees only
// CertificateInfo, never an OpenSSL type.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <ctime>
#include <span>
#include <string>

#include "dotscan/model/certificate.hpp"

namespace dotscan::tls {

using model::CertificateInfo;
using model::SubjectAltNames;

// Describes a parsed certificate. `now` sets days_left.
CertificateInfo describeCertificate(const X509& certificate, std::time_t now, bool include_pem);

// Describes raw DER bytes. When OpenSSL cannot parse them at all, the result still has the
// fingerprints and one parse error.
CertificateInfo describeDer(std::span<const std::uint8_t> der, std::time_t now, bool include_pem);

// The RFC 7858 SPKI pin of a certificate: base64(SHA-256(DER of SubjectPublicKeyInfo)).
std::string spkiPin(const X509& certificate);

}  // namespace dotscan::tls
