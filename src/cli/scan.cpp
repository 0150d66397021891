// The scan itself: targets in scan order feed the engine, results go to the report writers.
#include "dotscan/cli/scan.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "dotscan/cli/outputs.hpp"
#include "dotscan/cli/progress.hpp"
#include "dotscan/cli/stop_signals.hpp"
#include "dotscan/net/privileges.hpp"
#include "dotscan/net/socket.hpp"
#include "dotscan/probe/naming.hpp"
#include "dotscan/probe/queue_source.hpp"
#include "dotscan/probe/tls_transport.hpp"
#include "dotscan/report/writer.hpp"
#include "dotscan/syn/recorder.hpp"
#include "dotscan/syn/route.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::cli {

namespace {

// Descriptors kept back from --max-parallel: stdio, output files, epoll and eventfd per loop.
constexpr std::uint64_t kReservedFds = 64;
constexpr std::uint64_t kDefaultParallelCap = 16384;

// Targets in scan order, with the authentication name and the SNI rule applied (docs/scanning.md).
class OrderSource final : public probe::TargetSource {
 public:
  OrderSource(targets::TargetOrder& order, probe::NamingRule naming)
      : order_(order), naming_(std::move(naming)) {}

  probe::Pull next(probe::ProbeTarget& target) override {
    targets::Target next;
    {
      const std::lock_guard lock(mutex_);
      if (!order_.next(next)) return probe::Pull::Finished;
    }
    target = probe::nameTarget(next.address, next.port, next.name, naming_);
    return probe::Pull::Target;
  }

 private:
  targets::TargetOrder& order_;
  probe::NamingRule naming_;
  std::mutex mutex_;
};

// The result of a target that SYN discovery decided alone: closed, unreachable or filtered.
model::ProbeResult synResult(const syn::Answer& answer, const syn::Settings& settings) {
  model::ProbeResult result;
  result.address = answer.address;
  result.port = answer.port;
  result.name = answer.name;
  result.started = result.ended = answer.when;
  result.phase = model::Phase::Syn;
  result.attempts = static_cast<int>(answer.passes);
  switch (answer.kind) {
    case syn::AnswerKind::Closed:
      result.outcome = model::Outcome::Closed;
      result.reason = "the SYN was answered with a RST";
      break;
    case syn::AnswerKind::Unreachable:
      result.outcome = model::Outcome::Unreachable;
      result.reason = answer.local_error != 0
                          ? "the SYN could not be sent: " + errorText(answer.local_error)
                          : "ICMP destination unreachable (type " +
                                std::to_string(answer.icmp_type) + ", code " +
                                std::to_string(answer.icmp_code) + ") from " +
                                answer.from.toString();
      break;
    case syn::AnswerKind::Silent:
    case syn::AnswerKind::Live:
      result.outcome = model::Outcome::Filtered;
      result.reason =
          "no answer to " + std::to_string(answer.passes) +
          (answer.passes == 1 ? " SYN" : " SYNs") + " (cooldown " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(settings.cooldown).count()) +
          " ms)";
      break;
  }
  return result;
}

report::DiscoveryMetadata discoveryMetadata(const syn::Scanner& scanner,
                                            const syn::Settings& settings,
                                            const syn::Counts& counts) {
  report::DiscoveryMetadata d;
  d.interface = scanner.interface();
  d.sender = scanner.sender();
  d.source = scanner.source();
  d.cooldown_ms = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(settings.cooldown).count());
  d.sent = counts.sent;
  d.send_errors = counts.send_errors;
  d.live = counts.live;
  d.closed = counts.closed;
  d.unreachable = counts.unreachable;
  d.silent = counts.silent;
  d.invalid = counts.invalid;
  d.duplicates = counts.duplicates;
  d.captured = counts.captured;
  d.capture_dropped = counts.capture_dropped;
  return d;
}

