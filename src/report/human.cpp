#include "dotscan/report/human.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dotscan/report/finding_text.hpp"
#include "dotscan/report/json_lines.hpp"

#include "put.hpp"

namespace dotscan::report {

namespace {

using model::Outcome;

constexpr std::string_view kIndent = "               ";  // continues a "  certificate  " line
constexpr std::size_t kMaxNames = 4;                     // subjectAltNames shown per host
constexpr std::size_t kFingerprintChars = 16;            // of the SHA-256 fingerprint
constexpr std::size_t kFirstBytesShown = 32;             // of first_bytes_hex

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
  return terminalSafe(shown) + (hex.size() > shown.size() ? ".." : "") + " \"" + text + "\"";
}

std::string headline(const model::ProbeResult& r) {
  std::string line = endpoint(r);
  if (!r.name.empty()) line += " " + terminalSafe(r.name);
  if (!r.sni.empty() && r.sni != r.name) line += " sni:" + terminalSafe(r.sni);
  line += "  ";
  line += model::toString(r.outcome);
  line += "  ";
  if ((r.outcome == Outcome::TlsOk || r.outcome == Outcome::Dot) && r.tls) {
    line += terminalSafe(r.tls->version) + " " + terminalSafe(r.tls->cipher);
    if (!r.tls->group.empty()) line += " " + terminalSafe(r.tls->group);
    line += " alpn:" + (r.tls->alpn ? terminalSafe(*r.tls->alpn) : std::string("none"));
  } else {
    if (r.phase != model::Phase::Done) {
      line += "during ";
      line += model::toString(r.phase);
      if (!r.reason.empty()) line += ": ";
    }
    line += terminalSafe(r.reason);
  }
  return line + "  " + fixed(r.timings.total_ms, 1) + " ms" + "\n";
}

std::string days(std::int64_t left) {
  if (left < 0) return "expired " + plural(static_cast<std::uint64_t>(-left), "day") + " ago";
  return plural(static_cast<std::uint64_t>(left), "day");
}

std::string certificateLines(const model::CertificateInfo& cert) {
  std::string out = "  certificate  ";
  out += cert.subject.empty() ? "(empty subject)" : terminalSafe(cert.subject);
  out += cert.self_signed ? "  (self-signed)" : "  issuer " + terminalSafe(cert.issuer);
  out += "\n";

  out += kIndent;
  out += "expires " + terminalSafe(cert.not_after.substr(0, 10));
  if (cert.days_left) out += " (" + days(*cert.days_left) + ")";
  out += "  " + terminalSafe(cert.key_type);
  if (cert.key_bits > 0) out += " " + std::to_string(cert.key_bits);
  if (!cert.key_curve.empty()) out += " " + terminalSafe(cert.key_curve);
  out += "  SHA-256 " + terminalSafe(cert.sha256.substr(0, kFingerprintChars));
  if (cert.sha256.size() > kFingerprintChars) out += "..";
  out += "\n";

  // The pin first: fixed width, and what a DoT client configures (RFC 7858 section 4.2).
  std::vector<std::string> names = cert.san.dns;
  names.insert(names.end(), cert.san.ip.begin(), cert.san.ip.end());
  out += kIndent;
  out += "pin-sha256 " + terminalSafe(cert.spki_pin_sha256) + "  names ";
  if (names.empty()) out += "none";
  for (std::size_t i = 0; i < std::min(names.size(), kMaxNames); ++i) {
    out += (i == 0 ? "" : ", ") + terminalSafe(names[i]);
  }
  if (names.size() > kMaxNames) out += " (+" + std::to_string(names.size() - kMaxNames) + " more)";
  out += "\n";

  if (!cert.parse_errors.empty()) {
    out += kIndent;
    out += "parse errors:";
    for (const std::string& error : cert.parse_errors) out += " " + terminalSafe(error) + ";";
    out.back() = '\n';
  }
  return out;
}

// One "               label       value" line of a verbose block; an empty value writes nothing.
void field(std::string& out, std::string_view label, const std::string& value) {
  if (value.empty()) return;
  constexpr std::size_t kLabelWidth = 12;
  out += kIndent;
  out += label;
  out.append(label.size() < kLabelWidth ? kLabelWidth - label.size() : 1, ' ');
  out += value + "\n";
}

std::string joined(const std::vector<std::string>& items, std::string_view prefix,
                   std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += std::string(prefix) + terminalSafe(item);
  }
  return out;
}

