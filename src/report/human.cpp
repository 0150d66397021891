#include "dotscan/report/human.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dotscan/util/error.hpp"

namespace dotscan::report {

namespace {

using model::Outcome;

constexpr std::string_view kIndent = "               ";  // continues a "  certificate  " line
constexpr std::size_t kMaxNames = 4;                     // subjectAltNames shown per host
constexpr std::size_t kFingerprintChars = 16;            // of the SHA-256 fingerprint
constexpr std::size_t kFirstBytesShown = 32;             // of first_bytes_hex

void appendHexByte(std::string& out, unsigned value) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  out += "\\x";
  out.push_back(kDigits[(value >> 4) & 0xf]);
  out.push_back(kDigits[value & 0xf]);
}

// Bidirectional and zero-width controls reorder or hide text on a terminal (CVE-2021-42574).
bool isDeceptive(std::uint32_t code) {
  return (code >= 0x80 && code <= 0x9f) || (code >= 0x200b && code <= 0x200f) ||
         (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || code == 0xfeff;
}

// The length of the well-formed UTF-8 sequence at the start of `text` and its code point
// (RFC 3629 section 4: no overlong forms, no surrogates, nothing above U+10FFFF); 0 if malformed.
std::pair<std::size_t, std::uint32_t> decodeUtf8(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t code = 0;
  std::uint32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code = lead & 0x1fU, minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code = lead & 0x0fU, minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code = lead & 0x07U, minimum = 0x10000;
  } else {
    return {0, 0};
  }
  if (text.size() < length) return {0, 0};
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0U) != 0x80) return {0, 0};
    code = (code << 6) | (byte(i) & 0x3fU);
  }
  if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return {0, 0};
  return {length, code};
}

