#include "dotscan/diff/target_state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <span>

#include "dotscan/util/address.hpp"
#include "dotscan/util/wire_reader.hpp"

namespace dotscan::diff {

namespace {

using Json = nlohmann::json;

// A string member, or empty when it is absent, null or not a string.
std::string text(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const Json* member(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

void readSession(const Json& json, TargetState& state) {
  const Json* tls = member(json, "tls");
  if (tls != nullptr) {
    state.session = true;
    state.tls_version = text(*tls, "version");
    state.alpn = text(*tls, "alpn");
    if (const Json* verification = member(*tls, "verification")) {
      const auto trusted = verification->find("trusted");
      if (trusted != verification->end() && trusted->is_boolean()) {
        state.trusted = trusted->get<bool>();
      }
    }
  }
  const auto certificates = json.find("certificates");
  if (certificates != json.end() && certificates->is_array() && !certificates->empty() &&
      (*certificates)[0].is_object()) {
    const Json& leaf = (*certificates)[0];
    state.leaf_sha256 = text(leaf, "sha256");
    state.leaf_issuer = text(leaf, "issuer");
    state.leaf_spki_pin = text(leaf, "spki_pin_sha256");
  }
}

void readJudgement(const Json& json, TargetState& state) {
  if (const Json* verdict = member(json, "verdict")) {
    state.verdict = text(*verdict, "profile");
    const auto reasons = verdict->find("reasons");
    if (reasons != verdict->end() && reasons->is_array()) {
      for (const Json& reason : *reasons) {
        if (reason.is_string()) state.verdict_reasons.push_back(reason.get<std::string>());
      }
    }
  }
  const auto findings = json.find("findings");
  if (findings == json.end() || !findings->is_array()) return;
  for (const Json& finding : *findings) {
    if (!finding.is_object()) continue;
    const std::string id = text(finding, "id");
    if (id.empty()) continue;
    // A finding the policy suppressed counts towards nothing (docs/audit.md); one whose rule
    // expired counts as if there were no rule.
    if (const Json* policy = member(finding, "policy")) {
      const auto suppressed = policy->find("suppressed");
      const auto expired = policy->find("expired");
      if (suppressed != policy->end() && suppressed->is_boolean() && suppressed->get<bool>() &&
          !(expired != policy->end() && expired->is_boolean() && expired->get<bool>())) {
        state.suppressed.push_back(id);
        continue;
      }
    }
    const auto severity =
        model::severityFromString(text(finding, "severity")).value_or(model::Severity::Info);
    state.findings.push_back({id, severity});
  }
  // One entry per id, the highest severity: a finding about two certificates of the chain
  // (cert-expired at depth 0 and 1) is one finding for the diff.
  std::sort(state.findings.begin(), state.findings.end(),
            [](const FindingState& a, const FindingState& b) {
              return a.id != b.id ? a.id < b.id : a.severity > b.severity;
            });
  state.findings.erase(
      std::unique(state.findings.begin(), state.findings.end(),
                  [](const FindingState& a, const FindingState& b) { return a.id == b.id; }),
      state.findings.end());
  std::sort(state.suppressed.begin(), state.suppressed.end());
  state.suppressed.erase(std::unique(state.suppressed.begin(), state.suppressed.end()),
                         state.suppressed.end());
  // An id that also counts (one rule cannot do both; a hand-edited file can) is one that counts.
  std::erase_if(state.suppressed, [&state](const std::string& id) {
    return std::binary_search(
        state.findings.begin(), state.findings.end(), FindingState{id, model::Severity::Info},
        [](const FindingState& a, const FindingState& b) { return a.id < b.id; });
  });
}

void readMetadata(const Json& json, ScanInfo& scan) {
  scan.version = text(json, "version");
  scan.command_line = text(json, "command_line");
  scan.started = text(json, "started");
  scan.ended = text(json, "ended");
  const auto scanned = json.find("targets_scanned");
  if (scanned != json.end() && scanned->is_number_unsigned()) {
    scan.targets_scanned = scanned->get<std::uint64_t>();
  }
  const auto interrupted = json.find("interrupted");
  scan.interrupted =
      interrupted != json.end() && interrupted->is_boolean() && interrupted->get<bool>();
}

// The encoding: each string as a 4-byte big-endian length and its bytes; small values as bytes.
class Encoder {
 public:
  void u8(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void u16(std::uint16_t value) {
    u8(static_cast<std::uint8_t>(value >> 8U));
    u8(static_cast<std::uint8_t>(value & 0xffU));
  }
  void u32(std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      u8(static_cast<std::uint8_t>((value >> static_cast<unsigned>(shift)) & 0xffU));
    }
  }
  void str(std::string_view value) {
    u32(static_cast<std::uint32_t>(value.size()));
    out_.append(value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string readString(WireReader& reader) {
  const std::uint32_t size = reader.readU32();
  const auto bytes = reader.readBytes(size);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

ParsedLine parseLine(std::string_view line) {
  ParsedLine parsed;
  const Json json = Json::parse(line, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    parsed.kind = ParsedLine::Kind::Malformed;
    parsed.error = "not a JSON object";
    return parsed;
  }
  const std::string record = text(json, "record");
  if (record == "metadata") {
    parsed.kind = ParsedLine::Kind::Metadata;
    readMetadata(json, parsed.scan);
    return parsed;
  }
  if (record != "result") return parsed;
  TargetState& state = parsed.state;
  state.address = text(json, "address");
  state.name = text(json, "name");
  state.outcome = text(json, "outcome");
  const auto port = json.find("port");
  if (!Address::parse(state.address) || port == json.end() || !port->is_number_unsigned() ||
      port->get<std::uint64_t>() > std::numeric_limits<std::uint16_t>::max() ||
      state.outcome.empty()) {
    parsed.kind = ParsedLine::Kind::Malformed;
    parsed.error = "a result record without a valid address, port or outcome";
    return parsed;
  }
  state.port = port->get<std::uint16_t>();
  readSession(json, state);
  readJudgement(json, state);
  parsed.kind = ParsedLine::Kind::Result;
  return parsed;
}

std::optional<std::string> sortKey(const TargetState& state) {
  const auto address = Address::parse(state.address);
  if (!address) return std::nullopt;
  std::string key;
  key.reserve(19 + state.name.size());
  key.push_back(address->isV4() ? '\0' : '\1');
  std::uint8_t bytes[16];
  address->toV6Bytes(bytes);
  key.append(reinterpret_cast<const char*>(bytes), sizeof bytes);
  key.push_back(static_cast<char>(state.port >> 8U));
  key.push_back(static_cast<char>(state.port & 0xffU));
  key.append(state.name);
  return key;
}

std::string encode(const TargetState& state) {
  Encoder out;
  out.str(state.address);
  out.u16(state.port);
  out.str(state.name);
  out.str(state.outcome);
  out.u8(state.session ? 1 : 0);
  out.str(state.tls_version);
  out.str(state.alpn);
  out.u8(state.trusted ? (*state.trusted ? 2 : 1) : 0);
  out.str(state.leaf_sha256);
  out.str(state.leaf_issuer);
  out.str(state.leaf_spki_pin);
  out.str(state.verdict);
  out.u32(static_cast<std::uint32_t>(state.verdict_reasons.size()));
  for (const std::string& reason : state.verdict_reasons) out.str(reason);
  out.u32(static_cast<std::uint32_t>(state.findings.size()));
  for (const FindingState& finding : state.findings) {
    out.str(finding.id);
    out.u8(static_cast<std::uint8_t>(finding.severity));
  }
  out.u32(static_cast<std::uint32_t>(state.suppressed.size()));
  for (const std::string& id : state.suppressed) out.str(id);
  return out.take();
}

std::optional<TargetState> decode(std::string_view bytes) {
  WireReader reader(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  TargetState state;
  state.address = readString(reader);
  state.port = reader.readU16();
  state.name = readString(reader);
  state.outcome = readString(reader);
  state.session = reader.readU8() != 0;
  state.tls_version = readString(reader);
  state.alpn = readString(reader);
  const std::uint8_t trusted = reader.readU8();
  if (trusted != 0) state.trusted = trusted == 2;
  state.leaf_sha256 = readString(reader);
  state.leaf_issuer = readString(reader);
  state.leaf_spki_pin = readString(reader);
  state.verdict = readString(reader);
  // Each element takes at least 4 bytes: a count beyond what is left is corrupt, not a reason to
  // reserve gigabytes.
  const std::uint32_t reasons = reader.readU32();
  if (reasons > reader.remaining() / 4) return std::nullopt;
  for (std::uint32_t i = 0; i < reasons; ++i) state.verdict_reasons.push_back(readString(reader));
  const std::uint32_t findings = reader.readU32();
  if (findings > reader.remaining() / 5) return std::nullopt;
  for (std::uint32_t i = 0; i < findings; ++i) {
    FindingState finding;
    finding.id = readString(reader);
    const std::uint8_t severity = reader.readU8();
    if (severity > static_cast<std::uint8_t>(model::Severity::Critical)) reader.fail();
    finding.severity = static_cast<model::Severity>(severity);
    state.findings.push_back(std::move(finding));
  }
  const std::uint32_t suppressed = reader.readU32();
  if (suppressed > reader.remaining() / 4) return std::nullopt;
  for (std::uint32_t i = 0; i < suppressed; ++i) state.suppressed.push_back(readString(reader));
  if (!reader.ok() || reader.remaining() != 0) return std::nullopt;
  return state;
}

std::string targetLabel(const TargetState& state) {
  const bool v6 = state.address.find(':') != std::string::npos;
  std::string label = v6 ? "[" + state.address + "]" : state.address;
  label += ":" + std::to_string(state.port);
  if (!state.name.empty()) label += " " + state.name;
  return label;
}

}  // namespace dotscan::diff
