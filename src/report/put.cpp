#include "put.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include "dotscan/util/error.hpp"

namespace dotscan::report {

void put(std::FILE* out, std::string_view text) {
  errno = 0;
  // fwrite() must not see the null pointer of an empty view (its first argument is nonnull).
  const bool written = text.empty() || std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (!written || std::fflush(out) != 0) {
    const int error = errno != 0 ? errno : EIO;
    throw Error(ExitCode::RuntimeError,
                std::string("cannot write the report: ") + std::strerror(error));
  }
}

}  // namespace dotscan::report
