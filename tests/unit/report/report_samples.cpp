// report_samples: prints the sample records of samples.hpp as JSON Lines, for the schema tests.
//   report_samples            every sample result and the metadata record; each line must pass
//   report_samples --invalid  one deliberately broken variant per line; each line must fail
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "dotscan/report/json_lines.hpp"

#include "samples.hpp"

namespace {

using dotscan::report::metadataToJson;
using dotscan::report::resultToJson;
namespace samples = dotscan::report::samples;
using Json = nlohmann::ordered_json;

void printInvalid() {
  const Json result = Json::parse(resultToJson(samples::tlsOk()));
  const Json failure = Json::parse(resultToJson(samples::closed()));
  const Json metadata = Json::parse(metadataToJson(samples::metadata()));
  const Json checks = Json::parse(resultToJson(samples::conformance()));
  const std::vector<std::pair<Json, std::function<void(Json&)>>> mutations = {
      {result, [](Json& j) { j["outcome"] = "bogus"; }},
      {result, [](Json& j) { j["phase"] = "connect"; }},
      {result, [](Json& j) { j["unexpected"] = 1; }},
      {result, [](Json& j) { j.erase("address"); }},
      {result, [](Json& j) { j["started"] = "2026-11-23 10:00:00"; }},
      {result, [](Json& j) { j["port"] = 65536; }},
      {result, [](Json& j) { j["schema_version"] = 2; }},
      {result, [](Json& j) { j["tls"]["verification"]["errors"][0].erase("depth"); }},
      {result, [](Json& j) { j["certificates"][0]["key"]["extra"] = true; }},
      {result, [](Json& j) { j["certificates"][1]["subject_fields"][0] = "CN=x"; }},
      {result, [](Json& j) { j["timings"]["total_ms"] = nullptr; }},
      {failure, [](Json& j) { j["tls"] = Json::object(); }},
      {checks, [](Json& j) { j["checks"][0]["status"] = "n/a"; }},
      {checks, [](Json& j) { j["checks"][1].erase("summary"); }},
      {checks, [](Json& j) { j["checks"][1]["extra"] = true; }},
      {checks, [](Json& j) { j["checks"][0]["evidence"]["last_answer_ms"] = 4.5; }},
      {checks,
       [](Json& j) {
         j["checks"][0]["evidence"]["nested"] = Json{{"a", 1}};
       }},
      {checks,
       [](Json& j) {
         j["checks"][0]["evidence"]["answer_order"] = Json{"2", 1};
       }},
      {checks, [](Json& j) { j["checks"][0]["evidence"]["none"] = nullptr; }},
      {checks, [](Json& j) { j["checks"][0]["evidence"] = Json::array(); }},
      {checks, [](Json& j) { j["checks"] = Json::array(); }},
      {checks, [](Json& j) { j["checks"] = nullptr; }},
      {metadata, [](Json& j) { j["counts"].erase("tls-ok"); }},
      {metadata, [](Json& j) { j["targets_planned"] = 254; }},
      {metadata, [](Json& j) { j["record"] = "summary"; }},
      {metadata, [](Json& j) { j["outcome"] = "tls-ok"; }},
      {metadata, [](Json& j) { j["error"] = 3; }},
  };
  for (const auto& [base, mutate] : mutations) {
    Json copy = base;
    mutate(copy);
    std::printf("%s\n", copy.dump().c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc > 1 && std::strcmp(argv[1], "--invalid") == 0) {
      printInvalid();
      return 0;
    }
    dotscan::report::JsonLinesWriter writer(stdout);
    writer.writeMetadata(samples::metadata());
    dotscan::report::ScanMetadata stopped = samples::metadata();  // a scan stopped by an error
    stopped.error = "eventfd: Too many open files";
    writer.writeMetadata(stopped);
    for (const auto& result : samples::allResults()) writer.write(result);
    writer.write(samples::conformance());
    writer.flush();
    return 0;
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "report_samples: %s\n", e.what());
    return 1;
  }
}
