#include "dotscan/tls/certificate.hpp"

#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <array>
#include <cstdio>

#include "dotscan/tls/digests.hpp"
#include "dotscan/tls/openssl_ptr.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::tls {

namespace {

// The reasons OpenSSL queued since the last clear, as one line; empties the queue.
std::string drainErrors() {
  std::string reasons;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!reasons.empty()) reasons += "; ";
    reasons += buffer;
  }
  return reasons.empty() ? "no reason given" : reasons;
}

std::string digestHex(const EVP_MD* md, std::span<const std::uint8_t> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr) != 1) return {};
  return hexEncode({digest, length});
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

std::string nameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  return bioText(bio.get());
}

std::string asn1Text(const ASN1_STRING* value) {
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) return {};
  std::string text(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

std::string objectText(const ASN1_OBJECT* object, bool prefer_short_name) {
  const int nid = OBJ_obj2nid(object);
  if (nid != NID_undef && prefer_short_name) return OBJ_nid2sn(nid);
  char buffer[128];
  const int length = OBJ_obj2txt(buffer, sizeof buffer, object, 1);
  return length > 0 ? std::string(buffer) : std::string("?");
}

std::vector<std::pair<std::string, std::string>> nameFields(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> fields;
  const int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    fields.emplace_back(objectText(X509_NAME_ENTRY_get_object(entry), true),
                        asn1Text(X509_NAME_ENTRY_get_data(entry)));
  }
  return fields;
}

std::optional<std::string> isoTime(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  char buffer[96];  // room for any int, so the compiler can prove no truncation
  (void)std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return std::string(buffer);
}

std::string addressText(const ASN1_OCTET_STRING* octets) {
  const unsigned char* data = ASN1_STRING_get0_data(octets);
  const int length = ASN1_STRING_length(octets);
  char buffer[64];
  if (length == 4 && inet_ntop(AF_INET, data, buffer, sizeof buffer) != nullptr) return buffer;
  if (length == 16 && inet_ntop(AF_INET6, data, buffer, sizeof buffer) != nullptr) return buffer;
  // An iPAddress of another length is malformed (RFC 5280 section 4.2.1.6); keep the bytes.
  return "invalid:" + hexEncode({data, static_cast<std::size_t>(std::max(length, 0))});
}

// The decoded extension `nid`, or null when the certificate has none. One that is there but does
// not decode (or is there twice) is noted in parse_errors under `label`.
template <typename Owner>
Owner decodeExtension(const X509& certificate, int nid, const char* label, CertificateInfo& info) {
  int critical = -1;
  Owner decoded(static_cast<typename Owner::pointer>(
      X509_get_ext_d2i(&certificate, nid, &critical, nullptr)));
  // X509_get_ext_d2i(3): critical is -1 for no such extension, -2 for more than one.
  if (!decoded && critical != -1) {
    info.parse_errors.push_back(std::string(label) + ": " + drainErrors());
  }
  return decoded;
}

void describeSans(const X509& certificate, CertificateInfo& info) {
  const auto names =
      decodeExtension<GeneralNamesPtr>(certificate, NID_subject_alt_name, "subjectAltName", info);
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    switch (name->type) {
      case GEN_DNS:
        info.san.dns.push_back(asn1Text(name->d.dNSName));
        break;
      case GEN_IPADD:
        info.san.ip.push_back(addressText(name->d.iPAddress));
        break;
      case GEN_EMAIL:
        info.san.email.push_back(asn1Text(name->d.rfc822Name));
        break;
      case GEN_URI:
        info.san.uri.push_back(asn1Text(name->d.uniformResourceIdentifier));
        break;
      case GEN_DIRNAME:
        info.san.other.push_back("dirName:" + nameText(name->d.directoryName));
        break;
      case GEN_RID:
        info.san.other.push_back("registeredID:" + objectText(name->d.registeredID, false));
        break;
      case GEN_OTHERNAME: {
        std::string value;
        const ASN1_TYPE* inner = name->d.otherName->value;
        if (inner != nullptr &&
            (inner->type == V_ASN1_UTF8STRING || inner->type == V_ASN1_IA5STRING)) {
          value = asn1Text(inner->value.asn1_string);
        }
        info.san.other.push_back("otherName:" + objectText(name->d.otherName->type_id, false) +
                                 (value.empty() ? "" : ";" + value));
        break;
      }
      default:
        info.san.other.push_back("type" + std::to_string(name->type));
        break;
    }
  }
}

void describeKey(const X509& certificate, CertificateInfo& info) {
  const EVP_PKEY* key = X509_get0_pubkey(&certificate);
  if (key == nullptr) {
    info.parse_errors.push_back("public key: " + drainErrors());
    return;
  }
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      info.key_type = "RSA";
      break;
    case EVP_PKEY_EC:
      info.key_type = "EC";
      break;
    case EVP_PKEY_ED25519:
      info.key_type = "ED25519";
      break;
    case EVP_PKEY_ED448:
      info.key_type = "ED448";
      break;
    case EVP_PKEY_DSA:
      info.key_type = "DSA";
      break;
    default: {
      const char* name = EVP_PKEY_get0_type_name(key);
      info.key_type = name != nullptr ? name : "unknown";
    }
  }
  info.key_bits = EVP_PKEY_get_bits(key);
  if (info.key_type == "EC") {
    char curve[80];
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                       &length) == 1) {
      info.key_curve.assign(curve, length);
    }
  }
}

