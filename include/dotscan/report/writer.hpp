// dotscan/report/writer.hpp — one output format of a scan: JSON Lines, the listing, nmap XML, ...
//
// The scan holds a list of writers and hands each the same calls, under one lock: begin() once
// before the first result, add() once per result (already judged: findings and verdict set), then
// finish() exactly once, however the scan ends (finished, interrupted, or stopped by an error:
// metadata.error then says why). Invariants of every writer: memory stays bounded whatever the
// number of results (a writer that buffers has a cap and streams past it); after finish() the
// output is complete and valid in its format; a failed write throws
// dotscan::Error(ExitCode::RuntimeError, ...) rather than losing lines silently, and OutputClosed
// when the reader of a pipe has gone (EPIPE). Writers are not thread-safe and do not own their
// FILE*.
#pragma once

#include "dotscan/model/result.hpp"
#include "dotscan/report/metadata.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::report {

// The output is a pipe whose reader has gone (`dotscan | head -1`): nobody reads what is left,
// which is not a failure to write it. The scan drops that writer and goes on, as nmap does.
class OutputClosed : public Error {
 public:
  explicit OutputClosed(const std::string& message) : Error(ExitCode::RuntimeError, message) {}
};

class Writer {
 public:
  Writer() = default;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  Writer(Writer&&) = delete;
  Writer& operator=(Writer&&) = delete;
  virtual ~Writer() = default;

  // The scan as planned (no counts or end time yet): headers such as nmap's <nmaprun>.
  virtual void begin(const ScanMetadata& /*planned*/) {}
  virtual void add(const model::ProbeResult& result) = 0;
  virtual void finish(const ScanMetadata& metadata) = 0;
};

}  // namespace dotscan::report
