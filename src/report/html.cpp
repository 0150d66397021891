#include "dotscan/report/html.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

#include "dotscan/report/escape.hpp"
#include "dotscan/report/finding_text.hpp"
#include "dotscan/report/json_lines.hpp"

#include "digest.hpp"
#include "put.hpp"

namespace dotscan::report {

namespace {

using digest::plural;

constexpr std::size_t kChainShown = 8;   // certificates per server
constexpr std::size_t kSansShown = 12;   // DNS and IP subjectAltNames per certificate
constexpr std::size_t kTextShown = 400;  // bytes of a DNS answer or a reason
constexpr std::size_t kFilterIssuers = 200;
constexpr std::size_t kIssuersShown = 50;

// Sorts the servers table by a column (a click on its header) and filters it by the selects and
// the text box; copies each finding's explanation and fix (a node of the findings section) under
// each server's finding of that id, so that the file holds them once. Data is read with
// textContent and dataset, never parsed as markup.
constexpr std::string_view kScript =
    R"JS((function () {
  var table = document.getElementById("servers-table");
  if (!table) return;
  var body = table.tBodies[0];
  var verdict = document.getElementById("f-verdict"), finding = document.getElementById("f-finding");
  var issuer = document.getElementById("f-issuer"), text = document.getElementById("f-text");
  var shown = document.getElementById("shown");
  function apply() {
    var n = 0, rows = body.rows, t = text.value.toLowerCase();
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i], d = r.dataset;
      var ok = (!verdict.value || d.verdict === verdict.value) &&
        (!finding.value || (" " + d.findings + " ").indexOf(" " + finding.value + " ") >= 0) &&
        (!issuer.value || d.issuer === issuer.value) &&
        (!t || r.textContent.toLowerCase().indexOf(t) >= 0);
      r.hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = n + " of " + rows.length + " servers shown";
  }
  [verdict, finding, issuer].forEach(function (e) { e.addEventListener("change", apply); });
  text.addEventListener("input", apply);
  function key(cell) {
    var s = cell.dataset.sort;
    return s !== undefined ? Number(s) : cell.textContent.toLowerCase();
  }
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (head, c) {
    head.addEventListener("click", function () {
      var up = head.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      head.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a.cells[c]), y = key(b.cells[c]);
        return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  apply();
  Array.prototype.forEach.call(document.querySelectorAll("li[data-guide]"), function (li) {
    var guide = document.getElementById(li.dataset.guide);
    if (!guide) return;
    var copy = guide.cloneNode(true);
    copy.removeAttribute("id");
    li.appendChild(copy);
  });
})();
)JS";

// base64 of the SHA-256 of kScript (tests/unit/report/html_test.cpp checks it).
constexpr std::string_view kScriptHash = "sha256-azsJvr8VJxN11oyjQta02pzHc2mU4/TZz50SRsyhqZk=";