// -v: certificate `index` of the chain with every field nmap's ssl-cert shows at -v, whole.
std::string verboseCertificate(const model::CertificateInfo& cert, std::size_t index) {
  std::string out = "  certificate  " + std::to_string(index) + (index == 0 ? " (leaf)" : "");
  if (cert.self_signed) out += " (self-signed)";
  out += "\n";
  field(out, "subject", cert.subject.empty() ? "(empty)" : terminalSafe(cert.subject));
  field(out, "issuer", terminalSafe(cert.issuer));
  std::string names = joined(cert.san.dns, "DNS:", ", ");
  for (const auto& [items, prefix] :
       {std::pair{&cert.san.ip, "IP:"}, std::pair{&cert.san.email, "email:"},
        std::pair{&cert.san.uri, "URI:"}, std::pair{&cert.san.other, ""}}) {
    const std::string more = joined(*items, prefix, ", ");
    if (!more.empty()) names += (names.empty() ? "" : ", ") + more;
  }
  field(out, "names", names);
  field(out, "not before", terminalSafe(cert.not_before));
  std::string after = terminalSafe(cert.not_after);
  if (cert.days_left) after += " (" + days(*cert.days_left) + ")";
  field(out, "not after", after);
  field(out, "serial", terminalSafe(cert.serial));
  field(out, "signature", terminalSafe(cert.signature_algorithm));
  std::string key = terminalSafe(cert.key_type);
  if (cert.key_bits > 0) key += " " + std::to_string(cert.key_bits);
  if (!cert.key_curve.empty()) key += " " + terminalSafe(cert.key_curve);
  field(out, "key", key);
  std::string usage = joined(cert.key_usage, "", ", ");
  const std::string extended = joined(cert.extended_key_usage, "", ", ");
  if (!extended.empty()) usage += (usage.empty() ? "" : "; ") + extended;
  field(out, "usage", usage);
  if (cert.ca) {
    std::string ca = *cert.ca ? "yes" : "no";
    if (cert.path_length) ca += ", path length " + std::to_string(*cert.path_length);
    field(out, "ca", ca);
  }
  field(out, "MD5", terminalSafe(cert.md5));
  field(out, "SHA-1", terminalSafe(cert.sha1));
  field(out, "SHA-256", terminalSafe(cert.sha256));
  field(out, "pin-sha256", terminalSafe(cert.spki_pin_sha256));
  field(out, "parse errors", joined(cert.parse_errors, "", "; "));
  return out;
}

