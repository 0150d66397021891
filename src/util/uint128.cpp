#include "dotscan/util/uint128.hpp"

#include <algorithm>

namespace dotscan {

std::string toString(u128 value) {
  if (value == 0) return "0";
  std::string out;
  while (value != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<u128> parseU128(std::string_view text) {
  if (text.empty() || text.size() > 39) return std::nullopt;
  u128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    auto next = checkedMul(value, 10);
    if (!next) return std::nullopt;
    auto sum = checkedAdd(*next, static_cast<u128>(c - '0'));
    if (!sum) return std::nullopt;
    value = *sum;
  }
  return value;
}

}  // namespace dotscan
