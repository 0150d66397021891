// dotscan/probe/queue_source.hpp — a target source fed while the engine runs.
//
// A producer on another thread (SYN discovery, a test) push()es targets and finish()es the
// stream; each call wakes the engine's loops, which otherwise sleep while the queue is empty
// (Pull::NotYet). Invariant: every pushed target is handed out exactly once, in push order, and
// Finished is answered only once the queue is empty and finish() was called.
#pragma once

#include <deque>
#include <mutex>

#include "dotscan/probe/engine.hpp"

namespace dotscan::probe {

class QueueSource final : public TargetSource {
 public:
  // The engine to wake; set before the first push (the engine needs the source to be built).
  void attach(Engine& engine) { engine_ = &engine; }

  void push(ProbeTarget target) {
    {
      const std::lock_guard lock(mutex_);
      queue_.push_back(std::move(target));
    }
    if (engine_ != nullptr) engine_->wake();
  }

  void finish() {
    {
      const std::lock_guard lock(mutex_);
      finished_ = true;
    }
    if (engine_ != nullptr) engine_->wake();
  }

  Pull next(ProbeTarget& target) override {
    const std::lock_guard lock(mutex_);
    if (queue_.empty()) return finished_ ? Pull::Finished : Pull::NotYet;
    target = std::move(queue_.front());
    queue_.pop_front();
    return Pull::Target;
  }

 private:
  Engine* engine_ = nullptr;
  std::mutex mutex_;
  std::deque<ProbeTarget> queue_;
  bool finished_ = false;
};

}  // namespace dotscan::probe
