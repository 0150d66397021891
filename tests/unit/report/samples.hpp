// Hand-built results and metadata shared by the report tests and report_samples (the schema test).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "dotscan/model/result.hpp"
#include "dotscan/report/json_lines.hpp"

namespace dotscan::report::samples {

// U+202E RIGHT-TO-LEFT OVERRIDE in UTF-8, kept out of string literals so that the source itself
// never holds a bidirectional control (clang-tidy misc-misleading-bidirectional).
inline const std::string kRtlOverride = {'\xe2', '\x80', '\xae'};
// U+FFFF, a non-character that XML 1.0 forbids.
inline const std::string kNonCharacter = {'\xef', '\xbf', '\xbf'};

// 2026-11-23T10:00:00.123Z plus `ms` milliseconds.
std::chrono::system_clock::time_point at(int ms = 0);

// tls-ok over IPv4 with a name, a two-certificate chain that is not trusted, every field set.
model::ProbeResult tlsOk();
// tls-ok for an address target (no name, no SNI): self-signed, expired, negative serial, invalid
// UTF-8 and terminal escapes in the subject, ALPN "dot", a PEM and a parse error.
model::ProbeResult hostileCertificate();
model::ProbeResult closed();         // refused, one attempt
model::ProbeResult filteredV6();     // 2001:db8::1, every retry timed out
model::ProbeResult notTls();         // answered "HTTP/1.1 400"
model::ProbeResult tlsFailed();      // alert during the handshake
model::ProbeResult internalError();  // in the connect phase, with an empty reason
// dot: tlsOk() whose query "dot.test. A" was answered, with NSID, keepalive and padding.
model::ProbeResult dot();
// dns-malformed: tlsOk() answered with the wrong ID.
model::ProbeResult dnsMalformed();
// dot() at 192.0.2.66 whose certificate is markup: a subject with <script>, &, quotes, control
// bytes, a non-character and "]]>"; subject and SAN cells that a spreadsheet would run as formulas;
// a finding, a verdict and a conformance check whose texts hold markup and a terminal escape.
model::ProbeResult markupCertificate();
// markupCertificate() at 192.0.2.67 whose subject also holds HTML entities as text
// ("&lt;img src=x onerror=alert(1)&gt;", "&#60;script&#62;", "&amp;"): a report must show them as
// written, never decode them into markup. Not in allResults().
model::ProbeResult entityCertificate();
// dot() at 127.53.0.3 with conformance checks (--checks) as the checks module writes them: each
// status, in an order that is not alphabetical, and evidence of each type (true and false,
// integers, a text, a list of texts and an empty one), its keys not in alphabetical order either.
// Not in allResults().
model::ProbeResult conformance();
ScanMetadata metadata();
// metadata() with every optional part present: arguments, resumed, RTT bounds and figures, an
// error, SYN discovery and a pcap.
ScanMetadata fullMetadata();

// Every sample result, in the order above.
std::vector<model::ProbeResult> allResults();

}  // namespace dotscan::report::samples
