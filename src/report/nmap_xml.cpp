#include "dotscan/report/nmap_xml.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string_view>
#include <utility>

#include "dotscan/report/escape.hpp"
#include "dotscan/report/finding_text.hpp"
#include "dotscan/report/json_lines.hpp"

#include "nmap_style.hpp"
#include "put.hpp"

namespace dotscan::report {

namespace {

// The value with `decimals` digits after the point ("." whatever the locale: never set).
std::string decimal(double value, int decimals) {
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return n > 0 ? std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), 63)) : "0";
}

// Builds nested <table>/<elem> content; keys are dotscan's own, values go through xmlText.
class Tables {
 public:
  Tables& elem(std::string_view key, std::string_view untrusted) {
    out_ += "<elem key=\"" + xmlEscape(key) + "\">" + xmlText(untrusted) + "</elem>\n";
    return *this;
  }
  // Text dotscan made itself (the PEM: its own base64 lines of the DER), whose newlines stay.
  Tables& own(std::string_view key, std::string_view text) {
    out_ += "<elem key=\"" + xmlEscape(key) + "\">" + xmlEscape(text) + "</elem>\n";
    return *this;
  }
  Tables& elem(std::string_view untrusted) {  // an item of a list
    out_ += "<elem>" + xmlText(untrusted) + "</elem>\n";
    return *this;
  }
  Tables& open(std::string_view key = {}) {
    out_ += key.empty() ? "<table>\n" : "<table key=\"" + xmlEscape(key) + "\">\n";
    return *this;
  }
  Tables& close() {
    out_ += "</table>\n";
    return *this;
  }
  [[nodiscard]] const std::string& text() const { return out_; }

 private:
  std::string out_;
};

// "commonName=dot.test/organizationName=dotscan test", as ssl-cert writes a name.
std::string nameLine(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string line;
  for (const auto& [key, value] : fields) {
    if (!line.empty()) line += "/";
    line += std::string(nmap::longAttributeName(key)) + "=" + terminalSafe(value);
  }
  return line;
}

void nameTable(Tables& tables, std::string_view key,
               const std::vector<std::pair<std::string, std::string>>& fields) {
  tables.open(key);
  for (const auto& [name, value] : fields) {
    tables.elem(terminalSafe(nmap::longAttributeName(name)), value);
  }
  tables.close();
}

// "DNS:dot.test, IP Address:127.0.0.1", as OpenSSL and ssl-cert write subjectAltName.
std::string sanLine(const model::SubjectAltNames& san) {
  std::string line;
  const auto add = [&](std::string_view prefix, const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      line += (line.empty() ? "" : ", ") + std::string(prefix) + terminalSafe(name);
    }
  };
  add("DNS:", san.dns);
  add("IP Address:", san.ip);
  add("email:", san.email);
  add("URI:", san.uri);
  add("", san.other);
  return line;
}

// "2049-12-31T23:59:59", ssl-cert's form of a time (no zone: it is UTC).
std::string nmapTime(const std::string& iso) {
  return terminalSafe(!iso.empty() && iso.back() == 'Z' ? iso.substr(0, iso.size() - 1) : iso);
}

// "c5b8 7ddd ccc7 ...": ssl-cert's fingerprints, in groups of four digits.
std::string grouped(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 4) {
    if (i != 0) out += " ";
    out += hex.substr(i, 4);
  }
  return terminalSafe(out);
}

