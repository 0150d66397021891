#include "dotscan/targets/target_set.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "dotscan/targets/spec.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::targets {

Target TargetSet::at(u128 index) const {
  // Last segment whose start is <= index.
  auto it = std::upper_bound(segment_start_.begin(), segment_start_.end(), index);
  const auto segment = static_cast<std::size_t>(it - segment_start_.begin()) - 1;
  const Group& group = groups_[segment_group_[segment]];
  return Target{Address::fromValue(segment_first_[segment] + (index - segment_start_[segment])),
                group.port, names_[group.name]};
}

std::optional<u128> TargetSet::indexOf(const Address& address, std::uint16_t port) const {
  const u128 value = address.value();
  const auto port_of = [this](std::uint32_t segment) {
    return groups_[segment_group_[segment]].port;
  };
  // The first segment that starts after (port, address); every candidate is before it.
  const auto after =
      std::upper_bound(by_address_.begin(), by_address_.end(), std::pair{port, value},
                       [&](const std::pair<std::uint16_t, u128>& key, std::uint32_t segment) {
                         return key < std::pair{port_of(segment), segment_first_[segment]};
                       });
  std::optional<u128> found;
  // Walk back while a segment of this port may still reach the address: reach_ never grows on
  // the way back, so this stops at the first segment when segments are disjoint.
  for (auto k = static_cast<std::size_t>(after - by_address_.begin()); k-- > 0;) {
    const std::uint32_t segment = by_address_[k];
    if (port_of(segment) != port || reach_[k] < value) break;
    if (value <= segmentLast(segment)) {
      const u128 index = segment_start_[segment] + (value - segment_first_[segment]);
      if (!found || index < *found) found = index;
    }
  }
  return found;
}

std::optional<Target> TargetSet::firstOf(Family family) const {
  // Segments are intervals of values; IPv4 addresses are the values of ::ffff:0.0.0.0/96.
  constexpr u128 kFirst4 = Address::kV4Base;
  constexpr u128 kLast4 = Address::kV4Last;
  for (std::size_t segment = 0; segment < segment_start_.size(); ++segment) {
    const u128 first = segment_first_[segment];
    const u128 last = segmentLast(segment);
    std::optional<u128> value;
    if (family == Family::V4) {
      if (first <= kLast4 && last >= kFirst4) value = std::max(first, kFirst4);
    } else if (first < kFirst4 || first > kLast4) {
      value = first;
    } else if (last > kLast4) {
      value = kLast4 + 1;
    }
    if (value) return at(segment_start_[segment] + (*value - first));
  }
  return std::nullopt;
}

u128 TargetSet::segmentLast(std::size_t segment) const {
  const u128 end = segment + 1 < segment_start_.size() ? segment_start_[segment + 1] : size_;
  return segment_first_[segment] + (end - segment_start_[segment] - 1);
}

void TargetSet::buildLookup() {
  by_address_.resize(segment_start_.size());
  for (std::size_t i = 0; i < by_address_.size(); ++i) {
    by_address_[i] = static_cast<std::uint32_t>(i);
  }
  const auto key = [this](std::uint32_t segment) {
    return std::pair{groups_[segment_group_[segment]].port, segment_first_[segment]};
  };
  std::sort(by_address_.begin(), by_address_.end(),
            [&](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); });
  reach_.resize(by_address_.size());
  for (std::size_t k = 0; k < by_address_.size(); ++k) {
    const std::uint32_t segment = by_address_[k];
    const u128 last = segmentLast(segment);
    const bool same_port = k > 0 && key(by_address_[k - 1]).first == key(segment).first;
    reach_[k] = same_port ? std::max(reach_[k - 1], last) : last;
  }
}

namespace {

// Runs f, prefixing the origin to any UsageError it throws.
template <typename F>
void atOrigin(const std::string& origin, F&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    if (origin.empty()) throw;
    throw UsageError(clipInput(origin) + ": " + e.what());
  }
}

void restrictFamily(IntervalSet& set, Family family) {
  if (family == Family::V4) {
    set.intersect(Address::kV4Base, Address::kV4Last);
  } else {
    IntervalSet v4;
    v4.add(Address::kV4Base, Address::kV4Last);
    set.subtract(v4);
  }
}

}  // namespace

// Builds a TargetSet in one pass over the inputs: literal addresses go straight into their
// (port, name) group; host names are collected, resolved together, then added.
class Expander {
 public:
  Expander(const ExpandOptions& options, const Resolver& resolver, ExpandReport& report)
      : options_(options), resolver_(resolver), report_(report) {
    port_lists_.push_back(options.ports);
  }