// The naming rule of this scan's options (probe/naming.hpp).
probe::NamingRule namingRule(const ScanSettings& settings) {
  probe::NamingRule rule{settings.auth_name, settings.sni, settings.sni_address, {}};
  if (!settings.policy.empty()) {
    const audit::Policy& policy = settings.policy;
    rule.policy_auth_name = [&policy](const Address& address, std::string_view name) {
      return policy.expectationsFor(address, name).auth_name;
    };
  }
  return rule;
}

// Every result is judged, counted, and handed to each writer, under one lock. --open leaves out
// of the writers (not of the counts) what did not answer. A writer whose pipe lost its reader
// (`dotscan | head -1`) is dropped quietly; the others go on, so the files stay complete, and when
// no writer is left nobody reads the results: the scan stops at once (stopUnread()).
// "YYYY-MM-DD" of `when`, in UTC.
std::string utcDate(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  std::array<char, 16> text{};
  if (std::strftime(text.data(), text.size(), "%Y-%m-%d", &parts) == 0) return "";
  return text.data();
}

class ReportSink final : public probe::ResultSink {
 public:
  ReportSink(std::vector<report::Writer*> writers, audit::AuditOptions audit,
             const audit::Policy& policy, std::function<bool(const Address&)> listed,
             bool open_only)
      : writers_(std::move(writers)),
        audit_(std::move(audit)),
        policy_(policy),
        listed_(std::move(listed)),
        open_only_(open_only) {}

  void consume(model::ProbeResult&& result) override {
    // Outside the lock: pure.
    audit::judge(result, audit_, policy_, !listed_ || listed_(result.address));
    const auto worst = audit::worstSeverity(result.findings);
    const std::lock_guard lock(mutex_);
    if (worst && (!worst_ || *worst > *worst_)) worst_ = worst;
    counts_.at(static_cast<std::size_t>(result.outcome)).fetch_add(1, std::memory_order_relaxed);
    scanned_.fetch_add(1, std::memory_order_relaxed);
    // --open: what did not answer is left out, unless it raised a finding (dot-missing).
    if (open_only_ && !model::answered(result.outcome) && !worst) return;
    forEachWriter([&result](report::Writer& writer) { writer.add(result); });
  }

  void begin(const report::ScanMetadata& planned) {
    const std::lock_guard lock(mutex_);
    forEachWriter([&planned](report::Writer& writer) { writer.begin(planned); });
  }

  // Every writer is finished, even after one failed (its file stays as valid as it can be);
  // the first failure is rethrown.
  void finish(const report::ScanMetadata& metadata) {
    const std::lock_guard lock(mutex_);
    std::exception_ptr failure;
    for (report::Writer*& writer : writers_) {
      if (writer == nullptr) continue;
      try {
        writer->finish(metadata);
      } catch (const report::OutputClosed&) {
        writer = nullptr;
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
  }

  [[nodiscard]] std::optional<model::Severity> worst() {
    const std::lock_guard lock(mutex_);
    return worst_;
  }

  void fill(report::ScanMetadata& metadata) {
    const std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < counts_.size(); ++i) metadata.counts.at(i) = counts_.at(i).load();
    metadata.targets_scanned = scanned_.load();
  }

  // For the status line, from its own thread: atomics only, no lock (cli/progress.hpp).
  [[nodiscard]] report::ProgressSnapshot progress(const std::string& total) const {
    report::ProgressSnapshot snapshot;
    snapshot.total = total;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      snapshot.counts.at(i) = counts_.at(i).load(std::memory_order_relaxed);
    }
    snapshot.done = scanned_.load(std::memory_order_relaxed);
    return snapshot;
  }

 private:
  // Calls `action` on each writer still read; any error but OutputClosed goes on to the caller.
  template <typename Action>
  void forEachWriter(Action&& action) {
    bool any = false;
    for (report::Writer*& writer : writers_) {
      if (writer == nullptr) continue;
      try {
        action(*writer);
        any = true;
      } catch (const report::OutputClosed&) {
        writer = nullptr;
      }
    }
    if (!any && !writers_.empty()) stopUnread();
  }

