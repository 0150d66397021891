#include "dotscan/report/grepable.hpp"

#include <cstdio>

#include "dotscan/report/escape.hpp"
#include "dotscan/report/json_lines.hpp"

#include "nmap_style.hpp"
#include "put.hpp"

namespace dotscan::report {

namespace {

// nmap's grepable output keeps '/' and ',' as separators: inside a field they become '|'.
std::string field(std::string_view untrusted) {
  std::string text = terminalSafe(untrusted);
  for (char& c : text) {
    if (c == '/' || c == ',') c = '|';
  }
  return text;
}

}  // namespace

std::string grepableLine(const model::ProbeResult& r) {
  const nmap::PortView view = nmap::portView(r);
  if (view.state.empty()) return {};
  // A name may hold ')' or '(' (it is the user's); terminalSafe keeps the line one line.
  return "Host: " + r.address.toString() + " (" + terminalSafe(r.name) +
         ")\tPorts: " + std::to_string(r.port) + "/" + std::string(view.state) + "/tcp//" +
         std::string(view.service) + "//" + field(model::toString(r.outcome)) + "/\n";
}

GrepableWriter::GrepableWriter(std::FILE* out) : out_(out) {}

void GrepableWriter::begin(const ScanMetadata& planned) {
  put(out_, "# dotscan " + terminalSafe(planned.version) + " scan initiated " +
                formatTime(planned.started) + " as: dotscan " + terminalSafe(planned.command_line) +
                "\n");
}

void GrepableWriter::add(const model::ProbeResult& result) {
  const std::string line = grepableLine(result);
  if (line.empty()) return;
  ++hosts_;
  put(out_, line);
}

void GrepableWriter::finish(const ScanMetadata& m) {
  char seconds[32];
  (void)std::snprintf(seconds, sizeof seconds, "%.2f", m.duration_s);
  put(out_, std::string("# dotscan ") + (m.interrupted ? "interrupted" : "done") + " at " +
                formatTime(m.ended) + " -- " + std::to_string(m.targets_scanned) +
                (m.targets_scanned == 1 ? " target (" : " targets (") + std::to_string(hosts_) +
                (hosts_ == 1 ? " host up" : " hosts up") + ") scanned in " + seconds +
                " seconds\n");
}

}  // namespace dotscan::report
