#!/usr/bin/env bash
# End-to-end test of `dotscan --slurm-script` on a real Slurm: a single-node cluster started here
# (scripts/slurm-local.sh: munged, slurmctld and slurmd from Debian), real unbound DoT servers on
# loopback. A 4-task job array over a /27 must leave 4 complete shard files whose union is an
# unsharded scan of the same targets (same (address, port, outcome) set, each target once); a
# resubmitted task must redo only its own shard: scanned afresh when its file is gone or cut
# short, continued (--resume) when it was interrupted, left alone when complete.
# Needs root (slurmd). Usage: slurm_test.sh PATH/TO/dotscan
set -u
DOTSCAN=$(realpath "${1:?usage: $0 path/to/dotscan}")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
cleanup() {
  [[ -n "${TARPIT_PID:-}" ]] && kill "$TARPIT_PID" 2>/dev/null
  bash "$ROOT/scripts/slurm-local.sh" stop "$WORK/slurm" >/dev/null 2>&1
  bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/unbound" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

# --- what a task cannot use is refused at generation, one line, exit 2 --------------------------
for extra in "--shards 2" "--shard 1" "-oJ x.jsonl" "-oA x" "--metadata m.json" "--resume x"; do
  # shellcheck disable=SC2086
  "$DOTSCAN" --slurm-script 4 $extra "$NET.0/27" >"$WORK/out" 2>"$WORK/err"
  check "refused $extra: exit" "$?" 2
  check "refused $extra: one line" "$(wc -l <"$WORK/err")" 1
  grep -q '^dotscan: --slurm-script: .* cannot be given' "$WORK/err" && pass ||
    fail "refused $extra: $(cat "$WORK/err")"
  check "refused $extra: no script" "$(wc -c <"$WORK/out")" 0
done

# --- names are resolved once, at generation, into the shared -iL file --------------------------
mkdir -p "$WORK/names" && cd "$WORK/names" || exit 1
echo "localhost 853,8853 dot.test" | "$DOTSCAN" -q --slurm-script 2 --slurm-dir jobs -4 -iL - \
  --exclude "$NET.9" "$NET.0/29" >job.sh 2>"$WORK/err"
check "names: exit" "$?" 0
# /etc/hosts: localhost is 127.0.0.1 (with -4); the line's name column stays the name.
check "names: targets file" "$(cat jobs/targets.txt)" "$NET.0/29
127.0.0.1 853,8853 dot.test"
check "names: exclusions file" "$(cat jobs/excludes.txt)" "$NET.9"
grep -q -- '--excludefile=$dir/excludes.txt' job.sh && pass || fail "names: no --excludefile"
# A job script that cannot be written (a full disk) is exit 3, one line, not a silent success.
if [[ -w /dev/full ]]; then
  "$DOTSCAN" -q --slurm-script 2 --slurm-dir full-jobs "$NET.0/29" >/dev/full 2>"$WORK/err"
  check "full disk" "$?:$(cat "$WORK/err")" \
    "3:dotscan: --slurm-script: cannot write the job script: No space left on device"
else
  cannot_run "no writable /dev/full"
fi
echo '{}' >jobs/shard-0.jsonl
"$DOTSCAN" --slurm-script 2 --slurm-dir jobs "$NET.0/29" >/dev/null 2>"$WORK/err"
check "existing shard file: exit" "$?" 2
grep -q "already holds 'shard-0.jsonl'" "$WORK/err" && pass || fail "existing shard: $(cat "$WORK/err")"

if [[ $(id -u) -ne 0 ]] || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  cannot_run "slurm: needs root and the slurm-wlm and munge packages (scripts/setup.sh test)"
  finish slurm
  exit
fi
if ! bash "$ROOT/scripts/slurm-local.sh" start "$WORK/slurm" >"$WORK/slurm-start.log" 2>&1; then
  cannot_run "slurm: the single-node cluster did not start: $(tail -n 3 "$WORK/slurm-start.log")"
  finish slurm
  exit
fi
export SLURM_CONF="$WORK/slurm/slurm.conf"
bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/unbound" "$NET.1" "$NET.6" "$NET.17" \
  >/dev/null || { echo "FAIL: cannot start unbound"; exit 1; }

# A CA path with blanks and quotes, to carry the scan options through the script's quoting.
odd="$WORK/submit/it's a \"CA\" \$dir"
mkdir -p "$odd"
cp "$WORK/unbound/ca/ca.crt" "$odd/ca file.crt"
opts=(--ca-file "$odd/ca file.crt" --query dot.test/A --connect-timeout 2s)
cd "$WORK/submit" || exit 1

# The reference: the same targets, unsharded.
"$DOTSCAN" -q "${opts[@]}" -oJ "$WORK/whole.jsonl" "$NET.0/27" >/dev/null 2>"$WORK/err"
check "unsharded exit" "$?" 0
outcomes "$WORK/whole.jsonl" >"$WORK/whole.txt"
check "unsharded targets" "$(wc -l <"$WORK/whole.txt")" 32
check "unsharded dot" "$(grep -c ' dot$' "$WORK/whole.txt")" 3

# --- the job array ----------------------------------------------------------------------------
"$DOTSCAN" --slurm-script 4 --slurm-dir jobs "${opts[@]}" "$NET.0/27" >job.sh 2>"$WORK/gen.err"
check "generate exit" "$?" 0
grep -q '^#SBATCH --array=0-3$' job.sh && pass || fail "array line: $(grep SBATCH job.sh)"
grep -q "^dotscan: a job array of 4 tasks over 32 targets (at most 8 each, seed [0-9]*)" \
  "$WORK/gen.err" && pass || fail "generation summary: $(cat "$WORK/gen.err")"
check "targets file" "$(cat jobs/targets.txt)" "$NET.0/27"
seed=$(sed -n 's/.*--seed=\([0-9]*\).*/\1/p' job.sh)
[[ -n "$seed" ]] && pass || fail "no seed fixed in the script"

timeout 300 sbatch --wait --parsable job.sh >"$WORK/job1" 2>"$WORK/sbatch.err"
check "sbatch --wait exit" "$?" 0
complete() {  # complete I: "ok" when shard I's file ends with the metadata record of a whole run
  # The seed and shard count of ./job.sh; jq reads numbers as doubles: the seed is compared as text.
  local job_seed shards
  job_seed=$(sed -n 's/.*--seed=\([0-9]*\).*/\1/p' job.sh)
  shards=$(sed -n 's/.*--shards=\([0-9]*\).*/\1/p' job.sh)
  tail -n 1 "jobs/shard-$1.jsonl" | grep -q "\"seed\":$job_seed," || { echo "other seed"; return; }
  jq -rs --argjson i "$1" --argjson shards "$shards" 'last as $m |
    if $m.record == "metadata" and $m.interrupted == false and $m.error == null and
       $m.shard_index == $i and $m.shard_count == $shards and
       ($m.targets_planned | tonumber) == $m.targets_scanned and
       ([.[] | select(.record == "result")] | length) == $m.targets_scanned
    then "ok" else "incomplete" end' "jobs/shard-$1.jsonl" 2>&1
}
for i in 0 1 2 3; do check "shard $i complete" "$(complete "$i")" ok; done
for i in 0 1 2 3; do validate "shard $i schema" "jobs/shard-$i.jsonl"; done

# The union of the shards is the unsharded scan, each target once.
# The shards' union is the unsharded scan, each target once; and `dotscan merge` (which also
# checks seed, shard count and planned counts) joins them into that same result.
union_equals_whole() {  # union_equals_whole NAME
  outcomes jobs/shard-{0,1,2,3}.jsonl >"$WORK/union.txt"
  check "$1: union is the unsharded scan" "$(diff "$WORK/whole.txt" "$WORK/union.txt")" ""
  check "$1: each target once" \
    "$(cut -d' ' -f1,2 "$WORK/union.txt" | uniq -d | wc -l)" 0
  rm -f all.jsonl
  "$DOTSCAN" merge jobs/shard-{0,1,2,3}.jsonl -oJ all.jsonl >/dev/null 2>"$WORK/merge.err"
  check "$1: merge exit" "$?" 0
  check "$1: merged is the unsharded scan" "$(outcomes all.jsonl | diff "$WORK/whole.txt" -)" ""
  check "$1: merged metadata" "$(tail -n 1 all.jsonl | jq -r '[.merged_shards, .targets_scanned] | map(tostring) | join(" ")')" \
    "4 $(wc -l <"$WORK/whole.txt")"
}
union_equals_whole "first run"

# --- resubmission: only the task's own shard is scanned again ---------------------------------
checksums() { md5sum jobs/shard-{0,1,2,3}.jsonl; }
resubmit() {  # resubmit I LOG: sbatch --array=I --wait; the task's log goes to LOG
  local id
  id=$(timeout 300 sbatch --wait --parsable --array="$1" job.sh 2>>"$WORK/sbatch.err")
  check "resubmit $1: exit" "$?" 0
  check "resubmit $1: one task" "$(ls jobs/slurm-"${id}"_*.out 2>/dev/null | wc -l)" 1
  cat jobs/slurm-"${id}"_"$1".out >"$2"
}

# Complete: nothing to do, the file untouched.
checksums >"$WORK/sums"
resubmit 0 "$WORK/log0"
grep -q "shard 0 is complete" "$WORK/log0" && pass || fail "complete shard: $(cat "$WORK/log0")"
check "complete shard untouched" "$(checksums | diff "$WORK/sums" -)" ""

# Cut short (a node lost mid-scan: no metadata record): kept aside, scanned afresh.
head -n 2 jobs/shard-1.jsonl >"$WORK/cut" && head -c -5 "$WORK/cut" >jobs/shard-1.jsonl
checksums | grep -v shard-1 >"$WORK/sums"
resubmit 1 "$WORK/log1"
grep -q "incomplete; kept as" "$WORK/log1" && pass || fail "cut shard: $(cat "$WORK/log1")"
check "cut shard complete again" "$(complete 1)" ok
check "cut shard kept aside" "$(cmp -s jobs/shard-1.jsonl.incomplete <(head -c -5 "$WORK/cut") &&
  echo same)" same
