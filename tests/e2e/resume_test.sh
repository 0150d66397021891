#!/usr/bin/env bash
# End-to-end test of --resume against real loopback targets: a /24 of our own where one address
# is a real unbound DoT server (scripts/unbound-dot.sh) and every other port refuses. A scan paced
# with --rate is interrupted with SIGINT at three random points and resumed each time until it
# completes; the final file must hold the same (address, port, outcome) set as an uninterrupted
# run, once each, with one metadata record that counts the whole scan. Then the refusals.
# Usage: resume_test.sh PATH/TO/dotscan
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan}
DOTSCAN=$(realpath "$DOTSCAN")  # some runs below change directory
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
SERVER="$NET.10"
cleanup() {
  bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/unbound" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
# Waits until dotscan itself (not the forked shell) catches SIGINT (bit 1 of SigCgt).
wait_handler() {
  for _ in $(seq 300); do
    mask=$(awk '/^SigCgt/ { print $2 }' /proc/$1/status 2>/dev/null)
    [[ "$(cat /proc/$1/comm 2>/dev/null)" == dotscan && -n "$mask" ]] && (( 0x$mask & 0x2 )) && return
    sleep 0.01
  done
}
# Runs "$@" in the background and sends SIGINT after a random 0.2 to 1.2 s; returns its exit code.
interrupt_at_random() {
  "$@" >/dev/null 2>"$WORK/run.err" &
  local pid=$!
  wait_handler $pid
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + r / 32767 }')"
  kill -INT $pid 2>/dev/null
  wait $pid
}

bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/unbound" "$SERVER" >/dev/null || {
  echo "FAIL: cannot start unbound"; exit 1; }
CA="$WORK/unbound/ca/ca.crt"
OPTS=(--ca-file "$CA" --no-cleartext-check --seed 5 "$NET.0/24")

# --- the reference: the same targets, uninterrupted (no --rate: the outcomes do not depend on it)
"$DOTSCAN" -q "${OPTS[@]}" -oJ "$WORK/full.jsonl" >/dev/null 2>&1
check "uninterrupted exit" "$?" 0
outcomes "$WORK/full.jsonl" >"$WORK/full.set"
check "uninterrupted results" "$(wc -l <"$WORK/full.set")" 256
check "uninterrupted dot" "$(grep -c ' dot$' "$WORK/full.set")" 1

# --- three interruptions at random points, each resumed, then a last resume to the end ----------
# 256 targets at 50 a second: about 5 s in all, so three interruptions of at most 1.2 s each
# leave work for the last run.
# Without -q, so that the runs resumed from it print their summary line.
interrupt_at_random "$DOTSCAN" --rate 50 "${OPTS[@]}" -oJ "$WORK/scan.jsonl"
check "first run interrupted" "$?" 130
resumes=0
for round in 1 2 3; do
  if [[ $round -gt 1 ]]; then
    interrupt_at_random "$DOTSCAN" --resume "$WORK/scan.jsonl"
    rc=$?
    resumes=$((resumes + 1))
    check "resume $resumes interrupted" "$rc" 130
  fi
  check "round $round: metadata last, interrupted" \
    "$(tail -n 1 "$WORK/scan.jsonl" | jq -r '[.record, .interrupted] | map(tostring) | join(" ")')" \
    "metadata true"
  check "round $round: one metadata record" "$(grep -c '"record":"metadata"' "$WORK/scan.jsonl")" 1
  validate "round $round: schema" "$WORK/scan.jsonl"
done
"$DOTSCAN" --resume "$WORK/scan.jsonl" >"$WORK/last.txt" 2>"$WORK/last.err"
check "last resume exit" "$?" 0
resumes=$((resumes + 1))
grep -q "^dotscan: 256 targets of 256 (shard 0/1, seed 5)$" "$WORK/last.err" && pass ||
  fail "last resume summary: $(cat "$WORK/last.err")"
outcomes "$WORK/scan.jsonl" >"$WORK/scan.set"
check "resumed = uninterrupted" "$(diff "$WORK/full.set" "$WORK/scan.set" && echo same)" same
check "each target once" "$(jq -r 'select(.record == "result") | "\(.address) \(.port)"' \
  "$WORK/scan.jsonl" | sort | uniq -d | wc -l)" 0
check "no interrupted record left" "$(grep -c '"outcome":"interrupted"' "$WORK/scan.jsonl")" 0
check "final metadata" "$(tail -n 1 "$WORK/scan.jsonl" | jq -r '[.record, .interrupted,
  .targets_scanned, .targets_planned, .counts.dot, .counts.closed, .resumed, .seed] |
  map(tostring) | join(" ")')" "metadata false 256 256 1 255 $resumes 5"