constexpr std::string_view kStyle = R"CSS(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } #servers-table th { cursor: pointer; }
th[aria-sort=ascending]::after { content: " \25b2"; } th[aria-sort=descending]::after { content: " \25bc"; }
td.n { text-align: right; } .mono { font-family: ui-monospace, monospace; font-size: 12px; }
.sev { font-weight: bold; padding: 0 4px; border-radius: 3px; color: #fff; }
.critical { background: #7b1fa2; } .high { background: #c62828; } .medium { background: #ef6c00; }
.low { background: #9e9d24; } .info { background: #607d8b; }
.bar { display: inline-block; height: 10px; background: #1976d2; vertical-align: middle; }
.bar.expired { background: #c62828; }
.guide { margin-left: 1em; color: #444; }
.note { background: #fff8e1; border: 1px solid #ffe082; padding: 4px 8px; }
.cards { display: flex; gap: 1em; flex-wrap: wrap; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: 6px 12px; min-width: 8em; }
.card b { display: block; font-size: 1.6em; }
details { border: 1px solid #ddd; margin: 4px 0; padding: 2px 8px; }
summary { cursor: pointer; } dt { font-weight: bold; float: left; clear: left; width: 7em; }
dd { margin-left: 8em; }
)CSS";

std::string esc(std::string_view text) {
  return xmlText(text);
}

std::string clipped(std::string_view text, std::size_t limit) {
  return digest::clipped(text, limit, &xmlText);
}

std::string severityBadge(model::Severity severity) {
  const std::string name(model::toString(severity));
  return "<span class=\"sev " + name + "\">" + name + "</span>";
}

std::string findingAnchor(model::Severity severity, std::string_view id) {
  return "f-" + std::string(model::toString(severity)) + "-" + esc(id);
}

std::string joinedNames(const std::vector<std::string>& names, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
    out += (out.empty() ? "" : ", ") + esc(names[i]);
  }
  if (names.size() > limit) out += ", +" + std::to_string(names.size() - limit) + " more";
  return out;
}

// The worst finding that counts (one the policy suppressed does not).
std::string worstFinding(const model::ProbeResult& r) {
  const model::Finding* worst = nullptr;
  for (const model::Finding& finding : r.findings) {
    if (finding.counts() && (worst == nullptr || finding.severity > worst->severity)) {
      worst = &finding;
    }
  }
  return worst == nullptr ? "" : severityBadge(worst->severity) + " " + esc(worst->id);
}

// One row of the servers table; its data attributes carry what the filters compare.
// Only findings that count (not suppressed by the policy), as in the summary.
std::string tableRow(const model::ProbeResult& r, std::uint64_t id) {
  std::string findings_attr;
  std::size_t counted = 0;
  for (const model::Finding& finding : r.findings) {
    if (!finding.counts()) continue;
    ++counted;
    if ((" " + findings_attr + " ").find(" " + finding.id + " ") == std::string::npos) {
      findings_attr += (findings_attr.empty() ? "" : " ") + finding.id;
    }
  }
  const std::string verdict = r.verdict ? r.verdict->profile : "";
  const model::CertificateInfo* leaf = r.certificates.empty() ? nullptr : &r.certificates.front();
  std::string row = "<tr data-verdict=\"" + esc(verdict) + "\" data-findings=\"" +
                    esc(findings_attr) + "\" data-issuer=\"" + (leaf ? esc(leaf->issuer) : "") +
                    "\">";
  row += "<td data-sort=\"" + std::to_string(id) + "\"><a href=\"#s-" + std::to_string(id) + "\">" +
         esc(digest::endpoint(r)) + "</a></td>";
  row += "<td>" + esc(r.name) + "</td>";
  row += "<td>" + esc(model::toString(r.outcome)) + "</td>";
  row += "<td>" + esc(verdict) + "</td>";
  row += "<td>" + worstFinding(r) + "</td>";
  row += "<td data-sort=\"" + std::to_string(counted) + "\">" + std::to_string(counted) + "</td>";
  row += "<td>" + (leaf ? clipped(leaf->issuer, 120) : "") + "</td>";
  const bool days = leaf != nullptr && leaf->days_left.has_value();
  row += "<td data-sort=\"" + (days ? std::to_string(*leaf->days_left) : "99999999") + "\">" +
         (days ? std::to_string(*leaf->days_left) : "") + "</td>";
  row += "<td>" + (r.tls ? esc(r.tls->version) : "") + "</td></tr>\n";
  return row;
}

std::string chainTable(const std::vector<model::CertificateInfo>& chain) {
  std::string out =
      "<table class=\"chain\"><tr><th>#</th><th>subject</th><th>issuer</th><th>not after "
      "(days left)</th><th>key</th><th>signature</th><th>names</th><th>SHA-256</th></tr>\n";
  for (std::size_t i = 0; i < chain.size() && i < kChainShown; ++i) {
    const model::CertificateInfo& cert = chain[i];
    out += "<tr><td>" + std::to_string(i) + "</td><td>" + clipped(cert.subject, kTextShown) +
           "</td><td>" + clipped(cert.issuer, kTextShown) + "</td><td>" + esc(cert.not_after) +
           (cert.days_left ? " (" + std::to_string(*cert.days_left) + ")" : "") + "</td><td>" +
           esc(cert.key_type) + " " + std::to_string(cert.key_bits) +
           (cert.key_curve.empty() ? "" : " " + esc(cert.key_curve)) + "</td><td>" +
           esc(cert.signature_algorithm) + "</td><td>" + joinedNames(cert.san.dns, kSansShown) +
           (cert.san.dns.empty() || cert.san.ip.empty() ? "" : "; ") +
           joinedNames(cert.san.ip, kSansShown) + "</td><td class=\"mono\">" + esc(cert.sha256) +
           "</td></tr>\n";
  }
  out += "</table>\n";
  if (chain.size() > kChainShown) {
    out += "<p>" + std::to_string(chain.size() - kChainShown) +
           " more certificates in the chain (the JSON output has them all).</p>\n";
  }
  return out;
}

// The conformance checks (--checks), in the result's order; the JSON output has their evidence.
std::string checksTable(const std::vector<model::ConformanceCheck>& checks) {
  std::string out =
      "<table class=\"checks\"><tr><th>conformance check</th><th>status</th><th>summary</th>"
      "</tr>\n";
  for (const model::ConformanceCheck& check : checks) {
    out += "<tr><td>" + esc(check.name) + "</td><td>" + esc(model::toString(check.status)) +
           "</td><td>" + clipped(check.summary, kTextShown) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string dnsText(const model::DnsExchange& dns) {
  std::string out = esc(dns.query.name) + " " + esc(dns.query.type) +
                    (dns.cleartext ? " (asked in cleartext)" : "");
  if (dns.response) {
    out += ": " + esc(dns.response->rcode);
    if (!dns.response->short_answer.empty()) {
      out += " <span class=\"mono\">" + clipped(dns.response->short_answer, kTextShown) + "</span>";
    }
  } else {
    out += ": no answer";
  }
  for (const model::DnsCheck& check : dns.checks) {
    if (!check.ok) out += "; check " + esc(check.name) + " failed: " + clipped(check.detail, 200);
  }
  return out;
}

std::string verdictText(const model::Verdict& verdict) {
  std::string out = "<b>" + esc(verdict.profile) + "</b>";
  if (!verdict.reasons.empty()) {
    out += ": ";
    for (std::size_t i = 0; i < verdict.reasons.size(); ++i) {
      out += (i == 0 ? "" : ", ") + esc(verdict.reasons[i]);
    }
  }
  if (verdict.pin_match) out += "; pin of certificate " + std::to_string(*verdict.pin_match);
  if (!verdict.policy_group.empty()) out += "; policy group " + esc(verdict.policy_group);
  return out;
}

std::string serverDetail(const model::ProbeResult& r, std::uint64_t id) {
  std::string out = "<details id=\"s-" + std::to_string(id) + "\"><summary><b>" +
                    esc(digest::endpoint(r)) + "</b> " + esc(r.name) + " &mdash; " +
                    esc(model::toString(r.outcome)) +
                    (r.verdict ? " &mdash; " + esc(r.verdict->profile) : "") + " " +
                    worstFinding(r) + "</summary>\n<dl>";
  out += "<dt>outcome</dt><dd>" + esc(model::toString(r.outcome)) + " (phase " +
         esc(model::toString(r.phase)) + ")" +
         (r.reason.empty() ? "" : ": " + clipped(r.reason, kTextShown)) + "</dd>";
  if (r.tls) {
    const model::TlsSession& tls = *r.tls;
    out += "<dt>TLS</dt><dd>" + esc(tls.version) + ", " + esc(tls.cipher) +
           (tls.group.empty() ? "" : ", " + esc(tls.group)) + ", ALPN " +
           (tls.alpn ? esc(*tls.alpn) : std::string("none")) + "; chain " +
           (tls.verification.trusted ? "trusted" : "not trusted") + " (" +
           clipped(tls.verification.reason, 200) + ") against " +
           esc(tls.verification.trust_store) + "</dd>";
  }
  if (r.verdict) out += "<dt>verdict</dt><dd>" + verdictText(*r.verdict) + "</dd>";
  if (r.dns) out += "<dt>DNS</dt><dd>" + dnsText(*r.dns) + "</dd>";
  out += "</dl>\n";
  if (!r.checks.empty()) out += checksTable(r.checks);
  if (!r.certificates.empty()) out += chainTable(r.certificates);
  if (!r.findings.empty()) {
    out += "<ul class=\"findings\">";
    for (const model::Finding& finding : r.findings) {
      out += "<li data-guide=\"g-" + esc(finding.id) + "\">" + severityBadge(finding.severity) +
             " <a href=\"#" + findingAnchor(finding.severity, finding.id) + "\">" +
             esc(finding.id) + "</a>: " + clipped(finding.message, kTextShown) +
             (finding.policy ? " <em>(" + esc(policyNote(finding)) + ")</em>" : "") + "</li>";
    }
    out += "</ul>\n";
  }
  out += "</details>\n";
  return out;
}

std::string card(std::string_view label, const std::string& value) {
  return "<div class=\"card\"><b>" + value + "</b>" + std::string(label) + "</div>";
}

std::string bar(std::uint64_t count, std::uint64_t most, bool expired = false) {
  const std::uint64_t width = most == 0 ? 0 : std::max<std::uint64_t>(1, count * 300 / most);
  return "<span class=\"bar" + std::string(expired ? " expired" : "") +
         "\" style=\"width:" + std::to_string(width) + "px\"></span>";
}

std::string summarySection(const ScanMetadata& m, const digest::Digest& d) {
  std::string out = "<section id=\"summary\"><h2>Summary</h2>\n<div class=\"cards\">";
  out += card("targets planned", esc(m.targets_planned));
  out += card("targets scanned", std::to_string(m.targets_scanned));
  out += card("answered", std::to_string(d.answered));
  out += card("DoT servers", std::to_string(d.dot));
  std::uint64_t findings = 0;
  for (const std::uint64_t n : d.by_severity) findings += n;
  out += card("findings", std::to_string(findings));
  if (d.suppressed != 0) out += card("suppressed by the policy", std::to_string(d.suppressed));
  out += "</div>\n<table><tr><th>outcome</th><th>targets</th></tr>\n";
  for (std::size_t i = 0; i < m.counts.size(); ++i) {
    if (m.counts.at(i) == 0) continue;
    out += "<tr><td>" + esc(model::toString(static_cast<model::Outcome>(i))) +
           "</td><td class=\"n\">" + std::to_string(m.counts.at(i)) + "</td></tr>\n";
  }
  out += "</table>\n<table><tr><th>verdict</th><th>servers</th></tr>\n";
  for (const auto& [profile, count] : d.verdicts) {
    out += "<tr><td>" + esc(profile) + "</td><td class=\"n\">" + std::to_string(count) +
           "</td></tr>\n";
  }
  out += "</table>\n<table><tr><th>severity</th><th>findings</th></tr>\n";
  for (std::size_t i = digest::kSeverityCount; i-- > 0;) {
    out += "<tr><td>" + severityBadge(static_cast<model::Severity>(i)) + "</td><td class=\"n\">" +
           std::to_string(d.by_severity.at(i)) + "</td></tr>\n";
  }
  return out + "</table></section>\n";
}

std::string option(const std::string& value) {
  return "<option value=\"" + esc(value) + "\">" + clipped(value, 100) + "</option>";
}

std::string serversSection(const digest::Digest& d, std::uint64_t left_out) {
  std::string out = "<section id=\"servers\"><h2>Servers</h2>\n<p>The " +
                    plural(d.answered, "target") +
                    " that answered on the port; click a column to sort.</p>\n";
  if (left_out != 0) {
    out += "<p class=\"note\">" + plural(left_out, "server") +
           " left out of this table: the report's size limit. The JSON Lines output (-oJ) has "
           "every result.</p>\n";
  }
  out += R"(<p><label>verdict <select id="f-verdict"><option value="">any</option>)";
  for (const auto& [profile, count] : d.verdicts) out += option(profile);
  out += R"(</select></label> <label>finding <select id="f-finding"><option value="">any</option>)";
  std::vector<std::string> ids;
  for (const auto& [key, stats] : d.findings) {
    if (std::find(ids.begin(), ids.end(), key.second) == ids.end()) ids.push_back(key.second);
  }
  std::sort(ids.begin(), ids.end());
  for (const std::string& id : ids) out += option(id);
  out += R"(</select></label> <label>issuer <select id="f-issuer"><option value="">any</option>)";
  const auto issuers = digest::issuersByCount(d);
  for (std::size_t i = 0; i < issuers.size() && i < kFilterIssuers; ++i) {
    out += option(issuers[i].first);
  }
  out +=
      "</select></label> <label>text <input id=\"f-text\" type=\"search\"></label> "
      "<span id=\"shown\"></span></p>\n";
  out +=
      "<table id=\"servers-table\"><thead><tr><th>server</th><th>name</th><th>outcome</th>"
      "<th>verdict</th><th>worst finding</th><th>findings</th><th>issuer</th>"
      "<th>days left</th><th>TLS</th></tr></thead><tbody>\n";
  return out;
}

std::string expirySection(const digest::Digest& d) {
  std::string out =
      "<section id=\"expiry\"><h2>Certificate expiry</h2>\n<p>Leaf certificates "
      "by the month of their notAfter (UTC).</p>\n";
  std::uint64_t most = d.expired;
  for (const auto& [month, count] : d.months) most = std::max(most, count);
  out += "<table class=\"timeline\"><tr><th>month</th><th></th><th>servers</th></tr>\n";
  if (d.expired != 0) {
    out += "<tr><td>expired</td><td>" + bar(d.expired, most, true) + "</td><td class=\"n\">" +
           std::to_string(d.expired) + "</td></tr>\n";
  }
  for (const auto& [month, count] : d.months) {
    out += "<tr><td>" + esc(month) + "</td><td>" + bar(count, most) + "</td><td class=\"n\">" +
           std::to_string(count) + "</td></tr>\n";
  }
  if (d.other_months != 0) {
    out += "<tr><td>other months</td><td></td><td class=\"n\">" + std::to_string(d.other_months) +
           "</td></tr>\n";
  }
  return out + "</table></section>\n";
}

std::string issuerSection(const digest::Digest& d) {
  std::string out =
      "<section id=\"issuers\"><h2>Issuers</h2>\n<table><tr><th>issuer of the "
      "leaf</th><th></th><th>servers</th></tr>\n";
  const auto issuers = digest::issuersByCount(d);
  const std::uint64_t most = issuers.empty() ? 0 : issuers.front().second;
  std::uint64_t rest = d.other_issuers;
  for (std::size_t i = 0; i < issuers.size(); ++i) {
    if (i >= kIssuersShown) {
      rest += issuers[i].second;
      continue;
    }
    out += "<tr><td>" + clipped(issuers[i].first, kTextShown) + "</td><td>" +
           bar(issuers[i].second, most) + "</td><td class=\"n\">" +
           std::to_string(issuers[i].second) + "</td></tr>\n";
  }
  if (rest != 0) {
    out += "<tr><td>other issuers</td><td></td><td class=\"n\">" + std::to_string(rest) +
           "</td></tr>\n";
  }
  return out + "</table></section>\n";
}

std::string findingsSection(const digest::Digest& d, ReadableReportOptions::Guide guide) {
  std::string out = "<section id=\"findings\"><h2>Findings</h2>\n";
  if (d.findings.empty()) out += "<p>No findings.</p>\n";
  std::set<std::string> explained;  // an id at two severities is explained once
  for (const auto& [key, stats] : d.findings) {
    const auto& [severity, id] = key;
    out += "<h3 id=\"" + findingAnchor(severity, id) + "\">" + severityBadge(severity) + " " +
           esc(id) + " &mdash; " + plural(stats.count, "server") + "</h3>\n";
    const model::FindingGuide* entry = guide != nullptr ? guide(id) : nullptr;
    if (entry != nullptr) {
      // The script copies this block under each server's finding of the id (data-guide).
      const bool first = explained.insert(id).second;
      out += "<div class=\"guide\"" + (first ? " id=\"g-" + esc(id) + "\"" : std::string()) +
             "><p>" + esc(entry->explanation) + "</p>\n<p><b>Fix:</b> " + esc(entry->fix) +
             "</p></div>\n";
    }
    out += "<ul>";
    for (const digest::FindingStats::Affected& affected : stats.affected) {
      out += "<li>" + esc(affected.endpoint) +
             (affected.name.empty() ? "" : " " + esc(affected.name)) + ": " +
             clipped(affected.message, kTextShown) + "</li>";
    }
    if (stats.count > stats.affected.size()) {
      out += "<li>and " + std::to_string(stats.count - stats.affected.size()) + " more</li>";
    }
    out += "</ul>\n";
  }
  return out + "</section>\n";
}

std::string head(const ScanMetadata& m) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src '" +
      std::string(kScriptHash) +
      "'; base-uri 'none'; form-action 'none'\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n"
      "<meta name=\"viewport\" content=\"width=device-width\">\n"
      "<title>dotscan report</title><style>" +
      std::string(kStyle) + "</style></head><body>\n<h1>dotscan report</h1>\n";
  out += "<p>dotscan " + esc(m.version) + ", started " + esc(formatTime(m.started)) + ", ended " +
         esc(formatTime(m.ended)) + ".<br>Command: <span class=\"mono\">dotscan " +
         clipped(m.command_line, 2000) + "</span></p>\n";
  if (m.interrupted) {
    out += "<p class=\"note\">The scan was interrupted: " + std::to_string(m.targets_scanned) +
           " of " + esc(m.targets_planned) + " targets scanned.</p>\n";
  }
  if (m.error) out += "<p class=\"note\">The scan stopped on an error: " + esc(*m.error) + "</p>\n";
  out +=
      "<nav><a href=\"#summary\">Summary</a> | <a href=\"#servers\">Servers</a> | "
      "<a href=\"#expiry\">Expiry</a> | <a href=\"#issuers\">Issuers</a> | "
      "<a href=\"#findings\">Findings</a> | <a href=\"#details\">Details</a></nav>\n";
  return out;
}

}  // namespace

std::string_view htmlScript() {
  return kScript;
}

std::string_view htmlScriptHash() {
  return kScriptHash;
}

HtmlWriter::HtmlWriter(std::FILE* out, ReadableReportOptions options)
    : out_(out),
      options_(options),
      digest_(std::make_unique<digest::Digest>()),
      rows_(std::make_unique<digest::Details>(options.row_budget)),
      details_(std::make_unique<digest::Details>(options.detail_budget)) {}

HtmlWriter::~HtmlWriter() = default;

void HtmlWriter::add(const model::ProbeResult& result) {
  digest_->add(result);
  if (!digest::detailed(result)) return;
  const std::uint64_t id = next_id_++;
  // A server left out of the table is left out of the details too, so that every row's link
  // leads somewhere.
  if (rows_->add(result, [&] { return tableRow(result, id); })) {
    details_->add(result, [&] { return serverDetail(result, id); });
  }
}

void HtmlWriter::finish(const ScanMetadata& metadata) {
  put(out_, head(metadata) + summarySection(metadata, *digest_));
  put(out_, serversSection(*digest_, rows_->leftOut()));
  for (const std::string& row : rows_->sorted()) put(out_, row);
  put(out_, "</tbody></table></section>\n" + expirySection(*digest_) + issuerSection(*digest_) +
                findingsSection(*digest_, options_.guide));
  std::string details = "<section id=\"details\"><h2>Server details</h2>\n";
  const std::uint64_t left_out = details_->leftOut() + rows_->leftOut();
  if (left_out != 0) {
    details += "<p class=\"note\">" + plural(left_out, "server") +
               " not detailed here: the report's size limit. The JSON Lines output (-oJ) has "
               "every result.</p>\n";
  }
  put(out_, details);
  for (const std::string& detail : details_->sorted()) put(out_, detail);
  put(out_, "</section>\n<script>" + std::string(kScript) + "</script>\n</body></html>\n");
}

}  // namespace dotscan::report
