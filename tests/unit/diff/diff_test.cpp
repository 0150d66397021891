// Reading scan files for `dotscan diff`: the records, the compact form, the merge-join over files
// (with runs forced tiny), the input errors, and both writers.
#include "dotscan/diff/diff.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dotscan/diff/writers.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::diff {
namespace {

const std::string kMetadata =
    R"({"record":"metadata","version":"0.1.0","command_line":"dotscan x","started":)"
    R"("2026-11-30T09:00:00.000Z","ended":"2026-11-30T09:00:01.000Z","targets_scanned":3,)"
    R"("interrupted":false})";

std::string result(const std::string& address, const std::string& outcome,
                   const std::string& extra = "") {
  return R"({"record":"result","schema_version":1,"address":")" + address +
         R"(","port":853,"name":null,"started":"2026-11-30T09:00:00.000Z","outcome":")" + outcome +
         "\"" + extra + "}";
}

std::string dotResult(const std::string& address, const std::string& sha256,
                      const std::string& findings = "") {
  return result(address, "dot",
                R"(,"tls":{"version":"TLSv1.3","alpn":null,"verification":{"trusted":true}},)"
                R"("certificates":[{"sha256":")" +
                    sha256 + R"(","issuer":"CN=ca","spki_pin_sha256":"pin"}],"findings":[)" +
                    findings +
                    R"(],"verdict":{"profile":"strict-pkix","reasons":[]},"timings":{"total_ms":)" +
                    std::to_string(sha256.size()) + "}");
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "dotscan_diff_test_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Collects what the merge-join hands out.
class Collect final : public ChangeSink {
 public:
  void begin(const ScanSide& /*old_side*/, const ScanSide& /*new_side*/) override { began = true; }
  void target(const TargetState& target, const std::vector<Change>& changes) override {
    for (const Change& change : changes) {
      lines.push_back(targetLabel(target) + " " + std::string(toString(change.kind)) + " " +
                      change.before + ">" + change.after + change.finding);
    }
  }
  void finish(const DiffSummary& /*summary*/) override { finished = true; }
  bool began = false, finished = false;
  std::vector<std::string> lines;
};

std::string usageError(const std::string& old_path, const std::string& new_path) {
  Collect sink;
  try {
    diffFiles(old_path, new_path, SortOptions{}, {&sink});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::UsageError);
    return e.what();
  }
  return "no error";
}

TEST(DiffTargetState, ParsesWhatIsComparedAndIgnoresTheRest) {
  const ParsedLine parsed =
      parseLine(dotResult("192.0.2.1", "ab",
                          R"({"id":"b","severity":"low"},{"id":"a","severity":"info"},)"
                          R"({"id":"b","severity":"high","certificate":1})"));
  ASSERT_EQ(parsed.kind, ParsedLine::Kind::Result);
  const TargetState& s = parsed.state;
  EXPECT_EQ(s.address, "192.0.2.1");
  EXPECT_EQ(s.port, 853);
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.outcome, "dot");
  EXPECT_TRUE(s.session);
  EXPECT_EQ(s.tls_version, "TLSv1.3");
  EXPECT_EQ(s.alpn, "");
  EXPECT_EQ(s.trusted, true);
  EXPECT_EQ(s.leaf_sha256, "ab");
  EXPECT_EQ(s.verdict, "strict-pkix");
  // Sorted by id, one per id, the highest severity.
  EXPECT_EQ(s.findings, (std::vector<FindingState>{{"a", model::Severity::Info},
                                                   {"b", model::Severity::High}}));
  // Timings and times are not part of the state: two records that differ only there are equal.
  EXPECT_EQ(parseLine(dotResult("192.0.2.1", "ab")).state,
            parseLine(dotResult("192.0.2.1", "ab")).state);
}

