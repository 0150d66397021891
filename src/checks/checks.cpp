#include "dotscan/checks/checks.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "dotscan/probe/tls_transport.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::checks {

using model::CheckStatus;
using model::ConformanceCheck;
using model::Outcome;
using probe::Probe;

std::string_view toString(Check check) {
  switch (check) {
    case Check::Pipelining:
      return "pipelining";
    case Check::Keepalive:
      return "keepalive";
    case Check::Padding:
      return "padding";
    case Check::Resumption:
      return "resumption";
    case Check::Sni:
      return "sni";
    case Check::Versions:
      return "versions";
    case Check::Ddr:
      return "ddr";
    case Check::Nsid:
      return "nsid";
  }
  return "?";
}

std::vector<Check> parseCheckList(const std::string& text) {
  std::string known;
  for (const Check check : kAllChecks) {
    known += (known.empty() ? "" : ", ") + std::string(toString(check));
  }
  std::vector<bool> wanted(kAllChecks.size(), false);
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string name = asciiLower(text.substr(start, comma - start));
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    start = comma + 1;
    if (name == "all") {
      wanted.assign(kAllChecks.size(), true);
      continue;
    }
    const auto* found = std::find_if(kAllChecks.begin(), kAllChecks.end(),
                                     [&](Check check) { return toString(check) == name; });
    if (found == kAllChecks.end()) {
      throw UsageError("--checks: unknown check " + quoteInput(name) + " (known: " + known +
                       ", or all)");
    }
    wanted[static_cast<std::size_t>(found - kAllChecks.begin())] = true;
  }
  std::vector<Check> checks;
  for (std::size_t i = 0; i < kAllChecks.size(); ++i) {
    if (wanted[i]) checks.push_back(kAllChecks[i]);
  }
  return checks;
}

// The pipelining check's extra questions, after the scan's own: names under the root that every
// kind of server answers at once (from cache, or with a referral or REFUSED).
constexpr std::array<std::string_view, 15> kPipelineQuestions{
    "./SOA",     "arpa./NS", "./DNSKEY", "arpa./SOA", "net./NS", "org./NS",  "com./NS", "./TXT",
    "arpa./TXT", "net./SOA", "org./SOA", "com./SOA",  "./MX",    "arpa./MX", "net./TXT"};

struct Runner::Parts {
  Parts(const tls::ClientContext& tls_context, probe::ProbeSettings probe_settings,
        const Clock& probe_clock)
      : context(tls_context), base(std::move(probe_settings)), clock(probe_clock) {}

  const tls::ClientContext& context;
  probe::ProbeSettings base;  // no RTT table, fixed timeouts, no DNS (each check sets its own)
  const Clock& clock;
  std::shared_ptr<const probe::DnsSettings> one;        // the scan's query alone
  std::shared_ptr<const probe::DnsSettings> pipelined;  // N queries written back to back
  std::shared_ptr<const probe::DnsSettings> padding;    // a padded query, then an unpadded one
  std::shared_ptr<const probe::DnsSettings> ddr;        // _dns.resolver.arpa SVCB
  std::optional<dns::Query> keepalive_query;            // with edns-tcp-keepalive
  Duration keepalive_wait{};

  // A probe of `target` with `options` and `dns` (null: the handshake alone).
  [[nodiscard]] std::unique_ptr<Probe> probe(const probe::ProbeTarget& target,
                                             tls::ConnectionOptions options,
                                             std::shared_ptr<const probe::DnsSettings> dns,
                                             bool keep_session = false) const {
    auto transport =
        std::make_unique<probe::TlsTransport>(context, target, false, std::move(options));
    transport->keepSession(keep_session);
    probe::ProbeSettings settings = base;
    settings.dns = std::move(dns);
    return std::make_unique<Probe>(target, std::move(transport), settings, clock);
  }
};