// Text safe for a terminal: printable ASCII and well-formed UTF-8 pass, every control character,
// malformed byte and deceptive code point is shown as \xNN.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const auto [length, code] =
        c >= 0x80 ? decodeUtf8(text.substr(i)) : std::pair<std::size_t, std::uint32_t>{0, 0};
    if (length == 0 || isDeceptive(code)) {
      const std::size_t bad = std::max<std::size_t>(length, 1);
      for (std::size_t k = 0; k < bad; ++k) {
        appendHexByte(out, static_cast<unsigned char>(text[i + k]));
      }
      i += bad;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

// The value with `decimals` digits after the point (dotscan never calls setlocale: a "." point).
std::string fixed(double value, int decimals) {
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  if (n <= 0) return "?";
  return {buffer, std::min(static_cast<std::size_t>(n), sizeof buffer - 1)};
}

std::string endpoint(const model::ProbeResult& r) {
  const std::string address = r.address.toString();
  return (r.address.isV4() ? address : "[" + address + "]") + ":" + std::to_string(r.port);
}

bool listed(Outcome outcome) {
  switch (outcome) {
    case Outcome::Closed:
    case Outcome::Filtered:
    case Outcome::Unreachable:
    case Outcome::Interrupted:
      return false;
    default:
      return true;
  }
}

std::string plural(std::uint64_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

// "485454502f31 "HTTP/1"": the hex, then what a human reads in it.
std::string firstBytes(const std::string& hex) {
  const std::string shown = hex.substr(0, kFirstBytesShown);
  std::string text;
  for (std::size_t i = 0; i + 1 < shown.size(); i += 2) {
    unsigned value = 0;
    for (const char digit : shown.substr(i, 2)) {
      value <<= 4;
      if (digit >= '0' && digit <= '9') value |= static_cast<unsigned>(digit - '0');
      if (digit >= 'a' && digit <= 'f') value |= static_cast<unsigned>(digit - 'a' + 10);
      if (digit >= 'A' && digit <= 'F') value |= static_cast<unsigned>(digit - 'A' + 10);
    }
    text.push_back(value >= 0x20 && value < 0x7f ? static_cast<char>(value) : '.');
  }
  return escape(shown) + (hex.size() > shown.size() ? ".." : "") + " \"" + text + "\"";
}

std::string headline(const model::ProbeResult& r) {
  std::string line = endpoint(r);
  if (!r.name.empty()) line += " " + escape(r.name);
  if (!r.sni.empty() && r.sni != r.name) line += " sni:" + escape(r.sni);
  line += "  ";
  line += model::toString(r.outcome);
  line += "  ";
  if ((r.outcome == Outcome::TlsOk || r.outcome == Outcome::Dot) && r.tls) {
    line += escape(r.tls->version) + " " + escape(r.tls->cipher);
    if (!r.tls->group.empty()) line += " " + escape(r.tls->group);
    line += " alpn:" + (r.tls->alpn ? escape(*r.tls->alpn) : std::string("none"));
  } else {
    if (r.phase != model::Phase::Done) {
      line += "during ";
      line += model::toString(r.phase);
      if (!r.reason.empty()) line += ": ";
    }
    line += escape(r.reason);
  }
  return line + "  " + fixed(r.timings.total_ms, 1) + " ms" + "\n";
}

std::string days(std::int64_t left) {
  if (left < 0) return "expired " + plural(static_cast<std::uint64_t>(-left), "day") + " ago";
  return plural(static_cast<std::uint64_t>(left), "day");
}

std::string certificateLines(const model::CertificateInfo& cert) {
  std::string out = "  certificate  ";
  out += cert.subject.empty() ? "(empty subject)" : escape(cert.subject);
  out += cert.self_signed ? "  (self-signed)" : "  issuer " + escape(cert.issuer);
  out += "\n";

  out += kIndent;
  out += "expires " + escape(cert.not_after.substr(0, 10));
  if (cert.days_left) out += " (" + days(*cert.days_left) + ")";
  out += "  " + escape(cert.key_type);
  if (cert.key_bits > 0) out += " " + std::to_string(cert.key_bits);
  if (!cert.key_curve.empty()) out += " " + escape(cert.key_curve);
  out += "  SHA-256 " + escape(cert.sha256.substr(0, kFingerprintChars));
  if (cert.sha256.size() > kFingerprintChars) out += "..";
  out += "\n";

  // The pin first: fixed width, and what a DoT client configures (RFC 7858 section 4.2).
  std::vector<std::string> names = cert.san.dns;
  names.insert(names.end(), cert.san.ip.begin(), cert.san.ip.end());
  out += kIndent;
  out += "pin-sha256 " + escape(cert.spki_pin_sha256) + "  names ";
  if (names.empty()) out += "none";
  for (std::size_t i = 0; i < std::min(names.size(), kMaxNames); ++i) {
    out += (i == 0 ? "" : ", ") + escape(names[i]);
  }
  if (names.size() > kMaxNames) out += " (+" + std::to_string(names.size() - kMaxNames) + " more)";
  out += "\n";

  if (!cert.parse_errors.empty()) {
    out += kIndent;
    out += "parse errors:";
    for (const std::string& error : cert.parse_errors) out += " " + escape(error) + ";";
    out.back() = '\n';
  }
  return out;
}

std::string chainLine(const model::TlsSession& tls) {
  const model::Verification& v = tls.verification;
  std::string out =
      "  chain        " +
      plural(static_cast<std::uint64_t>(std::max(tls.chain_length, 0)), "certificate");
  const std::string store = v.trust_store.empty() ? "" : " (" + escape(v.trust_store) + ")";
  if (v.trusted) {
    out += ", trusted" + store;
  } else {
    out += ", not trusted" + store + ": " + escape(v.reason);
    if (!v.errors.empty()) out += " (depth " + std::to_string(v.errors.front().depth) + ")";
  }
  if (tls.ocsp_stapled) out += ", OCSP stapled";
  return out + "\n";
}

// The most answers the listing shows on one line; the JSON Lines output keeps them all.
constexpr std::size_t kListedAnswers = 10;

// The answers as kdig +short shows them, the first kListedAnswers of a long answer section and
// how many more (a 64 KiB message holds 4,094 A records). Each answer's RDATA is its presentation
// form past the owner, TTL, class and type (RFC 1035 section 5.1: blanks separate the fields, and
// a blank inside a name is escaped), so multi-word RDATA (MX, SOA) counts as one answer.
std::string shortAnswer(const model::DnsResponse& response) {
  if (response.answers.size() <= kListedAnswers) return escape(response.short_answer);
  std::string shown;
  for (std::size_t i = 0; i < kListedAnswers; ++i) {
    std::string_view rdata = response.answers[i];
    for (int field = 0; field < 4; ++field) {
      const std::size_t blank = rdata.find(' ');
      rdata = blank == std::string_view::npos ? std::string_view() : rdata.substr(blank + 1);
    }
    if (rdata.empty()) continue;
    if (!shown.empty()) shown.push_back(' ');
    shown.append(rdata);
  }
  return escape(shown) + " \u2026 " + std::to_string(response.answers.size() - kListedAnswers) +
         " more (-oJ has all " + std::to_string(response.answers.size()) + ")";
}

// The answer as kdig +short shows it, with the rcode and the round trip.
std::string dnsLine(const model::ProbeResult& r) {
  const model::DnsExchange& dns = *r.dns;
  std::string out =
      "  dns          " + escape(dns.query.name) + " " + escape(dns.query.type) + "  ";
  if (!dns.response) return out + "no answer\n";
  const model::DnsResponse& response = *dns.response;
  out += escape(response.rcode);
  if (!response.short_answer.empty()) out += "  " + shortAnswer(response);
  if (r.timings.dns_rtt_ms) out += "  " + fixed(*r.timings.dns_rtt_ms, 1) + " ms";
  if (response.edns && response.edns->nsid_text) {
    out += "  nsid " + escape(*response.edns->nsid_text);
  }
  return out + "\n";
}

// Flushed at once: a block is shown as its result arrives, also on a pipe. A failed write is an
// Error like one of the JSON Lines writer: a report that silently lost lines would mislead.
void put(std::FILE* out, const std::string& text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0) {
    const int error = errno != 0 ? errno : EIO;
    throw Error(ExitCode::RuntimeError,
                std::string("cannot write the report: ") + std::strerror(error));
  }
}

}  // namespace

