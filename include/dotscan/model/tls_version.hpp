// dotscan/model/tls_version.hpp — TLS protocol versions, as the command line, the policy file and
// OpenSSL's session description spell them. Plain data, no OpenSSL: the tls module maps it to
// protocol constants, the audit compares negotiated versions with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dotscan::model {

enum class TlsVersion : std::uint8_t { Tls10, Tls11, Tls12, Tls13 };  // ordered: compare with <

// "1.2", "TLSv1.2", "tls1.2" (any case), "1" or "1.0" for TLS 1.0, and OpenSSL's names ("TLSv1" is
// TLS 1.0); nullopt for anything else, SSLv3 included.
std::optional<TlsVersion> parseTlsVersion(std::string_view text);

// OpenSSL's names, as SSL_get_version gives them: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3.
std::string_view toString(TlsVersion version);

}  // namespace dotscan::model
