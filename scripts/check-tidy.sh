#!/usr/bin/env bash
# Runs clang-tidy 14 (.clang-tidy) over the sources; any finding fails. Needs a configured build
# directory with compile_commands.json: scripts/check-tidy.sh [BUILD_DIR] (default build/asan).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build/asan}
mapfile -t files < <(git ls-files 'src/*.cpp')
# Two files at a time, one per core.
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 1 clang-tidy -p "$build" --quiet \
  --warnings-as-errors='*' 2>/dev/null
echo "clang-tidy: ${#files[@]} files OK"