check "other shards untouched (cut)" "$(checksums | grep -v shard-1 | diff "$WORK/sums" -)" ""
union_equals_whole "after a cut shard"

# Deleted: scanned afresh.
rm jobs/shard-2.jsonl
checksums 2>/dev/null | grep -v shard-2 >"$WORK/sums"
resubmit 2 "$WORK/log2"
check "deleted shard complete again" "$(complete 2)" ok
check "deleted shard: a fresh scan" "$(jq -s 'last.resumed' jobs/shard-2.jsonl)" 0
check "other shards untouched (deleted)" "$(checksums | grep -v shard-2 | diff "$WORK/sums" -)" ""
union_equals_whole "after a deleted shard"

# Interrupted (its metadata record says so, as SIGTERM at the time limit leaves it): --resume
# scans the targets not yet recorded and appends to the file.
total=$(jq -s '[.[] | select(.record == "result")] | length' jobs/shard-3.jsonl)
{ grep '"record":"result"' jobs/shard-3.jsonl | head -n 3
  tail -n 1 jobs/shard-3.jsonl | sed 's/"interrupted":false/"interrupted":true/'
} >"$WORK/interrupted" && mv "$WORK/interrupted" jobs/shard-3.jsonl
checksums | grep -v shard-3 >"$WORK/sums"
resubmit 3 "$WORK/log3"
grep -q "shard 3 was interrupted; resuming" "$WORK/log3" && pass ||
  fail "interrupted shard: $(cat "$WORK/log3")"
