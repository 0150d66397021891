#include "dotscan/cli/stop_signals.hpp"

#include <atomic>
#include <csignal>

namespace dotscan::cli {

namespace {

enum class Stage : int { BeforeScan, Scanning, AfterScan };

std::atomic<int> g_requests{0};
std::atomic<bool> g_unread{false};
std::atomic<Stage> g_stage{Stage::BeforeScan};
std::atomic<probe::Engine*> g_engine{nullptr};
std::atomic<syn::Scanner*> g_scanner{nullptr};

struct sigaction g_old_int {};
struct sigaction g_old_term {};

// Only async-signal-safe calls here: atomics, sigaction, raise, Engine::requestStop and
// Scanner::stop.
extern "C" void onStopSignal(int signal) {
  const int requests = g_requests.fetch_add(1) + 1;
  if (syn::Scanner* scanner = g_scanner.load(); scanner != nullptr) scanner->stop();
  if (probe::Engine* engine = g_engine.load(); engine != nullptr) {
    engine->requestStop();
    return;
  }
  if (requests >= 2 && g_stage.load() == Stage::BeforeScan) {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    (void)::sigaction(signal, &action, nullptr);
    (void)::raise(signal);
  }
}

static_assert(std::atomic<Stage>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

// Both requests of the engine: no grace period for probes whose results nobody reads.
void stopEngineNow(probe::Engine& engine) noexcept {
  while (engine.stopLevel() < 2) engine.requestStop();
}

}  // namespace

StopSignals::StopSignals() {
  g_requests.store(0);
  g_unread.store(false);
  g_stage.store(Stage::BeforeScan);
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  // SA_RESTART: a signal must not turn a blocked write of the report into an EINTR failure.
  // epoll_wait still returns early, and the engine's eventfd write wakes every loop anyway.
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &g_old_int);
  ::sigaction(SIGTERM, &action, &g_old_term);
}

StopSignals::~StopSignals() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
}

int stopRequests() noexcept {
  return g_requests.load();
}

void stopUnread() noexcept {
  g_unread.store(true);
  if (syn::Scanner* scanner = g_scanner.load(); scanner != nullptr) scanner->stop();
  if (probe::Engine* engine = g_engine.load(); engine != nullptr) stopEngineNow(*engine);
}

EngineStopTarget::EngineStopTarget(probe::Engine& engine) {
  g_engine.store(&engine);
  g_stage.store(Stage::Scanning);
  if (g_unread.load()) stopEngineNow(engine);
}

EngineStopTarget::~EngineStopTarget() {
  g_engine.store(nullptr);
  g_stage.store(Stage::AfterScan);
}

ScannerStopTarget::ScannerStopTarget(syn::Scanner& scanner) {
  g_scanner.store(&scanner);
  if (g_requests.load() > 0 || g_unread.load()) scanner.stop();  // send nothing
}

ScannerStopTarget::~ScannerStopTarget() {
  g_scanner.store(nullptr);
}

}  // namespace dotscan::cli
