// dotscan/tls/trust_store.hpp — the certificates chains are verified against, read once.
//
// OpenSSL's default paths put a hashed-directory lookup (/etc/ssl/certs) in the store, and that
// lookup lists and opens the directory on every verification that meets an issuer it has not
// cached: about 4 getdents64, 6 newfstatat and 2 openat per handshake (issue 15). A scanner
// verifies thousands of chains a second, so the store is built once, in memory, before the scan:
// the bundle file and every hash-named entry of the directory (what a hashed-directory lookup
// would have read, "XXXXXXXX.N" certificates and "XXXXXXXX.rN" CRLs, c_rehash(1)) are loaded into
// an X509_STORE with no lookup left that touches the file system.
#pragma once

#include <cstddef>
#include <string>

#include "dotscan/tls/openssl_ptr.hpp"

namespace dotscan::tls {

using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>>;

struct TrustStore {
  X509StorePtr store;
  std::string description;       // "system", or the --ca-file / --ca-dir path as given
  std::size_t certificates = 0;  // objects loaded (certificates and CRLs; duplicates counted once)
};

// ca_file and ca_dir empty: the system's default bundle and directory (SSL_CERT_FILE and
// SSL_CERT_DIR override them, as for OpenSSL itself); either missing is not an error. Otherwise
// the given file and/or directory; throws UsageError when a given file yields no certificate or a
// given directory cannot be listed.
TrustStore loadTrustStore(const std::string& ca_file, const std::string& ca_dir);

// Whether `name` is a name a hashed-directory lookup reads: eight hex digits, a dot, an optional
// 'r' and a decimal suffix.
bool isHashedName(const std::string& name);

}  // namespace dotscan::tls
