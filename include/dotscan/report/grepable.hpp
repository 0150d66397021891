// dotscan/report/grepable.hpp — -oG: nmap's grepable output, one line per host.
//
// "Host: 127.0.0.1 (dot.test)\tPorts: 853/open/tcp//domain-s//dot/" for every target that
// answered on its port (open or closed, as for -oX), between a "# dotscan ... scan initiated"
// and a "# dotscan done at" comment line, as nmap writes them. The port field is nmap's seven
// slash-separated fields; the last one (nmap's version) holds dotscan's outcome. Invariants: one
// line per host whatever the name holds (terminalSafe: no tab, newline or control byte), '/'
// and ',' never inside a field; streamed, so memory does not grow with the results.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "dotscan/report/writer.hpp"

namespace dotscan::report {

class GrepableWriter final : public Writer {
 public:
  explicit GrepableWriter(std::FILE* out);  // does not own `out`
  void begin(const ScanMetadata& planned) override;
  void add(const model::ProbeResult& result) override;
  void finish(const ScanMetadata& metadata) override;

 private:
  std::FILE* out_;
  std::uint64_t hosts_ = 0;
};

// The line of one result, with its newline; empty when it is not a host (filtered, ...).
std::string grepableLine(const model::ProbeResult& result);

}  // namespace dotscan::report
