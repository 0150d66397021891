// dotscan/model/certificate.hpp — what a certificate says, as plain data: part of the result model.
//
// No OpenSSL type appears here, so that the report writers can include it without seeing one. The
// tls module fills it (tls/certificate.hpp). Invariant: a record is never dropped; what could not
// be parsed is named in parse_errors, and the fingerprints are always there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dotscan::model {

struct SubjectAltNames {
  std::vector<std::string> dns;
  std::vector<std::string> ip;  // canonical text, IPv4 and IPv6
  std::vector<std::string> email;
  std::vector<std::string> uri;
  std::vector<std::string> other;  // otherName, directoryName, registeredID, ... as "TYPE:value"
};

struct CertificateInfo {
  std::string subject;                                              // RFC 2253
  std::vector<std::pair<std::string, std::string>> subject_fields;  // (short name, value), in order
  std::string issuer;
  std::vector<std::pair<std::string, std::string>> issuer_fields;
  std::string serial;      // hex, lower case; a negative serial keeps its '-'
  std::string not_before;  // ISO 8601 UTC, "2020-01-01T00:00:00Z"
  std::string not_after;
  std::optional<std::int64_t> days_left;  // whole days from `now` to notAfter; negative if expired
  SubjectAltNames san;
  std::string key_type;  // "RSA", "EC", "ED25519", ...
  int key_bits = 0;
  std::string key_curve;            // EC only: "prime256v1", ...
  std::string signature_algorithm;  // "ecdsa-with-SHA256", "sha1WithRSAEncryption", ...
  std::string md5;                  // fingerprint of the DER, lower-case hex (nmap shows it)
  std::string sha1;
  std::string sha256;
  std::string spki_pin_sha256;  // base64 SHA-256 of the SubjectPublicKeyInfo (RFC 7858 section 4.2)
  std::optional<bool> ca;       // basicConstraints cA, absent when the extension is
  std::optional<long> path_length;
  std::vector<std::string> key_usage;           // "digitalSignature", "keyCertSign", ...
  std::vector<std::string> extended_key_usage;  // "serverAuth", ... or dotted OIDs
  bool self_signed = false;  // issuer == subject and the signature verifies with its own key
  std::string pem;           // filled only when asked for
  std::vector<std::string> parse_errors;
};

}  // namespace dotscan::model
