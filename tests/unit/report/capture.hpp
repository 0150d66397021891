// What a report writer wrote: a temporary file to hand it, and the file's text afterwards.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace dotscan::report::test {

class TempOutput {
 public:
  TempOutput() : file_(std::tmpfile(), &std::fclose) {}
  [[nodiscard]] std::FILE* get() const { return file_.get(); }
  [[nodiscard]] explicit operator bool() const { return file_ != nullptr; }
  // Everything written so far.
  [[nodiscard]] std::string text() const {
    if (!file_) return "(no tmpfile)";
    EXPECT_EQ(std::fflush(file_.get()), 0);
    std::rewind(file_.get());
    std::string text;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file_.get())) > 0) text.append(buffer, n);
    return text;
  }

 private:
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file_;
};

// The bytes below 0x20 other than \n, and DEL: none may reach a report.
inline bool hasRawControl(const std::string& text, bool allow_cr = false) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n' && !(allow_cr && c == '\r')) || byte == 0x7f) return true;
  }
  return false;
}

}  // namespace dotscan::report::test