  std::vector<report::Writer*> writers_;  // null: its reader has gone
  audit::AuditOptions audit_;
  const audit::Policy& policy_;
  std::function<bool(const Address&)> listed_;
  bool open_only_;
  std::optional<model::Severity> worst_;
  std::mutex mutex_;
  // Written under mutex_, atomic so that the status line reads them without it.
  std::array<std::atomic<std::uint64_t>, model::kOutcomeCount> counts_{};
  std::atomic<std::uint64_t> scanned_{0};
};

std::uint64_t chooseParallelism(const ScanSettings& settings) {
  const std::uint64_t limit = net::raiseOpenFileLimit();
  const std::uint64_t reserve = kReservedFds + 4ULL * settings.engine.threads;
  const std::uint64_t usable = limit > reserve + 1 ? limit - reserve : 1;
  if (!settings.max_parallel) return std::min(usable, kDefaultParallelCap);
  if (*settings.max_parallel > usable) {
    warn("--max-parallel " + std::to_string(*settings.max_parallel) +
         " is above what the open-file limit (" + std::to_string(limit) + ") allows; using " +
         std::to_string(usable));
    return usable;
  }
  return *settings.max_parallel;
}

// The engine's settings: the parallelism the open-file limit allows, and the one query of the scan.
probe::EngineSettings engineSettings(const ScanSettings& settings) {
  probe::EngineSettings engine_settings = settings.engine;
  engine_settings.max_parallel = chooseParallelism(settings);
  if (settings.dns) {
    // One query for the whole scan; each probe sends it with an ID of its own.
    auto dns = std::make_shared<probe::DnsSettings>();
    dns->queries.emplace_back(settings.query);
    dns->timeout = settings.dns_timeout;
    dns->max_length = settings.dns_max_size;
    dns->cleartext_fallback = settings.cleartext_check;
    engine_settings.probe.dns = std::move(dns);
  }
  // Kept in every scan: the cleartext check's delay reads it even when timeouts are fixed.
  engine_settings.probe.rtt = std::make_shared<probe::RttTable>();
  return engine_settings;
}

