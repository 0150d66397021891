#include "dotscan/tls/trust_store.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::tls {

namespace {

// Loads every PEM certificate and CRL of one file through the store's file lookup, which reads
// the file at once and keeps nothing that reads later; returns how many it found (0 when the file
// cannot be read or holds none). The error queue is left empty.
std::size_t loadFile(X509_LOOKUP* lookup, const std::string& path) {
  const int loaded = X509_load_cert_crl_file(lookup, path.c_str(), X509_FILETYPE_PEM);
  ERR_clear_error();
  return loaded > 0 ? static_cast<std::size_t>(loaded) : 0;
}

// The hash-named entries of a directory, sorted so that the load order does not depend on the
// file system. Throws std::filesystem::filesystem_error when it cannot be listed.
std::vector<std::string> hashedEntries(const std::string& directory) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (isHashedName(entry.path().filename().string())) paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string defaultPath(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);  // NOLINT(concurrency-mt-unsafe): read at start-up
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

bool isHashedName(const std::string& name) {
  if (name.size() < 10 || name[8] != '.') return false;
  if (!std::all_of(name.begin(), name.begin() + 8,
                   [](unsigned char c) { return std::isxdigit(c) != 0; })) {
    return false;
  }
  std::size_t i = 9;
  if (name[i] == 'r') ++i;
  return i < name.size() && std::all_of(name.begin() + static_cast<std::ptrdiff_t>(i), name.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; });
}

TrustStore loadTrustStore(const std::string& ca_file, const std::string& ca_dir) {
  TrustStore trust;
  trust.store.reset(X509_STORE_new());
  if (!trust.store) throw Error(ExitCode::RuntimeError, "X509_STORE_new failed");
  X509_STORE* store = trust.store.get();
  X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
  if (lookup == nullptr) throw Error(ExitCode::RuntimeError, "X509_STORE_add_lookup failed");
  const bool system = ca_file.empty() && ca_dir.empty();
  const std::string file =
      system ? defaultPath(X509_get_default_cert_file_env(), X509_get_default_cert_file())
             : ca_file;
  const std::string directory =
      system ? defaultPath(X509_get_default_cert_dir_env(), X509_get_default_cert_dir()) : ca_dir;
  trust.description = system ? "system" : (!ca_file.empty() ? ca_file : ca_dir);

  if (!file.empty() && loadFile(lookup, file) == 0 && !system) {
    throw UsageError("--ca-file " + quoteInput(ca_file) + ": no PEM certificate could be read");
  }
  if (!directory.empty()) {
    std::error_code ignored;
    if (system && !std::filesystem::is_directory(directory, ignored)) {
      // No system directory (a minimal container): the bundle alone.
    } else {
      try {
        std::size_t loaded = 0;
        for (const std::string& path : hashedEntries(directory)) loaded += loadFile(lookup, path);
        if (loaded == 0 && !system) {
          throw UsageError("--ca-dir " + quoteInput(ca_dir) +
                           ": no hash-named certificate in it (run 'openssl rehash' on it)");
        }
      } catch (const std::filesystem::filesystem_error& e) {
        if (!system) {
          throw UsageError("--ca-dir " + quoteInput(ca_dir) + ": cannot list it (" +
                           e.code().message() + ")");
        }
      }
    }
  }
  trust.certificates = static_cast<std::size_t>(sk_X509_OBJECT_num(X509_STORE_get0_objects(store)));
  return trust;
}

}  // namespace dotscan::tls
