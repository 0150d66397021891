#include "dotscan/model/tls_version.hpp"

#include <string>

#include "dotscan/util/text.hpp"

namespace dotscan::model {

std::optional<TlsVersion> parseTlsVersion(std::string_view text) {
  std::string value = asciiLower(text);
  for (const std::string_view prefix : {"tlsv", "tls"}) {
    if (value.starts_with(prefix)) {
      value.erase(0, prefix.size());
      break;
    }
  }
  if (value == "1" || value == "1.0") return TlsVersion::Tls10;
  if (value == "1.1") return TlsVersion::Tls11;
  if (value == "1.2") return TlsVersion::Tls12;
  if (value == "1.3") return TlsVersion::Tls13;
  return std::nullopt;
}

std::string_view toString(TlsVersion version) {
  switch (version) {
    case TlsVersion::Tls10:
      return "TLSv1";
    case TlsVersion::Tls11:
      return "TLSv1.1";
    case TlsVersion::Tls12:
      return "TLSv1.2";
    case TlsVersion::Tls13:
      return "TLSv1.3";
  }
  return "TLSv1.3";
}

}  // namespace dotscan::model
