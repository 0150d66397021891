#include "dotscan/model/result.hpp"

#include <array>

#include "dotscan/model/finding.hpp"

namespace dotscan::model {

namespace {

constexpr std::array<std::string_view, kOutcomeCount> kOutcomeNames = {
    "dot",         "tls-ok",        "closed",  "filtered",    "unreachable",
    "tls-failed",  "tls-timeout",   "not-tls", "tls-no-dns",  "dns-malformed",
    "dns-timeout", "cleartext-dns", "error",   "interrupted", "internal-error"};

}  // namespace

std::string_view toString(Outcome outcome) {
  return kOutcomeNames.at(static_cast<std::size_t>(outcome));
}

std::string_view toString(Phase phase) {
  switch (phase) {
    case Phase::Syn:
      return "syn";
    case Phase::Connect:
      return "tcp-connect";
    case Phase::TlsHandshake:
      return "tls-handshake";
    case Phase::CleartextConnect:
      return "cleartext-connect";
    case Phase::DnsQuery:
      return "dns-query";
    case Phase::DnsAnswer:
      return "dns-answer";
    case Phase::Done:
      return "done";
  }
  return "done";
}

bool answered(Outcome outcome) {
  switch (outcome) {
    case Outcome::Closed:
    case Outcome::Filtered:
    case Outcome::Unreachable:
    case Outcome::Error:
    case Outcome::Interrupted:
    case Outcome::InternalError:
      return false;
    default:
      return true;
  }
}

SortKey sortKey(const ProbeResult& result) {
  return {!result.address.isV4(), result.address, result.port, result.name};
}

namespace {

constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high",
                                                            "critical"};
}  // namespace

std::string_view toString(Severity severity) {
  return kSeverityNames.at(static_cast<std::size_t>(severity));
}

std::optional<Severity> severityFromString(std::string_view text) {
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames.at(i) == text) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

}  // namespace dotscan::model