namespace {

std::shared_ptr<const probe::DnsSettings> dnsSettings(const probe::ProbeSettings& base,
                                                      std::vector<dns::Query> queries,
                                                      bool pipelined = false,
                                                      Duration idle = Duration::zero()) {
  auto settings = std::make_shared<probe::DnsSettings>();
  if (base.dns) {
    settings->timeout = base.dns->timeout;
    settings->max_length = base.dns->max_length;
  }
  settings->queries = std::move(queries);
  settings->cleartext_fallback = false;
  settings->pipelined = pipelined;
  settings->idle_between = idle;
  return settings;
}

// Milliseconds with one decimal, for a summary: "0.4 ms" (formatMs would say "0 ms").
std::string tenthsMs(Duration duration) {
  const auto tenths = std::chrono::duration_cast<std::chrono::microseconds>(duration).count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " ms";
}

std::int64_t wholeMs(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

// A check's probe that ended before TLS and DNS could show anything about the server: the check
// cannot conclude (the server went away, the network failed, the scan stopped).
bool cannotConclude(Outcome outcome) {
  switch (outcome) {
    case Outcome::Dot:
    case Outcome::TlsOk:
    case Outcome::TlsNoDns:
    case Outcome::DnsMalformed:
    case Outcome::DnsTimeout:
      return false;
    default:
      return true;
  }
}

ConformanceCheck checkOf(Check check, CheckStatus status, std::string summary) {
  return {std::string(toString(check)), status, std::move(summary), {}};
}

ConformanceCheck couldNotRun(Check check, const model::ProbeResult& result) {
  return checkOf(check, CheckStatus::Error,
                 "the check's connection ended early: " +
                     std::string(model::toString(result.outcome)) + ", " + result.reason);
}

void add(ConformanceCheck& check, std::string key, model::EvidenceValue value) {
  check.evidence.push_back({std::move(key), std::move(value)});
}

const model::DnsEdns* ednsOf(const model::DnsExchange* exchange) {
  if (exchange == nullptr || !exchange->response || !exchange->response->edns) return nullptr;
  return &*exchange->response->edns;
}

std::string leafSha256(const model::ProbeResult& result) {
  return result.certificates.empty() ? std::string() : result.certificates.front().sha256;
}

// One check for one target: the probes it needs, one at a time, then its verdict.
class CheckRun {
 public:
  CheckRun(const Runner::Parts& parts, const probe::ProbeTarget& target,
           const model::ProbeResult& main)
      : parts_(parts), target_(target), main_(main) {}
  CheckRun(const CheckRun&) = delete;
  CheckRun& operator=(const CheckRun&) = delete;
  CheckRun(CheckRun&&) = delete;
  CheckRun& operator=(CheckRun&&) = delete;
  virtual ~CheckRun() = default;

  // The next probe, null once the check has what it needs.
  virtual std::unique_ptr<Probe> next() = 0;
  // The probe next() gave ended.
  virtual void ended(Probe& probe) = 0;
  [[nodiscard]] virtual ConformanceCheck conclude() = 0;

 protected:
  const Runner::Parts& parts_;
  const probe::ProbeTarget& target_;
  const model::ProbeResult& main_;
};

// A check of one probe: next() gives it once, ended() keeps its result.
class OneProbe : public CheckRun {
 public:
  using CheckRun::CheckRun;
  std::unique_ptr<Probe> next() final {
    if (asked_) return nullptr;
    asked_ = true;
    return make();
  }
  void ended(Probe& probe) final {
    read(probe);
    result_ = probe.takeResult();
  }

 protected:
  virtual std::unique_ptr<Probe> make() = 0;
  virtual void read(Probe& /*probe*/) {}
  std::optional<model::ProbeResult> result_;

 private:
  bool asked_ = false;
};

class Pipelining final : public OneProbe {
 public:
  using OneProbe::OneProbe;

 private:
  std::unique_ptr<Probe> make() override { return parts_.probe(target_, {}, parts_.pipelined); }
  void read(Probe& probe) override {
    order_ = probe.answerOrder();
    for (const std::size_t index : order_) last_ = std::max(last_, *probe.answeredAfter(index));
  }
  ConformanceCheck conclude() override {
    const model::ProbeResult& result = *result_;
    if (cannotConclude(result.outcome)) return couldNotRun(Check::Pipelining, result);
    const std::size_t queries = parts_.pipelined->queries.size();
    const bool all = order_.size() == queries && result.outcome == Outcome::Dot;
    const bool out_of_order = !std::is_sorted(order_.begin(), order_.end());
    std::vector<std::string> order;
    for (const std::size_t index : order_) order.push_back(std::to_string(index + 1));
    ConformanceCheck check =
        checkOf(Check::Pipelining, all ? CheckStatus::Pass : CheckStatus::Fail,
                all ? std::to_string(queries) + " queries written back to back, all answered" +
                          (out_of_order ? ", out of order" : ", in order") + ", the last after " +
                          tenthsMs(last_)
                    : std::to_string(order_.size()) + " of " + std::to_string(queries) +
                          " queries written back to back answered: " + result.reason);
    add(check, "queries", static_cast<std::int64_t>(queries));
    add(check, "answered", static_cast<std::int64_t>(order_.size()));
    add(check, "out_of_order", out_of_order);
    add(check, "answer_order", std::move(order));
    if (!order_.empty()) add(check, "last_answer_ms", wholeMs(last_));
    return check;
  }

  std::vector<std::size_t> order_;
  Duration last_ = Duration::zero();
};

class Keepalive final : public OneProbe {
 public:
  using OneProbe::OneProbe;

 private:
  std::unique_ptr<Probe> make() override {
    // Idle for less than the server announced to the scan's query (half of it), at most the
    // --keepalive-wait; without an announcement, the --keepalive-wait.
    idle_ = parts_.keepalive_wait;
    const model::DnsEdns* edns = main_.dns ? ednsOf(&*main_.dns) : nullptr;
    if (edns != nullptr && edns->keepalive_ms && *edns->keepalive_ms > 0) {
      idle_ = std::min<Duration>(idle_, std::chrono::milliseconds(*edns->keepalive_ms / 2));
    }
    return parts_.probe(
        target_, {},
        dnsSettings(parts_.base, {*parts_.keepalive_query, *parts_.keepalive_query}, false, idle_));
  }
  void read(Probe& probe) override {
    if (const model::DnsEdns* edns = ednsOf(probe.exchange(0))) announced_ = edns->keepalive_ms;
    first_answered_ = probe.answeredAfter(0).has_value();
    closed_after_ = probe.idleClosedAfter();
  }
  ConformanceCheck conclude() override {
    const model::ProbeResult& result = *result_;
    if (cannotConclude(result.outcome)) return couldNotRun(Check::Keepalive, result);
    if (!first_answered_) {
      return checkOf(Check::Keepalive, CheckStatus::Error,
                     "no answer to the first query: " + result.reason);
    }
    const bool open = result.outcome == Outcome::Dot;
    std::string summary;
    CheckStatus status = CheckStatus::Pass;
    if (!announced_) {
      status = CheckStatus::Fail;
      summary = "no edns-tcp-keepalive timeout in the answer (RFC 7828, RFC 7858 section 3.4)";
    } else if (*announced_ == 0) {
      status = CheckStatus::Fail;
      summary = "edns-tcp-keepalive timeout 0: the server asks clients to close at once";
    } else {
      summary = "timeout " + formatMs(std::chrono::milliseconds(*announced_)) + " announced";
    }
    if (open) {
      summary += "; the session answered again after " + formatMs(idle_) + " idle";
    } else if (closed_after_) {
      summary += "; the server closed the session after " + formatMs(*closed_after_) + " idle";
      // A close before the time the server itself announced is the failure.
      if (announced_ && std::chrono::milliseconds(*announced_) > *closed_after_) {
        status = CheckStatus::Fail;
      }
    } else {
      status = CheckStatus::Fail;
      summary += "; after " + formatMs(idle_) + " idle, no answer: " + result.reason;
    }
    ConformanceCheck check = checkOf(Check::Keepalive, status, std::move(summary));
    if (announced_) add(check, "timeout_ms", static_cast<std::int64_t>(*announced_));
    add(check, "idle_ms", wholeMs(idle_));
    add(check, "open_after_idle", open);
    if (closed_after_) add(check, "closed_after_ms", wholeMs(*closed_after_));
    return check;
  }

  Duration idle_{};
  std::optional<std::uint32_t> announced_;
  bool first_answered_ = false;
  std::optional<Duration> closed_after_;
};

class Padding final : public OneProbe {
 public:
  using OneProbe::OneProbe;

 private:
  std::unique_ptr<Probe> make() override { return parts_.probe(target_, {}, parts_.padding); }
  void read(Probe& probe) override {
    if (const model::DnsExchange* padded = probe.exchange(0); padded && padded->response) {
      padded_ = *padded->response;
    }
    if (const model::DnsExchange* plain = probe.exchange(1); plain && plain->response) {
      plain_ = *plain->response;
    }
  }
  ConformanceCheck conclude() override {
    const model::ProbeResult& result = *result_;
    if (cannotConclude(result.outcome)) return couldNotRun(Check::Padding, result);
    if (!padded_) {
      return checkOf(Check::Padding, CheckStatus::Error,
                     "no answer to the padded query: " + result.reason);
    }
    const bool padded = padded_->edns && padded_->edns->padding;
    const bool block = padded_->size % 468 == 0;
    ConformanceCheck check = checkOf(
        Check::Padding, padded ? CheckStatus::Pass : CheckStatus::Fail,
        padded
            ? "the answer to a padded query is padded to " + std::to_string(padded_->size) +
                  " bytes" + (block ? " (a multiple of 468, RFC 8467)" : " (not a multiple of 468)")
            : std::string(padded_->edns ? "the answer to a padded query has no Padding option"
                                        : "the answer to a padded query has no EDNS at all") +
                  " (RFC 7830 section 3)");
    add(check, "padded", padded);
    add(check, "answer_size", static_cast<std::int64_t>(padded_->size));
    if (padded) {
      add(check, "padding_bytes", static_cast<std::int64_t>(padded_->edns->padding_length));
    }
    add(check, "block_468", padded && block);
    if (plain_) add(check, "pads_unpadded", plain_->edns && plain_->edns->padding);
    return check;
  }

  std::optional<model::DnsResponse> padded_;
  std::optional<model::DnsResponse> plain_;
};

class Resumption final : public CheckRun {
 public:
  using CheckRun::CheckRun;

  std::unique_ptr<Probe> next() override {
    // The query also when DNS did not answer the scan: TLS 1.3 tickets come after the handshake
    // (RFC 8446 section 4.6.1), and only a read after it receives them.
    const auto& dns = parts_.one;
    if (step_ == 0) {
      step_ = 1;
      return parts_.probe(target_, {}, dns, true);
    }
    if (step_ == 1 && session_) {
      step_ = 2;
      tls::ConnectionOptions options;
      options.resume = session_.get();
      return parts_.probe(target_, options, dns);
    }
    return nullptr;
  }
  void ended(Probe& probe) override {
    auto* transport = dynamic_cast<probe::TlsTransport*>(&probe.transport());
    if (step_ == 1) {
      first_ = probe.takeResult();
      if (transport != nullptr && transport->session() &&
          SSL_SESSION_is_resumable(transport->session().get()) == 1) {
        session_ = tls::SslSessionPtr(SSL_SESSION_dup(transport->session().get()));
      }
      offered_ = session_ != nullptr;
      return;
    }
    resumed_ = transport != nullptr && transport->resumed();
    second_ = probe.takeResult();
  }
  ConformanceCheck conclude() override {
    if (first_ && cannotConclude(first_->outcome)) return couldNotRun(Check::Resumption, *first_);
    if (!first_) return checkOf(Check::Resumption, CheckStatus::Error, "not run");
    if (!offered_ && !parts_.one && first_->tls && first_->tls->version == "TLSv1.3") {
      return checkOf(Check::Resumption, CheckStatus::NotApplicable,
                     "TLS 1.3 tickets come after the handshake, and with --no-dns nothing is read "
                     "after it");
    }
    if (!offered_) {
      ConformanceCheck check =
          checkOf(Check::Resumption, CheckStatus::Fail,
                  "the server offered nothing to resume (no session ticket, no session ID)");
      add(check, "offered", false);
      return check;
    }
    if (!second_) return checkOf(Check::Resumption, CheckStatus::Error, "not run");
    if (cannotConclude(second_->outcome)) return couldNotRun(Check::Resumption, *second_);
    const bool asked_dns = main_.outcome == Outcome::Dot;
    const bool dns = second_->outcome == Outcome::Dot;
    const std::string version = second_->tls ? second_->tls->version : std::string();
    std::string summary = resumed_ ? "a second connection resumed the session (" + version + ")"
                                   : "a second connection offered the session; the server made a "
                                     "full handshake instead";
    if (resumed_ && asked_dns) {
      summary +=
          dns ? ", and DNS answered on it" : "; DNS did not answer on it: " + second_->reason;
    }
    ConformanceCheck check = checkOf(
        Check::Resumption, resumed_ && (!asked_dns || dns) ? CheckStatus::Pass : CheckStatus::Fail,
        std::move(summary));
    add(check, "offered", true);
    add(check, "resumed", resumed_);
    if (!version.empty()) add(check, "version", version);
    // OpenSSL's client offers only psk_dhe_ke (RFC 8446 section 4.2.9): a TLS 1.3 resumption is
    // always with a fresh (EC)DHE exchange.
    if (resumed_ && version == "TLSv1.3") add(check, "psk_mode", std::string("psk_dhe_ke"));
    if (asked_dns) add(check, "dns_after_resumption", dns);
    return check;
  }

 private:
  int step_ = 0;
  tls::SslSessionPtr session_;
  bool offered_ = false;
  bool resumed_ = false;
  std::optional<model::ProbeResult> first_;
  std::optional<model::ProbeResult> second_;
};

class Sni final : public CheckRun {
 public:
  using CheckRun::CheckRun;

  std::unique_ptr<Probe> next() override {
    if (target_.sni.empty() || step_ >= 2) return nullptr;
    probe::ProbeTarget variant = target_;
    variant.sni = step_ == 0 ? std::string() : std::string(kUnknownSni);
    ++step_;
    return parts_.probe(variant, {}, nullptr);
  }
  void ended(Probe& probe) override { (step_ == 1 ? without_ : unknown_) = probe.takeResult(); }
  ConformanceCheck conclude() override {
    if (target_.sni.empty()) {
      return checkOf(Check::Sni, CheckStatus::NotApplicable,
                     "the scan sent no SNI to this target (an address without --sni or "
                     "--auth-name): nothing to compare");
    }
    if (!without_ || !unknown_) return checkOf(Check::Sni, CheckStatus::Error, "not run");
    const std::string with = leafSha256(main_);
    const bool with_matches = main_.tls && main_.tls->name_matches.value_or(false);
    const auto describe = [&](const model::ProbeResult& result, const std::string& label,
                              ConformanceCheck& check) {
      if (!result.tls) {
        add(check, label + "_handshake", "failed: " + result.reason);
        return;
      }
      add(check, label + "_sha256", leafSha256(result));
      add(check, label + "_matches_name", result.tls->name_matches.value_or(false));
    };
    const bool without_ok = without_->tls && without_->tls->name_matches.value_or(false);
    const bool same = without_->tls && unknown_->tls && leafSha256(*without_) == with &&
                      leafSha256(*unknown_) == with;
    std::string summary;
    if (!without_->tls) {
      summary = "the handshake without SNI failed (" + without_->reason + ")";
    } else if (same) {
      summary = "the same certificate with the name, without SNI and with an unknown name";
    } else {
      summary = std::string("without SNI the server sends ") +
                (leafSha256(*without_) == with ? "the same certificate" : "another certificate") +
                (without_ok ? ", which matches the name" : ", which does not match the name");
    }
    ConformanceCheck check =
        checkOf(Check::Sni, without_ok ? CheckStatus::Pass : CheckStatus::Fail, summary);
    add(check, "name", target_.sni);
    add(check, "with_name_sha256", with);
    add(check, "with_name_matches_name", with_matches);
    describe(*without_, "without_sni", check);
    describe(*unknown_, "unknown_sni", check);
    add(check, "same_certificate", same);
    return check;
  }

 private:
  int step_ = 0;
  std::optional<model::ProbeResult> without_;
  std::optional<model::ProbeResult> unknown_;
};

class Versions final : public CheckRun {
 public:
  using CheckRun::CheckRun;

  std::unique_ptr<Probe> next() override {
    if (step_ >= kVersions.size()) return nullptr;
    tls::ConnectionOptions options;
    options.only_version = kVersions.at(step_++);
    options.alpn = std::vector<std::string>{"dot"};
    return parts_.probe(target_, options, nullptr);
  }
  void ended(Probe& probe) override {
    const model::ProbeResult result = probe.takeResult();
    const std::string name(model::toString(kVersions.at(step_ - 1)));
    if (result.tls) {
      accepted_.push_back(name);
      if (result.tls->alpn == "dot") alpn_dot_ = true;
    } else if (result.outcome == Outcome::TlsFailed || result.outcome == Outcome::TlsTimeout) {
      refused_.push_back(name);
    } else {
      unknown_.push_back(name + ": " + std::string(model::toString(result.outcome)) + ", " +
                         result.reason);
    }
  }
  ConformanceCheck conclude() override {
    if (accepted_.empty()) {
      return checkOf(Check::Versions, CheckStatus::Error,
                     "no version was accepted on the check's connections" +
                         (unknown_.empty() ? std::string() : " (" + unknown_.front() + ")"));
    }
    std::vector<std::string> legacy;
    for (const std::string& name : accepted_) {
      if (name == "TLSv1" || name == "TLSv1.1") legacy.push_back(name);
    }
    std::string list;
    for (const std::string& name : accepted_) list += (list.empty() ? "" : ", ") + name;
    ConformanceCheck check =
        checkOf(Check::Versions, legacy.empty() ? CheckStatus::Pass : CheckStatus::Fail,
                "accepts " + list +
                    (legacy.empty() ? std::string() : " (TLS below 1.2, against RFC 8996)") +
                    (alpn_dot_ ? "; selects ALPN dot"
                               : "; does not select ALPN dot when offered only dot"));
    add(check, "accepted", accepted_);
    add(check, "refused", refused_);
    if (!unknown_.empty()) add(check, "unknown", unknown_);
    add(check, "alpn_dot", alpn_dot_);
    return check;
  }

 private:
  static constexpr std::array<model::TlsVersion, 4> kVersions{
      model::TlsVersion::Tls10, model::TlsVersion::Tls11, model::TlsVersion::Tls12,
      model::TlsVersion::Tls13};
  std::size_t step_ = 0;
  std::vector<std::string> accepted_;
  std::vector<std::string> refused_;
  std::vector<std::string> unknown_;
  bool alpn_dot_ = false;
};

class Ddr final : public OneProbe {
 public:
  using OneProbe::OneProbe;

 private:
  std::unique_ptr<Probe> make() override { return parts_.probe(target_, {}, parts_.ddr); }
  void read(Probe& probe) override {
    if (const model::DnsExchange* exchange = probe.exchange(0); exchange && exchange->response) {
      response_ = *exchange->response;
    }
  }
  ConformanceCheck conclude() override {
    const model::ProbeResult& result = *result_;
    if (cannotConclude(result.outcome)) return couldNotRun(Check::Ddr, result);
    if (!response_) {
      return checkOf(Check::Ddr, CheckStatus::Error,
                     "no answer to the _dns.resolver.arpa SVCB query: " + result.reason);
    }
    if (response_->svcb.empty()) {
      ConformanceCheck check = checkOf(
          Check::Ddr, CheckStatus::NotApplicable,
          "no designated resolver advertised (_dns.resolver.arpa SVCB: " + response_->rcode +
              ", no SVCB record)");
      add(check, "rcode", response_->rcode);
      return check;
    }
    // RFC 9462 section 4.2: a designated resolver is verified when its certificate chains to a
    // trust anchor and has the IP address of the resolver that was asked in an iPAddress
    // subjectAltName; here, the address this server was reached on (a dNSName does not count).
    const std::string address = target_.address.toString();
    const bool in_san = !main_.certificates.empty() &&
                        std::find(main_.certificates.front().san.ip.begin(),
                                  main_.certificates.front().san.ip.end(),
                                  address) != main_.certificates.front().san.ip.end();
    const bool trusted = main_.tls && main_.tls->verification.trusted;
    const bool covers = in_san && trusted;
    std::vector<std::string> resolvers;
    bool dot = false;
    for (const model::SvcbRecord& record : response_->svcb) {
      std::string text = std::to_string(record.priority) + " " + record.target;
      std::string alpn;
      for (const std::string& id : record.alpn) {
        alpn += (alpn.empty() ? "" : ",") + id;
        if (id == "dot") dot = true;
      }
      if (!alpn.empty()) text += " alpn=" + alpn;
      if (record.port) text += " port=" + std::to_string(*record.port);
      for (const std::string& hint : record.ipv4hint) text += " ipv4hint=" + hint;
      for (const std::string& hint : record.ipv6hint) text += " ipv6hint=" + hint;
      if (record.dohpath) text += " dohpath=" + *record.dohpath;
      resolvers.push_back(std::move(text));
    }
    std::string summary = std::to_string(resolvers.size()) + " designated resolver" +
                          (resolvers.size() == 1 ? "" : "s") +
                          (dot ? " with ALPN dot" : ", none with ALPN dot");
    if (covers) {
      summary += "; the certificate is trusted and covers " + address + " (verified discovery)";
    } else {
      summary += std::string("; the certificate ") +
                 (in_san ? "does not verify" : "does not have " + address + " in its IP SANs") +
                 ", so clients cannot verify the discovery (RFC 9462 section 4.2)";
    }
    ConformanceCheck check = checkOf(
        Check::Ddr, dot && covers ? CheckStatus::Pass : CheckStatus::Fail, std::move(summary));
    add(check, "designated_resolvers", std::move(resolvers));
    add(check, "alpn_dot", dot);
    add(check, "address_in_san", in_san);
    add(check, "chain_trusted", trusted);
    add(check, "verified", covers);
    return check;
  }

  std::optional<model::DnsResponse> response_;
};

// No probe: what the scan's own query brought back.
class Nsid final : public CheckRun {
 public:
  using CheckRun::CheckRun;
  std::unique_ptr<Probe> next() override { return nullptr; }
  void ended(Probe& /*probe*/) override {}
  ConformanceCheck conclude() override {
    const model::DnsEdns* edns = main_.dns ? ednsOf(&*main_.dns) : nullptr;
    if (edns == nullptr || !edns->nsid_hex) {
      return checkOf(Check::Nsid, CheckStatus::NotApplicable,
                     edns == nullptr ? "the answer had no EDNS: no NSID"
                                     : "the server returned no NSID (RFC 5001)");
    }
    ConformanceCheck check =
        checkOf(Check::Nsid, CheckStatus::Pass,
                "NSID " + (edns->nsid_text ? quoteInput(*edns->nsid_text) : *edns->nsid_hex));
    add(check, "nsid_hex", *edns->nsid_hex);
    if (edns->nsid_text) add(check, "nsid_text", *edns->nsid_text);
    return check;
  }
};

bool needsDns(Check check) {
  return check != Check::Resumption && check != Check::Sni && check != Check::Versions;
}

class TargetChecks final : public probe::FollowUp {
 public:
  TargetChecks(const CheckSettings& settings, std::shared_ptr<const Runner::Parts> parts,
               probe::ProbeTarget target)
      : settings_(settings), parts_(std::move(parts)), target_(std::move(target)) {}

  std::unique_ptr<Probe> after(Probe& ended, bool stopping) override {
    if (!main_) {
      main_ = ended.takeResult();
      // No completed handshake: no server to check.
      if (!main_->tls) return nullptr;
      for (const Check check : settings_.checks) runs_.push_back(make(check));
    } else if (current_ < runs_.size() && runs_[current_].run) {
      runs_[current_].run->ended(ended);
    }
    if (stopping) return nullptr;
    for (; current_ < runs_.size(); ++current_) {
      if (!runs_[current_].run) continue;
      if (std::unique_ptr<Probe> next = runs_[current_].run->next()) return next;
    }
    return nullptr;
  }

  model::ProbeResult result() override {
    // Concluded first: the checks read the first probe's result.
    std::vector<ConformanceCheck> checks;
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      Run& run = runs_[i];
      if (run.fixed) {
        checks.push_back(std::move(*run.fixed));
      } else if (i < current_) {
        checks.push_back(run.run->conclude());
      } else {
        checks.push_back(checkOf(run.check, CheckStatus::Error,
                                 "interrupted: the scan was stopped before the check ended"));
      }
    }
    model::ProbeResult result = std::move(*main_);
    result.checks = std::move(checks);
    return result;
  }

 private:
  struct Run {
    Check check;
    std::unique_ptr<CheckRun> run;          // null when `fixed` is the answer
    std::optional<ConformanceCheck> fixed;  // not applicable to this target
  };

  Run make(Check check) {
    Run run{check, nullptr, std::nullopt};
    if (needsDns(check) && (!parts_->one || main_->outcome != Outcome::Dot)) {
      run.fixed = checkOf(check, CheckStatus::NotApplicable,
                          parts_->one ? "DNS did not answer in the session (" +
                                            std::string(model::toString(main_->outcome)) + ")"
                                      : std::string("no DNS query was asked for (--no-dns)"));
      return run;
    }
    const Runner::Parts& parts = *parts_;
    switch (check) {
      case Check::Pipelining:
        run.run = std::make_unique<Pipelining>(parts, target_, *main_);
        break;
      case Check::Keepalive:
        run.run = std::make_unique<Keepalive>(parts, target_, *main_);
        break;
      case Check::Padding:
        run.run = std::make_unique<Padding>(parts, target_, *main_);
        break;
      case Check::Resumption:
        run.run = std::make_unique<Resumption>(parts, target_, *main_);
        break;
      case Check::Sni:
        run.run = std::make_unique<Sni>(parts, target_, *main_);
        break;
      case Check::Versions:
        run.run = std::make_unique<Versions>(parts, target_, *main_);
        break;
      case Check::Ddr:
        run.run = std::make_unique<Ddr>(parts, target_, *main_);
        break;
      case Check::Nsid:
        run.run = std::make_unique<Nsid>(parts, target_, *main_);
        break;
    }
    return run;
  }

  const CheckSettings& settings_;
  std::shared_ptr<const Runner::Parts> parts_;
  probe::ProbeTarget target_;
  std::optional<model::ProbeResult> main_;
  std::vector<Run> runs_;
  std::size_t current_ = 0;
};

}  // namespace

