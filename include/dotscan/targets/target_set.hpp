// dotscan/targets/target_set.hpp — the deduplicated set of (address, port, name) targets of a scan.
//
// Built once from the user's specs, exclusions and name resolutions; then read-only, indexable by a
// number in [0, size()) so that the order (target_order.hpp) can be computed lazily.
// Invariants:
//  - each (address, port, name) appears exactly once, however many specs cover it;
//  - an address reached through a name is not also scanned bare on the same port: the named target
//    wins, because its name is the TLS server name and the authentication name;
//  - the same address under two different names is two targets (two SNI values to test);
//  - memory is proportional to the number of intervals (about the number of specs and names),
//    never to the number of targets.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dotscan/targets/interval_set.hpp"
#include "dotscan/targets/port_list.hpp"
#include "dotscan/targets/resolver.hpp"
#include "dotscan/util/address.hpp"
#include "dotscan/util/uint128.hpp"

namespace dotscan::targets {

struct Target {
  Address address;
  std::uint16_t port = 0;
  std::string_view name;  // empty for a bare address; points into the TargetSet
};

// One line or argument of user input, before parsing.
struct TargetInput {
  std::string specs;   // one spec or a comma list (spec.hpp)
  PortList ports;      // this line's own ports; empty: the scan's ports
  std::string name;    // an -iL name column; empty when none
  std::string origin;  // "hosts.txt:12", for messages; empty for arguments
};

// Where targets (or exclusions) come from: arguments, and whole file texts that are parsed line
// by line during expansion, so a 100,000-line file is never held as 100,000 parsed records.
struct InputSources {
  std::vector<TargetInput> arguments;
  std::vector<std::pair<std::string, std::string>> files;  // (label for messages, text)
};

struct ExpandOptions {
  PortList ports{853};
  std::optional<Family> family;  // -4 / -6
  bool resolve = true;           // -n clears it
  unsigned resolve_parallelism = 64;
  // Address lists that are always removed (the shipped default exclusions): (label, text in the
  // exclude-file format).
  std::vector<std::pair<std::string, std::string>> builtin_excludes;
};

struct ExpandReport {
  std::vector<std::string> warnings;  // one line each: unresolved names, exclusions that bit
  std::size_t names_resolved = 0;
  std::size_t names_failed = 0;
  u128 excluded_by_user = 0;     // targets removed by --exclude/--excludefile
  u128 excluded_by_builtin = 0;  // targets removed by the shipped lists
};

class TargetSet {
 public:
  [[nodiscard]] u128 size() const { return size_; }
  [[nodiscard]] Target at(u128 index) const;
  // The target of the lowest index whose address is of `family`; nullopt when none is.
  [[nodiscard]] std::optional<Target> firstOf(Family family) const;
  // The inverse of at() for what a reply names: the lowest index whose target is (address, port),
  // whatever its name; nullopt when no target is. Two names of one address share that index.
  // O(log segments) with disjoint segments, the usual case.
  [[nodiscard]] std::optional<u128> indexOf(const Address& address, std::uint16_t port) const;
  // Whether `address` was listed on its own: a single address (an argument, an -iL line) or an
  // address of a name; not one address of a range or CIDR block. --require-dot asks DoT of these.
  [[nodiscard]] bool listed(const Address& address) const { return listed_.contains(address); }

 private:
  friend class Expander;
  struct Group {
    std::uint16_t port;
    std::uint32_t name;  // index into names_; 0 is the empty name
  };
  std::vector<std::string> names_{std::string()};
  std::vector<Group> groups_;
  // Segment i covers indexes [segment_start_[i], segment_start_[i+1]) and addresses from
  // segment_first_[i] upwards, for group segment_group_[i].
  std::vector<u128> segment_start_;
  std::vector<u128> segment_first_;
  std::vector<std::uint32_t> segment_group_;
  // indexOf's lookup: the segments sorted by (port, first address), and for each position the
  // highest last address of the segments of its port up to it (where a backwards walk can stop).
  std::vector<std::uint32_t> by_address_;
  std::vector<u128> reach_;
  IntervalSet listed_;  // normalised
  u128 size_ = 0;

  [[nodiscard]] u128 segmentLast(std::size_t segment) const;
  void buildLookup();
};

// Parses, resolves, deduplicates and excludes. Target files are in the -iL format, exclusion files
// in the exclude-file format. Throws UsageError for malformed input (naming the offending text and
// its origin) and when nothing is left to scan; unresolvable names become warnings in the report.
TargetSet expandTargets(const InputSources& targets, const InputSources& excludes,
                        const ExpandOptions& options, const Resolver& resolver,
                        ExpandReport& report);
// The same, for inputs already split into records.
TargetSet expandTargets(const std::vector<TargetInput>& targets,
                        const std::vector<TargetInput>& excludes, const ExpandOptions& options,
                        const Resolver& resolver, ExpandReport& report);

// Parses the text of an -iL file: one target per line, "SPECS [PORTS] [NAME]", '#' comments.
std::vector<TargetInput> parseTargetFile(std::string_view content, std::string_view source);
// Parses the text of an exclude file: whitespace-separated specs, '#' comments, no ports or names.
std::vector<TargetInput> parseExcludeFile(std::string_view content, std::string_view source);

// The line format these files share (so does the --pin-file of the audit): '#' starts a comment,
// a trailing CR is dropped, a NUL byte is refused, blank lines are skipped. Calls
// visit(fields, "SOURCE:LINE") with the whitespace-separated fields of every other line; errors
// it or visit throw should start with that origin.
void forEachFileLine(
    std::string_view content, std::string_view source,
    const std::function<void(const std::vector<std::string_view>&, const std::string&)>& visit);

// The same two formats, one record at a time.
void forEachTargetLine(std::string_view content, std::string_view source,
                       const std::function<void(TargetInput&&)>& visit);
void forEachExcludeEntry(std::string_view content, std::string_view source,
                         const std::function<void(TargetInput&&)>& visit);

}  // namespace dotscan::targets