TEST(DiffTargetState, FindingsSuppressedByThePolicyAreKeptApart) {
  const ParsedLine parsed = parseLine(
      dotResult("192.0.2.1", "ab",
                R"({"id":"c","severity":"medium","policy":{"group":"lab","suppressed":true,)"
                R"("severity_was":null,"reason":"r","until":null,"expired":false}},)"
                R"({"id":"b","severity":"high","policy":{"group":"lab","suppressed":true,)"
                R"("severity_was":null,"reason":"r","until":"2020-01-01","expired":true}},)"
                R"({"id":"a","severity":"low","policy":{"group":"lab","suppressed":false,)"
                R"("severity_was":"high","reason":"r","until":null,"expired":false}})"));
  ASSERT_EQ(parsed.kind, ParsedLine::Kind::Result);
  // The expired rule and the re-rating leave their findings counting; "c" is suppressed.
  EXPECT_EQ(parsed.state.findings,
            (std::vector<FindingState>{{"a", model::Severity::Low}, {"b", model::Severity::High}}));
  EXPECT_EQ(parsed.state.suppressed, std::vector<std::string>{"c"});
  EXPECT_EQ(decode(encode(parsed.state)), parsed.state);
}

TEST(DiffTargetState, RecordKinds) {
  EXPECT_EQ(parseLine(kMetadata).kind, ParsedLine::Kind::Metadata);
  EXPECT_EQ(parseLine(kMetadata).scan.version, "0.1.0");
  EXPECT_EQ(parseLine(kMetadata).scan.targets_scanned, 3U);
  EXPECT_EQ(parseLine(R"({"record":"something-else"})").kind, ParsedLine::Kind::Other);
  EXPECT_EQ(parseLine("{").kind, ParsedLine::Kind::Malformed);
  EXPECT_EQ(parseLine("[1]").kind, ParsedLine::Kind::Malformed);
  EXPECT_EQ(parseLine(result("300.1.1.1", "dot")).kind, ParsedLine::Kind::Malformed);
  EXPECT_EQ(
      parseLine(R"({"record":"result","address":"192.0.2.1","port":70000,"outcome":"dot"})").kind,
      ParsedLine::Kind::Malformed);
  EXPECT_EQ(parseLine(R"({"record":"result","address":"192.0.2.1","port":853})").kind,
            ParsedLine::Kind::Malformed);
}

TEST(DiffTargetState, EncodeDecodeRoundTripAndRejectsCorruption) {
  TargetState s =
      parseLine(dotResult("2001:db8::1", "ab", R"({"id":"x","severity":"medium"})")).state;
  s.name = "dot.test";
  s.verdict_reasons = {"untrusted", "expired"};
  const std::string bytes = encode(s);
  ASSERT_EQ(decode(bytes), s);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decode(bytes.substr(0, cut))) << cut;
  }
  EXPECT_FALSE(decode(bytes + "x"));
}

TEST(DiffTargetState, SortKeyOrdersAsTheListing) {
  TargetState a, b, c, d;
  a.address = "10.0.0.2";
  b.address = "10.0.0.10";
  b.port = 853;
  c.address = "::1";
  d = b;
  d.port = 53;
  EXPECT_LT(*sortKey(a), *sortKey(b));  // numeric, not textual
  EXPECT_LT(*sortKey(b), *sortKey(c));  // IPv4 before IPv6
  EXPECT_LT(*sortKey(d), *sortKey(b));  // then the port
  TargetState named = b;
  named.name = "x";
  EXPECT_LT(*sortKey(b), *sortKey(named));
  EXPECT_EQ(targetLabel(c), "[::1]:0");
  EXPECT_EQ(targetLabel(named), "10.0.0.10:853 x");
}

