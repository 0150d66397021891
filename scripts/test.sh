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
# One fuzzer per core at a time: each runs in one process, so two cores take half the time.
fuzz_one() {  # fuzz_one NAME CORPUS: runs one target; on failure keeps its inputs, returns 1
  local name=$1 corpus=$2 scratch status=0
  scratch=$(mktemp -d)
  # New inputs go to the scratch directory; the committed corpus is only read.
  build/fuzz/tests/fuzz/"$name" -max_total_time="${FUZZ_SECONDS:-20}" -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$scratch/" "$scratch" "tests/fuzz/corpus/$corpus" \
    >"$scratch/log" 2>&1 || status=$?
  echo "$name: $(grep -E '^Done [0-9]+ runs' "$scratch/log" || echo 'no summary')"
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$scratch/log" >&2
    mkdir -p build/fuzz-artifacts && cp "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-* \
      build/fuzz-artifacts/ 2>/dev/null || true
    echo "fuzz target $name failed (exit $status); inputs kept in build/fuzz-artifacts/" >&2
    return 1
  fi
  rm -rf "$scratch"
}
fuzz_failed=0
pids=()
for entry in "${fuzzers[@]}"; do
  fuzz_one "${entry%%:*}" "${entry##*:}" &
  pids+=($!)
  if [[ ${#pids[@]} -ge $jobs ]]; then
    wait "${pids[0]}" || fuzz_failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || fuzz_failed=1; done
[[ $fuzz_failed -eq 0 ]] || exit 1

echo "== build (ASan + UBSan, -Werror)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOTSCAN_SANITIZE=ON \
  -DDOTSCAN_WERROR=ON >/dev/null
cmake --build build/asan -j "$jobs"

# One unsanitized binary too: the e2e check at `ulimit -n 5` cannot run under the sanitizers (their
# vptr check needs a pipe of its own; tests/e2e/scan_test.sh says why).
# Built at -O1 (two thirds of a release build's compile time here: 46 s against 66 s on 2 cores):
# the check is about descriptors, not speed.
echo "== build (unsanitized binary for the descriptor-exhaustion check)"
cmake -S . -B build/plain -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O1 \
  -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
cmake --build build/plain -j "$jobs" --target dotscan
export DOTSCAN_UNSANITIZED=$PWD/build/plain/src/dotscan

echo "== clang-tidy"
bash scripts/check-tidy.sh build/asan

echo "== tests"
ctest --test-dir build/asan --output-on-failure -j "$jobs"
