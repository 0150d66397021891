// The owner types of tls/openssl_ptr.hpp: SslSessionPtr holds one reference to an SSL_SESSION.
#include "dotscan/tls/openssl_ptr.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace dotscan::tls {
namespace {

TEST(TlsOpenSslPtr, SslSessionPtrOwnsOneReference) {
  SslSessionPtr first(SSL_SESSION_new());
  ASSERT_TRUE(first);
  ASSERT_EQ(SSL_SESSION_set_protocol_version(first.get(), TLS1_3_VERSION), 1);
  // A second reference, as SSL_get1_session gives: each owner frees its own.
  ASSERT_EQ(SSL_SESSION_up_ref(first.get()), 1);
  SslSessionPtr second(first.get());
  first.reset();
  EXPECT_EQ(SSL_SESSION_get_protocol_version(second.get()), TLS1_3_VERSION);

  SslSessionPtr moved = std::move(second);
  EXPECT_FALSE(second);  // NOLINT(bugprone-use-after-move): moved-from owners are empty
  EXPECT_EQ(SSL_SESSION_get_protocol_version(moved.get()), TLS1_3_VERSION);
  moved.reset();
  EXPECT_FALSE(moved);
  SslSessionPtr empty;  // destroying an empty owner frees nothing
}

}  // namespace
}  // namespace dotscan::tls