void describeExtensions(const X509& certificate, CertificateInfo& info) {
  if (const auto constraints = decodeExtension<BasicConstraintsPtr>(
          certificate, NID_basic_constraints, "basicConstraints", info)) {
    info.ca = constraints->ca != 0;
    if (constraints->pathlen != nullptr) info.path_length = ASN1_INTEGER_get(constraints->pathlen);
  }

  if (const auto usage =
          decodeExtension<Asn1BitStringPtr>(certificate, NID_key_usage, "keyUsage", info)) {
    // RFC 5280 section 4.2.1.3, in bit order.
    static constexpr std::array<const char*, 9> kBits = {
        "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
        "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly"};
    for (std::size_t bit = 0; bit < kBits.size(); ++bit) {
      if (ASN1_BIT_STRING_get_bit(usage.get(), static_cast<int>(bit)) != 0) {
        info.key_usage.emplace_back(kBits[bit]);
      }
    }
  }

  if (const auto extended = decodeExtension<ExtendedKeyUsagePtr>(certificate, NID_ext_key_usage,
                                                                 "extendedKeyUsage", info)) {
    for (int i = 0; i < sk_ASN1_OBJECT_num(extended.get()); ++i) {
      info.extended_key_usage.push_back(objectText(sk_ASN1_OBJECT_value(extended.get(), i), true));
    }
  }
}

}  // namespace

std::string spkiPin(const X509& certificate) {
  const X509_PUBKEY* spki = X509_get_X509_PUBKEY(&certificate);
  unsigned char* der = nullptr;
  const int length = spki != nullptr ? i2d_X509_PUBKEY(spki, &der) : -1;
  if (length <= 0) return {};
  unsigned char digest[32];
  const bool ok =
      EVP_Digest(der, static_cast<std::size_t>(length), digest, nullptr, sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!ok) return {};
  unsigned char base64[48];  // 4 * ceil(32 / 3) + NUL
  const int written = EVP_EncodeBlock(base64, digest, sizeof digest);
  return {reinterpret_cast<char*>(base64), static_cast<std::size_t>(written)};
}

CertificateInfo describeCertificate(const X509& certificate, std::time_t now, bool include_pem) {
  ERR_clear_error();
  CertificateInfo info;
  unsigned char* der = nullptr;
  const int der_length = i2d_X509(&certificate, &der);
  if (der_length > 0) {
    const std::span<const std::uint8_t> bytes(der, static_cast<std::size_t>(der_length));
    info.md5 = digestHex(md5(), bytes);
    info.sha1 = digestHex(sha1(), bytes);
    info.sha256 = digestHex(sha256(), bytes);
    OPENSSL_free(der);
  } else {
    info.parse_errors.push_back("DER encoding: " + drainErrors());
  }

  info.subject = nameText(X509_get_subject_name(&certificate));
  info.subject_fields = nameFields(X509_get_subject_name(&certificate));
  info.issuer = nameText(X509_get_issuer_name(&certificate));
  info.issuer_fields = nameFields(X509_get_issuer_name(&certificate));

  if (BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(&certificate), nullptr)); serial) {
    char* text = BN_bn2hex(serial.get());
    if (text != nullptr) {
      info.serial = asciiLower(text);
      OPENSSL_free(text);
    }
  } else {
    info.parse_errors.push_back("serial: " + drainErrors());
  }

  const ASN1_TIME* not_before = X509_get0_notBefore(&certificate);
  const ASN1_TIME* not_after = X509_get0_notAfter(&certificate);
  if (auto text = isoTime(not_before)) {
    info.not_before = *text;
  } else {
    info.parse_errors.emplace_back("notBefore: not a valid time");
  }
  if (auto text = isoTime(not_after)) {
    info.not_after = *text;
    Asn1TimePtr reference(ASN1_TIME_set(nullptr, now));
    int days = 0;
    int seconds = 0;
    if (reference && ASN1_TIME_diff(&days, &seconds, reference.get(), not_after) == 1) {
      info.days_left = days;
    }
  } else {
    info.parse_errors.emplace_back("notAfter: not a valid time");
  }

  const int signature_nid = X509_get_signature_nid(&certificate);
  if (signature_nid != NID_undef) {
    info.signature_algorithm = OBJ_nid2ln(signature_nid);
  } else {
    const X509_ALGOR* algorithm = nullptr;
    X509_get0_signature(nullptr, &algorithm, &certificate);
    const ASN1_OBJECT* object = nullptr;
    if (algorithm != nullptr) X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
    info.signature_algorithm = object != nullptr ? objectText(object, false) : "unknown";
  }

  describeKey(certificate, info);
  info.spki_pin_sha256 = spkiPin(certificate);
  describeSans(certificate, info);
  describeExtensions(certificate, info);

  // X509_self_signed() caches extension data inside the object, hence its non-const parameter;
  // it does not change what the certificate says.
  info.self_signed = X509_self_signed(const_cast<X509*>(&certificate), 1) == 1;

  if (include_pem) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (bio && PEM_write_bio_X509(bio.get(), &certificate) == 1) info.pem = bioText(bio.get());
  }
  ERR_clear_error();
  return info;
}

CertificateInfo describeDer(std::span<const std::uint8_t> der, std::time_t now, bool include_pem) {
  ERR_clear_error();
  const unsigned char* cursor = der.data();
  X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  CertificateInfo info;
  if (certificate) {
    info = describeCertificate(*certificate, now, include_pem);
    const auto used = static_cast<std::size_t>(cursor - der.data());
    if (used != der.size()) {
      info.parse_errors.push_back(std::to_string(der.size() - used) +
                                  " bytes after the certificate");
    }
  } else {
    info.parse_errors.push_back("not a certificate OpenSSL can parse: " + drainErrors());
  }
  // Fingerprints are always of the bytes as received, parsed or not.
  info.md5 = digestHex(md5(), der);
  info.sha1 = digestHex(sha1(), der);
  info.sha256 = digestHex(sha256(), der);
  ERR_clear_error();
  return info;
}

}  // namespace dotscan::tls
