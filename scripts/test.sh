#!/usr/bin/env bash
# The second command of README.md, and what CI runs: install what is missing, check formatting,
# build the fuzz targets with libFuzzer and run each briefly, then build everything with
# AddressSanitizer + UndefinedBehaviorSanitizer (warnings are errors) and run the whole suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=$(nproc)

bash scripts/setup.sh test

echo "== format (clang-format 14, .clang-format)"
bash scripts/check-format.sh

echo "== fuzz smoke (libFuzzer, ${FUZZ_SECONDS:-20} s per target)"
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOTSCAN_FUZZ=ON \
  -DDOTSCAN_WERROR=ON >/dev/null
fuzzers=(fuzz_target_spec:target_spec fuzz_certificate_der:certificate_der
  fuzz_dns_response:dns_response fuzz_policy:policy fuzz_packet:packet
  fuzz_json_record:json_record)
cmake --build build/fuzz --target "${fuzzers[@]%%:*}"
for entry in "${fuzzers[@]}"; do
  name=${entry%%:*} corpus=${entry##*:}
  scratch=$(mktemp -d)
  # New inputs go to the scratch directory; the committed corpus is only read.
  status=0
  build/fuzz/tests/fuzz/"$name" -max_total_time="${FUZZ_SECONDS:-20}" -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$scratch/" "$scratch" "tests/fuzz/corpus/$corpus" \
    >"$scratch/log" 2>&1 || status=$?
  grep -E '^Done [0-9]+ runs' "$scratch/log" || true
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$scratch/log" >&2
    mkdir -p build/fuzz-artifacts && cp "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-* \
      build/fuzz-artifacts/ 2>/dev/null || true
    echo "fuzz target $name failed (exit $status); inputs kept in build/fuzz-artifacts/" >&2
    exit 1
  fi
  rm -rf "$scratch"
done

echo "== build (ASan + UBSan, -Werror)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOTSCAN_SANITIZE=ON \
  -DDOTSCAN_WERROR=ON >/dev/null
cmake --build build/asan -j "$jobs"

# One unsanitized binary too: the e2e check at `ulimit -n 5` cannot run under the sanitizers (their
# vptr check needs a pipe of its own; tests/e2e/scan_test.sh says why).
echo "== build (release binary for the descriptor-exhaustion check)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "$jobs" --target dotscan
export DOTSCAN_UNSANITIZED=$PWD/build/release/src/dotscan

echo "== clang-tidy"
bash scripts/check-tidy.sh build/asan

echo "== tests"
ctest --test-dir build/asan --output-on-failure -j "$jobs"
