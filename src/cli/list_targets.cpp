#include <cerrno>
#include <cstring>

#include "dotscan/cli/run.hpp"
#include "dotscan/cli/stop_signals.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::cli {

namespace {

// Buffered writer: --list-targets of a /8 writes tens of millions of lines, so no per-line stdio.
class LineWriter {
 public:
  explicit LineWriter(std::FILE* out) : out_(out) {}
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;
  ~LineWriter() = default;

  // Room for one line: an address, a port, a name of up to 253 characters.
  static constexpr std::size_t kMaxLine = Address::kMaxTextLength + 8 + 256;

  char* reserve() {
    if (used_ + kMaxLine > sizeof buffer_) flush();
    return buffer_ + used_;
  }
  void commit(std::size_t length) { used_ += length; }
  void flush() {
    if (used_ != 0 && std::fwrite(buffer_, 1, used_, out_) != used_) {
      throw Error(ExitCode::RuntimeError,
                  std::string("cannot write the target list: ") + std::strerror(errno));
    }
    used_ = 0;
  }

 private:
  std::FILE* out_;
  std::size_t used_ = 0;
  char buffer_[1 << 16];
};

char* writePort(char* p, std::uint16_t port) {
  char digits[5];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + port % 10);
    port = static_cast<std::uint16_t>(port / 10);
  } while (port != 0);
  while (n > 0) *p++ = digits[--n];
  return p;
}

}  // namespace

u128 listTargets(targets::TargetOrder& order, std::FILE* out) {
  LineWriter writer(out);
  targets::Target target;
  u128 written = 0;
  // A stop signal ends the list at a whole line (run() then exits 130).
  while (stopRequests() == 0 && order.next(target)) {
    char* const line = writer.reserve();
    char* p = line + target.address.format(line);
    *p++ = ' ';
    p = writePort(p, target.port);
    if (!target.name.empty()) {
      *p++ = ' ';
      std::memcpy(p, target.name.data(), target.name.size());
      p += target.name.size();
    }
    *p++ = '\n';
    writer.commit(static_cast<std::size_t>(p - line));
    ++written;
  }
  writer.flush();
  if (std::fflush(out) != 0) {
    throw Error(ExitCode::RuntimeError,
                std::string("cannot write the target list: ") + std::strerror(errno));
  }
  return written;
}

}  // namespace dotscan::cli