  void addTarget(const TargetInput& input) {
    atOrigin(input.origin, [&] {
      const std::uint32_t ports = internPorts(input.ports);
      const std::uint32_t column = nameId(input.name);
      for (const std::string& text : splitSpecList(input.specs)) {
        Spec spec = parseSpec(text);
        if (const auto* named = std::get_if<NameSpec>(&spec)) {
          pending_targets_.push_back({lookup(named->name), ports, column});
          continue;
        }
        IntervalSet& addresses = std::get<AddressSpec>(spec).addresses;
        if (options_.family) {
          restrictFamily(addresses, *options_.family);
          if (addresses.empty()) refuseFamily(text);
        }
        if (addresses.count() == 1) set_.listed_.addAll(addresses);
        countRanges(addresses.intervals().size() * port_lists_[ports].count());
        port_lists_[ports].forEach([&](std::uint16_t port) {
          groups_[{port, column}].addAll(addresses);
        });
      }
    });
  }

  // Exclusions are not checked against -4/-6: excluding space we do not scan is harmless.
  void addExclusion(const TargetInput& input, std::size_t list) {
    atOrigin(input.origin, [&] {
      for (const std::string& text : splitSpecList(input.specs)) {
        Spec spec = parseSpec(text);
        if (const auto* named = std::get_if<NameSpec>(&spec)) {
          pending_excludes_.emplace_back(lookup(named->name), list);
        } else {
          cuts_[list].addAll(std::get<AddressSpec>(spec).addresses);
        }
      }
    });
  }

  void setExclusionLists(std::size_t count) { cuts_.resize(count); }

  // Each spec is capped (kMaxIntervalsPerSpec); many capped specs, and resolved names, times their
  // ports, must not add up to gigabytes either (found by fuzz_target_spec).
  void countRanges(std::size_t ranges) {
    ranges_ += ranges;
    if (ranges_ > kMaxIntervalsTotal) {
      throw UsageError("the targets expand to more than " + std::to_string(kMaxIntervalsTotal) +
                       " separate ranges across their ports; use CIDR blocks or dash ranges");
    }
  }

  // Looks up every distinct name once, all in parallel, then places what was waiting for them.
  void resolveNames() {
    const auto results =
        resolveAll(resolver_, lookups_, options_.family, options_.resolve_parallelism);
    for (std::size_t i = 0; i < lookups_.size(); ++i) {
      if (results[i].addresses.empty()) {
        ++report_.names_failed;
        report_.warnings.push_back("cannot resolve " + quoteInput(lookups_[i]) + ": " +
                                   results[i].error);
      } else {
        ++report_.names_resolved;
      }
    }
    for (const PendingTarget& p : pending_targets_) {
      // A name that did not resolve makes no group: with every port ("-") that would be 65,536
      // empty groups for each such line (found by fuzz_target_spec: 1.8 s for 43 bytes).
      const auto& addresses = results[p.lookup].addresses;
      if (addresses.empty()) continue;
      countRanges(addresses.size() * port_lists_[p.ports].count());
      const std::uint32_t name = p.column != 0 ? p.column : nameId(lookups_[p.lookup]);
      for (const Address& address : addresses) set_.listed_.add(address);
      port_lists_[p.ports].forEach([&](std::uint16_t port) {
        IntervalSet& group = groups_[{port, name}];
        for (const Address& address : addresses) group.add(address);
      });
    }
    for (const auto& [lookup, list] : pending_excludes_) {
      for (const Address& address : results[lookup].addresses) cuts_[list].add(address);
    }
  }

  TargetSet finish() {
    for (auto& [key, addresses] : groups_) addresses.normalise();
    set_.listed_.normalise();
    preferNamedTargets();
    // cuts_[0] is the user's exclusions; the others are the shipped lists, counted apart.
    for (std::size_t list = 0; list < cuts_.size(); ++list) {
      exclude(cuts_[list], list == 0 ? report_.excluded_by_user : report_.excluded_by_builtin);
    }
    return flatten();
  }

 private:
  struct PendingTarget {
    std::uint32_t lookup;  // index into lookups_
    std::uint32_t ports;   // index into port_lists_
    std::uint32_t column;  // name from an -iL name column, 0 when none
  };

  std::uint32_t lookup(const std::string& name) {
    if (!options_.resolve) {
      throw UsageError(quoteInput(name) + " is a host name, and -n forbids resolving it");
    }
    auto [it, inserted] = lookup_index_.emplace(name, static_cast<std::uint32_t>(lookups_.size()));
    if (inserted) lookups_.push_back(name);
    return it->second;
  }

