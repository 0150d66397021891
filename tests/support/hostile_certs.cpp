#include "support/hostile_certs.hpp"

#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "dotscan/tls/openssl_ptr.hpp"

#include "support/test_server.hpp"

namespace dotscan::testing {

namespace {

using tls::BioPtr;
using tls::EvpPkeyPtr;
using tls::GeneralNamesPtr;
using tls::X509Ptr;
using Bytes = std::vector<std::uint8_t>;

void check(bool ok, const char* what) {
  if (ok) return;
  std::array<char, 256> reason{};
  ERR_error_string_n(ERR_get_error(), reason.data(), reason.size());
  ERR_clear_error();
  throw std::runtime_error(std::string("hostile certificate: ") + what + ": " + reason.data());
}

Bytes bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

// UCS-2 (BMPString) and UCS-4 (UniversalString), big-endian, of ASCII text.
Bytes wide(std::string_view text, std::size_t width) {
  Bytes out;
  for (const char c : text) {
    out.insert(out.end(), width - 1, 0);
    out.push_back(static_cast<std::uint8_t>(c));
  }
  return out;
}

EvpPkeyPtr newKey() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

// One name entry stored as `type` with exactly `value`, unconverted and unchecked.
void addEntry(X509_NAME* name, int nid, int type, const Bytes& value) {
  check(X509_NAME_add_entry_by_NID(name, nid, type, value.data(), static_cast<int>(value.size()),
                                   -1, 0) == 1,
        "X509_NAME_add_entry_by_NID");
}

void addGeneralName(GENERAL_NAMES* names, int kind, const Bytes& value) {
  GENERAL_NAME* entry = GENERAL_NAME_new();
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  check(entry != nullptr && text != nullptr &&
            ASN1_STRING_set(text, value.data(), static_cast<int>(value.size())) == 1,
        "general name");
  GENERAL_NAME_set0_value(entry, kind, text);
  sk_GENERAL_NAME_push(names, entry);
}

void addIp(GENERAL_NAMES* names, const Bytes& address) {
  GENERAL_NAME* entry = GENERAL_NAME_new();
  ASN1_OCTET_STRING* octets = ASN1_OCTET_STRING_new();
  check(entry != nullptr && octets != nullptr &&
            ASN1_OCTET_STRING_set(octets, address.data(), static_cast<int>(address.size())) == 1,
        "iPAddress");
  GENERAL_NAME_set0_value(entry, GEN_IPADD, octets);
  sk_GENERAL_NAME_push(names, entry);
}

// otherName (RFC 5280 section 4.2.1.6) of type SRVName (RFC 4985), its value a string of
// `string_type` holding exactly `value`: unlike a name's, nothing decodes it on the way.
void addOtherName(GENERAL_NAMES* names, int string_type, const Bytes& value) {
  GENERAL_NAME* entry = GENERAL_NAME_new();
  ASN1_STRING* text = ASN1_STRING_type_new(string_type);
  ASN1_TYPE* any = ASN1_TYPE_new();
  ASN1_OBJECT* type = OBJ_txt2obj("1.3.6.1.5.5.7.8.7", 1);
  check(entry != nullptr && text != nullptr && any != nullptr && type != nullptr &&
            ASN1_STRING_set(text, value.data(), static_cast<int>(value.size())) == 1,
        "otherName");
  ASN1_TYPE_set(any, string_type, text);
  check(GENERAL_NAME_set0_othername(entry, type, any) == 1, "GENERAL_NAME_set0_othername");
  sk_GENERAL_NAME_push(names, entry);
}

struct OtherName {
  int string_type;
  Bytes value;
};

// The usual SAN: DNS:dot.test and IP:127.0.0.1, then `more` and `other_names`.
void addSan(X509* certificate, const std::vector<std::pair<int, Bytes>>& more = {},
            const std::vector<OtherName>& other_names = {}) {
  const GeneralNamesPtr names(GENERAL_NAMES_new());
  check(names != nullptr, "GENERAL_NAMES_new");
  addGeneralName(names.get(), GEN_DNS, bytes("dot.test"));
  addIp(names.get(), {127, 0, 0, 1});
  for (const auto& [kind, value] : more) addGeneralName(names.get(), kind, value);
  for (const auto& [string_type, value] : other_names) {
    addOtherName(names.get(), string_type, value);
  }
  check(
      X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1,
      "subjectAltName");
}

// An extension whose value is `der`, whatever it decodes to (or not).
void addRawExtension(X509* certificate, ASN1_OBJECT* object, bool critical, const Bytes& der) {
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  check(value != nullptr &&
            ASN1_OCTET_STRING_set(value, der.data(), static_cast<int>(der.size())) == 1,
        "extension value");
  X509_EXTENSION* extension =
      X509_EXTENSION_create_by_OBJ(nullptr, object, critical ? 1 : 0, value);
  ASN1_OCTET_STRING_free(value);
  check(extension != nullptr && X509_add_ext(certificate, extension, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(extension);
}

void addRawExtension(X509* certificate, int nid, bool critical, const Bytes& der) {
  addRawExtension(certificate, OBJ_nid2obj(nid), critical, der);
}

// A v3 certificate for `key` with `serial` and the fixed dates, subject and issuer left empty.
X509Ptr newCertificate(EVP_PKEY* key, long serial, const char* not_before = "20200101000000Z",
                       const char* not_after = "20491231000000Z") {
  X509Ptr certificate(X509_new());
  check(certificate != nullptr && X509_set_version(certificate.get(), 2) == 1 &&
            ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial) == 1 &&
            ASN1_TIME_set_string_X509(X509_getm_notBefore(certificate.get()), not_before) == 1 &&
            ASN1_TIME_set_string_X509(X509_getm_notAfter(certificate.get()), not_after) == 1 &&
            X509_set_pubkey(certificate.get(), key) == 1,
        "new certificate");
  return certificate;
}

void setCommonName(X509_NAME* name, std::string_view text) {
  addEntry(name, NID_commonName, V_ASN1_UTF8STRING, bytes(text));
}

void sign(X509* certificate, EVP_PKEY* key) {
  check(X509_sign(certificate, key, EVP_sha256()) > 0, "X509_sign");
}

X509Ptr readCertificate(const std::string& path) {
  const BioPtr bio(BIO_new_file(path.c_str(), "r"));
  X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  check(certificate != nullptr, "cannot read the test CA's intermediate");
  return certificate;
}

EvpPkeyPtr readKey(const std::string& path) {
  const BioPtr bio(BIO_new_file(path.c_str(), "r"));
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  check(key != nullptr, "cannot read the test CA's intermediate key");
  return key;
}

void writeFiles(const std::string& dir, const std::string& name,
                const std::vector<const X509*>& chain, EVP_PKEY* key) {
  const BioPtr pem(BIO_new_file((dir + "/" + name + "-chain.pem").c_str(), "w"));
  check(pem != nullptr, "cannot write a chain file");
  for (const X509* certificate : chain) {
    check(PEM_write_bio_X509(pem.get(), certificate) == 1, "PEM_write_bio_X509");
  }
  const BioPtr key_file(BIO_new_file((dir + "/" + name + ".key").c_str(), "w"));
  check(key_file != nullptr && PEM_write_bio_PrivateKey(key_file.get(), key, nullptr, nullptr, 0,
                                                        nullptr, nullptr) == 1,
        "cannot write a key file");
}

// Issued by the test CA's intermediate: `fill` sets the subject and extensions.
template <typename Fill>
void writeIssuedLeaf(const std::string& dir, const std::string& name, long serial, Fill fill) {
  const X509Ptr intermediate = readCertificate(testCaPath("intermediate.crt"));
  const EvpPkeyPtr intermediate_key = readKey(testCaPath("intermediate.key"));
  const EvpPkeyPtr key = newKey();
  const X509Ptr leaf = newCertificate(key.get(), serial);
  check(X509_set_issuer_name(leaf.get(), X509_get_subject_name(intermediate.get())) == 1, "issuer");
  fill(leaf.get());
  sign(leaf.get(), intermediate_key.get());
  writeFiles(dir, name, {leaf.get(), intermediate.get()}, key.get());
}

// Escape sequences in every string type a name may hold; RFC 2253 output escapes some, the
// raw fields (subject_fields) carry them as they decode.
void fillEscapeName(X509_NAME* name) {
  setCommonName(name, "dot.test\x1b[2J\x1b]0;owned\x07\x7f");
  addEntry(name, NID_organizationName, V_ASN1_BMPSTRING, wide("\x1b[31mred\r\nline", 2));
  addEntry(name, NID_organizationalUnitName, V_ASN1_UNIVERSALSTRING, wide("\x1b[5mblink\b", 4));
  addEntry(name, NID_localityName, V_ASN1_T61STRING,
           bytes("caf\xe9 \x9b"
                 "31m"));
  addEntry(name, NID_stateOrProvinceName, V_ASN1_PRINTABLESTRING,
           bytes("bell\x07\x1b"
                 "c"));
}

void writeEscapeSubject(const std::string& dir) {
  writeIssuedLeaf(dir, "escape-subject", 0x1601, [](X509* leaf) {
    fillEscapeName(X509_get_subject_name(leaf));
    addSan(leaf,
           {{GEN_DNS, bytes("evil\x1b[31m.test")},
            {GEN_EMAIL, bytes("a\r\nb@dot.test")},
            {GEN_URI, bytes("https://dot.test/\x1b[0m\x9b")}},
           {{V_ASN1_BMPSTRING, wide("\x1b[1m_dns.dot.test", 2)}});
  });
}

void writeEscapeIssuer(const std::string& dir) {
  const EvpPkeyPtr key = newKey();
  const X509Ptr certificate = newCertificate(key.get(), 0x1602);
  fillEscapeName(X509_get_subject_name(certificate.get()));
  check(X509_set_issuer_name(certificate.get(), X509_get_subject_name(certificate.get())) == 1,
        "issuer");
  addSan(certificate.get());
  sign(certificate.get(), key.get());
  writeFiles(dir, "escape-issuer", {certificate.get()}, key.get());
}

// A name whose strings do not decode cannot be encoded with OpenSSL at all (its canonical form
// fails, and so would the client's d2i), so the undecodable strings go where nothing decodes
// them: otherName values and dNSNames. The name keeps what does encode: bytes that are not
// ASCII in IA5String and PrintableString, a C1 control in UTF8String.
void writeBadStrings(const std::string& dir) {
  writeIssuedLeaf(dir, "bad-strings", 0x1603, [](X509* leaf) {
    X509_NAME* name = X509_get_subject_name(leaf);
    setCommonName(name, "dot.test");
    addEntry(name, NID_organizationName, V_ASN1_UTF8STRING, {'c', 0xc2, 0x9b, '2', 'J'});
    addEntry(name, NID_organizationalUnitName, V_ASN1_IA5STRING, {'x', 0x1b, 0xff, 0x80});
    addEntry(name, NID_stateOrProvinceName, V_ASN1_PRINTABLESTRING, {'y', 0x9b, 0xfe});
    // An overlong ESC (C0 9B), a stray continuation byte, a truncated sequence.
    addSan(
        leaf, {{GEN_DNS, {'x', 0xc0, 0x9b, 0x80, 0xff, 0xe2, 0x80, '.', 't', 'e', 's', 't'}}},
        {{V_ASN1_BMPSTRING, {0x00, 0x1b, 0x00}},                                      // odd length
         {V_ASN1_UNIVERSALSTRING, {0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0xd8, 0x00}},  // > U+10FFFF
         {V_ASN1_UTF8STRING, {0xc0, 0x9b, 0xed, 0xa0, 0x80}}});  // overlong ESC, surrogate
  });
}

void writeGarbageExtensions(const std::string& dir) {
  writeIssuedLeaf(dir, "garbage-extensions", 0x1604, [](X509* leaf) {
    setCommonName(X509_get_subject_name(leaf), "dot.test");
    const Bytes garbage = {0x30, 0x0a, 0x1b, '[', '2', 'J', 0xff, 0x00, 0x82, 0x01};
    addRawExtension(leaf, NID_subject_alt_name, false, garbage);
    addRawExtension(leaf, NID_key_usage, true, {0x03, 0x05, 0x1b});
    addRawExtension(leaf, NID_basic_constraints, true, {0x30, 0x03, 0x01, 0x01});
    addRawExtension(leaf, NID_ext_key_usage, false, {0x06, 0x00});
    ASN1_OBJECT* unknown = OBJ_txt2obj("1.3.6.1.4.1.99999.27.91", 1);
    check(unknown != nullptr, "OBJ_txt2obj");
    addRawExtension(leaf, unknown, true, bytes("\x1b[2J"));
    ASN1_OBJECT_free(unknown);
  });
}

void writeLongLived(const std::string& dir) {
  const X509Ptr intermediate = readCertificate(testCaPath("intermediate.crt"));
  const EvpPkeyPtr intermediate_key = readKey(testCaPath("intermediate.key"));
  const EvpPkeyPtr key = newKey();
  const X509Ptr leaf = newCertificate(key.get(), 0x1605, "19500101000000Z", "99991231235959Z");
  check(X509_set_issuer_name(leaf.get(), X509_get_subject_name(intermediate.get())) == 1, "issuer");
  setCommonName(X509_get_subject_name(leaf.get()), "dot.test");
  addSan(leaf.get());
  sign(leaf.get(), intermediate_key.get());
  writeFiles(dir, "long-lived", {leaf.get(), intermediate.get()}, key.get());
}

// 200 CA certificates and a leaf, one key for all (only the names link them; signing stays fast).
void writeChain201(const std::string& dir) {
  constexpr int kHops = 200;
  const EvpPkeyPtr key = newKey();
  std::vector<X509Ptr> chain;
  chain.push_back(newCertificate(key.get(), 0x1606));
  setCommonName(X509_get_subject_name(chain.back().get()), "dot.test");
  addSan(chain.back().get());
  for (int hop = 1; hop <= kHops; ++hop) {
    chain.push_back(newCertificate(key.get(), 0x2000 + hop));
    setCommonName(X509_get_subject_name(chain.back().get()), "hop " + std::to_string(hop));
    addRawExtension(chain.back().get(), NID_basic_constraints, true,
                    {0x30, 0x03, 0x01, 0x01, 0xff});  // CA:TRUE
  }
  std::vector<const X509*> order;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const X509* issuer = chain[std::min(i + 1, chain.size() - 1)].get();
    check(X509_set_issuer_name(chain[i].get(), X509_get_subject_name(issuer)) == 1, "issuer");
    sign(chain[i].get(), key.get());
    order.push_back(chain[i].get());
  }
  writeFiles(dir, "chain-201", order, key.get());
}

}  // namespace

void writeHostileCertificates(const std::string& dir) {
  writeEscapeSubject(dir);
  writeEscapeIssuer(dir);
  writeBadStrings(dir);
  writeGarbageExtensions(dir);
  writeLongLived(dir);
  writeChain201(dir);
}

}  // namespace dotscan::testing
