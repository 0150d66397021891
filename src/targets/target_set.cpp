#include "dotscan/targets/target_set.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "dotscan/targets/spec.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::targets {

Target TargetSet::at(u128 index) const {
  // Last segment whose start is <= index.
  auto it = std::upper_bound(segment_start_.begin(), segment_start_.end(), index);
  const auto segment = static_cast<std::size_t>(it - segment_start_.begin()) - 1;
  const Group& group = groups_[segment_group_[segment]];
  return Target{Address::fromValue(segment_first_[segment] + (index - segment_start_[segment])),
                group.port, names_[group.name]};
}

namespace {

std::string withOrigin(const std::string& origin, const std::string& message) {
  return origin.empty() ? message : origin + ": " + message;
}

// Runs f, prefixing the origin to any UsageError it throws.
template <typename F>
auto atOrigin(const std::string& origin, F&& f) {
  try {
    return f();
  } catch (const UsageError& e) {
    if (origin.empty()) throw;
    throw UsageError(withOrigin(origin, e.what()));
  }
}

const char* familyName(Family family) {
  return family == Family::V4 ? "IPv4" : "IPv6";
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

// Everything the user wrote, parsed, with names still unresolved.
struct ParsedInput {
  std::vector<Spec> specs;
  const TargetInput* input;
};

class Expander {
 public:
  Expander(const ExpandOptions& options, const Resolver& resolver, ExpandReport& report)
      : options_(options), resolver_(resolver), report_(report) {}

  // Exclusions are not checked against -4/-6: excluding space we do not scan is harmless.
  std::vector<ParsedInput> parse(const std::vector<TargetInput>& inputs, bool check_family) {
    std::vector<ParsedInput> parsed;
    parsed.reserve(inputs.size());
    for (const TargetInput& input : inputs) {
      ParsedInput entry{{}, &input};
      atOrigin(input.origin, [&] {
        for (const std::string& text : splitSpecList(input.specs)) {
          Spec spec = parseSpec(text);
          if (auto* name = std::get_if<NameSpec>(&spec)) {
            if (!options_.resolve) {
              throw UsageError("'" + name->name + "' is a host name, and -n forbids resolving it");
            }
            names_.emplace(name->name, 0);
          } else if (check_family && options_.family) {
            checkFamily(text, std::get<AddressSpec>(spec).addresses);
          }
          entry.specs.push_back(std::move(spec));
        }
        return 0;
      });
      parsed.push_back(std::move(entry));
    }
    return parsed;
  }

  // Looks up every distinct name once, all in parallel.
  void resolveNames() {
    std::vector<std::string> names;
    names.reserve(names_.size());
    for (auto& [name, index] : names_) {
      index = names.size();
      names.push_back(name);
    }
    resolutions_ = resolveAll(resolver_, names, options_.family, options_.resolve_parallelism);
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (resolutions_[i].addresses.empty()) {
        ++report_.names_failed;
        report_.warnings.push_back("cannot resolve '" + names[i] + "': " + resolutions_[i].error);
      } else {
        ++report_.names_resolved;
      }
    }
  }

  // The addresses a spec stands for (a name's resolved addresses).
  IntervalSet addressesOf(const Spec& spec) const {
    if (const auto* literal = std::get_if<AddressSpec>(&spec)) return literal->addresses;
    IntervalSet set;
    const auto& name = std::get<NameSpec>(spec).name;
    for (const Address& address : resolutions_[names_.at(name)].addresses) set.add(address);
    set.normalise();
    return set;
  }

 private:
  void checkFamily(const std::string& text, const IntervalSet& set) const {
    IntervalSet kept = set;
    restrictFamily(kept, *options_.family);
    if (kept.empty()) {
      const Family other = *options_.family == Family::V4 ? Family::V6 : Family::V4;
      throw UsageError("invalid target '" + text + "': " + familyName(other) + " target, but -" +
                       (*options_.family == Family::V4 ? "4" : "6") + " was given");
    }
  }

  const ExpandOptions& options_;
  const Resolver& resolver_;
  ExpandReport& report_;
  std::map<std::string, std::size_t> names_;
  std::vector<Resolution> resolutions_;
};

}  // namespace

