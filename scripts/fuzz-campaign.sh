#!/usr/bin/env bash
# Fuzz campaign: every libFuzzer target for a number of executions or a time, one after another,
# with a per-target report (issue 16, "Keep it true"; docs/fuzzing.md). Nothing touches the network.
#
#   bash scripts/fuzz-campaign.sh [--runs N | --time S] [--merge] [TARGET...]
#
#   --runs N     executions per target (env FUZZ_RUNS, default 10000000)
#   --time S     seconds per target instead (env FUZZ_TIME; -max_total_time)
#   --merge      afterwards, merge the new inputs that add coverage into tests/fuzz/corpus/<corpus>
#                (libFuzzer -merge=1); without it they stay in build/fuzz-campaign/run/<target>/new
#   TARGET       fuzz_target_spec, fuzz_certificate_der, fuzz_dns_response, fuzz_policy,
#                fuzz_packet (default: all)
#
# The targets are built with clang, libFuzzer, ASan and UBSan in build/fuzz-campaign. Each reads
# its committed corpus and writes new inputs to a scratch directory. A crash, leak, timeout (10 s)
# or out-of-memory (2 GiB) input is copied into the committed corpus as regression-<sha1>, where
# the test suite replays it, and the script exits 1 once every target has run.
# Per target it prints executions, executions a second, wall time, new inputs, merged inputs and
# crashes, as a Markdown table (also in build/fuzz-campaign/run/report.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=${FUZZ_RUNS:-10000000}
seconds=${FUZZ_TIME:-}
merge=0
all=(fuzz_target_spec:target_spec fuzz_certificate_der:certificate_der
  fuzz_dns_response:dns_response fuzz_policy:policy fuzz_packet:packet
  fuzz_json_record:json_record)
chosen=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2 seconds=; shift 2 ;;
    --time) seconds=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -h | --help) usage ;;
    -*) echo "fuzz-campaign.sh: unknown option $1" >&2; usage ;;
    *)
      entry=$(printf '%s\n' "${all[@]}" | grep "^$1:" || true)
      [[ -n $entry ]] || { echo "fuzz-campaign.sh: no fuzz target $1" >&2; usage; }
      chosen+=("$entry"); shift ;;
  esac
done
[[ ${#chosen[@]} -gt 0 ]] || chosen=("${all[@]}")
if [[ -n $seconds ]]; then
  [[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz-campaign.sh: --time '$seconds' is not a positive integer" >&2; exit 2; }
  limit=(-max_total_time="$seconds")
else
  [[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz-campaign.sh: --runs '$runs' is not a positive integer" >&2; exit 2; }
  limit=(-runs="$runs")
fi

build=build/fuzz-campaign
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOTSCAN_FUZZ=ON >/dev/null
names=("${chosen[@]%%:*}")
cmake --build "$build" --target "${names[@]}" >/dev/null

run=$build/run
mkdir -p "$run"
report=$run/report.md
{
  echo "| target | executions | exec/s | wall | new inputs | merged | crashes |"
  echo "|---|---|---|---|---|---|---|"
} >"$report"
cat "$report"

# stat LOG KEY: one of libFuzzer's -print_final_stats lines, or the last "#N" status line's count.
stat() {
  local value
  value=$(awk -v key="stat::$2:" '$1 == key { print $2 }' "$1" | tail -n 1)
  if [[ -z $value && $2 == number_of_executed_units ]]; then
    value=$(grep -oE '^#[0-9]+' "$1" | tail -n 1 | tr -d '#')
  fi
  echo "${value:--}"
}

failed=0
for entry in "${chosen[@]}"; do
  name=${entry%%:*} corpus=tests/fuzz/corpus/${entry##*:}
  dir=$run/$name
  rm -rf "$dir"
  mkdir -p "$dir/new" "$dir/artifacts"
  fuzzer=$build/tests/fuzz/$name
  start=$(date +%s.%N)
  status=0
  # The scratch directory comes first: libFuzzer writes new inputs to its first corpus directory.
  "$fuzzer" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "$dir/new" "$corpus" >"$dir/log" 2>&1 || status=$?
  elapsed=$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')
  executions=$(stat "$dir/log" number_of_executed_units)
  # libFuzzer's own average divides by whole seconds; this one by the wall time, start-up included.
  rate=$(awk -v n="$executions" -v s="$elapsed" 'BEGIN { if (n ~ /^[0-9]+$/ && s > 0) printf "%.0f", n / s; else print "-" }')
  new=$(find "$dir/new" -type f | wc -l)

  crashes=0
  for artifact in "$dir"/artifacts/{crash,leak,timeout,oom}-*; do
    [[ -f $artifact ]] || continue
    kept=$corpus/regression-$(sha1sum "$artifact" | cut -d' ' -f1)
    cp "$artifact" "$kept"
    echo "$name: $(basename "$artifact") kept as $kept" >&2
    crashes=$((crashes + 1))
  done
  if [[ $status -ne 0 || $crashes -gt 0 ]]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$dir/log" | head -n 5 >&2 || true
    echo "$name: libFuzzer exited $status; the log is $dir/log" >&2
    failed=1
  fi

  merged=-
  if [[ $merge == 1 && $crashes == 0 && $new -gt 0 ]]; then
    before=$(find "$corpus" -type f | wc -l)
    if "$fuzzer" -merge=1 -timeout=10 -rss_limit_mb=2048 "$corpus" "$dir/new" >"$dir/merge.log" 2>&1; then
      merged=$(($(find "$corpus" -type f | wc -l) - before))
    else
      echo "$name: the merge failed; the log is $dir/merge.log" >&2
      failed=1
    fi
  fi
  echo "| $name | $executions | $rate | $elapsed s | $new | $merged | $crashes |" | tee -a "$report"
done

echo
echo "campaign: ${limit[*]} per target; report in $report, logs and new inputs in $run/<target>/"
exit "$failed"
