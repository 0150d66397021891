#include "dotscan/audit/policy.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <variant>

#include "dotscan/audit/findings.hpp"
#include "dotscan/targets/spec.hpp"
#include "dotscan/targets/target_set.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::audit {

namespace {

using Json = nlohmann::json;

constexpr int kMaxDays = 36500;
constexpr std::size_t kMaxTextLength = 1024;  // a name, pin, issuer or target in the policy

// Errors name the source and the JSON path: "policy.json: groups[1].min_days: ...". Control
// characters quoted from the file are escaped where every error line is printed (cli/run.cpp).
[[noreturn]] void fail(std::string_view source, const std::string& where, const std::string& what) {
  throw UsageError(clipInput(source) + ": " + (where.empty() ? "" : clipInput(where) + ": ") +
                   what);
}

std::string text(const Json& value, std::string_view source, const std::string& where) {
  if (!value.is_string()) fail(source, where, "expected a string");
  const auto& string = value.get_ref<const std::string&>();
  if (string.empty() || string.size() > kMaxTextLength) {
    fail(source, where, "expected a string of 1 to 1024 characters");
  }
  return string;
}

std::vector<std::string> textList(const Json& value, std::string_view source,
                                  const std::string& where) {
  if (!value.is_array()) fail(source, where, "expected a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    out.push_back(text(value[i], source, where + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::vector<std::string> pinList(const Json& value, std::string_view source,
                                 const std::string& where) {
  std::vector<std::string> pins = textList(value, source, where);
  for (std::size_t i = 0; i < pins.size(); ++i) {
    if (!isValidPin(pins[i])) {
      fail(source, where + "[" + std::to_string(i) + "]",
           quoteInput(pins[i]) + " is not a SPKI SHA-256 pin (44 characters of base64)");
    }
  }
  return pins;
}

// Issuer names compare case-insensitively, with the blanks around ',', '+' and '=' ignored:
// "CN=x, O=y" and "cn=x,o=y" are one name.
std::string normaliseDn(std::string_view dn) {
  std::string out;
  for (std::size_t i = 0; i < dn.size(); ++i) {
    const char c = dn[i];
    if (c == ' ') {
      const bool after =
          !out.empty() && (out.back() == ',' || out.back() == '+' || out.back() == '=');
      std::size_t next = i;
      while (next < dn.size() && dn[next] == ' ') ++next;
      const bool before =
          next == dn.size() || dn[next] == ',' || dn[next] == '+' || dn[next] == '=';
      if (after || before || out.empty()) continue;
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

// "YYYY-MM-DD", a real calendar day.
bool isDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (std::size_t k = 0; k < lengths[i]; ++k) {
      const char c = text[starts[i] + k];
      if (c < '0' || c > '9') return false;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  const int year = parts[0];
  const int month = parts[1];
  const int day = parts[2];
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// "findings": {ID: {"severity": LEVEL or "off", "reason": TEXT, "until": DATE}}.
std::vector<std::pair<std::string, FindingRule>> parseRules(const Json& object,
                                                            std::string_view source,
                                                            const std::string& where) {
  if (!object.is_object()) fail(source, where, "expected an object of finding ids");
  std::vector<std::pair<std::string, FindingRule>> rules;
  for (const auto& [id, value] : object.items()) {
    std::string at = where;
    at.append(".").append(id);
    if (!isFindingId(id)) fail(source, at, "unknown finding id (docs/audit.md lists them)");
    if (!value.is_object()) fail(source, at, R"(expected an object such as {"severity": "off"})");
    FindingRule rule;
    bool rated = false;
    for (const auto& [key, field] : value.items()) {
      std::string field_at = at;
      field_at.append(".").append(key);
      if (key == "severity") {
        const std::string level = text(field, source, field_at);
        rated = true;
        if (level == "off") continue;
        rule.severity = model::severityFromString(level);
        if (!rule.severity) {
          fail(source, field_at, "expected off, info, low, medium, high or critical");
        }
      } else if (key == "reason") {
        rule.reason = text(field, source, field_at);
      } else if (key == "until") {
        rule.until = text(field, source, field_at);
        if (!isDate(rule.until)) fail(source, field_at, "expected a date, YYYY-MM-DD");
      } else {
        fail(source, field_at, "unknown key (expected severity, reason, until)");
      }
    }
    if (!rated) fail(source, at, R"(expected "severity": a level, or "off" to suppress)");
    rules.emplace_back(id, std::move(rule));
  }
  return rules;
}

Policy::Fields parseFields(const Json& object, std::string_view source, const std::string& where,
                           bool group) {
  Policy::Fields fields;
  for (const auto& [key, value] : object.items()) {
    std::string at = where;
    if (!at.empty()) at += '.';
    at += key;
    if (key == "auth_name") {
      const std::string name = text(value, source, at);
      if (!targets::isValidHostName(name)) {
        fail(source, at, quoteInput(name) + " is not a host name");
      }
      fields.auth_name = targets::normaliseHostName(name);
    } else if (key == "pins") {
      fields.pins = pinList(value, source, at);
    } else if (key == "min_tls") {
      const auto version = model::parseTlsVersion(text(value, source, at));
      if (!version) fail(source, at, R"(expected a TLS version: "1.0", "1.1", "1.2" or "1.3")");
      fields.min_tls = version;
    } else if (key == "min_days") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
          value.get<std::int64_t>() > kMaxDays) {
        fail(source, at, "expected a whole number of days from 0 to 36500");
      }
      fields.min_days = value.get<int>();
    } else if (key == "issuers") {
      fields.issuers = textList(value, source, at);
    } else if (key == "require_dot") {
      if (!value.is_boolean()) fail(source, at, "expected true or false");
      fields.require_dot = value.get<bool>();
    } else if (key == "severity") {
      const auto severity = model::severityFromString(text(value, source, at));
      if (!severity) fail(source, at, "expected info, low, medium, high or critical");
      fields.severity = severity;
    } else if (key == "findings") {
      fields.rules = parseRules(value, source, at);
    } else if (!(group && (key == "name" || key == "targets"))) {
      fail(source, at, "unknown key (see docs/audit.md)");
    }
  }
  return fields;
}

// "*.example" is a name pattern; "*.0.0.1" is an nmap octet spec (no letter after the "*.").
bool namePattern(std::string_view spec) {
  return spec.starts_with("*.") && std::any_of(spec.begin() + 2, spec.end(), [](char c) {
           return std::isalpha(static_cast<unsigned char>(c)) != 0;
         });
}

// `indexed`: the place of each entry is where[i] (a JSON list), else where itself (a pin line).
// An entry may be a comma-separated list of specs, as on the command line. `intervals` counts
// the address ranges of the whole file against targets::kMaxIntervalsTotal.
Policy::Selector parseSelector(const std::vector<std::string>& entries, std::string_view source,
                               const std::string& where, bool indexed, std::size_t& intervals) {
  Policy::Selector selector;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string at = indexed ? where + "[" + std::to_string(i) + "]" : where;
    std::vector<std::string> specs;
    try {
      specs = targets::splitSpecList(entries[i]);
    } catch (const UsageError& error) {
      fail(source, at, error.what());
    }
    for (const std::string& spec : specs) {
      if (namePattern(spec)) {
        if (!targets::isValidHostName(spec.substr(2))) {
          fail(source, at, quoteInput(spec) + " is not a name pattern (*.DOMAIN)");
        }
        selector.suffixes.push_back("." + targets::normaliseHostName(spec.substr(2)));
        continue;
      }
      targets::Spec parsed;
      try {
        parsed = targets::parseSpec(spec);
      } catch (const UsageError& error) {
        fail(source, at, error.what());
      }
      if (const auto* addresses = std::get_if<targets::AddressSpec>(&parsed)) {
        intervals += addresses->addresses.intervals().size();
        if (intervals > targets::kMaxIntervalsTotal) {
          fail(source, at, "too many separate address ranges (use CIDR blocks or dash ranges)");
        }
        selector.addresses.addAll(addresses->addresses);
      } else {
        selector.names.push_back(std::get<targets::NameSpec>(parsed).name);
      }
    }
  }
  selector.addresses.normalise();
  return selector;
}

// Refuses a key that appears twice in one object: nlohmann keeps the last silently, and a policy
// must not change meaning by a pasted duplicate.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(std::string_view source) : source_(source) {}
  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        keys_.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!keys_.empty()) keys_.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!keys_.empty() && !keys_.back().insert(parsed.get<std::string>()).second) {
          fail(source_, parsed.get<std::string>(), "this key appears twice in one object");
        }
        break;
      default:
        break;
    }
    return true;
  }

 private:
  std::string source_;
  std::vector<std::set<std::string>> keys_;
};