TEST(DiffFiles, MergeJoinWithTinyRuns) {
  const std::string old_path =
      write("old.jsonl", dotResult("192.0.2.1", "aa") + "\n" + result("192.0.2.3", "closed") +
                             "\n" + dotResult("192.0.2.2", "bb") + "\n" +
                             result("192.0.2.9", "closed") + "\n" + kMetadata + "\n");
  const std::string new_path =
      write("new.jsonl", result("192.0.2.4", "closed") + "\n" + dotResult("192.0.2.1", "aa") +
                             "\n" + result("192.0.2.2", "closed") + "\n" +
                             result("192.0.2.3", "closed") + "\n" + kMetadata + "\n");
  SortOptions options;
  options.run_bytes = 1;
  options.temp_dir = ::testing::TempDir();
  Collect sink;
  const DiffSummary summary = diffFiles(old_path, new_path, options, {&sink});
  EXPECT_TRUE(sink.began);
  EXPECT_TRUE(sink.finished);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"192.0.2.2:853 outcome dot>closed",
                                                  "192.0.2.4:853 appeared >closed",
                                                  "192.0.2.9:853 disappeared closed>"}));
  EXPECT_EQ(summary.targets, 5U);
  EXPECT_EQ(summary.targets_changed, 3U);
  EXPECT_EQ(summary.changes, 3U);
  EXPECT_EQ(summary.worst, model::Severity::High);
  EXPECT_EQ(summary.old_side.results, 4U);
  ASSERT_TRUE(summary.new_side.scan);
  EXPECT_EQ(summary.new_side.scan->started, "2026-11-30T09:00:00.000Z");
}

TEST(DiffFiles, DuplicateTargetsTheLastCounts) {
  const std::string old_path = write("dup_old.jsonl", result("192.0.2.1", "closed") + "\n");
  const std::string new_path =
      write("dup_new.jsonl", result("192.0.2.1", "dot") + "\n" + result("192.0.2.1", "filtered") +
                                 "\n" + result("192.0.2.1", "closed") + "\n");
  for (const std::size_t run_bytes : {std::size_t{1}, std::size_t{1} << 20U}) {
    SortOptions options;
    options.run_bytes = run_bytes;
    options.temp_dir = ::testing::TempDir();
    Collect sink;
    const DiffSummary summary = diffFiles(old_path, new_path, options, {&sink});
    EXPECT_TRUE(sink.lines.empty()) << run_bytes;
    EXPECT_EQ(summary.new_side.duplicates, 2U);
  }
}

TEST(DiffFiles, StopRequestEndsWithInterruptedAndRemovesTheRuns) {
  std::string lines;
  for (int i = 0; i < 3000; ++i) {
    lines +=
        result("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), "closed") + "\n";
  }
  const std::string path = write("stop.jsonl", lines);
  const std::string temp = ::testing::TempDir() + "dotscan_diff_test_stop";
  std::filesystem::remove_all(temp);
  std::filesystem::create_directories(temp);
  SortOptions options;
  options.run_bytes = 1024;  // runs are written before the stop
  options.temp_dir = temp;
  int asked = 0;
  Collect sink;
  try {
    diffFiles(path, path, options, {&sink}, [&asked] { return ++asked == 2; });
    ADD_FAILURE() << "not stopped";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Interrupted);
  }
  EXPECT_EQ(asked, 2);  // at line 1024 and 2048 of the first file
  EXPECT_FALSE(sink.began);
  EXPECT_TRUE(std::filesystem::is_empty(temp));
}

TEST(DiffFiles, InputErrorsNameTheFileAndLine) {
  const std::string good =
      write("good.jsonl", result("192.0.2.1", "closed") + "\n" + kMetadata + "\n");
  const std::string missing = ::testing::TempDir() + "dotscan_diff_test_missing.jsonl";
  std::remove(missing.c_str());
  EXPECT_EQ(usageError(missing, good),
            "diff: '" + missing + "': cannot read it: No such file or directory");
  const std::string malformed =
      write("malformed.jsonl", result("192.0.2.1", "closed") + "\nnot json\n" + kMetadata + "\n");
  EXPECT_EQ(usageError(good, malformed), "diff: '" + malformed + "': line 2: not a JSON object");
  const std::string no_address =
      write("noaddr.jsonl", R"({"record":"result","port":853,"outcome":"dot"})"
                            "\n");
  EXPECT_EQ(usageError(no_address, good),
            "diff: '" + no_address +
                "': line 1: a result record without a valid address, port or outcome");
  // Cut mid-record (a scan killed while writing): the last line is no JSON and has no newline.
  const std::string whole = result("192.0.2.2", "closed");
  const std::string truncated =
      write("truncated.jsonl", result("192.0.2.1", "closed") + "\n" + whole.substr(0, 30));
  EXPECT_EQ(usageError(good, truncated),
            "diff: '" + truncated +
                "': line 2: not a JSON object (the last line has no newline: the file was cut "
                "short)");
  const std::string empty = write("empty.jsonl", "");
  EXPECT_EQ(usageError(empty, good),
            "diff: '" + empty + "': no dotscan result or metadata record in it");
  // A whole last record without its newline is read.
  const std::string no_newline = write("nonewline.jsonl", result("192.0.2.1", "closed"));
  EXPECT_EQ(usageError(no_newline, good), "no error");
  // A line past report::kMaxLineBytes is refused before it is held, whatever it holds (here a
  // valid record padded with blanks): one endless line cannot take the memory.
  const std::string long_line =
      write("long.jsonl", result("192.0.2.1", "closed") + "\n" + std::string(9U << 20U, ' ') +
                              result("192.0.2.2", "closed") + "\n");
  EXPECT_EQ(usageError(good, long_line),
            "diff: '" + long_line + "': line 2: longer than 8388608 bytes");
  std::remove(long_line.c_str());
}