// The metadata record as far as it is known before the scan starts.
report::ScanMetadata plannedMetadata(const ScanConfig& config, const ScanPlan& plan,
                                     const probe::EngineSettings& engine_settings,
                                     const tls::ClientContext& tls_context) {
  const ScanSettings& settings = config.scan;
  report::ScanMetadata metadata;
  metadata.version = plan.version;
  metadata.command_line = config.command_line;
  metadata.arguments = config.arguments;
  metadata.seed = plan.seed;
  metadata.shard_index = static_cast<std::uint32_t>(config.shard.index);
  metadata.shard_count = static_cast<std::uint32_t>(config.shard.count);
  metadata.targets_planned = plan.targets_planned;
  metadata.threads = engine_settings.threads;
  metadata.max_parallel = engine_settings.max_parallel;
  metadata.rate = engine_settings.rate;
  const auto ms = [](Duration d) {
    return static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  metadata.connect_timeout_ms = ms(engine_settings.probe.connect_timeout);
  metadata.tls_timeout_ms = ms(engine_settings.probe.tls_timeout);
  metadata.host_timeout_ms = ms(engine_settings.probe.host_timeout);
  metadata.retries = engine_settings.probe.retries;
  metadata.timing = settings.timing;
  if (engine_settings.probe.adaptive.enabled) {
    metadata.min_rtt_timeout_ms = ms(engine_settings.probe.adaptive.min);
    metadata.max_rtt_timeout_ms = ms(engine_settings.probe.adaptive.max);
  }
  metadata.tls_min = model::toString(settings.tls.min_version);
  metadata.tls_max = model::toString(settings.tls.max_version);
  metadata.alpn = settings.tls.alpn;
  metadata.trust_store = tls_context.trustStore();
  metadata.dns_timeout_ms = settings.dns ? ms(settings.dns_timeout) : 0;
  if (engine_settings.probe.dns) {
    const model::DnsQuery query = engine_settings.probe.dns->queries.front().describe(0);
    metadata.query = query.name + " " + query.type;
  }
  return metadata;
}

// --pcap: the capture of the scan's traffic on `interface`, opened (privileged) but not started.
std::unique_ptr<syn::Recorder> openRecorder(const ScanConfig& config,
                                            const std::string& interface) {
  const DiscoverySettings& discovery = config.scan.discovery;
  if (discovery.pcap_path.empty()) return nullptr;
  syn::RecorderSettings settings;
  settings.path = discovery.pcap_path;
  settings.interface = interface;
  // A short list of ports makes a tight filter; -iL lines may bring their own ports.
  if (config.targets.files.empty() && config.expand.ports.count() <= 32) {
    settings.ports = config.expand.ports.ports();
  }
  settings.snap_length = discovery.pcap_snaplen;
  settings.max_bytes = discovery.pcap_max_bytes;
  return std::make_unique<syn::Recorder>(settings);
}

// Starts a recorder for the lifetime of a scan, and stops it (flushing the file) however the
// scan ends.
class RecordingScope {
 public:
  explicit RecordingScope(syn::Recorder* recorder) : recorder_(recorder) {
    if (recorder_ != nullptr) recorder_->start();
  }
  RecordingScope(const RecordingScope&) = delete;
  RecordingScope& operator=(const RecordingScope&) = delete;
  RecordingScope(RecordingScope&&) = delete;
  RecordingScope& operator=(RecordingScope&&) = delete;
  ~RecordingScope() {
    if (recorder_ != nullptr) (void)recorder_->stop();
  }
  std::optional<report::PcapMetadata> finish(const std::string& path) {
    if (recorder_ == nullptr) return std::nullopt;
    const syn::RecorderCounts counts = recorder_->stop();
    recorder_ = nullptr;
    return report::PcapMetadata{path, counts.written, counts.skipped, counts.dropped};
  }

 private:
  syn::Recorder* recorder_;
};

// The targets whose routes -sS takes: for each address family, the first target of that family
// that has a route, in the scan's order (its first 1024 targets), then the set's first target of
// the family; a target of --source-ip's family needs no route of its own. When none has one, the
// first target alone (the scanner then says there is no route); empty when there is nothing to
// scan.
std::vector<Address> routeTargets(const ScanPlan& plan, const std::optional<Address>& source) {
  std::vector<Address> candidates;
  const auto order = plan.make_order();
  targets::Target target;
  for (int tries = 0; tries < 1024 && order->next(target); ++tries) {
    candidates.push_back(target.address);
  }
  if (candidates.empty()) return {};
  const Family first = candidates.front().family();
  for (const Family family : {first, first == Family::V4 ? Family::V6 : Family::V4}) {
    if (const auto head = order->set().firstOf(family)) candidates.push_back(head->address);
  }
  std::vector<Address> routed;
  for (const Address& candidate : candidates) {
    const auto same = [&](const Address& a) { return a.family() == candidate.family(); };
    if (std::any_of(routed.begin(), routed.end(), same)) continue;
    if (source && source->family() == candidate.family()) {
      routed.push_back(candidate);
      continue;
    }
    try {
      (void)syn::routeSource(candidate);
      routed.push_back(candidate);
    } catch (const Error&) {
    }
  }
  if (routed.empty()) routed.push_back(candidates.front());
  return routed;
}

// -sS: SYN discovery on its own thread feeds the live hosts to the engine, which runs on this
// one; every other answer is a result at once. Privileges are dropped once the raw socket and the
// capture are open, before any thread starts and before a byte from the network is read.
void synScan(const ScanConfig& config, const ScanPlan& plan, probe::EngineSettings engine_settings,
             ReportSink& sink, const probe::TransportFactory& transports, const Clock& clock,
             report::ScanMetadata& metadata) {
  const ScanSettings& settings = config.scan;
  syn::Settings syn_settings;
  syn_settings.rate = engine_settings.rate;
  syn_settings.retries = engine_settings.probe.retries;
  syn_settings.cooldown = settings.discovery.cooldown;
  syn_settings.interface = settings.discovery.interface;
  syn_settings.source = settings.discovery.source;
  syn_settings.report_silent = settings.discovery.write_silent;
  syn_settings.gateway_mac = settings.discovery.gateway_mac;
  syn_settings.sender_threads = settings.discovery.sender_threads;
  // A recorded scan keeps its SYNs in the queueing discipline, where the capture's tap sees them.
  syn_settings.qdisc_bypass = settings.discovery.pcap_path.empty();
  // --rate paces the SYNs; the few live hosts are probed as they come.
  engine_settings.rate = 0;

  const std::vector<Address> route_targets = routeTargets(plan, settings.discovery.source);
  if (route_targets.empty()) return;  // nothing to scan
  syn::Scanner scanner(syn_settings, route_targets);
  // With two interfaces (one per family), --pcap records both through libpcap's "any".
  const auto recorder =
      openRecorder(config, scanner.interfaces().size() == 1 ? scanner.interfaces().front() : "any");
  (void)net::dropPrivileges();
  RecordingScope recording(recorder.get());

  // The hosts found live, handed to the engine as they come.
  probe::QueueSource live;
  const probe::NamingRule naming = namingRule(settings);
  probe::Engine engine(engine_settings, live, sink, transports, clock);
  live.attach(engine);
  const EngineStopTarget engine_stop(engine);
  const ScannerStopTarget scanner_stop(scanner);

  syn::Counts counts;
  std::exception_ptr failure;
  std::thread discovery([&] {
    try {
      counts = scanner.run(plan.make_order, [&](syn::Answer&& answer) {
        if (answer.kind == syn::AnswerKind::Live) {
          live.push(probe::nameTarget(answer.address, answer.port, answer.name, naming));
        } else {
          sink.consume(synResult(answer, syn_settings));
        }
      });
    } catch (...) {
      failure = std::current_exception();
      engine.requestStop();
      engine.requestStop();
    }
    live.finish();
  });
  try {
    engine.run();
  } catch (...) {
    scanner.stop();
    discovery.join();
    throw;
  }
  discovery.join();
  if (failure) std::rethrow_exception(failure);
  metadata.cleartext_checks = engine.stats().cleartext_checks;
  metadata.pcap = recording.finish(settings.discovery.pcap_path);
  metadata.discovery = discoveryMetadata(scanner, syn_settings, counts);
}

// -sT: every target through the engine's connect.
void connectScan(const ScanConfig& config, const ScanPlan& plan,
                 const probe::EngineSettings& engine_settings, probe::TargetSource& source,
                 ReportSink& sink, const probe::TransportFactory& transports, const Clock& clock,
                 report::ScanMetadata& metadata) {
  std::unique_ptr<syn::Recorder> recorder;
  if (!config.scan.discovery.pcap_path.empty()) {
    targets::Target first;
    if (plan.make_order()->next(first)) {
      recorder = openRecorder(config, syn::interfaceOf(syn::routeSource(first.address)));
      (void)net::dropPrivileges();
    }
  }
  RecordingScope recording(recorder.get());
  probe::Engine engine(engine_settings, source, sink, transports, clock);
  const EngineStopTarget stop_target(engine);
  // A signal before this point (during the expansion, say) means: probe nothing.
  if (stopRequests() == 0) engine.run();
  metadata.cleartext_checks = engine.stats().cleartext_checks;
  metadata.pcap = recording.finish(config.scan.discovery.pcap_path);
}

}  // namespace

