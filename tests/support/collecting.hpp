// A target source over a vector and a result sink that keeps everything: for engine tests.
#pragma once

#include <mutex>
#include <vector>

#include "dotscan/probe/engine.hpp"

namespace dotscan::testing {

class VectorSource final : public probe::TargetSource {
 public:
  explicit VectorSource(std::vector<probe::ProbeTarget> targets) : targets_(std::move(targets)) {}
  bool next(probe::ProbeTarget& target) override {
    const std::lock_guard lock(mutex_);
    if (position_ == targets_.size()) return false;
    target = targets_[position_++];
    return true;
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

}  // namespace dotscan::testing
