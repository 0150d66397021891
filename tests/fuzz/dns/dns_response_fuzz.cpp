// Fuzz target: what a hostile DoT server sends after the query, as framed bytes (two-byte length,
// then the message), through FrameReader and parseResponse, as the probe does; then the frames
// after the first, in sequence. The same bytes are also read as the RDATA of one SVCB record
// (parseSvcbRdata, issue 13's DDR check), which parseResponse reads in every SVCB answer.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dotscan/dns/framing.hpp"
#include "dotscan/dns/message.hpp"
#include "dotscan/dns/svcb.hpp"

namespace {

// The default query (". NS") with the ID the seed corpus answers.
constexpr std::uint16_t kQueryId = 0x1234;

const dotscan::model::DnsQuery& query() {
  static const dotscan::model::DnsQuery kQuery =
      dotscan::dns::buildQuery(dotscan::dns::QueryOptions{}, kQueryId).query;
  return kQuery;
}

// Accepted whole or refused with one line, never half a record.
void checkSvcb(std::span<const std::uint8_t> rdata) {
  std::string error;
  const std::optional<dotscan::model::SvcbRecord> record =
      dotscan::dns::parseSvcbRdata(rdata, &error);
  if (record.has_value() == !error.empty() || error.find('\n') != std::string::npos) {
    __builtin_trap();
  }
  if (!record) return;
  if (record->target.empty() || record->target.back() != '.') __builtin_trap();
  for (const auto& id : record->alpn) {
    if (id.empty()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dotscan::dns::FrameReader;
  const std::span<const std::uint8_t> input(data, size);
  checkSvcb(input);

  FrameReader whole;
  whole.feed(input);
  whole.endOfStream();
  // The same bytes one at a time, as a slow peer sends them, must end the same way.
  FrameReader trickle;
  for (std::size_t i = 0; i < size; ++i) trickle.feed(input.subspan(i, 1));
  trickle.endOfStream();
  if (whole.state() != trickle.state() || whole.error() != trickle.error() ||
      whole.received() != size || trickle.received() != size ||
      whole.message().size() != trickle.message().size()) {
    __builtin_trap();
  }
  if (whole.state() != FrameReader::State::Complete) return 0;
  if (whole.message().size() != whole.expected() || whole.message().empty()) __builtin_trap();

  dotscan::model::DnsExchange exchange;
  const bool ok = dotscan::dns::parseResponse(whole.message(), query(), exchange);
  // Every outcome is named: "parse" first, and the other three exactly when the message parsed.
  if (exchange.checks.empty() || exchange.checks.front().name != "parse") __builtin_trap();
  const bool parsed = exchange.checks.front().ok;
  if (parsed != exchange.response.has_value()) __builtin_trap();
  if (exchange.checks.size() != (parsed ? 4U : 1U)) __builtin_trap();
  bool all_ok = true;
  for (const auto& check : exchange.checks) all_ok = all_ok && check.ok && check.detail.empty();
  if (ok != all_ok) __builtin_trap();
  if (parsed && exchange.response->svcb.size() > exchange.response->ancount) __builtin_trap();

  // The frames after the first, in sequence (issue 13): the bytes each reader kept give the same
  // frames, and the same end, whether they came at once or one at a time.
  while (whole.state() == FrameReader::State::Complete) {
    if (trickle.state() != FrameReader::State::Complete ||
        !std::ranges::equal(whole.message(), trickle.message()) ||
        whole.message().size() != whole.expected() || whole.kept() > FrameReader::kMaxKept) {
      __builtin_trap();
    }
    whole.next();
    trickle.next();
  }
  if (whole.state() != trickle.state() || whole.error() != trickle.error()) __builtin_trap();
  return 0;
}