check "resumed shard complete" "$(complete 3)" ok
check "resumed shard: resumed once" "$(jq -s 'last.resumed' jobs/shard-3.jsonl)" 1
check "resumed shard: all its targets" \
  "$(jq -s '[.[] | select(.record == "result")] | length' jobs/shard-3.jsonl)" "$total"
check "other shards untouched (resumed)" "$(checksums | grep -v shard-3 | diff "$WORK/sums" -)" ""
union_equals_whole "after a resumed shard"

# --- scancel mid-scan: Slurm's SIGTERM leaves an interrupted shard, and resubmitting resumes it --
# A tarpit accepts TCP and never answers TLS: with --tls-timeout 600s the task is still running
# when the other targets of its shard are written.
start_tarpit "$NET.30"
mkdir -p "$WORK/stop" && cd "$WORK/stop" || exit 1
"$DOTSCAN" -q --slurm-script 1 --slurm-dir jobs --tls-timeout 600s --no-cleartext-check \
  "$NET.24/29" >job.sh 2>"$WORK/err"
id=$(sbatch --parsable job.sh 2>>"$WORK/sbatch.err")
# Waits for the event (7 closed targets written), bounded in case it never comes.
for _ in $(seq 600); do
  [[ $(grep -c '"record":"result"' jobs/shard-0.jsonl 2>/dev/null) -ge 7 ]] && break
  sleep 0.1
done
check "before scancel: 7 results" "$(grep -c '"record":"result"' jobs/shard-0.jsonl)" 7
scancel "$id"
for _ in $(seq 600); do [[ -z $(squeue -h -j "$id" 2>/dev/null) ]] && break; sleep 0.1; done
check "scancel: interrupted" "$(tail -n 1 jobs/shard-0.jsonl | jq -r '.record + " " +
  (.interrupted | tostring)')" "metadata true"
kill "$TARPIT_PID" 2>/dev/null; wait "$TARPIT_PID" 2>/dev/null  # now closed: the resume is quick
resubmit 0 "$WORK/log-stop"
grep -q "shard 0 was interrupted; resuming" "$WORK/log-stop" && pass ||
  fail "scancelled shard: $(cat "$WORK/log-stop")"
check "scancelled shard complete" "$(complete 0)" ok
check "scancelled shard: resumed once" "$(jq -s 'last.resumed' jobs/shard-0.jsonl)" 1
check "scancelled shard: each target once" "$(outcomes jobs/shard-0.jsonl | cut -d' ' -f1,2 |
  sort -u | wc -l) $(outcomes jobs/shard-0.jsonl | wc -l)" "8 8"
check "scancelled shard: the tarpit rescanned" \
  "$(result jobs/shard-0.jsonl "$NET.30" .outcome)" closed

finish slurm
