#include "put.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include "dotscan/report/writer.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::report {

void put(std::FILE* out, std::string_view text) {
  errno = 0;
  // fwrite() must not see the null pointer of an empty view (its first argument is nonnull).
  const bool written = text.empty() || std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (!written || std::fflush(out) != 0) throwWriteError(errno != 0 ? errno : EIO);
}

void throwWriteError(int error) {
  std::string message = std::string("cannot write the report: ") + std::strerror(error);
  // SIGPIPE is ignored (probe::Engine::run, cli::scan), so a gone reader shows as EPIPE here.
  if (error == EPIPE) throw OutputClosed(message);
  throw Error(ExitCode::RuntimeError, message);
}

}  // namespace dotscan::report
