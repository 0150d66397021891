// The chain cache (issue 15): keys, bounds, lifetime.
#include "dotscan/tls/chain_cache.hpp"

#include <openssl/pem.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/cannot_run.hpp"

namespace dotscan::tls {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

X509Ptr load(const std::string& name) {
  const char* dir = std::getenv("DOTSCAN_TEST_CA");
  if (dir == nullptr) return nullptr;
  BioPtr bio(BIO_new_file((std::string(dir) + "/" + name + ".crt").c_str(), "r"));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

ChainCache::Key keyOf(const std::vector<const char*>& names) {
  std::vector<X509Ptr> certificates;
  for (const char* name : names) certificates.push_back(load(name));
  STACK_OF(X509)* sent = sk_X509_new_null();
  for (auto& certificate : certificates) sk_X509_push(sent, certificate.get());
  ChainCache::Key key = ChainCache::keyOf(certificates.at(0).get(), sent);
  sk_X509_free(sent);
  return key;
}

ChainCache::Key fakeKey(std::uint8_t first) {
  ChainCache::Digest digest{};
  digest[0] = first;
  return {digest};
}

class ChainCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("DOTSCAN_TEST_CA") == nullptr) {
      DOTSCAN_CANNOT_RUN("DOTSCAN_TEST_CA is not set (run through ctest)");
    }
  }
};

TEST_F(ChainCacheTest, KeyIsTheDigestOfEachCertificateAsSentLeafOnce) {
  const ChainCache::Key chain = keyOf({"ecdsa", "intermediate"});
  ASSERT_EQ(chain.size(), 2U);  // the leaf at the head of the sent chain is not counted twice
  EXPECT_EQ(keyOf({"ecdsa", "intermediate"}), chain);
  EXPECT_NE(keyOf({"rsa", "intermediate"}), chain);                    // another leaf
  EXPECT_NE(keyOf({"ecdsa"}), chain);                                  // the intermediate left out
  EXPECT_NE(keyOf({"ecdsa", "intermediate", "intermediate"}), chain);  // sent twice
  // The SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` computes it.
  X509Ptr leaf = load("ecdsa");
  unsigned char digest[32];
  unsigned int length = 0;
  ASSERT_EQ(X509_digest(leaf.get(), EVP_sha256(), digest, &length), 1);
  EXPECT_EQ(std::vector<std::uint8_t>(digest, digest + length),
            std::vector<std::uint8_t>(chain[0].begin(), chain[0].end()));
}

TEST_F(ChainCacheTest, FindsWhatWasInsertedUntilItsLifetimeEnds) {
  ChainCache cache;
  const auto t0 = Clock::now();
  EXPECT_FALSE(cache.find(fakeKey(1), t0));
  cache.insert(fakeKey(1), {{{0, 20}, {1, 2}}, 2, 1}, t0);
  const auto found = cache.find(fakeKey(1), t0 + seconds(10));
  ASSERT_TRUE(found);
  ASSERT_EQ(found->errors.size(), 2U);
  EXPECT_EQ(found->errors[1].depth, 1);
  EXPECT_EQ(found->errors[1].code, 2);
  EXPECT_EQ(found->result, 2);
  EXPECT_EQ(found->ok, 1);
  EXPECT_FALSE(cache.find(fakeKey(1), t0 + ChainCache::kLifetime + seconds(1)));
  EXPECT_EQ(cache.hits(), 1U);
  EXPECT_EQ(cache.misses(), 2U);
}

TEST_F(ChainCacheTest, DropsTheOldestWhenFull) {
  ChainCache cache;
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i <= ChainCache::kCapacity; ++i) {
    ChainCache::Digest digest{};
    digest[0] = static_cast<std::uint8_t>(i & 0xff);
    digest[1] = static_cast<std::uint8_t>(i >> 8);
    cache.insert({digest}, {{}, 0, 1}, t0);
  }
  ChainCache::Digest first{};
  EXPECT_FALSE(cache.find({first}, t0));  // the first inserted made room for the last
  ChainCache::Digest second{};
  second[0] = 1;
  EXPECT_TRUE(cache.find({second}, t0));
}

}  // namespace
}  // namespace dotscan::tls