  std::uint32_t nameId(const std::string& name) {
    if (name.empty()) return 0;
    auto [it, inserted] = name_index_.emplace(name, static_cast<std::uint32_t>(set_.names_.size()));
    if (inserted) set_.names_.push_back(name);
    return it->second;
  }

  std::uint32_t internPorts(const PortList& ports) {
    if (ports.empty()) return 0;
    auto [it, inserted] =
        port_index_.emplace(ports, static_cast<std::uint32_t>(port_lists_.size()));
    if (inserted) port_lists_.push_back(ports);
    return it->second;
  }

  [[noreturn]] void refuseFamily(const std::string& text) const {
    const bool v4 = *options_.family == Family::V4;
    throw UsageError("invalid target " + quoteInput(text) + ": " + (v4 ? "IPv6" : "IPv4") +
                     " target, but -" + (v4 ? "4" : "6") + " was given");
  }

  // The named target wins over the same address given bare on the same port.
  void preferNamedTargets() {
    std::map<std::uint16_t, IntervalSet> named_by_port;
    for (const auto& [key, addresses] : groups_) {
      if (key.second != 0) named_by_port[key.first].addAll(addresses);
    }
    for (auto& [port, addresses] : named_by_port) {
      addresses.normalise();
      if (auto it = groups_.find({port, 0}); it != groups_.end()) it->second.subtract(addresses);
    }
  }

  // Exclusions remove addresses from every group, named or not; each removal is counted.
  void exclude(IntervalSet& cut, u128& removed) {
    cut.normalise();
    for (auto& [key, addresses] : groups_) {
      const u128 before = addresses.count();
      addresses.subtract(cut);
      removed += before - addresses.count();
    }
  }

  TargetSet flatten() {
    // A stable order, by port then name text: shards on other machines depend on it.
    std::vector<std::pair<std::pair<std::uint16_t, std::uint32_t>, IntervalSet*>> ordered;
    std::size_t segments = 0;
    for (auto& [key, addresses] : groups_) {
      if (addresses.empty()) continue;
      ordered.emplace_back(key, &addresses);
      segments += addresses.intervals().size();
    }
    // Exact sizes, and each group freed once copied: this is the peak of memory use.
    set_.groups_.reserve(ordered.size());
    set_.segment_start_.reserve(segments);
    set_.segment_first_.reserve(segments);
    set_.segment_group_.reserve(segments);
    std::sort(ordered.begin(), ordered.end(), [&](const auto& a, const auto& b) {
      if (a.first.first != b.first.first) return a.first.first < b.first.first;
      return set_.names_[a.first.second] < set_.names_[b.first.second];
    });
    for (const auto& [key, addresses] : ordered) {
      const auto group = static_cast<std::uint32_t>(set_.groups_.size());
      set_.groups_.push_back({key.first, key.second});
      for (const Interval& piece : addresses->intervals()) {
        const u128 size_minus_one = piece.last - piece.first;
        auto next = checkedAdd(set_.size_, size_minus_one);
        if (size_minus_one == kU128Max || !next || *next == kU128Max) {
          throw UsageError("the target set is too large to enumerate (2^128 targets or more)");
        }
        set_.segment_start_.push_back(set_.size_);
        set_.segment_first_.push_back(piece.first);
        set_.segment_group_.push_back(group);
        set_.size_ = *next + 1;
      }
      *addresses = IntervalSet();
    }
    if (set_.size_ == 0) {
      std::string why = "no targets to scan";
      if (report_.excluded_by_user + report_.excluded_by_builtin != 0) {
        why += " after exclusions (" + toString(report_.excluded_by_user) +
               " removed by --exclude, " + toString(report_.excluded_by_builtin) +
               " by the default exclusion lists)";
      } else if (report_.names_failed != 0) {
        why += ": no host name resolved";
      }
      throw UsageError(why);
    }
    groups_.clear();
    set_.buildLookup();
    return std::move(set_);
  }

  const ExpandOptions& options_;
  const Resolver& resolver_;
  ExpandReport& report_;
  std::size_t ranges_ = 0;  // address intervals added so far, once per port
  TargetSet set_;
  // (port, name id) -> addresses. One port per group keeps deduplication exact when lines carry
  // different port lists.
  std::map<std::pair<std::uint16_t, std::uint32_t>, IntervalSet> groups_;
  std::vector<IntervalSet> cuts_;
  std::unordered_map<std::string, std::uint32_t> name_index_;
  std::vector<std::string> lookups_;
  std::unordered_map<std::string, std::uint32_t> lookup_index_;
  std::vector<PendingTarget> pending_targets_;
  std::vector<std::pair<std::uint32_t, std::size_t>> pending_excludes_;
  std::vector<PortList> port_lists_;
  std::map<PortList, std::uint32_t> port_index_;
};