std::string chainLine(const model::TlsSession& tls) {
  const model::Verification& v = tls.verification;
  std::string out =
      "  chain        " +
      plural(static_cast<std::uint64_t>(std::max(tls.chain_length, 0)), "certificate");
  const std::string store = v.trust_store.empty() ? "" : " (" + terminalSafe(v.trust_store) + ")";
  if (v.trusted) {
    out += ", trusted" + store;
  } else {
    out += ", not trusted" + store + ": " + terminalSafe(v.reason);
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
  if (response.answers.size() <= kListedAnswers) return terminalSafe(response.short_answer);
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
  return terminalSafe(shown) + " \u2026 " +
         std::to_string(response.answers.size() - kListedAnswers) + " more (-oJ has all " +
         std::to_string(response.answers.size()) + ")";
}

// The answer as kdig +short shows it, with the rcode and the round trip.
std::string dnsLine(const model::ProbeResult& r) {
  const model::DnsExchange& dns = *r.dns;
  std::string out =
      "  dns          " + terminalSafe(dns.query.name) + " " + terminalSafe(dns.query.type) + "  ";
  if (!dns.response) return out + "no answer\n";
  const model::DnsResponse& response = *dns.response;
  out += terminalSafe(response.rcode);
  if (!response.short_answer.empty()) out += "  " + shortAnswer(response);
  if (r.timings.dns_rtt_ms) out += "  " + fixed(*r.timings.dns_rtt_ms, 1) + " ms";
  if (response.edns && response.edns->nsid_text) {
    out += "  nsid " + terminalSafe(*response.edns->nsid_text);
  }
  return out + "\n";
}

// -vv: the DNS header, the answer section as text (kdig's presentation form) and the EDNS
// options of the answer (RFC 6891 section 6.1.2: version, DO, UDP size; NSID, keepalive, padding).
std::string verboseDns(const model::DnsResponse& response) {
  std::string out;
  std::string flags;
  for (const auto& [on, name] :
       {std::pair{response.aa, "aa"}, std::pair{response.tc, "tc"}, std::pair{response.rd, "rd"},
        std::pair{response.ra, "ra"}, std::pair{response.ad, "ad"}, std::pair{response.cd, "cd"}}) {
    if (on) flags += std::string(" ") + name;
  }
  field(out, "header",
        "id " + std::to_string(response.id) + ", " + terminalSafe(response.opcode) + ", " +
            terminalSafe(response.rcode) + ", flags" + (flags.empty() ? " none" : flags) + "; " +
            std::to_string(response.qdcount) + " question, " + std::to_string(response.ancount) +
            " answer, " + std::to_string(response.nscount) + " authority, " +
            std::to_string(response.arcount) + " additional; " + std::to_string(response.size) +
            " bytes");
  const std::size_t shown = std::min(response.answers.size(), kVerboseAnswers);
  for (std::size_t i = 0; i < shown; ++i) field(out, "answer", terminalSafe(response.answers[i]));
  if (response.answers.size() > shown) {
    field(out, "answer",
          "\u2026 " + std::to_string(response.answers.size() - shown) + " more (-oJ has all " +
              std::to_string(response.answers.size()) + ")");
  }
  if (!response.edns) {
    field(out, "edns", "none");
    return out;
  }
  const model::DnsEdns& edns = *response.edns;
  std::string text = "version " + std::to_string(edns.version) + ", udp " +
                     std::to_string(edns.udp_size) + (edns.do_bit ? ", do" : "");
  if (edns.nsid_hex) {
    text += "; nsid " + terminalSafe(*edns.nsid_hex);
    if (edns.nsid_text) text += " \"" + terminalSafe(*edns.nsid_text) + "\"";
  }
  if (edns.keepalive_ms) text += "; keepalive " + std::to_string(*edns.keepalive_ms) + " ms";
  if (edns.padding) text += "; padding " + std::to_string(edns.padding_length) + " bytes";
  for (const std::uint16_t code : edns.other_options) text += "; option " + std::to_string(code);
  field(out, "edns", text);
  return out;
}

// The conformance checks (--checks) on one line, each name with its status, in the result's order;
// -v adds each check's summary on a line of its own.
std::string checkLines(const std::vector<model::ConformanceCheck>& checks, int verbosity) {
  std::string out = "  checks      ";
  for (const model::ConformanceCheck& check : checks) {
    const std::string_view status = check.status == model::CheckStatus::NotApplicable
                                        ? std::string_view("n/a")
                                        : model::toString(check.status);
    // In steps: GCC 12 warns (-Wrestrict), wrongly, of " " + a temporary here.
    out += ' ';
    out += terminalSafe(check.name);
    out += ' ';
    out += status;
    out += ',';
  }
  out.back() = '\n';
  if (verbosity >= 1) {
    for (const model::ConformanceCheck& check : checks) {
      field(out, terminalSafe(check.name),
            std::string(model::toString(check.status)) + ": " + terminalSafe(check.summary));
    }
  }
  return out;
}

}  // namespace

HumanReport::HumanReport(std::FILE* out, ListingOptions options)
    : out_(out), options_(std::move(options)) {}

void HumanReport::begin(const ScanMetadata& planned) {
  if (!options_.comments) return;
  put(out_, "# dotscan " + terminalSafe(planned.version) + " scan initiated " +
                formatTime(planned.started) + " as: dotscan " + terminalSafe(planned.command_line) +
                "\n");
}

