#include "nmap_style.hpp"

#include <array>
#include <utility>

namespace dotscan::report::nmap {

PortView portView(const model::ProbeResult& result) {
  using model::Outcome;
  PortView view;
  const bool dot_port = result.port == 853;
  if (result.outcome == Outcome::Closed) {
    view.state = "closed";
    view.reason = result.phase == model::Phase::Syn ? "reset" : "conn-refused";
    if (dot_port) view = {view.state, view.reason, "domain-s", "table", 3};
    return view;
  }
  if (!model::answered(result.outcome)) return view;
  view.state = "open";
  view.reason = "syn-ack";
  switch (result.outcome) {
    case Outcome::Dot:
      return {view.state, view.reason, "domain-s", "probed", 10};
    case Outcome::CleartextDns:
      return {view.state, view.reason, "domain", "probed", 10};
    case Outcome::TlsOk:
    case Outcome::TlsNoDns:
    case Outcome::DnsMalformed:
    case Outcome::DnsTimeout:
      return {view.state, view.reason, "domain-s", "probed", 5};
    default:
      if (dot_port) return {view.state, view.reason, "domain-s", "table", 3};
      return view;
  }
}

std::string portList(const std::vector<std::uint16_t>& ports) {
  std::string text;
  std::size_t i = 0;
  while (i < ports.size()) {
    std::size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    if (!text.empty()) text += ",";
    text += std::to_string(ports[i]);
    if (j > i) text += "-" + std::to_string(ports[j]);
    i = j + 1;
  }
  return text;
}

std::int64_t unixSeconds(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::string_view longAttributeName(std::string_view short_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kNames = {{
      {"CN", "commonName"},
      {"O", "organizationName"},
      {"OU", "organizationalUnitName"},
      {"C", "countryName"},
      {"ST", "stateOrProvinceName"},
      {"L", "localityName"},
      {"DC", "domainComponent"},
      {"street", "streetAddress"},
      {"UID", "userId"},
      {"SN", "surname"},
      {"GN", "givenName"},
      {"emailAddress", "emailAddress"},
  }};
  for (const auto& [short_form, long_form] : kNames) {
    if (short_form == short_name) return long_form;
  }
  return short_name;
}

}  // namespace dotscan::report::nmap
