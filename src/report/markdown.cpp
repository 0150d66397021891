#include "dotscan/report/markdown.hpp"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>

#include "dotscan/report/escape.hpp"
#include "dotscan/report/finding_text.hpp"
#include "dotscan/report/json_lines.hpp"

#include "digest.hpp"
#include "put.hpp"

namespace dotscan::report {

namespace {

using digest::plural;

constexpr std::size_t kChainShown = 8;
constexpr std::size_t kSansShown = 12;
constexpr std::size_t kTextShown = 400;
constexpr std::size_t kIssuersShown = 20;

std::string md(std::string_view text) {
  return markdownText(text);
}

std::string clipped(std::string_view text, std::size_t limit) {
  return digest::clipped(text, limit, &markdownText);
}

std::string severityName(model::Severity severity) {
  return std::string(model::toString(severity));
}

std::string row(std::initializer_list<std::string> cells) {
  std::string out = "|";
  for (const std::string& cell : cells) out += " " + cell + " |";
  return out + "\n";
}

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (std::size_t i = 0; i < list.size() && i < kSansShown; ++i) {
    out += (out.empty() ? "" : ", ") + md(list[i]);
  }
  if (list.size() > kSansShown) out += ", +" + std::to_string(list.size() - kSansShown) + " more";
  return out;
}

std::string serverSection(const model::ProbeResult& r) {
  std::string out = "### " + md(digest::endpoint(r)) + (r.name.empty() ? "" : " " + md(r.name)) +
                    "\n\n| | |\n|---|---|\n";
  out +=
      row({"outcome", md(model::toString(r.outcome)) + " (phase " + md(model::toString(r.phase)) +
                          ")" + (r.reason.empty() ? "" : ": " + clipped(r.reason, kTextShown))});
  if (r.verdict) {
    std::string verdict = "**" + md(r.verdict->profile) + "**";
    for (std::size_t i = 0; i < r.verdict->reasons.size(); ++i) {
      verdict += (i == 0 ? ": " : ", ") + md(r.verdict->reasons[i]);
    }
    if (r.verdict->pin_match) {
      verdict += "; pin of certificate " + std::to_string(*r.verdict->pin_match);
    }
    if (!r.verdict->policy_group.empty()) {
      verdict += "; policy group " + md(r.verdict->policy_group);
    }
    out += row({"verdict", verdict});
  }
  if (r.tls) {
    const model::TlsSession& tls = *r.tls;
    out += row({"TLS", md(tls.version) + ", " + md(tls.cipher) +
                           (tls.group.empty() ? "" : ", " + md(tls.group)) + ", ALPN " +
                           (tls.alpn ? md(*tls.alpn) : std::string("none"))});
    out += row({"chain", std::string(tls.verification.trusted ? "trusted" : "not trusted") + " (" +
                             clipped(tls.verification.reason, 200) + ") against " +
                             md(tls.verification.trust_store)});
  }
  if (r.dns) {
    std::string dns = md(r.dns->query.name) + " " + md(r.dns->query.type) +
                      (r.dns->cleartext ? " (asked in cleartext)" : "");
    if (r.dns->response) {
      dns += ": " + md(r.dns->response->rcode);
      if (!r.dns->response->short_answer.empty()) {
        dns += " " + clipped(r.dns->response->short_answer, kTextShown);
      }
    } else {
      dns += ": no answer";
    }
    for (const model::DnsCheck& check : r.dns->checks) {
      if (!check.ok) dns += "; check " + md(check.name) + " failed: " + clipped(check.detail, 200);
    }
    out += row({"DNS", dns});
  }
  out += "\n";
  if (!r.checks.empty()) {
    out += "| conformance check | status | summary |\n|---|---|---|\n";
    for (const model::ConformanceCheck& check : r.checks) {
      out += row(
          {md(check.name), md(model::toString(check.status)), clipped(check.summary, kTextShown)});
    }
    out += "\n";
  }
  if (!r.certificates.empty()) {
    out +=
        "| # | subject | issuer | not after (days left) | key | names |\n"
        "|---|---|---|---|---|---|\n";
    for (std::size_t i = 0; i < r.certificates.size() && i < kChainShown; ++i) {
      const model::CertificateInfo& cert = r.certificates[i];
      std::string san = names(cert.san.dns);
      if (!cert.san.ip.empty()) san += (san.empty() ? "" : "; ") + names(cert.san.ip);
      out += row({std::to_string(i), clipped(cert.subject, kTextShown),
                  clipped(cert.issuer, kTextShown),
                  md(cert.not_after) +
                      (cert.days_left ? " (" + std::to_string(*cert.days_left) + ")" : ""),
                  md(cert.key_type) + " " + std::to_string(cert.key_bits), san});
    }
    if (r.certificates.size() > kChainShown) {
      out += "\n" + std::to_string(r.certificates.size() - kChainShown) +
             " more certificates in the chain (the JSON output has them all).\n";
    }
    out += "\n";
  }
  for (const model::Finding& finding : r.findings) {
    out += "- **" + severityName(finding.severity) + "** " + md(finding.id) + ": " +
           clipped(finding.message, kTextShown) +
           (finding.policy ? " *(" + md(policyNote(finding)) + ")*" : "") + "\n";
  }
  if (!r.findings.empty()) out += "\n";
  return out;
}

std::string summary(const ScanMetadata& m, const digest::Digest& d) {
  std::string out = "# dotscan findings report\n\n";
  out += "dotscan " + md(m.version) + ", started " + md(formatTime(m.started)) + ", ended " +
         md(formatTime(m.ended)) + ". Command: dotscan " + clipped(m.command_line, 2000) + "\n\n";
  if (m.interrupted) {
    out += "> **The scan was interrupted:** " + std::to_string(m.targets_scanned) + " of " +
           md(m.targets_planned) + " targets scanned.\n\n";
  }
  if (m.error) out += "> **The scan stopped on an error:** " + md(*m.error) + "\n\n";
  out += "## Summary\n\n| | count |\n|---|---:|\n";
  out += row({"targets planned", md(m.targets_planned)});
  out += row({"targets scanned", std::to_string(m.targets_scanned)});
  out += row({"answered on the port", std::to_string(d.answered)});
  out += row({"DoT servers", std::to_string(d.dot)});
  for (std::size_t i = 0; i < m.counts.size(); ++i) {
    if (m.counts.at(i) == 0) continue;
    out += row({"outcome " + md(model::toString(static_cast<model::Outcome>(i))),
                std::to_string(m.counts.at(i))});
  }
  for (const auto& [profile, count] : d.verdicts) {
    out += row({"verdict " + md(profile), std::to_string(count)});
  }
  for (std::size_t i = digest::kSeverityCount; i-- > 0;) {
    out += row({"findings " + severityName(static_cast<model::Severity>(i)),
                std::to_string(d.by_severity.at(i))});
  }
  if (d.suppressed != 0) {
    out += row({"findings suppressed by the policy", std::to_string(d.suppressed)});
  }
  out += "\n";
  const auto issuers = digest::issuersByCount(d);
  if (!issuers.empty()) {
    out += "| issuer of the leaf | servers |\n|---|---:|\n";
    std::uint64_t rest = d.other_issuers;
    for (std::size_t i = 0; i < issuers.size(); ++i) {
      if (i < kIssuersShown) {
        out += row({clipped(issuers[i].first, kTextShown), std::to_string(issuers[i].second)});
      } else {
        rest += issuers[i].second;
      }
    }
    if (rest != 0) out += row({"other issuers", std::to_string(rest)});
    out += "\n";
  }
  if (d.expired != 0 || !d.months.empty()) {
    out += "| leaf expires (month, UTC) | servers |\n|---|---:|\n";
    if (d.expired != 0) out += row({"already expired", std::to_string(d.expired)});
    for (const auto& [month, count] : d.months) out += row({md(month), std::to_string(count)});
    if (d.other_months != 0) out += row({"other months", std::to_string(d.other_months)});
    out += "\n";
  }
  return out;
}

std::string findings(const digest::Digest& d, ReadableReportOptions::Guide guide) {
  std::string out = "## Findings\n\n";
  if (d.findings.empty()) return out + "No findings.\n\n";
  std::optional<model::Severity> current;
  for (const auto& [key, stats] : d.findings) {
    const auto& [severity, id] = key;
    if (current != severity) {
      std::string name = severityName(severity);
      name[0] = static_cast<char>(name[0] - 'a' + 'A');
      out += "### " + name + "\n\n";
      current = severity;
    }
    out += "#### " + md(id) + " (" + plural(stats.count, "server") + ")\n\n";
    if (const model::FindingGuide* entry = guide != nullptr ? guide(id) : nullptr) {
      // dotscan's own text (audit/finding_guides.cpp), plain Markdown.
      out.append(entry->explanation).append("\n\n**Fix:** ").append(entry->fix).append("\n\n");
    }
    out += "Affected:\n\n";
    for (const digest::FindingStats::Affected& affected : stats.affected) {
      // In steps: GCC 12 warns (-Wrestrict), wrongly, of "- " + a temporary here.
      out += "- ";
      out += md(affected.endpoint);
      if (!affected.name.empty()) {
        out += ' ';
        out += md(affected.name);
      }
      out += ": " + clipped(affected.message, kTextShown) + "\n";
    }
    if (stats.count > stats.affected.size()) {
      out += "- and " + std::to_string(stats.count - stats.affected.size()) + " more\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace

MarkdownWriter::MarkdownWriter(std::FILE* out, ReadableReportOptions options)
    : out_(out),
      options_(options),
      digest_(std::make_unique<digest::Digest>()),
      details_(std::make_unique<digest::Details>(options.detail_budget)) {}

MarkdownWriter::~MarkdownWriter() = default;

void MarkdownWriter::add(const model::ProbeResult& result) {
  digest_->add(result);
  if (digest::detailed(result)) details_->add(result, [&] { return serverSection(result); });
}

void MarkdownWriter::finish(const ScanMetadata& metadata) {
  put(out_, summary(metadata, *digest_) + findings(*digest_, options_.guide));
  std::string head = "## Servers\n\n";
  if (details_->size() == 0 && details_->leftOut() == 0) head += "No server answered.\n\n";
  if (details_->leftOut() != 0) {
    head += "> **" + plural(details_->leftOut(), "server") +
            " not detailed here:** the report's size limit. The JSON Lines output (-oJ) has "
            "every result.\n\n";
  }
  put(out_, head);
  for (const std::string& section : details_->sorted()) put(out_, section);
}

}  // namespace dotscan::report