Runner::Runner(CheckSettings settings, const tls::ClientContext& context,
               const probe::ProbeSettings& base, const Clock& clock)
    : settings_(std::move(settings)) {
  if (settings_.pipeline_queries < 2 || settings_.pipeline_queries > 16) {
    throw UsageError("--pipeline: 2 to 16 queries, not " +
                     std::to_string(settings_.pipeline_queries));
  }
  if (settings_.keepalive_wait <= Duration::zero()) {
    throw UsageError("--keepalive-wait must be more than 0");
  }
  const bool dns = base.dns != nullptr;
  probe::ProbeSettings plain = base;
  plain.rtt = nullptr;
  plain.adaptive.enabled = false;
  plain.dns = nullptr;
  auto parts = std::make_shared<Parts>(context, plain, clock);
  parts->keepalive_wait = settings_.keepalive_wait;
  if (dns) {
    const dns::QueryOptions& query = settings_.query;
    parts->one = dnsSettings(base, {dns::Query(query)});
    std::vector<dns::Query> pipelined{dns::Query(query)};
    for (std::size_t i = 0; pipelined.size() < static_cast<std::size_t>(settings_.pipeline_queries);
         ++i) {
      pipelined.emplace_back(dns::parseQuerySpec(std::string(kPipelineQuestions.at(i)), query));
    }
    parts->pipelined = dnsSettings(base, std::move(pipelined), true);
    dns::QueryOptions padded = query;
    padded.edns = true;
    padded.padding = true;
    padded.keepalive = false;
    padded.nsid = false;
    dns::QueryOptions unpadded = padded;
    unpadded.padding = false;
    parts->padding = dnsSettings(base, {dns::Query(padded), dns::Query(unpadded)});
    dns::QueryOptions keepalive = query;
    keepalive.edns = true;
    keepalive.keepalive = true;
    parts->keepalive_query.emplace(keepalive);
    dns::QueryOptions ddr = query;
    ddr.name = "_dns.resolver.arpa.";
    ddr.type = 64;  // SVCB (RFC 9460)
    parts->ddr = dnsSettings(base, {dns::Query(ddr)});
  }
  parts_ = std::move(parts);
}

std::unique_ptr<probe::FollowUp> Runner::forTarget(const probe::ProbeTarget& target) const {
  return std::make_unique<TargetChecks>(settings_, parts_, target);
}

}  // namespace dotscan::checks
