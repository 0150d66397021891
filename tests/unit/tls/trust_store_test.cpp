// The trust store is read once, into memory (issue 15): a chain verifies against it after the
// directory it came from is gone, and the rules for --ca-file and --ca-dir hold.
#include "dotscan/tls/trust_store.hpp"

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "dotscan/util/error.hpp"

#include "support/cannot_run.hpp"

namespace dotscan::tls {
namespace {

namespace fs = std::filesystem;

std::string caDir() {
  const char* dir = std::getenv("DOTSCAN_TEST_CA");
  return dir != nullptr ? dir : "";
}

X509Ptr load(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// X509_verify_cert of the ecdsa leaf with the intermediate as untrusted: the error, 0 for none.
int verifyLeaf(X509_STORE* store) {
  X509Ptr leaf = load(caDir() + "/ecdsa.crt");
  X509Ptr intermediate = load(caDir() + "/intermediate.crt");
  if (!leaf || !intermediate) return -1;
  STACK_OF(X509)* chain = sk_X509_new_null();
  sk_X509_push(chain, intermediate.get());
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  X509_STORE_CTX_init(context, store, leaf.get(), chain);
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context), 1795392000);  // 2026-11-23
  const int ok = X509_verify_cert(context);
  const int error = ok == 1 ? 0 : X509_STORE_CTX_get_error(context);
  X509_STORE_CTX_free(context);
  sk_X509_free(chain);
  return error;
}

class TrustStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (caDir().empty()) DOTSCAN_CANNOT_RUN("DOTSCAN_TEST_CA is not set (run through ctest)");
    scratch_ =
        fs::path(::testing::TempDir()) /
        ("trust-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
  }
  void TearDown() override { fs::remove_all(scratch_); }
  fs::path scratch_;
};

TEST(HashedName, AcceptsWhatAHashedDirectoryLookupReads) {
  EXPECT_TRUE(isHashedName("9d66eef0.0"));
  EXPECT_TRUE(isHashedName("9D66EEF0.12"));
  EXPECT_TRUE(isHashedName("9d66eef0.r0"));
  EXPECT_FALSE(isHashedName("9d66eef0."));
  EXPECT_FALSE(isHashedName("9d66eef0.r"));
  EXPECT_FALSE(isHashedName("9d66eef.0"));
  EXPECT_FALSE(isHashedName("9d66eefg.0"));
  EXPECT_FALSE(isHashedName("9d66eef0.0x"));
  EXPECT_FALSE(isHashedName("ISRG_Root_X1.pem"));
  EXPECT_FALSE(isHashedName("README"));
}

TEST_F(TrustStoreTest, DirectoryIsReadOnceAndVerifiesAfterItIsGone) {
  const fs::path directory = scratch_ / "certs";
  fs::create_directories(directory);
  X509Ptr root = load(caDir() + "/root.crt");
  ASSERT_TRUE(root);
  char name[16];
  std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(root.get()));
  fs::copy_file(caDir() + "/root.crt", directory / name);
  fs::copy_file(caDir() + "/root.crt", directory / "root.pem");  // not hash-named: not read
  std::ofstream(directory / "README") << "not a certificate\n";

  TrustStore trust = loadTrustStore("", directory.string());
  EXPECT_EQ(trust.description, directory.string());
  EXPECT_EQ(trust.certificates, 1U);
  fs::remove_all(directory);
  EXPECT_EQ(verifyLeaf(trust.store.get()), 0) << "the chain must verify with the directory gone";
}

TEST_F(TrustStoreTest, FileIsReadOnce) {
  const fs::path file = scratch_ / "bundle.pem";
  fs::copy_file(caDir() + "/ca.crt", file);
  TrustStore trust = loadTrustStore(file.string(), "");
  EXPECT_EQ(trust.certificates, 1U);
  fs::remove(file);
  EXPECT_EQ(verifyLeaf(trust.store.get()), 0);
}

TEST_F(TrustStoreTest, WithoutTheRootTheChainDoesNotVerify) {
  const fs::path file = scratch_ / "other.pem";
  fs::copy_file(caDir() + "/ecdsa.crt", file);  // a leaf, not our root
  TrustStore trust = loadTrustStore(file.string(), "");
  EXPECT_EQ(verifyLeaf(trust.store.get()), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(TrustStoreTest, SystemDefaultsFollowTheOpenSslVariables) {
  const fs::path file = scratch_ / "system.pem";
  fs::copy_file(caDir() + "/ca.crt", file);
  ::setenv("SSL_CERT_FILE", file.c_str(), 1);
  ::setenv("SSL_CERT_DIR", (scratch_ / "missing").c_str(), 1);  // missing: not an error
  TrustStore trust = loadTrustStore("", "");
  ::unsetenv("SSL_CERT_FILE");
  ::unsetenv("SSL_CERT_DIR");
  EXPECT_EQ(trust.description, "system");
  EXPECT_EQ(trust.certificates, 1U);
  EXPECT_EQ(verifyLeaf(trust.store.get()), 0);
}

TEST_F(TrustStoreTest, RefusesAFileWithoutCertificatesAndADirectoryWithoutHashedNames) {
  const fs::path file = scratch_ / "empty.pem";
  std::ofstream(file) << "nothing here\n";
  try {
    (void)loadTrustStore(file.string(), "");
    ADD_FAILURE() << "an empty --ca-file was accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--ca-file '" + file.string() + "': no PEM certificate could be read");
  }
  const fs::path directory = scratch_ / "plain";
  fs::create_directories(directory);
  fs::copy_file(caDir() + "/root.crt", directory / "root.pem");
  try {
    (void)loadTrustStore("", directory.string());
    ADD_FAILURE() << "a directory without hash-named entries was accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--ca-dir '" + directory.string() +
                                         "': no hash-named certificate in it (run 'openssl "
                                         "rehash' on it)");
  }
}

}  // namespace
}  // namespace dotscan::tls
