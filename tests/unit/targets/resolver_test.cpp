#include "dotscan/targets/resolver.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace dotscan::targets {
namespace {

// Answers only once `needed` lookups are in flight at the same time; a sequential resolveAll()
// would wait forever, so the wait is bounded and a timeout fails the test.
class BarrierResolver final : public Resolver {
 public:
  explicit BarrierResolver(int needed) : needed_(needed) {}
  [[nodiscard]] Resolution resolve(const std::string& name, std::optional<Family>) const override {
    std::unique_lock lock(mutex_);
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    cv_.notify_all();
    const bool met =
        cv_.wait_for(lock, std::chrono::seconds(20), [&] { return max_in_flight_ >= needed_; });
    --in_flight_;
    Resolution r;
    if (!met) {
      r.error = "timed out waiting for parallel lookups";
      return r;
    }
    r.addresses.push_back(Address::fromV4(static_cast<std::uint32_t>(name.size())));
    return r;
  }
  int maxInFlight() const {
    std::lock_guard lock(mutex_);
    return max_in_flight_;
  }

 private:
  int needed_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  mutable int in_flight_ = 0;
  mutable int max_in_flight_ = 0;
};

TEST(ResolveAll, LooksUpManyNamesAtOnce) {
  BarrierResolver resolver(16);
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) names.push_back("host" + std::to_string(i) + ".example");
  auto results = resolveAll(resolver, names, std::nullopt, 16);
  ASSERT_EQ(results.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    ASSERT_EQ(results[i].error, "") << names[i];
    // Results stay in the order of the names.
    EXPECT_EQ(results[i].addresses.at(0).v4(), names[i].size());
  }
  EXPECT_GE(resolver.maxInFlight(), 16);
}

TEST(ResolveAll, NeverMoreThanAskedFor) {
  BarrierResolver resolver(1);
  std::vector<std::string> names(50, "x.example");
  resolveAll(resolver, names, std::nullopt, 4);
  EXPECT_LE(resolver.maxInFlight(), 4);
}

TEST(SystemResolver, ResolvesLocalhostFromTheHostsFile) {
  // /etc/hosts only: no query leaves the machine for "localhost".
  SystemResolver resolver;
  auto r = resolver.resolve("localhost", Family::V4);
  ASSERT_EQ(r.error, "");
  ASSERT_FALSE(r.addresses.empty());
  EXPECT_EQ(r.addresses[0].toString(), "127.0.0.1");
}

}  // namespace
}  // namespace dotscan::targets