Expectations apply(Expectations expectations, const Policy::Fields& fields) {
  if (fields.auth_name) expectations.auth_name = *fields.auth_name;
  if (fields.pins) expectations.pins = *fields.pins;
  if (fields.min_tls) expectations.min_tls = fields.min_tls;
  if (fields.min_days) expectations.min_days = fields.min_days;
  if (fields.issuers) expectations.issuers = *fields.issuers;
  if (fields.require_dot) expectations.require_dot = *fields.require_dot;
  if (fields.severity) expectations.severity = *fields.severity;
  // Rule by rule: a group's rule for an id replaces the defaults' rule for it.
  for (const auto& entry : fields.rules) {
    const std::string& id = entry.first;
    const auto same = std::find_if(expectations.rules.begin(), expectations.rules.end(),
                                   [&id](const auto& kept) { return kept.first == id; });
    if (same != expectations.rules.end()) {
      same->second = entry.second;
    } else {
      expectations.rules.push_back(entry);
    }
  }
  return expectations;
}

}  // namespace

bool isValidPin(std::string_view text) {
  // 32 bytes are 43 base64 characters and one '=': the 43rd carries 4 bits of data and 2 zero
  // bits, so it is one of the 16 characters whose value is a multiple of 4.
  constexpr std::size_t kLength = 44;
  if (text.size() != kLength || text.back() != '=') return false;
  const auto base64 = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/';
  };
  return std::all_of(text.begin(), text.end() - 1, base64) &&
         std::string_view("AEIMQUYcgkosw048").find(text[kLength - 2]) != std::string_view::npos;
}

