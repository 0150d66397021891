#include "dotscan/report/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dotscan::report {

namespace {

std::string printf1(double value) {
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return n > 0 ? std::string(buffer) : std::string("?");
}

}  // namespace

std::string formatClock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds >= 1e15) return "?";  // a rate near zero: no meaningful estimate
  const auto whole = static_cast<std::uint64_t>(seconds);
  char buffer[48];
  (void)std::snprintf(buffer, sizeof buffer, "%llu:%02u:%02u",
                      static_cast<unsigned long long>(whole / 3600),
                      static_cast<unsigned>(whole / 60 % 60), static_cast<unsigned>(whole % 60));
  return buffer;
}

std::string percentDone(std::uint64_t done, double total) {
  if (!(total > 0)) return "100.0";
  const double tenths = std::floor(static_cast<double>(done) * 1000.0 / total);
  return printf1(std::min(tenths, 1000.0) / 10.0);
}

std::string progressLine(const ProgressSnapshot& s) {
  const double total = std::strtod(s.total.c_str(), nullptr);
  const double rate = s.elapsed_s > 0 ? static_cast<double>(s.done) / s.elapsed_s : 0.0;
  std::string line = "dotscan stats: " + formatClock(s.elapsed_s) + " elapsed, " +
                     std::to_string(s.done) + " of " + s.total +
                     (s.total == "1" ? " target (" : " targets (") + percentDone(s.done, total) +
                     "%), " + printf1(rate) + "/s, ETA ";
  const double left = total - static_cast<double>(s.done);
  if (left <= 0) {
    line += formatClock(0);
  } else if (s.done == 0 || rate <= 0) {
    line += "?";
  } else {
    line += formatClock(std::ceil(left / rate));
  }
  line +=
      "; " + std::to_string(s.counts.at(static_cast<std::size_t>(model::Outcome::Dot))) + " dot";
  for (std::size_t i = 0; i < s.counts.size(); ++i) {
    if (i == static_cast<std::size_t>(model::Outcome::Dot) || s.counts.at(i) == 0) continue;
    line += ", " + std::to_string(s.counts.at(i)) + " " +
            std::string(model::toString(static_cast<model::Outcome>(i)));
  }
  return line;
}

}  // namespace dotscan::report
