// src/report/digest.hpp — what the reports for people (HTML, Markdown) say about a scan as a
// whole, gathered result by result (private to the report module).
//
// Invariant: memory is bounded whatever the number of results. Counts are plain numbers; what
// grows with the results has a cap, past which it is counted, not kept: the affected servers of
// a finding (kAffectedKept each), the distinct issuers (kIssuersKept) and expiry months
// (kMonthsKept), and the per-server detail (Details: a byte budget). Texts are kept raw, as the
// network gave them: each writer escapes them for its format.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dotscan/model/result.hpp"

namespace dotscan::report::digest {

inline constexpr std::size_t kAffectedKept = 25;
inline constexpr std::size_t kIssuersKept = 500;
inline constexpr std::size_t kMonthsKept = 600;
inline constexpr std::size_t kSeverityCount = 5;

// "192.0.2.1:853", "[2001:db8::1]:853".
std::string endpoint(const model::ProbeResult& result);

// A finding id at one severity, over the whole scan.
struct FindingStats {
  std::uint64_t count = 0;  // servers with it
  struct Affected {
    std::string endpoint;
    std::string name;     // raw
    std::string message;  // raw (built from network text)
  };
  std::vector<Affected> affected;  // the first kAffectedKept
};

class Digest {
 public:
  void add(const model::ProbeResult& result);

  std::uint64_t results = 0;
  std::uint64_t answered = 0;  // model::answered: the TCP handshake completed
  std::uint64_t dot = 0;
  std::array<std::uint64_t, model::kOutcomeCount> outcomes{};
  std::map<std::string, std::uint64_t> verdicts;            // profile -> servers
  std::array<std::uint64_t, kSeverityCount> by_severity{};  // findings, indexed by Severity
  std::uint64_t suppressed = 0;  // findings the policy turned off: not in by_severity or findings
  // (severity, id), most severe first, then by id.
  using FindingKey = std::pair<model::Severity, std::string>;
  struct MostSevereFirst {
    bool operator()(const FindingKey& a, const FindingKey& b) const {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    }
  };
  std::map<FindingKey, FindingStats, MostSevereFirst> findings;
  std::map<std::string, std::uint64_t> issuers;  // the leaf's issuer -> servers
  std::uint64_t other_issuers = 0;               // servers whose issuer came past the cap
  std::map<std::string, std::uint64_t> months;   // "YYYY-MM" of the leaf's notAfter -> servers
  std::uint64_t expired = 0;                     // leaves already expired
  std::uint64_t other_months = 0;                // past the cap of months
};

// The issuers by servers, most first (then by name).
std::vector<std::pair<std::string, std::uint64_t>> issuersByCount(const Digest& digest);

// One server's detail, already rendered by a writer, held until finish() to be written sorted.
// At most `budget` bytes of text are held; a server past it is counted in `left_out`.
class Details {
 public:
  explicit Details(std::size_t budget) : budget_(budget) {}
  // Keeps `text` if it fits in what is left of the budget.
  bool add(const model::ProbeResult& result, std::string text);
  // Renders (render() returns the text) and keeps, unless what is left of the budget is smaller
  // than every text kept so far: then the result is counted without the cost of rendering it.
  template <typename Render>
  bool add(const model::ProbeResult& result, Render render) {
    if (!held_.empty() && budget_ - used_ < smallest_) {
      ++left_out_;
      return false;
    }
    return add(result, render());
  }
  // The held texts, sorted as the listing sorts hosts (model::sortKey).
  std::vector<std::string> sorted();
  [[nodiscard]] std::uint64_t leftOut() const { return left_out_; }
  [[nodiscard]] std::size_t size() const { return held_.size(); }

 private:
  std::size_t budget_;
  std::size_t used_ = 0;
  std::size_t smallest_ = 0;  // the shortest text kept
  std::uint64_t left_out_ = 0;
  std::vector<std::pair<model::SortKey, std::string>> held_;
};

// Whether a result gets a detail of its own: something answered on the port (open, TLS, DoT).
// The others are only counted.
bool detailed(const model::ProbeResult& result);

// At most `limit` bytes of `text`, through `escape`, with "..." when cut (a long DNS answer or
// subject must not blow up a report).
std::string clipped(std::string_view text, std::size_t limit,
                    std::string (*escape)(std::string_view));

// "1 server", "2 servers".
std::string plural(std::uint64_t count, std::string_view noun);

}  // namespace dotscan::report::digest
