// Fuzz target: the target specification parser, the -iL/--excludefile line parsers, the port list
// parser, and the expansion of what they return (with a resolver that never resolves).
#include <cstdint>
#include <string_view>

#include "dotscan/targets/spec.hpp"
#include "dotscan/targets/target_set.hpp"
#include "dotscan/util/error.hpp"

namespace {

class NoResolver final : public dotscan::targets::Resolver {
 public:
  [[nodiscard]] dotscan::targets::Resolution resolve(
      const std::string&, std::optional<dotscan::Family>) const override {
    return {{}, "no resolution while fuzzing"};
  }
};

void checkSpec(std::string_view text) {
  using namespace dotscan::targets;
  try {
    for (const std::string& item : splitSpecList(text)) {
      Spec spec = parseSpec(item);
      if (auto* literal = std::get_if<AddressSpec>(&spec)) {
        // Invariant of a normalised set: sorted, disjoint, not adjacent.
        const auto& pieces = literal->addresses.intervals();
        for (std::size_t i = 0; i < pieces.size(); ++i) {
          if (pieces[i].first > pieces[i].last) __builtin_trap();
          if (i > 0 && pieces[i - 1].last + 1 >= pieces[i].first) __builtin_trap();
        }
      }
    }
  } catch (const dotscan::UsageError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dotscan::targets;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkSpec(text);
  try {
    parsePortList(text);
  } catch (const dotscan::UsageError&) {
  }
  try {
    auto inputs = parseTargetFile(text, "fuzz");
    ExpandOptions options;
    options.ports = {853};
    ExpandReport report;
    NoResolver resolver;
    // Bound the work: the expansion is lazy, so only the set itself is built.
    TargetSet set = expandTargets(inputs, {}, options, resolver, report);
    (void)parseExcludeFile(text, "fuzz");
    if (set.size() != 0) (void)set.at(set.size() - 1);
  } catch (const dotscan::UsageError&) {
  }
  return 0;
}
