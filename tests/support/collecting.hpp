// A target source over a vector, a result sink that keeps everything, and one engine run over
// real TLS with them: for engine tests.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "dotscan/probe/engine.hpp"
#include "dotscan/probe/tls_transport.hpp"
#include "dotscan/tls/client.hpp"

namespace dotscan::testing {

class VectorSource final : public probe::TargetSource {
 public:
  explicit VectorSource(std::vector<probe::ProbeTarget> targets) : targets_(std::move(targets)) {}
  probe::Pull next(probe::ProbeTarget& target) override {
    const std::lock_guard lock(mutex_);
    if (position_ == targets_.size()) return probe::Pull::Finished;
    target = targets_[position_++];
    return probe::Pull::Target;
  }

 private:
  std::mutex mutex_;
  std::vector<probe::ProbeTarget> targets_;
  std::size_t position_ = 0;
};

class CollectingSink final : public probe::ResultSink {
 public:
  void consume(model::ProbeResult&& result) override {
    const std::lock_guard lock(mutex_);
    results_.push_back(std::move(result));
  }
  std::vector<model::ProbeResult> results() {
    const std::lock_guard lock(mutex_);
    return results_;
  }

 private:
  std::mutex mutex_;
  std::vector<model::ProbeResult> results_;
};

// Real transports over one ClientContext, for an engine built by hand.
inline probe::TransportFactory tlsTransports(const tls::ClientContext& context,
                                             bool include_pem = false) {
  return [&context, include_pem](const probe::ProbeTarget& target) {
    return std::make_unique<probe::TlsTransport>(context, target, include_pem);
  };
}

// How many of `results` have `outcome`.
inline int countOutcome(const std::vector<model::ProbeResult>& results, model::Outcome outcome) {
  int count = 0;
  for (const auto& result : results) count += result.outcome == outcome ? 1 : 0;
  return count;
}

// Probes `targets` with real sockets and OpenSSL (one ClientContext from `tls`), every result in
// the order it arrived.
inline std::vector<model::ProbeResult> scanOverTls(const probe::EngineSettings& settings,
                                                   const tls::ClientOptions& tls,
                                                   std::vector<probe::ProbeTarget> targets,
                                                   const Clock& clock, bool include_pem = false) {
  const tls::ClientContext context(tls);
  VectorSource source(std::move(targets));
  CollectingSink sink;
  probe::Engine engine(settings, source, sink, tlsTransports(context, include_pem), clock);
  engine.run();
  return sink.results();
}

}  // namespace dotscan::testing
