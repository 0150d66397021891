#include "dotscan/diff/writers.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>

#include "dotscan/report/escape.hpp"
#include "dotscan/report/json_lines.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::diff {

namespace {

using Json = nlohmann::ordered_json;

// Version 1 of the "change" and "diff" records (docs/diff.md).
constexpr int kDiffSchemaVersion = 1;

[[noreturn]] void writeFailed() {
  throw Error(ExitCode::RuntimeError,
              "diff: cannot write the output: " + errorText(errno != 0 ? errno : EIO));
}

void put(std::FILE* out, const std::string& text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::ferror(out) != 0) {
    writeFailed();
  }
}

void flush(std::FILE* out) {
  errno = 0;
  if (std::fflush(out) != 0 || std::ferror(out) != 0) writeFailed();
}

// `text` and spaces up to `width` columns (the texts here are ASCII: severities and kinds).
std::string padded(std::string_view text, std::size_t width) {
  std::string out(text);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

// A fingerprint as the listing shows it: its first 16 hex digits.
std::string shortFingerprint(const std::string& hex) {
  return hex.size() > 16 ? hex.substr(0, 16) + ".." : hex;
}

std::string orNone(const std::string& text) {
  return text.empty() ? "none" : report::terminalSafe(text);
}

std::string scanLine(const char* which, const ScanSide& side) {
  std::string line = std::string(which) + " " + report::terminalSafe(quoteInput(side.path)) + ": ";
  line += std::to_string(side.results) + (side.results == 1 ? " result" : " results");
  if (side.scan) {
    line += ", dotscan " + report::terminalSafe(side.scan->version) + ", started " +
            report::terminalSafe(side.scan->started);
    if (side.scan->interrupted) line += ", interrupted";
  } else {
    line += ", no metadata record (the scan did not finish)";
  }
  return line + "\n";
}

Json nullable(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

Json sideJson(const ScanSide& side) {
  Json json;
  json["path"] = side.path;
  json["results"] = side.results;
  json["duplicates"] = side.duplicates;
  if (side.scan) {
    json["version"] = side.scan->version;
    json["command_line"] = side.scan->command_line;
    json["started"] = nullable(side.scan->started);
    json["ended"] = nullable(side.scan->ended);
    json["targets_scanned"] = side.scan->targets_scanned;
    json["interrupted"] = side.scan->interrupted;
  } else {
    json["version"] = nullptr;
  }
  return json;
}

}  // namespace

std::string describe(const Change& change) {
  switch (change.kind) {
    case ChangeKind::Appeared:
      return report::terminalSafe(change.after);
    case ChangeKind::Disappeared:
      return "was " + report::terminalSafe(change.before);
    case ChangeKind::FindingAdded:
      return report::terminalSafe(change.finding) + " (" + change.after + ")";
    case ChangeKind::FindingFixed:
      return report::terminalSafe(change.finding) + " (was " + change.before + ")";
    case ChangeKind::FindingSeverity:
      return report::terminalSafe(change.finding) + " " + change.before + " -> " + change.after;
    case ChangeKind::FindingSuppressed:
      return report::terminalSafe(change.finding) + " (" + change.before +
             ", now suppressed by the policy)";
    case ChangeKind::Certificate: {
      std::string text = shortFingerprint(report::terminalSafe(change.before)) + " -> " +
                         shortFingerprint(report::terminalSafe(change.after));
      if (change.certificate) {
        const CertificateChange& cert = *change.certificate;
        text += cert.same_key ? " (same key, " : " (new key, ";
        text += cert.new_issuer ? "new issuer " + report::terminalSafe(cert.issuer_after)
                                : std::string("same issuer");
        text += cert.trusted == true ? ", trusted)" : ", not trusted)";
      }
      return text;
    }
    case ChangeKind::Outcome:
    case ChangeKind::Verdict:
    case ChangeKind::TlsVersion:
    case ChangeKind::Alpn:
      break;
  }
  return orNone(change.before) + " -> " + orNone(change.after);
}

void TextWriter::write(const std::string& text) {
  put(out_, text);
}

void TextWriter::begin(const ScanSide& old_side, const ScanSide& new_side) {
  write(scanLine("old", old_side) + scanLine("new", new_side));
}

void TextWriter::target(const TargetState& target, const std::vector<Change>& changes) {
  std::string text = report::terminalSafe(targetLabel(target)) + "\n";
  for (const Change& change : changes) {
    text += "  " + padded(model::toString(change.severity), 7) + " " +
            padded(toString(change.kind), 17) + " " + describe(change) + "\n";
  }
  write(text);
}

void TextWriter::finish(const DiffSummary& summary) {
  std::string text;
  if (summary.changes == 0) {
    text = "No changes in " + std::to_string(summary.targets) + " targets\n";
  } else {
    text = "Changes: " + std::to_string(summary.changes) + " on " +
           std::to_string(summary.targets_changed) + " of " + std::to_string(summary.targets) +
           " targets;";
    for (std::size_t i = summary.by_severity.size(); i-- > 0;) {
      if (summary.by_severity.at(i) == 0) continue;
      text += " " + std::to_string(summary.by_severity.at(i)) + " " +
              std::string(model::toString(static_cast<model::Severity>(i)));
    }
    text += "\nBy kind:";
    for (std::size_t i = 0; i < kChangeKindCount; ++i) {
      if (summary.by_kind.at(i) == 0) continue;
      text += " " + std::to_string(summary.by_kind.at(i)) + " " +
              std::string(toString(static_cast<ChangeKind>(i)));
    }
    text += "\n";
  }
  for (const ScanSide* side : {&summary.old_side, &summary.new_side}) {
    if (side->duplicates == 0) continue;
    text += "Note: " + report::terminalSafe(quoteInput(side->path)) + " holds " +
            std::to_string(side->duplicates) +
            " results for targets it already had; the last of each was compared\n";
  }
  write(text);
  flush(out_);
}

void JsonWriter::write(std::string line) {
  line.push_back('\n');
  put(out_, line);
}

void JsonWriter::target(const TargetState& target, const std::vector<Change>& changes) {
  for (const Change& change : changes) {
    Json json;
    json["record"] = "change";
    json["schema_version"] = kDiffSchemaVersion;
    json["kind"] = toString(change.kind);
    json["severity"] = model::toString(change.severity);
    json["address"] = target.address;
    json["port"] = target.port;
    json["name"] = nullable(target.name);
    json["before"] = nullable(change.before);
    json["after"] = nullable(change.after);
    json["finding"] = nullable(change.finding);
    if (change.certificate) {
      const CertificateChange& cert = *change.certificate;
      json["certificate"] = Json{{"new_issuer", cert.new_issuer},
                                 {"same_key", cert.same_key},
                                 {"trusted", cert.trusted ? Json(*cert.trusted) : Json(nullptr)},
                                 {"issuer_before", cert.issuer_before},
                                 {"issuer_after", cert.issuer_after}};
    } else {
      json["certificate"] = nullptr;
    }
    write(report::escapeJsonControls(json.dump(-1, ' ', false, Json::error_handler_t::replace)));
  }
}

void JsonWriter::finish(const DiffSummary& summary) {
  Json by_kind = Json::object();
  for (std::size_t i = 0; i < kChangeKindCount; ++i) {
    by_kind[std::string(toString(static_cast<ChangeKind>(i)))] = summary.by_kind.at(i);
  }
  Json by_severity = Json::object();
  for (std::size_t i = 0; i < summary.by_severity.size(); ++i) {
    by_severity[std::string(model::toString(static_cast<model::Severity>(i)))] =
        summary.by_severity.at(i);
  }
  Json json;
  json["record"] = "diff";
  json["schema_version"] = kDiffSchemaVersion;
  json["old"] = sideJson(summary.old_side);
  json["new"] = sideJson(summary.new_side);
  json["targets"] = summary.targets;
  json["targets_changed"] = summary.targets_changed;
  json["changes"] = summary.changes;
  json["by_kind"] = std::move(by_kind);
  json["by_severity"] = std::move(by_severity);
  json["worst"] = summary.worst ? Json(model::toString(*summary.worst)) : Json(nullptr);
  write(report::escapeJsonControls(json.dump(-1, ' ', false, Json::error_handler_t::replace)));
  flush(out_);
}

}  // namespace dotscan::diff