// The leaf as nmap's ssl-cert script (nmap -v level output, and every table).
std::string sslCertScript(const model::CertificateInfo& cert) {
  std::string output = "Subject: " + nameLine(cert.subject_fields) + "\n";
  const std::string san = sanLine(cert.san);
  if (!san.empty()) output += "Subject Alternative Name: " + san + "\n";
  output += "Issuer: " + nameLine(cert.issuer_fields) + "\n";
  std::string key_type = terminalSafe(cert.key_type);
  for (char& c : key_type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  output += "Public Key type: " + key_type + "\n";
  output += "Public Key bits: " + std::to_string(cert.key_bits) + "\n";
  output += "Signature Algorithm: " + terminalSafe(cert.signature_algorithm) + "\n";
  output += "Not valid before: " + nmapTime(cert.not_before) + "\n";
  output += "Not valid after:  " + nmapTime(cert.not_after) + "\n";
  output += "MD5:   " + grouped(cert.md5) + "\n";
  output += "SHA-1: " + grouped(cert.sha1);  // the PEM only in its table, as nmap without -vv

  Tables tables;
  nameTable(tables, "subject", cert.subject_fields);
  nameTable(tables, "issuer", cert.issuer_fields);
  tables.open("pubkey").elem("type", key_type).elem("bits", std::to_string(cert.key_bits));
  if (!cert.key_curve.empty()) {
    tables.open("ecdhparams").open("curve_params").elem("ec_curve_type", "namedcurve");
    tables.elem("curve", cert.key_curve).close().close();
  }
  tables.close();
  if (!san.empty()) {
    tables.open("extensions").open();
    tables.elem("name", "X509v3 Subject Alternative Name").elem("value", san).close().close();
  }
  tables.elem("sig_algo", cert.signature_algorithm);
  tables.open("validity").elem("notBefore", nmapTime(cert.not_before));
  tables.elem("notAfter", nmapTime(cert.not_after)).close();
  tables.elem("md5", cert.md5).elem("sha1", cert.sha1);
  if (!cert.pem.empty()) tables.own("pem", cert.pem);
  return R"(<script id="ssl-cert" output=")" + xmlEscape(output) + "\">" + tables.text() +
         "</script>";
}

