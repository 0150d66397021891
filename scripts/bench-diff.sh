#!/usr/bin/env bash
# Measures `dotscan diff` on two scans of N targets (default 1,000,000) with a known number of
# changes of each kind (scripts/gen-diff-input.py): wall time and maximum RSS from /usr/bin/time -v,
# and checks that the diff found exactly the changes that were made.
#   bash scripts/bench-diff.sh [BUILD_DIR] [N] [CHANGES] ["SORT_MEMORY_MB..."]
# One diff per --sort-memory value (default "16 64 256"; "default" runs without the option), on
# the same two files; the load average is printed before each, since the machine may be shared.
# The two input files (about 0.9 GB each for a million targets) and the sort's runs go to
# $TMPDIR (default /tmp) and are removed at the end.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../build}
n=${2:-1000000}
changes=${3:-1000}
memories=${4:-16 64 256}
dotscan=$build/src/dotscan
[[ -x $dotscan ]] || { echo "bench-diff: no $dotscan (build first)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "generating two files of $n targets, $changes changes of each of 6 kinds..."
expected=$(python3 "$here/gen-diff-input.py" "$n" "$changes" "$work/old.jsonl" "$work/new.jsonl")
ls -l "$work/old.jsonl" "$work/new.jsonl" | awk '{print $5, $9}'

want=$(jq -c '{targets, changes, by_kind}' <<<"$expected")
for memory in $memories; do
  sort=(--sort-memory "$memory")
  [[ $memory == default ]] && sort=()
  cmd=("$dotscan" diff "${sort[@]}" --tmp-dir "$work" -oJ "$work/changes.jsonl"
    "$work/old.jsonl" "$work/new.jsonl")
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command: /usr/bin/time -v ${cmd[*]} > diff.txt"
  /usr/bin/time -v "${cmd[@]}" >"$work/diff.txt" 2>"$work/time.txt"
  grep -E "Maximum resident set size|Elapsed \(wall clock\)|User time|System time" "$work/time.txt"
  tail -n 2 "$work/diff.txt"
  got=$(tail -n 1 "$work/changes.jsonl" |
    jq -c '{targets, changes, by_kind: (.by_kind | with_entries(select(.value > 0)))}')
  if [[ $(jq -S . <<<"$got") == $(jq -S . <<<"$want") ]]; then
    echo "changes as made: $got"
  else
    echo "bench-diff: FAIL: the diff found $got, the generator made $want" >&2
    exit 1
  fi
done
