// --resume's reading of a JSON Lines file: what is done, what is dropped, what is refused.
#include "dotscan/cli/resume.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "dotscan/util/error.hpp"

namespace dotscan::cli {
namespace {

const std::string kMetadata =
    R"({"record":"metadata","arguments":["--rate","5","192.0.2.0/30"],"seed":7,)"
    R"("targets_planned":"4","interrupted":true,"error":null,"resumed":1,"duration_s":2.5})";

std::string result(const std::string& address, const std::string& outcome,
                   const std::string& name = "") {
  return R"({"record":"result","address":")" + address + R"(","port":853,"name":)" +
         (name.empty() ? std::string("null") : "\"" + name + "\"") + R"(,"outcome":")" + outcome +
         "\"}";
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "dotscan_resume_test_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string refusal(const std::string& path) {
  try {
    (void)readResumeFile(path);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Resume, ReadsWhatIsDoneAndTheScan) {
  const std::string kept =
      result("192.0.2.1", "closed") + "\n" + result("192.0.2.2", "dot", "dns.example") + "\n";
  const std::string path = write("read", kept + kMetadata + "\n");
  const ResumeState state = readResumeFile(path);
  EXPECT_EQ(state.arguments, (std::vector<std::string>{"--rate", "5", "192.0.2.0/30"}));
  EXPECT_EQ(state.seed, 7U);
  EXPECT_EQ(state.targets_planned, "4");
  EXPECT_EQ(state.resumed, 1U);
  EXPECT_EQ(state.scanned, 2U);
  EXPECT_EQ(state.done.size(), 2U);
  EXPECT_TRUE(state.done.contains(resumeKey(*Address::parse("192.0.2.2"), 853, "dns.example")));
  EXPECT_FALSE(state.done.contains(resumeKey(*Address::parse("192.0.2.2"), 853, "")));
  EXPECT_EQ(state.keep_bytes, kept.size());
  prepareResumeFile(state);
  EXPECT_EQ(contents(path), kept);
}

TEST(Resume, InterruptedRecordsAreScannedAgainAndLeaveTheFile) {
  const std::string first = result("192.0.2.1", "closed") + "\n";
  const std::string last = result("192.0.2.3", "closed") + "\n";
  const std::string path =
      write("interrupted", first + result("192.0.2.2", "interrupted") + "\n" + last + kMetadata +
                               "\n" + R"({"record":"res)");  // cut short by a kill: dropped
  const ResumeState state = readResumeFile(path);
  EXPECT_EQ(state.scanned, 2U);
  EXPECT_FALSE(state.done.contains(resumeKey(*Address::parse("192.0.2.2"), 853, "")));
  prepareResumeFile(state);
  EXPECT_EQ(contents(path), first + last);

  report::ScanMetadata metadata;
  metadata.targets_scanned = 2;
  metadata.duration_s = 1;
  addEarlierRuns(metadata, state);
  EXPECT_EQ(metadata.targets_scanned, 4U);
  EXPECT_EQ(metadata.counts.at(static_cast<std::size_t>(model::Outcome::Closed)), 2U);
  EXPECT_DOUBLE_EQ(metadata.duration_s, 3.5);
  EXPECT_EQ(metadata.resumed, 2U);
}

TEST(Resume, Refusals) {
  EXPECT_NE(refusal(write("nometa",
                          result("192.0.2.1", "closed") + "\n" + R"({"record":"metadata","arg)"))
                .find("the file has no metadata record"),
            std::string::npos);
  std::string finished = kMetadata;
  finished.replace(finished.find("\"interrupted\":true"), 18, "\"interrupted\":false");
  EXPECT_NE(refusal(write("finished", finished + "\n")).find("the scan was not interrupted"),
            std::string::npos);
  EXPECT_NE(refusal(write("middle", kMetadata + "\n" + kMetadata + "\n")).find("not the last line"),
            std::string::npos);
  EXPECT_NE(refusal(write("garbage", "not json\n" + kMetadata + "\n")).find("line 1"),
            std::string::npos);
  EXPECT_NE(refusal(::testing::TempDir() + "dotscan_resume_test_absent").find("cannot read it"),
            std::string::npos);
}

}  // namespace
}  // namespace dotscan::cli
