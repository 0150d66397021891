// dotscan/util/error.hpp — the one exception type for start-up and configuration errors.
//
// A bad target, an unreadable file or a malformed option is reported once, as one line, and the
// process exits with the code carried here. Per-target failures during a scan are never exceptions:
// they are values in the result model.
#pragma once

#include <stdexcept>
#include <string>

namespace dotscan {

// Exit codes, documented in README.md ("Exit codes").
enum class ExitCode : int {
  Ok = 0,
  Findings = 1,      // something at or above --fail-on was found (audit stage)
  UsageError = 2,    // bad option, malformed target, unreadable file, empty target set
  RuntimeError = 3,  // the scan could not run or its output could not be written
  Interrupted = 130,
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// A problem with what the user asked for: exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ExitCode::UsageError, message) {}
};

}  // namespace dotscan
