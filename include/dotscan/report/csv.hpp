// dotscan/report/csv.hpp — -oC / --csv: one row per target, for a spreadsheet.
//
// A header row, then one row per result in the order of completion: address, port, name,
// outcome, TLS version, the leaf's subject, SAN list (DNS names then addresses, space-separated),
// issuer, notAfter, days left, SHA-256, SPKI pin, the verdict's profile and the most severe
// finding ("high chain-untrusted"). Invariants: RFC 4180 (CRLF line ends, quoting only where a
// field needs it); every text field goes through csvField (report/escape.hpp): no control byte,
// and a cell that starts with = + - or @ gets a leading ' so that a spreadsheet shows it as text
// and never runs it as a formula (CSV injection); numbers (port, days left) are written by
// dotscan itself and stay numbers.
#pragma once

#include <cstdio>
#include <string>

#include "dotscan/report/writer.hpp"

namespace dotscan::report {

class CsvWriter final : public Writer {
 public:
  explicit CsvWriter(std::FILE* out);                // does not own `out`
  void begin(const ScanMetadata& planned) override;  // the header row
  void add(const model::ProbeResult& result) override;
  void finish(const ScanMetadata& metadata) override;  // flushes; no trailer (CSV has none)

 private:
  std::FILE* out_;
  bool begun_ = false;
};

inline constexpr const char* kCsvHeader =
    "address,port,name,outcome,tls_version,subject,san,issuer,not_after,days_left,sha256,"
    "spki_pin_sha256,verdict,highest_finding";

// The row of one result, with its CRLF.
std::string csvRow(const model::ProbeResult& result);

}  // namespace dotscan::report
