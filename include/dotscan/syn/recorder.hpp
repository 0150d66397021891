// dotscan/syn/recorder.hpp — --pcap FILE: every packet of the scan, written as the scan runs.
//
// A second libpcap capture, separate from discovery's (which keeps only what answers a SYN), on
// the interface the scan leaves by, filtered to the scan's traffic: TCP to or from the scanned
// ports and to discovery's source ports, and ICMP. Its own thread writes each packet to a pcap
// file that tcpdump -r and Wireshark read: the SYNs, the answers, and the TCP, TLS and DNS packets
// of the prober's sessions, so the wire itself shows that DoT is encrypted. Works with -sT too.
// Invariants: the capture and the file are opened by the constructor (before privileges are
// dropped); memory is bounded by the snap length and libpcap's ring, never by the scan; the file
// stops growing at `max_bytes` (packets past it are counted, not written).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dotscan::syn {

struct RecorderSettings {
  std::string path;                          // the pcap file
  std::string interface;                     // where to capture
  std::vector<std::uint16_t> ports;          // the scanned ports; empty: all TCP
  std::uint16_t source_ports_first = 61000;  // discovery's source ports (-sS)
  std::uint16_t source_ports_last = 65535;
  int snap_length = 256;                 // bytes kept of each packet (--pcap-snaplen)
  std::uint64_t max_bytes = 1ULL << 30;  // the file's cap (--pcap-max-size)
};

struct RecorderCounts {
  std::uint64_t written = 0;  // packets written to the file
  std::uint64_t skipped = 0;  // packets past the size cap
  std::uint64_t dropped = 0;  // libpcap's drop counters
};

class Recorder {
 public:
  // Opens the capture and the file; throws dotscan::Error (UsageError without the privilege or
  // for a file that cannot be written).
  explicit Recorder(const RecorderSettings& settings);
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  Recorder(Recorder&&) = delete;
  Recorder& operator=(Recorder&&) = delete;
  ~Recorder();  // stops and closes the file, if stop() was not called

  void start();  // the writing thread
  // Writes what the capture still holds, stops the thread, flushes and closes the file.
  RecorderCounts stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dotscan::syn