void warn(const std::string& message) {
  writeStderr("dotscan: warning: " + message + "\n");  // erases the status line first
}

int scan(const ScanConfig& config, targets::TargetOrder& order, const ScanPlan& plan) {
  const ScanSettings& settings = config.scan;
  (void)::signal(SIGPIPE, SIG_IGN);  // a closed pipe is EPIPE (report::OutputClosed), no death

  const tls::ClientContext tls_context(settings.tls);
  if (plan.before_outputs) plan.before_outputs();
  const OutputSet outputs(config);

  probe::EngineSettings engine_settings = engineSettings(settings);
  report::ScanMetadata metadata = plannedMetadata(config, plan, engine_settings, tls_context);
  OrderSource source(order, namingRule(settings));
  metadata.started = std::chrono::system_clock::now();
  audit::AuditOptions audit = settings.audit;
  audit.today = utcDate(metadata.started);  // the policy's "until" dates expire against it
  ReportSink sink(outputs.writers(), std::move(audit), settings.policy, plan.listed,
                  settings.output.open_only);
  const SteadyClock clock;
  const TimePoint started = clock.now();
  const bool stdout_terminal = ::isatty(STDOUT_FILENO) == 1;
  ProgressReporter progress(
      chooseProgress(config.quiet, config.stats_every, ::isatty(STDERR_FILENO) == 1,
                     stdout_terminal && !settings.output.listingOnStdout()),
      [&sink, &plan] { return sink.progress(plan.targets_planned); });
  const auto end = [&] {
    progress.stop();  // the live line is gone before the outputs finish
    metadata.ended = std::chrono::system_clock::now();
    metadata.duration_s = std::chrono::duration<double>(clock.now() - started).count();
    sink.fill(metadata);
    if (plan.resume != nullptr) addEarlierRuns(metadata, *plan.resume);
    for (const probe::RttKind kind :
         {probe::RttKind::Connect, probe::RttKind::Handshake, probe::RttKind::Dns}) {
      const probe::RttEstimator seen = engine_settings.probe.rtt->scan(kind);
      const auto ms = [](Duration d) {
        return std::chrono::duration<double, std::milli>(d).count();
      };
      metadata.rtt.at(static_cast<std::size_t>(kind)) = {ms(seen.srtt()), ms(seen.rttvar()),
                                                         seen.samples()};
    }
  };
  // From here on, however the scan ends, every writer is finished: the files are complete.
  sink.begin(metadata);
  try {
    // -oX shows the PEM as nmap's ssl-cert does; the JSON has it only with --include-pem.
    const bool include_pem = settings.include_pem || settings.output.has(Format::Xml);
    const auto transports = [&tls_context, include_pem](const probe::ProbeTarget& target) {
      return std::make_unique<probe::TlsTransport>(tls_context, target, include_pem);
    };
    // --checks: each server's checks run after its probe, in the probe's slot.
    std::optional<checks::Runner> checks;
    if (!settings.checks.checks.empty()) {
      checks.emplace(settings.checks, tls_context, engine_settings.probe, clock);
      engine_settings.follow_up = [&checks](const probe::ProbeTarget& target) {
        return checks->forTarget(target);
      };
    }
    if (settings.discovery.syn) {
      synScan(config, plan, engine_settings, sink, transports, clock, metadata);
    } else {
      connectScan(config, plan, engine_settings, source, sink, transports, clock, metadata);
    }
  } catch (const std::exception& e) {
    // The scan could not run (no descriptor left for an event loop, say): the output still ends
    // with a valid metadata record that says why, and the error goes on to run().
    end();
    metadata.error = e.what();
    try {
      sink.finish(metadata);
    } catch (const std::exception&) {
      // The output itself is what failed; the first error is the one to report.
    }
    throw;
  }
  // Any signal, before the engine ran or while it ran.
  metadata.interrupted = stopRequests() > 0;
  end();
  sink.finish(metadata);
  (void)std::fflush(stdout);
  if (metadata.interrupted) return static_cast<int>(ExitCode::Interrupted);
  const auto worst = sink.worst();
  if (settings.fail_on && worst && *worst >= *settings.fail_on) {
    return static_cast<int>(ExitCode::Findings);
  }
  return static_cast<int>(ExitCode::Ok);
}

}  // namespace dotscan::cli