std::string captured(const std::vector<std::string>& files, bool json) {
  std::FILE* out = std::tmpfile();
  {
    TextWriter text(out);
    JsonWriter lines(out);
    ChangeSink* sink = json ? static_cast<ChangeSink*>(&lines) : &text;
    SortOptions options;
    options.temp_dir = ::testing::TempDir();
    diffFiles(files.at(0), files.at(1), options, {sink});
  }
  std::rewind(out);
  std::string text;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, out)) > 0) text.append(buffer, n);
  std::fclose(out);
  return text;
}

TEST(DiffWriters, TextIsTerminalSafeAndCounts) {
  // A finding id and an issuer with escape sequences (a hostile file or server).
  std::string hostile = dotResult("192.0.2.1", "bb", R"({"id":"x\u001b[31m","severity":"high"})");
  const auto at = hostile.find("CN=ca");
  hostile.replace(at, 5, "CN=\\u009b2J");
  const std::string old_path =
      write("text_old.jsonl", dotResult("192.0.2.1", "aa") + "\n" + kMetadata + "\n");
  const std::string new_path = write("text_new.jsonl", hostile + "\n");
  const std::string text = captured({old_path, new_path}, false);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << text;
  EXPECT_NE(text.find("old '" + old_path +
                      "': 1 result, dotscan 0.1.0, started "
                      "2026-11-30T09:00:00.000Z\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("no metadata record"), std::string::npos) << text;
  EXPECT_NE(text.find("192.0.2.1:853\n  low     certificate       aa -> bb (same key, new issuer "
                      "CN=\\xc2\\x9b2J, trusted)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  high    finding-added     x\\x1b[31m (high)\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Changes: 2 on 1 of 1 targets; 1 high 1 low\nBy kind: 1 certificate 1 "
                      "finding-added\n"),
            std::string::npos)
      << text;
}

TEST(DiffWriters, JsonLinesShape) {
  const std::string old_path =
      write("json_old.jsonl", dotResult("192.0.2.1", "aa") + "\n" + kMetadata + "\n");
  const std::string new_path =
      write("json_new.jsonl", result("192.0.2.1", "closed") + "\n" + kMetadata + "\n");
  std::istringstream lines(captured({old_path, new_path}, true));
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(lines, line)) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[0].dump(),
            R"({"address":"192.0.2.1","after":"closed","before":"dot","certificate":null,)"
            R"("finding":null,"kind":"outcome","name":null,"port":853,"record":"change",)"
            R"("schema_version":1,"severity":"high"})");
  EXPECT_EQ(records[1]["record"], "diff");
  EXPECT_EQ(records[1]["changes"], 1);
  EXPECT_EQ(records[1]["worst"], "high");
  EXPECT_EQ(records[1]["by_kind"]["outcome"], 1);
  EXPECT_EQ(records[1]["old"]["version"], "0.1.0");
  EXPECT_EQ(records[1]["new"]["path"], new_path);
}

}  // namespace
}  // namespace dotscan::diff
