#!/usr/bin/env bash
# Benchmark of `dotscan merge` at scale: TARGETS records (default 10,000,000) in SHARDS shards
# (default 4), written by scripts/gen-shards.py (closed, filtered and a few dot records of the
# real shape), merged into one -oJ file under /usr/bin/time -v: peak RSS and wall time. Sends no
# packet; needs about 500 bytes per record twice on the disk of BENCH_DIR (default: a temporary
# directory under $TMPDIR or /tmp). BENCH_DUPLICATE=1 makes the last record of the last shard a
# target seen before: the time and memory of a refusal found by the last check.
#   bash scripts/bench-merge.sh [DOTSCAN] [TARGETS] [SHARDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotscan=${1:-build/src/dotscan}
targets=${2:-10000000}
shards=${3:-4}
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/dotscan-bench-merge.XXXXXX")
trap 'rm -rf "$work"' EXIT

/usr/bin/time -f 'generate: %e s' python3 scripts/gen-shards.py "$targets" "$shards" "$work/in" \
  ${BENCH_DUPLICATE:+--duplicate}
du -sh "$work/in"
status=0
/usr/bin/time -v -o "$work/time" "$dotscan" merge "$work"/in/shard-*.jsonl \
  -oJ "$work/all.jsonl" --tmp-dir "$work" >/dev/null || status=$?
echo "merge exit: $status"
grep -E 'Elapsed|Maximum resident|User time|System time|File system' "$work/time"
[[ -e "$work/all.jsonl" ]] || exit 0  # refused: the output was removed
echo "records: $(($(wc -l <"$work/all.jsonl") - 1)); $(tail -1 "$work/all.jsonl" | jq -c '{merged_shards, targets_planned, targets_scanned}')"
ls -l "$work/all.jsonl" | awk '{ print "output bytes:", $5 }'
