#include "dotscan/report/json_lines_reader.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "dotscan/report/json_lines.hpp"

#include "capture.hpp"
#include "samples.hpp"

namespace dotscan::report {
namespace {

// A file of the given text in a fresh temporary directory, removed at the end of the test.
class TextFile {
 public:
  explicit TextFile(const std::string& text) {
    char dir[] = "/tmp/dotscan-reader-XXXXXX";
    EXPECT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/in.jsonl";
    std::ofstream(path_, std::ios::binary) << text;
  }
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;
  TextFile(TextFile&&) = delete;
  TextFile& operator=(TextFile&&) = delete;
  ~TextFile() {
    (void)std::remove(path_.c_str());
    (void)::rmdir(dir_.c_str());
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

// Every record of `path`, written again with the JSON Lines writer.
std::string rewrite(const std::string& path) {
  test::TempOutput out;
  JsonLinesWriter writer(out.get());
  JsonLinesReader reader(path);
  while (auto record = reader.next()) {
    if (const auto* result = std::get_if<model::ProbeResult>(&*record)) {
      writer.write(*result);
    } else {
      writer.writeMetadata(std::get<ScanMetadata>(*record));
    }
  }
  writer.flush();
  return out.text();
}

// The message of the UsageError that reading all of `text` throws; empty when none.
std::string readError(const std::string& text) {
  const TextFile file(text);
  try {
    JsonLinesReader reader(file.path());
    while (reader.next()) {
    }
  } catch (const UsageError& e) {
    return e.what();
  }
  return {};
}

TEST(JsonLinesReader, RoundTripOfEverySampleIsByteIdentical) {
  test::TempOutput first;
  JsonLinesWriter writer(first.get());
  for (const model::ProbeResult& result : samples::allResults()) writer.add(result);
  writer.finish(samples::metadata());
  const std::string written = first.text();
  const TextFile file(written);
  EXPECT_EQ(rewrite(file.path()), written);
}

TEST(JsonLinesReader, RoundTripOfEachSampleAlone) {
  for (const model::ProbeResult& result : samples::allResults()) {
    const std::string line = resultToJson(result) + "\n";
    const TextFile file(line);
    EXPECT_EQ(rewrite(file.path()), line) << line;
  }
}

// The policy's rules on findings (issue 12): suppressed, re-rated, expired.
TEST(JsonLinesReader, RoundTripOfFindingsWithPolicyRules) {
  model::ProbeResult result = samples::dot();
  result.findings = {
      {"address-not-in-san", model::Severity::Medium, "m", 0,
       model::FindingOverride{"lab", true, std::nullopt, "bare addresses", "2027-01-31", false}},
      {"chain-untrusted", model::Severity::Low, "c", std::nullopt,
       model::FindingOverride{"", false, model::Severity::High, "", "", false}},
      {"alpn-not-dot", model::Severity::Info, "a", std::nullopt,
       model::FindingOverride{"", false, std::nullopt, "", "2020-01-31", true}},
      {"no-san", model::Severity::Medium, "n", 0, std::nullopt}};
  const std::string line = resultToJson(result) + "\n";
  const TextFile file(line);
  EXPECT_EQ(rewrite(file.path()), line);
  JsonLinesReader reader(file.path());
  const auto record = reader.next();
  ASSERT_TRUE(record);
  const auto* read = std::get_if<model::ProbeResult>(&*record);
  ASSERT_NE(read, nullptr);
  ASSERT_EQ(read->findings.size(), 4U);
  EXPECT_FALSE(read->findings[0].counts());
  EXPECT_EQ(read->findings[1].policy->was, model::Severity::High);
  EXPECT_TRUE(read->findings[2].policy->expired);
  EXPECT_FALSE(read->findings[3].policy);
}

TEST(JsonLinesReader, RoundTripOfMetadataWithEveryOptionalPart) {
  for (const ScanMetadata& metadata : {samples::metadata(), samples::fullMetadata()}) {
    const std::string line = metadataToJson(metadata) + "\n";
    const TextFile file(line);
    EXPECT_EQ(rewrite(file.path()), line);
  }
}

TEST(JsonLinesReader, FieldsComeBack) {
  const auto record = parseRecord(resultToJson(samples::dot()));
  const auto& result = std::get<model::ProbeResult>(record);
  const model::ProbeResult expected = samples::dot();
  EXPECT_EQ(result.address, expected.address);
  EXPECT_EQ(result.port, expected.port);
  EXPECT_EQ(result.name, expected.name);
  EXPECT_EQ(result.outcome, expected.outcome);
  EXPECT_EQ(result.phase, expected.phase);
  EXPECT_EQ(result.started, expected.started);
  ASSERT_TRUE(result.dns && result.dns->response && result.dns->response->edns);
  EXPECT_EQ(result.dns->response->edns->nsid_hex, expected.dns->response->edns->nsid_hex);
  EXPECT_EQ(result.certificates.size(), expected.certificates.size());

  const auto meta = std::get<ScanMetadata>(parseRecord(metadataToJson(samples::fullMetadata())));
  EXPECT_EQ(meta.seed, 18446744073709551615ULL);
  EXPECT_EQ(meta.shard_index, 1U);
  EXPECT_EQ(meta.shard_count, 4U);
  EXPECT_EQ(meta.targets_planned, "340282366920938463463374607431768211456");
  EXPECT_EQ(meta.arguments, samples::fullMetadata().arguments);
  EXPECT_EQ(meta.counts, samples::fullMetadata().counts);
  ASSERT_TRUE(meta.pcap);
  EXPECT_EQ(meta.pcap->dropped, 1U);
}

// The message of the RecordError that parsing `line` throws; empty when none.
std::string recordError(const std::string& line) {
  try {
    (void)parseRecord(line);
  } catch (const RecordError& e) {
    return e.what();
  }
  return {};
}

// `text` with its first `from` replaced by `to` (which must be there).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// --checks: every status and evidence type comes back, the evidence in its own order (not the
// alphabetical one of a parsed JSON object), and writes the same line again.
TEST(JsonLinesReader, RoundTripOfConformanceChecks) {
  model::ProbeResult sample = samples::conformance();
  sample.checks.push_back({"bounds",
                           model::CheckStatus::Pass,
                           "",
                           {{"z", std::numeric_limits<std::int64_t>::max()},
                            {"y", std::numeric_limits<std::int64_t>::min()},
                            {"x", std::int64_t{0}},
                            {"w", std::string()}}});
  for (const model::ProbeResult& expected : {sample, samples::markupCertificate()}) {
    const std::string line = resultToJson(expected);
    const auto result = std::get<model::ProbeResult>(parseRecord(line));
    EXPECT_EQ(result.checks, expected.checks) << line;
    const TextFile file(line + "\n");
    EXPECT_EQ(rewrite(file.path()), line + "\n");
  }
}

// As everywhere in the record, the last of two members with one name is the one read; the
// evidence order follows it.
TEST(JsonLinesReader, LastOfTwoChecksOrEvidenceMembersIsRead) {
  const std::string line = resultToJson(samples::conformance());
  const std::string twice =
      replaced(line, R"("evidence":{"rcode":"NXDOMAIN"})",
               R"("evidence":{"rcode":"NXDOMAIN"},"evidence":{"b":true,"a":1})");
  const auto result = std::get<model::ProbeResult>(parseRecord(twice));
  ASSERT_EQ(result.checks.size(), 5U);
  EXPECT_EQ(result.checks[4].evidence,
            (std::vector<model::Evidence>{{"b", true}, {"a", std::int64_t{1}}}));
  EXPECT_EQ(result.checks[0], samples::conformance().checks[0]);

  const std::string again = replaced(
      line, R"(,"findings":[)",
      R"(,"checks":[{"name":"n","status":"pass","summary":"s","evidence":{"q":"1","p":[]}}],)"
      R"("findings":[)");
  const auto second = std::get<model::ProbeResult>(parseRecord(again));
  ASSERT_EQ(second.checks.size(), 1U);
  EXPECT_EQ(
      second.checks[0].evidence,
      (std::vector<model::Evidence>{{"q", std::string("1")}, {"p", std::vector<std::string>{}}}));
}

TEST(JsonLinesReader, MalformedChecksAreRefused) {
  const std::string line = resultToJson(samples::conformance());
  const struct {
    std::string from;
    std::string to;
    std::string says;
  } cases[] = {
      {R"("status":"pass")", R"("status":"n/a")",
       R"("checks" item: "status" is not pass, fail, not-applicable or error)"},
      {R"("status":"pass")", R"("status":1)", R"("status" is not a string)"},
      {R"("summary":"the check's connection ended early: closed, connection refused",)", "",
       R"("summary" is missing)"},
      {R"("name":"keepalive")", R"("name":null)", R"("name" is not a string)"},
      {R"("last_answer_ms":4})", R"("last_answer_ms":4.5})",
       R"("evidence" member 'last_answer_ms' is not true or false, a whole number, a string)"},
      {R"("last_answer_ms":4})", R"("last_answer_ms":4.0})",
       R"(member 'last_answer_ms' is not true or false)"},
      {R"("last_answer_ms":4})", R"("last_answer_ms":{"ms":4}})",
       R"(member 'last_answer_ms' is not true or false)"},
      {R"("last_answer_ms":4})", R"("last_answer_ms":null})",
       R"(member 'last_answer_ms' is not true or false)"},
      {R"("last_answer_ms":4})", R"("last_answer_ms":9223372036854775808})",
       R"(member 'last_answer_ms' is not a whole number from -2^63 to 2^63 - 1)"},
      {R"("answer_order":["2","1","3"])", R"("answer_order":["2",1,"3"])",
       R"(member 'answer_order' holds something that is not a string)"},
      {R"("answer_order":["2","1","3"])", R"("answer_order":[["2"]])",
       R"(member 'answer_order' holds something that is not a string)"},
      {R"("queries":3,"answered":3)", R"("queries":3,"queries":4)",
       R"("evidence" holds 'queries' twice)"},
      {R"("evidence":{})", R"("evidence":[])", R"("checks" item "evidence": is not an object)"},
      {R"("evidence":{})", R"("evidence":null)", R"("evidence": is not an object)"},
      {R"("evidence":{"rcode")", R"("evidenceX":{"rcode")", R"("evidence" is missing)"},
      {R"("checks":[{"name":"pipelining")", R"("checks":{"x":{"name":"pipelining")",
       "not valid JSON"},
      {R"("checks":[{"name":"pipelining")", R"("checks":[5,{"name":"pipelining")",
       R"("checks" item: is not an object)"},
  };
  for (const auto& c : cases) {
    const std::string message = recordError(replaced(line, c.from, c.to));
    EXPECT_NE(message.find(c.says), std::string::npos) << c.to << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // Not an array at all.
  std::string object = resultToJson(samples::closed());
  object = replaced(object, R"(,"findings":[)", R"(,"checks":{},"findings":[)");
  EXPECT_NE(recordError(object).find(R"("checks" is not an array)"), std::string::npos);
  // An empty list is no check (the writer leaves the member out).
  std::string empty =
      replaced(resultToJson(samples::closed()), R"(,"findings":[)", R"(,"checks":[],"findings":[)");
  EXPECT_TRUE(std::get<model::ProbeResult>(parseRecord(empty)).checks.empty());
}

TEST(JsonLinesReader, SkipPassesOverALineUnparsed) {
  const TextFile file("not json\n" + resultToJson(samples::closed()) + "\n");
  JsonLinesReader reader(file.path());
  EXPECT_TRUE(reader.skip());
  EXPECT_EQ(reader.line(), 1U);
  const auto record = reader.next();
  ASSERT_TRUE(record);
  EXPECT_EQ(reader.line(), 2U);
  EXPECT_EQ(std::get<model::ProbeResult>(*record).address, samples::closed().address);
  EXPECT_FALSE(reader.skip());
}

TEST(JsonLinesReader, EmptyFileHasNoRecords) {
  const TextFile file("");
  JsonLinesReader reader(file.path());
  EXPECT_FALSE(reader.next());
}

TEST(JsonLinesReader, MalformedLinesNameFileAndLine) {
  const std::string good = resultToJson(samples::closed()) + "\n";
  std::string port_too_big = resultToJson(samples::closed());
  port_too_big.replace(port_too_big.find("\"port\":853"), 10, "\"port\":70000");
  std::string no_outcome = resultToJson(samples::closed());
  no_outcome.replace(no_outcome.find("\"outcome\""), 9, "\"outcomeX\"");
  std::string bad_time = resultToJson(samples::closed());
  bad_time.replace(bad_time.find("2026-11-23T"), 11, "2026-13-23T");
  std::string bad_enum = resultToJson(samples::closed());
  bad_enum.replace(bad_enum.find("\"closed\""), 8, "\"shut\"");
  std::string bad_schema = metadataToJson(samples::metadata());
  bad_schema.replace(bad_schema.find("\"schema_version\":1"), 18, "\"schema_version\":2");
  std::string negative = resultToJson(samples::closed());
  negative.replace(negative.find("\"attempts\":1"), 12, "\"attempts\":-1.5");
  const struct {
    std::string line;
    std::string says;
  } cases[] = {
      {"not json", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"record":"other","schema_version":1})", "unknown record"},
      {R"({"schema_version":1})", "\"record\" is missing"},
      {port_too_big, "\"port\" is not a whole number from 0 to 65535"},
      {no_outcome, "\"outcome\" is missing"},
      {bad_time, "\"started\" is not a time"},
      {bad_enum, "\"outcome\" is not a known value"},
      {bad_schema, "\"schema_version\" is not 1"},
      {negative, "\"attempts\" is not a whole number"},
      {std::string("{\"record\":\0}", 13), "NUL"},
      {"", "not valid JSON"},
  };
  for (const auto& c : cases) {
    const std::string message = readError(good + c.line + "\n" + good);
    EXPECT_NE(message.find("in.jsonl' line 2: "), std::string::npos) << message;
    EXPECT_NE(message.find(c.says), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(JsonLinesReader, TruncatedLastLineIsRefused) {
  const std::string whole = resultToJson(samples::dot()) + "\n";
  for (const std::size_t cut : {std::size_t{1}, whole.size() / 2, whole.size() - 1}) {
    const std::string message = readError(whole + whole.substr(0, cut));
    EXPECT_NE(message.find("line 2: the last line has no newline"), std::string::npos) << message;
  }
}

TEST(JsonLinesReader, OverlongLineIsRefusedWithoutReadingItAll) {
  const std::string message = readError(std::string(kMaxLineBytes + 10, ' ') + "\n");
  EXPECT_NE(message.find("line 1: longer than"), std::string::npos) << message;
}

TEST(JsonLinesReader, UnreadableFileIsAUsageError) {
  EXPECT_THROW(JsonLinesReader("/nonexistent/dotscan.jsonl"), UsageError);
}

TEST(JsonLinesReader, ParseTimeIsTheInverseOfFormatTime) {
  for (const int ms : {0, 1, 999, 86'400'000, -5}) {
    const auto time = samples::at(ms);
    EXPECT_EQ(formatTime(*parseTime(formatTime(time))), formatTime(time));
  }
  EXPECT_EQ(parseTime("1970-01-01T00:00:00.000Z"), std::chrono::system_clock::time_point{});
  for (const char* bad : {"2026-02-30T00:00:00.000Z", "2026-11-23T24:00:00.000Z",
                          "2026-11-23T10:00:00Z", "2026-11-23 10:00:00.000Z", ""}) {
    EXPECT_FALSE(parseTime(bad)) << bad;
  }
}

}  // namespace
}  // namespace dotscan::report