TargetSet expandTargets(const std::vector<TargetInput>& targets,
                        const std::vector<TargetInput>& excludes, const ExpandOptions& options,
                        const Resolver& resolver, ExpandReport& report) {
  if (options.ports.empty()) throw UsageError("no ports to scan");
  Expander expander(options, resolver, report);
  const auto parsed_targets = expander.parse(targets, true);
  const auto parsed_excludes = expander.parse(excludes, false);
  std::vector<std::vector<TargetInput>> builtin_inputs;
  std::vector<std::vector<ParsedInput>> parsed_builtins;
  for (const auto& [label, text] : options.builtin_excludes) {
    builtin_inputs.push_back(parseExcludeFile(text, label));
  }
  for (const auto& inputs : builtin_inputs)
    parsed_builtins.push_back(expander.parse(inputs, false));
  expander.resolveNames();

  TargetSet set;
  std::unordered_map<std::string, std::uint32_t> name_index;
  auto nameId = [&](const std::string& name) -> std::uint32_t {
    if (name.empty()) return 0;
    auto [it, inserted] = name_index.emplace(name, static_cast<std::uint32_t>(set.names_.size()));
    if (inserted) set.names_.push_back(name);
    return it->second;
  };

  // (port, name) -> addresses. One port per group keeps deduplication exact when lines carry
  // different port lists.
  std::map<std::pair<std::uint16_t, std::uint32_t>, IntervalSet> groups;
  for (const ParsedInput& entry : parsed_targets) {
    const auto& ports = entry.input->ports.empty() ? options.ports : entry.input->ports;
    for (const Spec& spec : entry.specs) {
      std::string name = entry.input->name;
      if (name.empty()) {
        if (const auto* named = std::get_if<NameSpec>(&spec)) name = named->name;
      }
      IntervalSet addresses = expander.addressesOf(spec);
      if (options.family) restrictFamily(addresses, *options.family);
      const std::uint32_t id = nameId(name);
      for (std::uint16_t port : ports) groups[{port, id}].addAll(addresses);
    }
  }
  for (auto& [key, addresses] : groups) addresses.normalise();

  // The named target wins over the same address given bare on the same port.
  std::map<std::uint16_t, IntervalSet> named_by_port;
  for (const auto& [key, addresses] : groups) {
    if (key.second != 0) named_by_port[key.first].addAll(addresses);
  }
  for (auto& [port, addresses] : named_by_port) {
    addresses.normalise();
    if (auto it = groups.find({port, 0}); it != groups.end()) it->second.subtract(addresses);
  }

  // Exclusions remove addresses from every group, named or not; each removal is counted.
  auto exclude = [&](const std::vector<ParsedInput>& parsed, u128& removed) {
    IntervalSet cut;
    for (const ParsedInput& entry : parsed) {
      for (const Spec& spec : entry.specs) cut.addAll(expander.addressesOf(spec));
    }
    cut.normalise();
    for (auto& [key, addresses] : groups) {
      const u128 before = addresses.count();
      addresses.subtract(cut);
      removed += before - addresses.count();
    }
  };
  exclude(parsed_excludes, report.excluded_by_user);
  for (const auto& parsed : parsed_builtins) exclude(parsed, report.excluded_by_builtin);

  // Flatten in a stable order: by port, then name text. Shards on other machines depend on it.
  std::vector<std::pair<std::pair<std::uint16_t, std::uint32_t>, const IntervalSet*>> ordered;
  for (const auto& [key, addresses] : groups) {
    if (!addresses.empty()) ordered.emplace_back(key, &addresses);
  }
  std::sort(ordered.begin(), ordered.end(), [&](const auto& a, const auto& b) {
    if (a.first.first != b.first.first) return a.first.first < b.first.first;
    return set.names_[a.first.second] < set.names_[b.first.second];
  });
  for (const auto& [key, addresses] : ordered) {
    const auto group = static_cast<std::uint32_t>(set.groups_.size());
    set.groups_.push_back({key.first, key.second});
    for (const Interval& piece : addresses->intervals()) {
      const u128 size_minus_one = piece.last - piece.first;
      auto next = checkedAdd(set.size_, size_minus_one);
      if (size_minus_one == kU128Max || !next || *next == kU128Max) {
        throw UsageError("the target set is too large to enumerate (2^128 targets or more)");
      }
      set.segment_start_.push_back(set.size_);
      set.segment_first_.push_back(piece.first);
      set.segment_group_.push_back(group);
      set.size_ = *next + 1;
    }
  }
  if (set.size_ == 0) {
    std::string why = "no targets to scan";
    if (report.excluded_by_user + report.excluded_by_builtin != 0) {
      why += " after exclusions (" + toString(report.excluded_by_user) + " removed by --exclude, " +
             toString(report.excluded_by_builtin) + " by the default exclusion lists)";
    } else if (report.names_failed != 0) {
      why += ": no host name resolved";
    }
    throw UsageError(why);
  }
  return set;
}

namespace {

std::vector<std::string_view> splitWhitespace(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// Calls f(fields, origin) for each line that is not blank or a comment.
template <typename F>
void forEachLine(std::string_view content, std::string_view source, F&& f) {
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string origin = std::string(source) + ":" + std::to_string(line_number);
    if (line.find('\0') != std::string_view::npos) {
      throw UsageError(origin + ": a NUL byte (is this a text file?)");
    }
    auto fields = splitWhitespace(line);
    if (!fields.empty()) f(fields, origin);
  }
}

}  // namespace

std::vector<TargetInput> parseTargetFile(std::string_view content, std::string_view source) {
  std::vector<TargetInput> inputs;
  forEachLine(content, source,
              [&](const std::vector<std::string_view>& fields, const std::string& origin) {
                TargetInput input{std::string(fields[0]), {}, {}, origin};
                std::size_t next = 1;
                atOrigin(origin, [&] {
                  // A second column of digits, commas and dashes is a port list; anything else is a
                  // name.
                  if (next < fields.size() &&
                      fields[next].find_first_not_of("0123456789,-") == std::string_view::npos) {
                    input.ports = parsePortList(fields[next++]);
                  }
                  if (next < fields.size()) input.name = normaliseHostName(fields[next++]);
                  if (next < fields.size()) {
                    throw UsageError("unexpected '" + std::string(fields[next]) +
                                     "' (a line is: TARGET [PORTS] [NAME])");
                  }
                  return 0;
                });
                inputs.push_back(std::move(input));
              });
  return inputs;
}

std::vector<TargetInput> parseExcludeFile(std::string_view content, std::string_view source) {
  std::vector<TargetInput> inputs;
  forEachLine(content, source,
              [&](const std::vector<std::string_view>& fields, const std::string& origin) {
                for (std::string_view field : fields)
                  inputs.push_back({std::string(field), {}, {}, origin});
              });
  return inputs;
}

}  // namespace dotscan::targets
