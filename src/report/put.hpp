// src/report/put.hpp — the one way the text writers put bytes into their FILE* (private to the
// report module).
#pragma once

#include <cstdio>
#include <string_view>

namespace dotscan::report {

// Writes all of `text` and flushes, so that what is written survives a crash and shows at once on
// a pipe. A failed write throws dotscan::Error(ExitCode::RuntimeError, "cannot write the report:
// ..."): a report that silently lost lines would mislead.
void put(std::FILE* out, std::string_view text);

// Throws the error of a failed write of the report (errno `error`): OutputClosed for EPIPE
// (writer.hpp), else dotscan::Error(ExitCode::RuntimeError, ...).
[[noreturn]] void throwWriteError(int error);

}  // namespace dotscan::report
