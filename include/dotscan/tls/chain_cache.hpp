// dotscan/tls/chain_cache.hpp — each distinct certificate chain verified once per scan.
//
// On address space, thousands of servers send the same chain (one operator's fleet, one CDN).
// OpenSSL verifies the chain of every handshake again: building the path, checking each signature
// (issue 15). The context installs a verification callback that keys the chain as the server sent
// it by the SHA-256 of each certificate's DER, and replays the cached outcome (every error met,
// with its depth, and the final code) for a chain it has seen. Nothing in the key depends on the
// target: the authentication name is checked after the handshake (Connection::session).
//
// Bounded (kCapacity chains, the oldest dropped first) and shared by every event loop (a mutex).
// An entry is reused for kLifetime at most, so that a scan of many hours still sees a
// certificate expire.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "dotscan/tls/openssl_ptr.hpp"

namespace dotscan::tls {

class ChainCache {
 public:
  static constexpr std::size_t kCapacity = 4096;
  static constexpr std::chrono::seconds kLifetime{300};

  using Digest = std::array<std::uint8_t, 32>;
  using Key = std::vector<Digest>;  // leaf first, as sent

  struct Error {
    int depth = 0;
    int code = 0;
  };
  struct Outcome {
    std::vector<Error> errors;  // every error the verification met, in order
    int result = 0;             // X509_STORE_CTX_get_error() at the end
    int ok = 0;                 // what X509_verify_cert() returned
  };

  // The key of a chain: the leaf, then the other certificates as sent (the leaf again at the
  // head of `sent`, as libssl passes it, is skipped). Empty when a digest cannot be computed.
  static Key keyOf(const X509* leaf, const STACK_OF(X509) * sent);

  std::optional<Outcome> find(const Key& key, std::chrono::steady_clock::time_point now);
  void insert(Key key, Outcome outcome, std::chrono::steady_clock::time_point now);

  [[nodiscard]] std::uint64_t hits() const;
  [[nodiscard]] std::uint64_t misses() const;

 private:
  struct Entry {
    Outcome outcome;
    std::chrono::steady_clock::time_point verified;
  };
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  std::deque<Key> order_;  // insertion order, for dropping the oldest
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace dotscan::tls