TargetSet expandTargets(const InputSources& targets, const InputSources& excludes,
                        const ExpandOptions& options, const Resolver& resolver,
                        ExpandReport& report) {
  if (options.ports.empty()) throw UsageError("no ports to scan");
  Expander expander(options, resolver, report);
  for (const TargetInput& input : targets.arguments) expander.addTarget(input);
  for (const auto& [label, text] : targets.files) {
    forEachTargetLine(text, label, [&](TargetInput&& input) { expander.addTarget(input); });
  }
  expander.setExclusionLists(1 + options.builtin_excludes.size());
  for (const TargetInput& input : excludes.arguments) expander.addExclusion(input, 0);
  for (const auto& [label, text] : excludes.files) {
    forEachExcludeEntry(text, label, [&](TargetInput&& input) { expander.addExclusion(input, 0); });
  }
  for (std::size_t i = 0; i < options.builtin_excludes.size(); ++i) {
    const auto& [label, text] = options.builtin_excludes[i];
    forEachExcludeEntry(text, label,
                        [&](TargetInput&& input) { expander.addExclusion(input, i + 1); });
  }
  expander.resolveNames();
  return expander.finish();
}

TargetSet expandTargets(const std::vector<TargetInput>& targets,
                        const std::vector<TargetInput>& excludes, const ExpandOptions& options,
                        const Resolver& resolver, ExpandReport& report) {
  return expandTargets(InputSources{targets, {}}, InputSources{excludes, {}}, options, resolver,
                       report);
}

namespace {

void splitWhitespace(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
}

// Calls f(fields, origin) for each line that is not blank or a comment.
template <typename F>
void forEachLine(std::string_view content, std::string_view source, F&& f) {
  std::size_t line_number = 0;
  std::size_t start = 0;
  std::vector<std::string_view> fields;
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\0') != std::string_view::npos) {
      throw UsageError(std::string(source) + ":" + std::to_string(line_number) +
                       ": a NUL byte (is this a text file?)");
    }
    splitWhitespace(line, fields);
    if (!fields.empty()) f(fields, std::string(source) + ":" + std::to_string(line_number));
  }
}

}  // namespace

void forEachFileLine(
    std::string_view content, std::string_view source,
    const std::function<void(const std::vector<std::string_view>&, const std::string&)>& visit) {
  forEachLine(content, source, visit);
}

void forEachTargetLine(std::string_view content, std::string_view source,
                       const std::function<void(TargetInput&&)>& visit) {
  forEachLine(content, source,
              [&](const std::vector<std::string_view>& fields, std::string origin) {
                TargetInput input{std::string(fields[0]), {}, {}, std::move(origin)};
                std::size_t next = 1;
                atOrigin(input.origin, [&] {
                  // A second column of digits, commas and dashes is a port list; anything else is a
                  // name.
                  if (next < fields.size() &&
                      fields[next].find_first_not_of("0123456789,-") == std::string_view::npos) {
                    input.ports = parsePortList(fields[next++]);
                  }
                  if (next < fields.size()) input.name = normaliseHostName(fields[next++]);
                  if (next < fields.size()) {
                    throw UsageError("unexpected " + quoteInput(fields[next]) +
                                     " (a line is: TARGET [PORTS] [NAME])");
                  }
                });
                visit(std::move(input));
              });
}

void forEachExcludeEntry(std::string_view content, std::string_view source,
                         const std::function<void(TargetInput&&)>& visit) {
  forEachLine(content, source,
              [&](const std::vector<std::string_view>& fields, const std::string& origin) {
                for (std::string_view field : fields) visit({std::string(field), {}, {}, origin});
              });
}

std::vector<TargetInput> parseTargetFile(std::string_view content, std::string_view source) {
  std::vector<TargetInput> inputs;
  forEachTargetLine(content, source,
                    [&](TargetInput&& input) { inputs.push_back(std::move(input)); });
  return inputs;
}

std::vector<TargetInput> parseExcludeFile(std::string_view content, std::string_view source) {
  std::vector<TargetInput> inputs;
  forEachExcludeEntry(content, source,
                      [&](TargetInput&& input) { inputs.push_back(std::move(input)); });
  return inputs;
}

}  // namespace dotscan::targets