bool Policy::Selector::matches(const Address& address, std::string_view name) const {
  if (everything || addresses.contains(address)) return true;
  if (name.empty()) return false;
  std::string wanted = asciiLower(name);
  if (wanted.ends_with('.')) wanted.pop_back();
  if (std::find(names.begin(), names.end(), wanted) != names.end()) return true;
  return std::any_of(suffixes.begin(), suffixes.end(),
                     [&](const std::string& suffix) { return wanted.ends_with(suffix); });
}

void Policy::loadJson(std::string_view text, std::string_view source) {
  Json document;
  try {
    document = Json::parse(text, DuplicateKeyCheck(source));
  } catch (const Json::exception& error) {
    // parse_error, and out_of_range for a number like 1E400 (found by fuzz_policy).
    // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." without the tag.
    std::string what = error.what();
    if (const auto end = what.find("] "); end != std::string::npos) what.erase(0, end + 2);
    fail(source, "", "not valid JSON: " + what);
  }
  if (!document.is_object()) fail(source, "", "expected a JSON object");
  if (!document.contains("dotscan_policy") || !document["dotscan_policy"].is_number_integer() ||
      document["dotscan_policy"] != 1) {
    fail(source, "dotscan_policy", "expected 1 (the policy format version)");
  }
  for (const auto& [key, value] : document.items()) {
    if (key != "dotscan_policy" && key != "defaults" && key != "groups") {
      fail(source, key, "unknown key (expected dotscan_policy, defaults, groups)");
    }
  }
  if (document.contains("defaults")) {
    const Json& defaults = document["defaults"];
    if (!defaults.is_object()) fail(source, "defaults", "expected an object");
    defaults_ = parseFields(defaults, source, "defaults", false);
  }
  if (!document.contains("groups")) return;
  const Json& groups = document["groups"];
  if (!groups.is_array()) fail(source, "groups", "expected a list of objects");
  std::set<std::string> names;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string where = "groups[" + std::to_string(i) + "]";
    const Json& object = groups[i];
    if (!object.is_object()) fail(source, where, "expected an object");
    Group group;
    group.name = object.contains("name") ? audit::text(object["name"], source, where + ".name")
                                         : "group " + std::to_string(i + 1);
    if (!names.insert(group.name).second) {
      fail(source, where + ".name", quoteInput(group.name) + " names two groups");
    }
    if (object.contains("targets")) {
      const std::vector<std::string> entries =
          textList(object["targets"], source, where + ".targets");
      if (entries.empty()) {
        fail(source, where + ".targets",
             "an empty list matches nothing; leave it out to match all");
      }
      group.selector = parseSelector(entries, source, where + ".targets", true, intervals_);
    } else {
      group.selector.everything = true;
    }
    group.fields = parseFields(object, source, where, true);
    for (auto& [id, rule] : group.fields.rules) rule.group = group.name;
    groups_.push_back(std::move(group));
  }
}

void Policy::loadPinFile(std::string_view text, std::string_view source) {
  // The line format of -iL files; errors name "SOURCE:LINE", as theirs do.
  targets::forEachFileLine(
      text, source, [&](const std::vector<std::string_view>& words, const std::string& origin) {
        if (words.size() < 2) fail(origin, "", "expected TARGET PIN [PIN...]");
        PinLine pin_line;
        pin_line.selector =
            parseSelector({std::string(words.front())}, origin, "", false, intervals_);
        for (std::size_t i = 1; i < words.size(); ++i) {
          const std::string pin(words[i]);
          if (!isValidPin(pin)) {
            fail(origin, "",
                 quoteInput(pin) + " is not a SPKI SHA-256 pin (44 characters of base64)");
          }
          pin_line.pins.push_back(pin);
        }
        pin_lines_.push_back(std::move(pin_line));
      });
}

Expectations Policy::expectationsFor(const Address& address, std::string_view name) const {
  Expectations expectations;
  if (defaults_) expectations = apply(expectations, *defaults_);
  for (const Group& group : groups_) {
    if (!group.selector.matches(address, name)) continue;
    expectations = apply(expectations, group.fields);
    expectations.group = group.name;
    break;
  }
  for (const PinLine& line : pin_lines_) {
    if (!line.selector.matches(address, name)) continue;
    for (const std::string& pin : line.pins) {
      if (std::find(expectations.pins.begin(), expectations.pins.end(), pin) ==
          expectations.pins.end()) {
        expectations.pins.push_back(pin);
      }
    }
  }
  return expectations;
}

bool issuerAllowed(std::string_view issuer, const std::vector<std::string>& allowed) {
  const std::string wanted = normaliseDn(issuer);
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& entry) { return normaliseDn(entry) == wanted; });
}

}  // namespace dotscan::audit
