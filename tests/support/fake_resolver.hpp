// A resolver that answers from a table and never touches the network.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dotscan/targets/resolver.hpp"

namespace dotscan::testing {

class FakeResolver final : public targets::Resolver {
 public:
  FakeResolver(std::initializer_list<std::pair<const std::string, std::vector<std::string>>> table)
      : table_(table) {}

  [[nodiscard]] targets::Resolution resolve(const std::string& name,
                                            std::optional<Family> family) const override {
    targets::Resolution result;
    auto it = table_.find(name);
    if (it == table_.end()) {
      result.error = "Name or service not known";
      return result;
    }
    for (const std::string& text : it->second) {
      auto address = *Address::parse(text);
      if (!family || address.family() == *family) result.addresses.push_back(address);
    }
    if (result.addresses.empty()) result.error = "no address of the requested family";
    return result;
  }

 private:
  std::map<std::string, std::vector<std::string>> table_;
};

}  // namespace dotscan::testing