// dotscan's own findings: TLS session, DNS answer, conformance checks, verdict, findings.
std::string dotscanScript(const model::ProbeResult& r) {
  std::string output = "outcome: " + std::string(model::toString(r.outcome));
  if (r.phase != model::Phase::Done) output += " during " + std::string(model::toString(r.phase));
  if (!r.reason.empty()) output += ": " + terminalSafe(r.reason);
  Tables tables;
  tables.elem("outcome", model::toString(r.outcome)).elem("phase", model::toString(r.phase));
  tables.elem("reason", r.reason);
  if (r.tls) {
    const model::TlsSession& tls = *r.tls;
    const std::string alpn = tls.alpn ? *tls.alpn : "none";
    output +=
        "\ntls: " + terminalSafe(tls.version) + " " + terminalSafe(tls.cipher) +
        (tls.group.empty() ? "" : " " + terminalSafe(tls.group)) + " alpn:" + terminalSafe(alpn) +
        "\nchain: " + std::to_string(tls.chain_length) +
        (tls.chain_length == 1 ? " certificate" : " certificates") +
        (tls.verification.trusted ? ", trusted"
                                  : ", not trusted: " + terminalSafe(tls.verification.reason));
    tables.open("tls").elem("version", tls.version).elem("cipher", tls.cipher);
    tables.elem("group", tls.group).elem("alpn", alpn);
    tables.elem("chain_length", std::to_string(tls.chain_length));
    tables.elem("trusted", tls.verification.trusted ? "true" : "false");
    tables.elem("verify_reason", tls.verification.reason);
    tables.elem("auth_name", tls.auth_name);
    if (tls.name_matches) tables.elem("name_matches", *tls.name_matches ? "true" : "false");
    tables.close();
  }
  if (!r.certificates.empty()) {
    const model::CertificateInfo& leaf = r.certificates.front();
    output += "\nSHA-256: " + terminalSafe(leaf.sha256) +
              "\npin-sha256: " + terminalSafe(leaf.spki_pin_sha256);
    tables.elem("sha256", leaf.sha256).elem("spki_pin_sha256", leaf.spki_pin_sha256);
  }
  if (r.dns) {
    const model::DnsExchange& dns = *r.dns;
    output += "\ndns: " + terminalSafe(dns.query.name) + " " + terminalSafe(dns.query.type);
    tables.open("dns").elem("cleartext", dns.cleartext ? "true" : "false");
    tables.elem("query", dns.query.name + " " + dns.query.type);
    if (dns.response) {
      output += " " + terminalSafe(dns.response->rcode);
      if (!dns.response->short_answer.empty()) {
        output += " " + terminalSafe(dns.response->short_answer);
      }
      tables.elem("rcode", dns.response->rcode).elem("answer", dns.response->short_answer);
      if (dns.response->edns && dns.response->edns->nsid_text) {
        tables.elem("nsid", *dns.response->edns->nsid_text);
      }
    } else {
      output += " no answer";
    }
    // The round trip only in the table: ndiff compares the output text, which must not differ
    // between two scans of an unchanged server.
    if (r.timings.dns_rtt_ms) tables.elem("rtt_ms", decimal(*r.timings.dns_rtt_ms, 3));
    tables.close();
  }
  if (!r.checks.empty()) {
    // Each check's status, not its summary, which may hold timings (as the round trip above).
    output += "\nchecks:";
    tables.open("checks");
    for (const model::ConformanceCheck& check : r.checks) {
      const std::string name = terminalSafe(check.name);
      output += (&check == &r.checks.front() ? " " : ", ") + name + " " +
                std::string(model::toString(check.status));
      tables.elem(name, model::toString(check.status));
    }
    tables.close();
  }
  if (r.verdict) {
    output += "\nverdict: " + terminalSafe(r.verdict->profile);
    tables.open("verdict").elem("profile", r.verdict->profile).open("reasons");
    for (std::size_t i = 0; i < r.verdict->reasons.size(); ++i) {
      output += (i == 0 ? ": " : ", ") + terminalSafe(r.verdict->reasons[i]);
      tables.elem(r.verdict->reasons[i]);
    }
    tables.close();
    if (r.verdict->pin_match) tables.elem("pin_match", std::to_string(*r.verdict->pin_match));
    if (!r.verdict->policy_group.empty()) {
      output += " (policy " + terminalSafe(r.verdict->policy_group) + ")";
      tables.elem("policy_group", r.verdict->policy_group);
    }
    tables.close();
  }
  if (!r.findings.empty()) {
    tables.open("findings");
    for (const model::Finding& finding : r.findings) {
      const std::string note = policyNote(finding);
      output += "\nfinding: " + std::string(model::toString(finding.severity)) + " " +
                terminalSafe(finding.id) + ": " + terminalSafe(finding.message) +
                (note.empty() ? "" : " (" + terminalSafe(note) + ")");
      tables.open().elem("id", finding.id).elem("severity", model::toString(finding.severity));
      tables.elem("message", finding.message);
      if (!note.empty()) {
        tables.elem("policy", note).elem("counts", finding.counts() ? "true" : "false");
      }
      tables.close();
    }
    tables.close();
  }
  return R"(<script id="dotscan" output=")" + xmlEscape(output) + "\">" + tables.text() +
         "</script>";
}

}  // namespace