void HumanReport::add(const model::ProbeResult& r) {
  for (const model::Finding& finding : r.findings) {
    if (finding.counts()) {
      ++findings_[{finding.severity, finding.id}];
    } else {
      ++suppressed_;
    }
  }
  // A hidden outcome with a finding it would show (dot-missing) is listed anyway.
  if (!listed(r.outcome)) {
    const bool shown_finding =
        std::any_of(r.findings.begin(), r.findings.end(), [](const model::Finding& finding) {
          return finding.counts() && finding.severity >= model::Severity::Medium;
        });
    if (!shown_finding) return;
    ++shown_anyway_.at(static_cast<std::size_t>(r.outcome));
  }
  std::string block = headline(r);
  if (!r.first_bytes_hex.empty()) block += "  first bytes  " + firstBytes(r.first_bytes_hex) + "\n";
  if (!r.certificates.empty() && options_.verbosity >= 1) {
    for (std::size_t i = 0; i < r.certificates.size(); ++i) {
      block += verboseCertificate(r.certificates[i], i);
    }
  } else if (!r.certificates.empty()) {
    block += certificateLines(r.certificates.front());
  } else if (r.tls) {
    block += "  certificate  none sent\n";
  }
  if (r.tls) block += chainLine(*r.tls);
  if (r.dns) block += dnsLine(r);
  if (r.dns && r.dns->response && options_.verbosity >= 2) block += verboseDns(*r.dns->response);
  if (!r.checks.empty()) block += checkLines(r.checks, options_.verbosity);
  if (r.verdict && r.verdict->profile != "not-dot") {
    block += "  verdict      " + terminalSafe(r.verdict->profile);
    if (r.tls && !r.tls->auth_name.empty()) {
      block += " (name " + terminalSafe(r.tls->auth_name) + ")";
    }
    if (r.verdict->pin_match) {
      block += ", pin of certificate " + std::to_string(*r.verdict->pin_match);
    }
    if (!r.verdict->policy_group.empty()) {
      block += ", policy " + terminalSafe(r.verdict->policy_group);
    }
    for (std::size_t i = 0; i < r.verdict->reasons.size(); ++i) {
      block += (i == 0 ? ": " : ", ") + terminalSafe(r.verdict->reasons[i]);
    }
    block += "\n";
  }
  for (const model::Finding& finding : r.findings) {
    // The JSON has them all; a suppressed one shows only with -v, marked.
    const bool shown =
        finding.counts() ? finding.severity >= model::Severity::Medium : options_.verbosity >= 1;
    if (!shown) continue;
    block += "  finding      " + std::string(model::toString(finding.severity)) + "  " +
             terminalSafe(finding.id) + ": " + terminalSafe(finding.message) +
             (finding.policy ? " (" + terminalSafe(policyNote(finding)) + ")" : "") + "\n";
  }
  if (streaming_ || options_.sort_limit == 0) {
    put(out_, block);
    return;
  }
  if (held_.size() == options_.sort_limit) {
    // Past the bound: what is held goes out sorted, the rest in the order of completion.
    writeHeld();
    streaming_ = true;
    if (options_.on_sort_limit) options_.on_sort_limit(options_.sort_limit);
    put(out_, block);
    return;
  }
  held_.push_back({model::sortKey(r), std::move(block)});
}

void HumanReport::writeHeld() {
  std::stable_sort(held_.begin(), held_.end(),
                   [](const Held& a, const Held& b) { return a.key < b.key; });
  std::string text;
  for (const Held& held : held_) text += held.block;
  std::vector<Held>().swap(held_);  // give the memory back
  if (!text.empty()) put(out_, text);
}

void HumanReport::finish(const ScanMetadata& m) {
  writeHeld();
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
             terminalSafe(key.second) + ",";
    }
    out.back() = '\n';
  }
  if (suppressed_ != 0) {
    out += "Suppressed by the policy: " + std::to_string(suppressed_) +
           (suppressed_ == 1 ? " finding" : " findings") + " (in the JSON output; -v lists them)\n";
  }

  const double rate =
      m.duration_s > 0 ? static_cast<double>(m.targets_scanned) / m.duration_s : 0.0;
  if (m.interrupted) {
    out += "dotscan interrupted: " + std::to_string(m.targets_scanned) + " of " +
           terminalSafe(m.targets_planned) + (m.targets_planned == "1" ? " target" : " targets");
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
  if (options_.comments) {
    out += "# dotscan done at " + formatTime(m.ended) + " -- " +
           plural(m.targets_scanned, "target") + " scanned in " + fixed(m.duration_s, 2) +
           " seconds\n";
  }
  put(out_, out);
}

}  // namespace dotscan::report
