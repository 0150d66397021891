// dotscan/tls/digests.hpp — the message digests dotscan uses, fetched once.
//
// OpenSSL 3's EVP_sha256() and friends fetch their implementation from the provider again at every
// use (an implicit fetch: a lock and a property query); a scanner hashes every certificate of
// every handshake (issue 15). These are fetched once, on first use (thread-safe), and fall back to
// the implicit form when the fetch fails.
#pragma once

#include <openssl/evp.h>

namespace dotscan::tls {

const EVP_MD* md5();  // nmap's ssl-cert fingerprint: reported, never trusted
const EVP_MD* sha1();
const EVP_MD* sha256();

}  // namespace dotscan::tls