std::string nmapXmlHost(const model::ProbeResult& r) {
  const nmap::PortView view = nmap::portView(r);
  if (view.state.empty()) return {};
  const std::string address = r.address.toString();
  std::string xml = "<host starttime=\"" + std::to_string(nmap::unixSeconds(r.started)) +
                    "\" endtime=\"" + std::to_string(nmap::unixSeconds(r.ended)) + "\">";
  xml += R"(<status state="up" reason=")" + std::string(view.reason) +
         R"(" reason_ttl="0"/>)"
         "\n";
  xml += "<address addr=\"" + address + "\" addrtype=\"" + (r.address.isV4() ? "ipv4" : "ipv6") +
         "\"/>\n<hostnames>\n";
  if (!r.name.empty()) xml += "<hostname name=\"" + xmlText(r.name) + "\" type=\"user\"/>\n";
  xml += "</hostnames>\n<ports><port protocol=\"tcp\" portid=\"" + std::to_string(r.port) +
         "\"><state state=\"" + std::string(view.state) + "\" reason=\"" +
         std::string(view.reason) + R"(" reason_ttl="0"/>)";
  if (!view.service.empty()) {
    xml += "<service name=\"" + std::string(view.service) + "\" method=\"" +
           std::string(view.method) + "\" conf=\"" + std::to_string(view.conf) + "\"/>";
  }
  if (!r.certificates.empty()) xml += sslCertScript(r.certificates.front());
  xml += "</port>\n</ports>\n";
  // dotscan's own script goes with the host (one host per target, so per target as well): the
  // ndiff of Debian's nmap 7.93 under Python 3 fails on a port with two scripts (it sorts them,
  // and its ScriptResult defines only __cmp__).
  if (model::answered(r.outcome)) xml += "<hostscript>" + dotscanScript(r) + "</hostscript>\n";
  if (r.timings.tcp_connect_ms) {
    // nmap's round-trip estimates, in microseconds: one connect is all dotscan measured.
    const std::string rtt =
        std::to_string(static_cast<long long>(*r.timings.tcp_connect_ms * 1000));
    xml += "<times srtt=\"" + rtt + "\" rttvar=\"" + rtt + "\" to=\"" + rtt + "\"/>\n";
  }
  return xml + "</host>\n";
}

NmapXmlWriter::NmapXmlWriter(std::FILE* out, NmapXmlOptions options)
    : out_(out), options_(std::move(options)) {}

void NmapXmlWriter::begin(const ScanMetadata& planned) {
  const std::string services = nmap::portList(options_.ports);
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE nmaprun>\n"
      "<?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n"
      "<nmaprun scanner=\"nmap\" args=\"" +
      xmlText(planned.command_line.empty() ? "dotscan" : "dotscan " + planned.command_line) +
      "\" start=\"" + std::to_string(nmap::unixSeconds(planned.started)) + "\" startstr=\"" +
      formatTime(planned.started) + "\" version=\"" + xmlText("dotscan " + planned.version) +
      "\" xmloutputversion=\"1.05\">\n<scaninfo type=\"" + xmlEscape(options_.scan_type) +
      R"(" protocol="tcp" numservices=")" + std::to_string(options_.ports.size()) +
      "\" services=\"" + services + "\"/>\n<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n";
  put(out_, xml);
  begun_ = true;
}

void NmapXmlWriter::add(const model::ProbeResult& result) {
  const std::string host = nmapXmlHost(result);
  if (host.empty()) return;
  ++hosts_up_;
  put(out_, host);
}

void NmapXmlWriter::finish(const ScanMetadata& m) {
  if (!begun_) begin(m);
  const std::uint64_t total = std::max(m.targets_scanned, hosts_up_);
  std::string summary =
      "dotscan done at " + formatTime(m.ended) + "; " + std::to_string(m.targets_scanned) +
      (m.targets_scanned == 1 ? " target" : " targets") + " (" + std::to_string(hosts_up_) +
      " up) scanned in " + decimal(m.duration_s, 2) + " seconds";
  std::string exit = "success";
  std::string error;
  if (m.error) {
    exit = "error";
    error = *m.error;
  } else if (m.interrupted) {
    exit = "error";
    error = "interrupted by a stop signal: " + std::to_string(m.targets_scanned) + " of " +
            m.targets_planned + " targets scanned";
  }
  std::string xml = "<runstats><finished time=\"" + std::to_string(nmap::unixSeconds(m.ended)) +
                    "\" timestr=\"" + formatTime(m.ended) + "\" summary=\"" + xmlText(summary) +
                    "\" elapsed=\"" + decimal(m.duration_s, 2) + "\" exit=\"" + exit + "\"";
  if (!error.empty()) xml += " errormsg=\"" + xmlText(error) + "\"";
  xml += "/><hosts up=\"" + std::to_string(hosts_up_) + "\" down=\"" +
         std::to_string(total - hosts_up_) + "\" total=\"" + std::to_string(total) +
         "\"/>\n</runstats>\n</nmaprun>\n";
  put(out_, xml);
}

}  // namespace dotscan::report
