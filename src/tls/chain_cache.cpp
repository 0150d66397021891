#include "dotscan/tls/chain_cache.hpp"

#include "dotscan/tls/digests.hpp"

namespace dotscan::tls {

namespace {

bool digestOf(const X509* certificate, ChainCache::Digest& digest) {
  unsigned int length = 0;
  const EVP_MD* md = sha256();
  return md != nullptr && X509_digest(certificate, md, digest.data(), &length) == 1 &&
         length == digest.size();
}

}  // namespace

ChainCache::Key ChainCache::keyOf(const X509* leaf, const STACK_OF(X509) * sent) {
  Key key;
  if (leaf == nullptr) return key;
  Digest digest{};
  if (!digestOf(leaf, digest)) return {};
  key.push_back(digest);
  const int count = sent != nullptr ? sk_X509_num(sent) : 0;
  for (int i = 0; i < count; ++i) {
    const X509* certificate = sk_X509_value(sent, i);
    if (certificate == nullptr || (i == 0 && X509_cmp(certificate, leaf) == 0)) continue;
    if (!digestOf(certificate, digest)) return {};
    key.push_back(digest);
  }
  return key;
}

std::optional<ChainCache::Outcome> ChainCache::find(const Key& key,
                                                    std::chrono::steady_clock::time_point now) {
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(key);
  if (found == entries_.end() || now - found->second.verified > kLifetime) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  return found->second.outcome;
}

void ChainCache::insert(Key key, Outcome outcome, std::chrono::steady_clock::time_point now) {
  const std::lock_guard lock(mutex_);
  if (auto found = entries_.find(key); found != entries_.end()) {
    found->second = Entry{std::move(outcome), now};  // an expired entry, verified again
    return;
  }
  while (entries_.size() >= kCapacity && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  entries_.emplace(std::move(key), Entry{std::move(outcome), now});
}

std::uint64_t ChainCache::hits() const {
  const std::lock_guard lock(mutex_);
  return hits_;
}

std::uint64_t ChainCache::misses() const {
  const std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace dotscan::tls
