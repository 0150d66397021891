// dotscan/targets/builtin_lists.hpp — the exclusion lists shipped in data/, compiled in.
//
// The files in data/ are the source of truth (users can read them and pass them to --excludefile);
// the build embeds their text so that the binary needs no data directory at run time.
#pragma once

#include <string_view>

namespace dotscan::targets {

// data/exclude-default.conf: never-unicast space, excluded unless --no-default-exclude.
std::string_view defaultExcludeList();
// data/exclude-reserved.conf: the IANA special-purpose registries, excluded with
// --exclude-reserved.
std::string_view reservedExcludeList();

}  // namespace dotscan::targets
