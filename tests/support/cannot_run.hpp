// tests/support/cannot_run.hpp — a check that cannot run here (no /dev/full, no test CA).
//
// On a developer's machine the test is skipped and says why. Under CI=true it fails instead: a
// pipeline must not go green on a check that never ran (STYLE.md, "Tests").
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace dotscan::test {

inline bool underCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace dotscan::test

// Ends the test (a return from the calling function, as GTEST_SKIP does).
#define DOTSCAN_CANNOT_RUN(reason)                                                \
  do {                                                                            \
    if (::dotscan::test::underCi()) GTEST_FAIL() << (reason) << " (and CI=true)"; \
    GTEST_SKIP() << (reason);                                                     \
  } while (false)