check "final: one metadata record" "$(grep -c '"record":"metadata"' "$WORK/scan.jsonl")" 1
validate "final schema" "$WORK/scan.jsonl"

# --- refusals (exit 2, one line) ----------------------------------------------------------------
refused() {  # refused NAME EXPECTED-TEXT ARGS...: exit 2 and a message holding EXPECTED-TEXT
  local name=$1 text=$2
  shift 2
  local err rc
  err=$("$DOTSCAN" "$@" 2>&1 >/dev/null)
  rc=$?
  if [[ $rc == 2 && "$err" == *"$text"* && $(wc -l <<<"$err") == 1 ]]; then pass
  else fail "$name: exit $rc, [$err]"; fi
}
refused "finished scan" "the scan was not interrupted" --resume "$WORK/scan.jsonl"
refused "with a target" "'10.0.0.1' cannot be given with it" --resume "$WORK/scan.jsonl" 10.0.0.1
refused "with an option" "'--rate' cannot be given with it" --resume "$WORK/scan.jsonl" --rate 5
refused "missing file" "cannot read it" --resume "$WORK/none.jsonl"

# An interrupted file to spoil in several ways.
interrupt_at_random "$DOTSCAN" -q --rate 50 "${OPTS[@]}" -oJ "$WORK/base.jsonl"
check "base interrupted" "$?" 130
# Killed mid-write: the results end in a partial line and no metadata record follows.
head -n -1 "$WORK/base.jsonl" >"$WORK/killed.jsonl"
printf '{"record":"result","schema_version":1,"address":"%s.7' "$NET" >>"$WORK/killed.jsonl"
refused "killed mid-write" "the file has no metadata record" --resume "$WORK/killed.jsonl"
# A real SIGKILL: no metadata record either.
"$DOTSCAN" -q --rate 50 "${OPTS[@]}" -oJ "$WORK/sigkill.jsonl" >/dev/null 2>&1 &
pid=$!
wait_handler $pid
sleep 0.5
exec 3>&2 2>/dev/null  # no "Killed" notice from bash
kill -KILL $pid
wait $pid
exec 2>&3 3>&-
refused "SIGKILL" "it cannot be resumed safely" --resume "$WORK/sigkill.jsonl"
# A partial line after the metadata record (a kill while a resumed run began) is dropped.
cp "$WORK/base.jsonl" "$WORK/partial.jsonl"
printf '{"record":"res' >>"$WORK/partial.jsonl"
"$DOTSCAN" -q --resume "$WORK/partial.jsonl" >/dev/null 2>&1
check "partial last line: exit" "$?" 0
outcomes "$WORK/partial.jsonl" >"$WORK/partial.set"
check "partial last line: same set" "$(diff "$WORK/full.set" "$WORK/partial.set" && echo same)" same
validate "partial last line: schema" "$WORK/partial.jsonl"
# An -iL file that changed since: the targets cannot be rebuilt.
for i in $(seq 0 39); do echo "$NET.$i"; done >"$WORK/list.txt"
interrupt_at_random "$DOTSCAN" -q --rate 20 --seed 9 -iL "$WORK/list.txt" -oJ "$WORK/list.jsonl"
check "-iL scan interrupted" "$?" 130
echo "$NET.200" >>"$WORK/list.txt"
refused "-iL changed" "its scan planned 40 targets, its command line now gives 41" \
  --resume "$WORK/list.jsonl"
# A relative --ca-file, resumed from another directory: refused before FILE is touched, which
# then resumes from the first run's directory.
(cd "$WORK" && interrupt_at_random "$DOTSCAN" -q --rate 50 --ca-file unbound/ca/ca.crt \
  --no-cleartext-check --seed 5 "$NET.0/24" -oJ relative.jsonl)
check "relative run interrupted" "$?" 130
cp "$WORK/relative.jsonl" "$WORK/relative.before"
(cd / && refused "relative --ca-file elsewhere" "--ca-file 'unbound/ca/ca.crt'" \
  --resume "$WORK/relative.jsonl")
check "refused start leaves FILE" "$(cmp "$WORK/relative.before" "$WORK/relative.jsonl" && echo same)" same
(cd "$WORK" && "$DOTSCAN" -q --resume relative.jsonl >/dev/null 2>&1)
check "relative resumed in its directory" "$?" 0
outcomes "$WORK/relative.jsonl" >"$WORK/relative.set"
check "relative: same set" "$(diff "$WORK/full.set" "$WORK/relative.set" && echo same)" same
# --metadata FILE: the JSON Lines end without the record.
interrupt_at_random "$DOTSCAN" -q --rate 50 "${OPTS[@]}" -oJ "$WORK/nometa.jsonl" \
  --metadata "$WORK/meta.json"
refused "--metadata elsewhere" "the file has no metadata record" --resume "$WORK/nometa.jsonl"

echo "resume_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
