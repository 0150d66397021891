#include "dotscan/tls/digests.hpp"

#include <openssl/err.h>

#include "dotscan/tls/openssl_ptr.hpp"

namespace dotscan::tls {

namespace {

using EvpMdPtr = std::unique_ptr<EVP_MD, OpenSslDeleter<EVP_MD_free>>;

EVP_MD* fetchOrNull(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  ERR_clear_error();
  return md;
}

}  // namespace

const EVP_MD* md5() {
  static const EvpMdPtr md(fetchOrNull("MD5"));
  return md ? md.get() : EVP_md5();
}

const EVP_MD* sha1() {
  static const EvpMdPtr md(fetchOrNull("SHA1"));
  return md ? md.get() : EVP_sha1();
}

const EVP_MD* sha256() {
  static const EvpMdPtr md(fetchOrNull("SHA256"));
  return md ? md.get() : EVP_sha256();
}

}  // namespace dotscan::tls
