// src/report/nmap_style.hpp — how a dotscan result reads in nmap's vocabulary, shared by the XML
// and grepable writers (private to the report module).
//
// dotscan does no host discovery (like nmap -Pn), so a target is a host to nmap's formats when
// it answered on its port: open (the TCP handshake completed) or closed (refused). Filtered,
// unreachable, error, interrupted and internal-error targets are counted as hosts down.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/model/result.hpp"

namespace dotscan::report::nmap {

struct PortView {
  std::string_view state;   // "open", "closed"; empty: not a host to nmap's formats
  std::string_view reason;  // "syn-ack", "conn-refused", "reset"
  // The service: empty when nothing is known (a closed port other than 853). DNS confirmed inside
  // TLS is "probed" with confidence 10; TLS without a DNS answer 5; a port number alone "table" 3.
  std::string_view service;
  std::string_view method;
  int conf = 0;
};

PortView portView(const model::ProbeResult& result);

// "853", "443,853", "1-1024": the ports as nmap's scaninfo and -p write them.
std::string portList(const std::vector<std::uint16_t>& ports);

// Whole seconds since 1970 (nmap's start, starttime, time attributes).
std::int64_t unixSeconds(std::chrono::system_clock::time_point time);

// nmap's name for an X.500 attribute OpenSSL calls by its short name: CN is commonName.
std::string_view longAttributeName(std::string_view short_name);

}  // namespace dotscan::report::nmap
