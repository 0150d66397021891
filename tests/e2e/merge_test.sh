#!/usr/bin/env bash
# End-to-end test of dotscan merge against real loopback targets: a /26 of our own where four
# addresses are real unbound DoT servers (scripts/unbound-dot.sh) and every other port refuses.
# The same targets are scanned unsharded and as 4 shards (--shards 4 --shard I --seed S); the
# shards merged must hold the same (address, port, outcome) set, once each, valid against
# data/result.schema.json, with one metadata record that sums the shards; every output format is
# written. Then the refusals: a missing shard, one shard twice, shards of different seeds, a
# truncated file, and an output that is an input.
# Usage: merge_test.sh PATH/TO/dotscan
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
cleanup() {
  bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/unbound" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
metadata() { jq -r "select(.record == \"metadata\") | $2" "$1"; }

bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/unbound" "$NET.1" "$NET.17" "$NET.33" "$NET.49" \
  >/dev/null || { echo "FAIL: cannot start unbound"; exit 1; }
OPTS=(--ca-file "$WORK/unbound/ca/ca.crt" --no-cleartext-check "$NET.0/26")

# --- the reference: the same targets, unsharded --------------------------------------------------
"$DOTSCAN" -q --seed 11 "${OPTS[@]}" -oJ "$WORK/full.jsonl" >/dev/null 2>&1
check "unsharded exit" "$?" 0
outcomes "$WORK/full.jsonl" >"$WORK/full.set"
check "unsharded results" "$(wc -l <"$WORK/full.set")" 64
check "unsharded dot" "$(grep -c ' dot$' "$WORK/full.set")" 4

# --- 4 shards, merged in a shuffled order, into every format ------------------------------------
for i in 0 1 2 3; do
  "$DOTSCAN" -q --shards 4 --shard "$i" --seed 11 "${OPTS[@]}" -oJ "$WORK/shard-$i.jsonl" \
    >/dev/null 2>&1
  check "shard $i exit" "$?" 0
done
"$DOTSCAN" merge "$WORK/shard-2.jsonl" "$WORK/shard-0.jsonl" "$WORK/shard-3.jsonl" \
  "$WORK/shard-1.jsonl" -oJ "$WORK/all.jsonl" -oA "$WORK/every" -oC "$WORK/all.csv" \
  >"$WORK/listing.txt" 2>"$WORK/merge.err"
check "merge exit" "$?" 0
check "merge stderr" "$(cat "$WORK/merge.err")" ""
validate "merged JSON Lines against the schema" "$WORK/all.jsonl"
outcomes "$WORK/all.jsonl" >"$WORK/all.set"
if cmp -s "$WORK/full.set" "$WORK/all.set"; then pass; else
  fail "merged (address, port, outcome) set differs from the unsharded scan: $(diff "$WORK/full.set" "$WORK/all.set" | head -5)"
fi
check "merged: one record per target" "$(jq -r 'select(.record == "result") | "\(.address) \(.port)"' "$WORK/all.jsonl" | sort | uniq -d | wc -l)" 0
check "merged: one metadata record, last" "$(grep -c '"record":"metadata"' "$WORK/all.jsonl"):$(tail -1 "$WORK/all.jsonl" | jq -r .record)" "1:metadata"
check "merged metadata" "$(metadata "$WORK/all.jsonl" '"\(.merged_shards) \(.shard_index)/\(.shard_count) \(.seed) \(.targets_planned) \(.targets_scanned) \(.counts.dot) \(.counts.closed) \(.interrupted)"')" \
  "4 0/1 11 64 64 4 60 false"
planned=0
for i in 0 1 2 3; do planned=$((planned + $(metadata "$WORK/shard-$i.jsonl" .targets_planned))); done
check "merged targets_planned is the shards' sum" "$planned" 64
check "merged arguments: no --shard, no output" "$(metadata "$WORK/all.jsonl" '.arguments | join(" ")')" \
  "--shards 4 --seed 11 ${OPTS[*]}"
# Shard 0's records first, in the shard's own order.
check "shard 0 first" "$(jq -r 'select(.record == "result") | .address' "$WORK/all.jsonl" | head -3)" \
  "$(jq -r 'select(.record == "result") | .address' "$WORK/shard-0.jsonl" | head -3)"
# The other formats: the same results as the -oJ written by merge.
check "-oA's JSON Lines are -oJ's" "$(cmp -s "$WORK/all.jsonl" "$WORK/every.jsonl" && echo same)" same
check "CSV rows" "$(($(wc -l <"$WORK/all.csv") - 1))" 64
check "grepable hosts" "$(grep -c '^Host: ' "$WORK/every.gnmap")" 64
if xmllint --noout "$WORK/every.xml" 2>"$WORK/xml.err"; then pass; else fail "merged XML: $(head -3 "$WORK/xml.err")"; fi
check "XML open ports" "$(grep -c 'state="open"' "$WORK/every.xml")" 4
check "listing on stdout: the DoT servers" "$(grep -c "^$NET\.[0-9]*:853  dot " "$WORK/listing.txt")" 4
check "-oN footer" "$(tail -1 "$WORK/every.nmap" | grep -c '64 targets scanned')" 1
# Merging the merged file with nothing else is refused (it is no shard).
err=$("$DOTSCAN" merge "$WORK/all.jsonl" -oJ "$WORK/again.jsonl" 2>&1 >/dev/null); rc=$?
check "a merged result is no shard" "$rc:$(grep -c 'already a merged result' <<<"$err")" "2:1"

# A reader that goes (-oJ - | head): that output is dropped, the others are written whole, exit 0,
# and no run is left in the temporary directory (SIGPIPE killed the merge before). 1024 closed
# targets, some 600 KB of JSON Lines: more than a pipe holds.
for i in 0 1; do
  "$DOTSCAN" -q --shards 2 --shard "$i" --seed 3 --no-cleartext-check -p 9-12 "$NET.0/24" \
    -oJ "$WORK/wide-$i.jsonl" >/dev/null 2>&1
  check "wide shard $i exit" "$?" 0
done
mkdir "$WORK/runs"
"$DOTSCAN" merge "$WORK/wide-0.jsonl" "$WORK/wide-1.jsonl" --tmp-dir "$WORK/runs" -oJ - \
  -oX "$WORK/wide.xml" 2>"$WORK/pipe.err" | head -c 100 >/dev/null
check "reader gone: exit, stderr" "${PIPESTATUS[0]}:$(cat "$WORK/pipe.err")" "0:"
check "reader gone: -oX whole" "$(tail -n 1 "$WORK/wide.xml")" "</nmaprun>"
check "reader gone: no run left" "$(ls -A "$WORK/runs")" ""

# --- refusals: exit 2, one line naming the shard, no output left behind -------------------------
refused() {  # refused NAME EXPECTED-TEXT SHARD...
  local name=$1 text=$2
  shift 2
  rm -f "$WORK/out.jsonl"
  local err rc
  err=$("$DOTSCAN" merge "$@" -oJ "$WORK/out.jsonl" 2>&1 >/dev/null); rc=$?
  check "$name: exit" "$rc" 2
  check "$name: one line" "$(wc -l <<<"$err")" 1
  if [[ "$err" == *"$text"* ]]; then pass; else fail "$name: [$err] does not say [$text]"; fi
  check "$name: no output left" "$([[ -e "$WORK/out.jsonl" ]] && echo left || echo none)" none
}
refused "missing shard" "shard 2 of 4 is missing (seed 11)" \
  "$WORK/shard-0.jsonl" "$WORK/shard-1.jsonl" "$WORK/shard-3.jsonl"
cp "$WORK/shard-1.jsonl" "$WORK/copy-1.jsonl"
refused "one shard twice" "shard 1 of 4 is given twice: '$WORK/shard-1.jsonl' and '$WORK/copy-1.jsonl'" \
  "$WORK/shard-0.jsonl" "$WORK/shard-1.jsonl" "$WORK/copy-1.jsonl" "$WORK/shard-2.jsonl" \
  "$WORK/shard-3.jsonl"
"$DOTSCAN" -q --shards 4 --shard 3 --seed 12 "${OPTS[@]}" -oJ "$WORK/seed12-3.jsonl" >/dev/null 2>&1
refused "different seeds" "'$WORK/seed12-3.jsonl' has seed 12, '$WORK/shard-0.jsonl' seed 11" \
  "$WORK/shard-0.jsonl" "$WORK/shard-1.jsonl" "$WORK/shard-2.jsonl" "$WORK/seed12-3.jsonl"
# Truncated: killed before its metadata record (the last line dropped), or mid-line.
head -n -1 "$WORK/shard-2.jsonl" >"$WORK/cut-2.jsonl"
refused "truncated (no metadata record)" "'$WORK/cut-2.jsonl' has no metadata record at its end" \
  "$WORK/shard-0.jsonl" "$WORK/shard-1.jsonl" "$WORK/cut-2.jsonl" "$WORK/shard-3.jsonl"
head -c -40 "$WORK/shard-2.jsonl" >"$WORK/cutline-2.jsonl"
refused "truncated mid-line" "'$WORK/cutline-2.jsonl' is truncated" \
  "$WORK/shard-0.jsonl" "$WORK/shard-1.jsonl" "$WORK/cutline-2.jsonl" "$WORK/shard-3.jsonl"
# A shard of another target set (another -p).
"$DOTSCAN" -q --shards 4 --shard 3 --seed 11 -p 853,854 "${OPTS[@]}" -oJ "$WORK/ports-3.jsonl" \
  >/dev/null 2>&1
refused "another scan" "is a shard of another scan" \
  "$WORK/shard-0.jsonl" "$WORK/shard-1.jsonl" "$WORK/shard-2.jsonl" "$WORK/ports-3.jsonl"
# A target twice: shard 3's first record replaced by shard 2's first (the counts still agree).
{ head -1 "$WORK/shard-2.jsonl"; tail -n +2 "$WORK/shard-3.jsonl"; } >"$WORK/dup-3.jsonl"
refused "a target twice" "$(head -1 "$WORK/shard-2.jsonl" | jq -r .address) port 853 appears twice: '$WORK/shard-2.jsonl' line 1 and '$WORK/dup-3.jsonl' line 1" \
  "$WORK/shard-0.jsonl" "$WORK/shard-1.jsonl" "$WORK/shard-2.jsonl" "$WORK/dup-3.jsonl"
# An output that is an input is refused before it is truncated.
err=$("$DOTSCAN" merge "$WORK/shard-0.jsonl" "$WORK/shard-1.jsonl" "$WORK/shard-2.jsonl" \
  "$WORK/shard-3.jsonl" -oJ "$WORK/shard-0.jsonl" 2>&1 >/dev/null); rc=$?
check "output is an input: exit" "$rc" 2
check "output is an input: shard kept" "$(tail -1 "$WORK/shard-0.jsonl" | jq -r .record)" metadata
"$DOTSCAN" merge --help >"$WORK/help.txt"
check "merge --help" "$?:$(head -1 "$WORK/help.txt")" "0:Usage: dotscan merge SHARD.jsonl... [OUTPUTS]"

finish "merge_test"
