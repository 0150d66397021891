// The HTML and Markdown writers on N generated results, all of them DoT servers with findings
// (the worst case: every result is detailed), as a scan of N servers would hand them over. Prints
// the time each writer took, the size of each file, and the process's peak memory.
// Usage: readable_report_bench N OUT.html OUT.md
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dotscan/audit/findings.hpp"
#include "dotscan/report/html.hpp"
#include "dotscan/report/markdown.hpp"

#include "unit/report/samples.hpp"

namespace {

using dotscan::report::samples::dot;

template <typename Writer>
double run(std::uint32_t count, const char* path) {
  using Clock = std::chrono::steady_clock;
  std::FILE* out = std::fopen(path, "w");
  if (out == nullptr) {
    std::perror(path);
    std::exit(2);
  }
  dotscan::report::ReadableReportOptions options;
  options.guide = &dotscan::audit::findingGuide;
  const auto start = Clock::now();
  {
    Writer writer(out, options);
    dotscan::report::ScanMetadata m = dotscan::report::samples::metadata();
    m.targets_planned = std::to_string(count);
    m.targets_scanned = count;
    m.counts = {};
    m.counts.at(static_cast<std::size_t>(dotscan::model::Outcome::Dot)) = count;
    writer.begin(m);
    dotscan::model::ProbeResult r = dot();
    for (std::uint32_t i = 0; i < count; ++i) {
      r.address = dotscan::Address::fromV4(0x0a000000U + i);
      // 300 issuers, expiry spread over 10 years of months.
      r.certificates.front().issuer = "CN=Issuing CA " + std::to_string(i % 300) + ",O=Example";
      const std::uint32_t month = i % 120;
      r.certificates.front().not_after = std::to_string(2027 + month / 12) + "-" +
                                         (month % 12 < 9 ? "0" : "") +
                                         std::to_string(month % 12 + 1) + "-15T00:00:00Z";
      writer.add(r);
    }
    writer.finish(m);
  }
  std::fclose(out);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long fileSize(const char* path) {
  std::FILE* file = std::fopen(path, "r");
  if (file == nullptr) return -1;
  std::fseek(file, 0, SEEK_END);
  const long size = std::ftell(file);
  std::fclose(file);
  return size;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s N OUT.html OUT.md\n", argv[0]);
    return 2;
  }
  const auto count = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  const double html = run<dotscan::report::HtmlWriter>(count, argv[2]);
  const double markdown = run<dotscan::report::MarkdownWriter>(count, argv[3]);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%u results: html %.2f s, %ld bytes; markdown %.2f s, %ld bytes; peak RSS %ld KB\n",
              count, html, fileSize(argv[2]), markdown, fileSize(argv[3]), usage.ru_maxrss);
  return 0;
}