HumanReport::HumanReport(std::FILE* out) : out_(out) {}

void HumanReport::add(const model::ProbeResult& r) {
  for (const model::Finding& finding : r.findings) ++findings_[{finding.severity, finding.id}];
  // A hidden outcome with a finding it would show (policy-not-dot) is listed anyway.
  if (!listed(r.outcome)) {
    const bool shown_finding = std::any_of(
        r.findings.begin(), r.findings.end(),
        [](const model::Finding& finding) { return finding.severity >= model::Severity::Medium; });
    if (!shown_finding) return;
    ++shown_anyway_.at(static_cast<std::size_t>(r.outcome));
  }
  std::string block = headline(r);
  if (!r.first_bytes_hex.empty()) block += "  first bytes  " + firstBytes(r.first_bytes_hex) + "\n";
  if (!r.certificates.empty()) {
    block += certificateLines(r.certificates.front());
  } else if (r.tls) {
    block += "  certificate  none sent\n";
  }
  if (r.tls) block += chainLine(*r.tls);
  if (r.dns) block += dnsLine(r);
  if (r.verdict && r.verdict->profile != "not-dot") {
    block += "  verdict      " + escape(r.verdict->profile);
    if (r.tls && !r.tls->auth_name.empty()) block += " (name " + escape(r.tls->auth_name) + ")";
    if (r.verdict->pin_match) {
      block += ", pin of certificate " + std::to_string(*r.verdict->pin_match);
    }
    if (!r.verdict->policy_group.empty()) block += ", policy " + escape(r.verdict->policy_group);
    for (std::size_t i = 0; i < r.verdict->reasons.size(); ++i) {
      block += (i == 0 ? ": " : ", ") + escape(r.verdict->reasons[i]);
    }
    block += "\n";
  }
  for (const model::Finding& finding : r.findings) {
    if (finding.severity < model::Severity::Medium) continue;  // the JSON has them all
    block += "  finding      " + std::string(model::toString(finding.severity)) + "  " +
             escape(finding.id) + ": " + escape(finding.message) + "\n";
  }
  put(out_, block);
}

void HumanReport::finish(const ScanMetadata& m) {
  const auto count = [&](Outcome outcome) {
    const auto index = static_cast<std::size_t>(outcome);
    const std::uint64_t all = m.counts.at(index);
    return all - std::min(all, shown_anyway_.at(index));
  };

  // Like nmap's "Not shown": the largest group first.
  std::vector<Outcome> hidden;
  for (std::size_t i = 0; i < model::kOutcomeCount; ++i) {
    const auto outcome = static_cast<Outcome>(i);
    if (!listed(outcome) && count(outcome) != 0) hidden.push_back(outcome);
  }
  std::stable_sort(hidden.begin(), hidden.end(),
                   [&](Outcome a, Outcome b) { return count(a) > count(b); });
  std::string out;
  if (!hidden.empty()) {
    out += "Not shown:";
    for (const Outcome outcome : hidden) {
      out +=
          " " + std::to_string(count(outcome)) + " " + std::string(model::toString(outcome)) + ",";
    }
    out.back() = '\n';
  }

  // Findings across the scan, the most severe first: "Findings: 3 high chain-untrusted, ...".
  if (!findings_.empty()) {
    out += "Findings:";
    // std::map orders by (severity, id) ascending; the summary wants the most severe first.
    std::vector<std::pair<std::pair<model::Severity, std::string>, std::uint64_t>> ordered(
        findings_.begin(), findings_.end());
    std::reverse(ordered.begin(), ordered.end());
    for (const auto& [key, seen] : ordered) {
      out += " " + std::to_string(seen) + " " + std::string(model::toString(key.first)) + " " +
             escape(key.second) + ",";
    }
    out.back() = '\n';
  }

  const double rate =
      m.duration_s > 0 ? static_cast<double>(m.targets_scanned) / m.duration_s : 0.0;
  if (m.interrupted) {
    out += "dotscan interrupted: " + std::to_string(m.targets_scanned) + " of " +
           escape(m.targets_planned) + (m.targets_planned == "1" ? " target" : " targets");
  } else {
    out += "dotscan done: " + plural(m.targets_scanned, "target");
  }
  out += " in " + fixed(m.duration_s, 2) + " s (" + fixed(rate, 1) + "/s)";
  std::string separator = ": ";
  for (std::size_t i = 0; i < m.counts.size(); ++i) {
    if (m.counts.at(i) == 0) continue;
    out += separator + std::to_string(m.counts.at(i)) + " " +
           std::string(model::toString(static_cast<Outcome>(i)));
    separator = ", ";
  }
  // -sS: silent targets are counted, not written (unless --write-silent made them results).
  if (m.discovery &&
      m.discovery->silent > m.counts.at(static_cast<std::size_t>(Outcome::Filtered))) {
    out += separator + std::to_string(m.discovery->silent) +
           " silent to SYNs (filtered, not listed; --write-silent lists them)";
  }
  out += "\n";
  put(out_, out);
}

std::string terminalSafe(std::string_view text) {
  return escape(text);
}

}  // namespace dotscan::report
