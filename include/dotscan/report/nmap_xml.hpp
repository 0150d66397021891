// dotscan/report/nmap_xml.hpp — -oX: nmap's XML output format, for the tools auditors already
// feed it to (ndiff, nmap.xsl, Metasploit's db_import, ...).
//
// The document validates against the nmap.dtd Debian's nmap package ships: the DTD requires
// scanner="nmap"; args and version say dotscan. One <host> per target that answered on its port
// (report/nmap_style: open or closed), written as its result arrives; its one <port> has the
// state, the service (domain-s, with a confidence that reflects DNS confirmation), the leaf
// certificate as nmap's ssl-cert script (output text and the subject, issuer, pubkey, extensions,
// validity, md5, sha1 and pem tables); dotscan's own TLS, DNS, verdict and findings are a second
// script, id "dotscan", in the host's <hostscript> (ndiff fails on a port with two scripts).
// Invariants: every text from the network or the command line goes through xmlText
// (report/escape.hpp), so the document is well-formed whatever a certificate holds; memory does not
// grow with the number of results; after finish() the document is complete (<runstats> and
// </nmaprun>), also when the scan was interrupted or failed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "dotscan/report/writer.hpp"

namespace dotscan::report {

struct NmapXmlOptions {
  std::string scan_type = "connect";         // nmap's scaninfo type: "connect" (-sT), "syn" (-sS)
  std::vector<std::uint16_t> ports = {853};  // the scan's -p list, for scaninfo
};

class NmapXmlWriter final : public Writer {
 public:
  explicit NmapXmlWriter(std::FILE* out, NmapXmlOptions options = {});  // does not own `out`
  void begin(const ScanMetadata& planned) override;
  void add(const model::ProbeResult& result) override;
  void finish(const ScanMetadata& metadata) override;

 private:
  std::FILE* out_;
  NmapXmlOptions options_;
  bool begun_ = false;
  std::uint64_t hosts_up_ = 0;
};

// The <host> element of one result; empty when the result is not a host to nmap (filtered, ...).
std::string nmapXmlHost(const model::ProbeResult& result);

}  // namespace dotscan::report
