// dotscan/util/c_ptr.hpp — owning a C library object with its own free function.
//
// One deleter for every C API the project uses (OpenSSL in tls/openssl_ptr.hpp, ldns in the dns
// module): nothing is freed by hand on an error path (PowerDNS CODING_GUIDELINES, "Wrapping C
// pointers").
#pragma once

#include <memory>

namespace dotscan {

template <auto FreeFunction>
struct CDeleter {
  template <typename T>
  void operator()(T* object) const noexcept {
    FreeFunction(object);
  }
};

// CPtr<ldns_pkt, ldns_pkt_free> owns an ldns_pkt*.
template <typename T, auto FreeFunction>
using CPtr = std::unique_ptr<T, CDeleter<FreeFunction>>;

}  // namespace dotscan
