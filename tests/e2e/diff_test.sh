#!/usr/bin/env bash
# End-to-end test of `dotscan diff`: real scans of real unbound DoT servers on loopback
# (scripts/unbound-dot.sh, one test CA for all), with real changes between them: one server
# stopped, one restarted with another certificate (the test CA's RSA leaf instead of the ECDSA
# one), one address that is new in the second scan. Checks that the diff reports exactly those
# changes (text and -oJ), the exit codes with --fail-on, and the input errors (exit 2).
# Usage: diff_test.sh PATH/TO/dotscan
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
STAYS="$NET.10" STOPS="$NET.11" ROTATES="$NET.12" NEW="$NET.13"
cleanup() {
  for server in stays stops rotates; do
    bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/$server" >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

command -v unbound >/dev/null || { cannot_run "unbound is not installed"; finish e2e.diff; exit; }
# One test CA for the three servers: each server directory gets it before its first start.
bash "$ROOT/scripts/make-test-ca.sh" "$WORK/ca" >/dev/null || { echo "FAIL: test CA"; exit 1; }
CA="$WORK/ca"
start() {  # start NAME CERT ADDRESS
  mkdir -p "$WORK/$1"
  [[ -e "$WORK/$1/ca" ]] || ln -s "$CA" "$WORK/$1/ca"
  bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/$1" --cert "$2" "$3" >/dev/null || {
    echo "FAIL: cannot start unbound $1"; exit 1; }
}
scan() {  # scan OUT TARGETS...
  local out=$1
  shift
  "$DOTSCAN" -q --ca-file "$CA/ca.crt" --auth-name dot.test -oJ "$out" "$@" >/dev/null 2>&1
}
fingerprint() {  # the first 16 hex digits of a certificate's SHA-256, as the diff shows them
  openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f' |
    cut -c1-16
}

start stays ecdsa "$STAYS"
start stops ecdsa "$STOPS"
start rotates ecdsa "$ROTATES"
scan "$WORK/old.jsonl" "$NET.10-12"
check "old scan" "$(jq -r 'select(.record == "result") | .outcome' "$WORK/old.jsonl" | sort | uniq -c |
  awk '{print $1, $2}')" "3 dot"

# The changes: one server stopped, one with another certificate and key, one more address.
bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/stops" >/dev/null
start rotates rsa "$ROTATES"
scan "$WORK/new.jsonl" "$NET.10-13"
check "new scan" "$(result "$WORK/new.jsonl" "$STOPS" .outcome) $(result "$WORK/new.jsonl" "$ROTATES" .outcome)" \
  "closed dot"

"$DOTSCAN" diff "$WORK/old.jsonl" "$WORK/new.jsonl" >"$WORK/diff.txt" 2>"$WORK/diff.err"
check "diff exit" "$?" 0
check "diff stderr" "$(cat "$WORK/diff.err")" ""
ecdsa=$(fingerprint "$CA/ecdsa.crt")
rsa=$(fingerprint "$CA/rsa.crt")
expected="$STOPS:853
  high    outcome           dot -> closed
$ROTATES:853
  info    certificate       $ecdsa.. -> $rsa.. (new key, same issuer, trusted)
$NEW:853
  info    appeared          closed
Changes: 3 on 3 of 4 targets; 1 high 2 info
By kind: 1 appeared 1 outcome 1 certificate"
check "diff text" "$(sed -n '3,$p' "$WORK/diff.txt")" "$expected"
check "diff header" "$(head -n 2 "$WORK/diff.txt" | sed 's/started [0-9T:.Z-]*/started T/')" \
  "old '$WORK/old.jsonl': 3 results, dotscan $(jq -r 'select(.record == "metadata") | .version' "$WORK/old.jsonl"), started T
new '$WORK/new.jsonl': 4 results, dotscan $(jq -r 'select(.record == "metadata") | .version' "$WORK/new.jsonl"), started T"

# --fail-on: the stopped server is high.
for level in info low medium high; do
  "$DOTSCAN" diff --fail-on "$level" "$WORK/old.jsonl" "$WORK/new.jsonl" >/dev/null 2>&1
  check "--fail-on $level" "$?" 1
done
"$DOTSCAN" diff --fail-on critical "$WORK/old.jsonl" "$WORK/new.jsonl" >/dev/null 2>&1
check "--fail-on critical" "$?" 0
"$DOTSCAN" diff --fail-on never "$WORK/old.jsonl" "$WORK/new.jsonl" >/dev/null 2>&1
check "--fail-on never" "$?" 0

# -oJ: one record per change, then the "diff" record.
"$DOTSCAN" diff -oJ "$WORK/changes.jsonl" "$WORK/old.jsonl" "$WORK/new.jsonl" >/dev/null 2>&1
check "-oJ exit" "$?" 0
check "-oJ changes" "$(jq -r 'select(.record == "change") | [.address, .kind, .severity, .before, .after] | join(" ")' "$WORK/changes.jsonl")" \
  "$STOPS outcome high dot closed
$ROTATES certificate info $(jq -r '.certificates[0].sha256' <(result "$WORK/old.jsonl" "$ROTATES" .)) $(jq -r '.certificates[0].sha256' <(result "$WORK/new.jsonl" "$ROTATES" .))
$NEW appeared info  closed"
check "-oJ certificate" "$(jq -c 'select(.kind == "certificate") | .certificate | [.new_issuer, .same_key, .trusted]' "$WORK/changes.jsonl")" \
  "[false,false,true]"
if python3 "$ROOT/tests/support/validate_jsonl.py" "$ROOT/data/diff.schema.json" "$WORK/changes.jsonl" \
  >"$WORK/validate.log" 2>&1; then pass; else fail "diff schema: $(cat "$WORK/validate.log")"; fi
check "-oJ summary" "$(tail -n 1 "$WORK/changes.jsonl" | jq -c '[.record, .targets, .changes, .worst, .old.results, .new.results]')" \
  '["diff",4,3,"high",3,4]'
"$DOTSCAN" diff -oJ - "$WORK/old.jsonl" "$WORK/new.jsonl" >"$WORK/stdout.jsonl" 2>/dev/null
check "-oJ - is only JSON" "$(jq -r .record "$WORK/stdout.jsonl" | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" \
  "3 change 1 diff "

# Only the rotation (info): the stopped server is back with its certificate, the new address is
# not scanned.
start stops ecdsa "$STOPS"
scan "$WORK/back.jsonl" "$NET.10-12"
"$DOTSCAN" diff --fail-on low "$WORK/old.jsonl" "$WORK/back.jsonl" >"$WORK/back.txt" 2>&1
check "rotation only, --fail-on low" "$?" 0
check "rotation only" "$(grep -c '^  ' "$WORK/back.txt") $(grep -c '^  info    certificate ' "$WORK/back.txt")" "1 1"
"$DOTSCAN" diff --fail-on info "$WORK/old.jsonl" "$WORK/back.jsonl" >/dev/null 2>&1
check "rotation only, --fail-on info" "$?" 1
# From the second scan to the third every change is info: the server back as dot (with its
# alpn-not-dot finding: unbound selects no ALPN), the closed address gone.
"$DOTSCAN" diff --fail-on low "$WORK/new.jsonl" "$WORK/back.jsonl" >"$WORK/rev.txt" 2>&1
check "reverse exit" "$?" 0
check "reverse kinds" "$(grep '^  ' "$WORK/rev.txt" | awk '{print $1, $2}' | tr '\n' ' ')" \
  "info outcome info finding-added info disappeared "
grep -q "^  info    outcome           closed -> dot$" "$WORK/rev.txt" && pass || fail "reverse: $(cat "$WORK/rev.txt")"
"$DOTSCAN" diff --fail-on info "$WORK/old.jsonl" "$WORK/old.jsonl" >"$WORK/same.txt" 2>&1
check "no change" "$?:$(tail -n 1 "$WORK/same.txt")" "0:No changes in 3 targets"

# Input errors: one line that names the file (and the line), exit 2.
err=$("$DOTSCAN" diff "$WORK/old.jsonl" "$WORK/missing.jsonl" 2>&1 >/dev/null); rc=$?
check "missing file" "$rc:$err" "2:dotscan: diff: '$WORK/missing.jsonl': cannot read it: No such file or directory"
{ head -n 1 "$WORK/new.jsonl"; echo '{"record":"result",'; tail -n 1 "$WORK/new.jsonl"; } >"$WORK/bad.jsonl"
err=$("$DOTSCAN" diff "$WORK/old.jsonl" "$WORK/bad.jsonl" 2>&1 >/dev/null); rc=$?
check "malformed line" "$rc:$err" "2:dotscan: diff: '$WORK/bad.jsonl': line 2: not a JSON object"
head -c 1500 "$WORK/new.jsonl" >"$WORK/cut.jsonl"
err=$("$DOTSCAN" diff "$WORK/cut.jsonl" "$WORK/new.jsonl" 2>&1 >/dev/null); rc=$?
[[ $rc == 2 && $err == "dotscan: diff: '$WORK/cut.jsonl': line "*": not a JSON object (the last line has no newline: the file was cut short)" ]] &&
  pass || fail "truncated file: $rc $err"
err=$("$DOTSCAN" diff "$WORK/old.jsonl" 2>&1 >/dev/null); rc=$?
check "one file" "$rc:$err" "2:dotscan: diff: expected two files, OLD.jsonl and NEW.jsonl (see dotscan diff --help)"
err=$("$DOTSCAN" diff --fail-on severe "$WORK/old.jsonl" "$WORK/new.jsonl" 2>&1 >/dev/null); rc=$?
check "bad level" "$rc:$err" "2:dotscan: diff: --fail-on: unknown level 'severe' (info, low, medium, high, critical or never)"
cp "$WORK/new.jsonl" "$WORK/keep.jsonl"
err=$("$DOTSCAN" diff -oJ "$WORK/keep.jsonl" "$WORK/old.jsonl" "$WORK/keep.jsonl" 2>&1 >/dev/null); rc=$?
check "-oJ is an input" "$rc:$(cmp -s "$WORK/new.jsonl" "$WORK/keep.jsonl" && echo kept)" "2:kept"
# A write that fails (a full disk) is exit 3, one line.
if [[ -w /dev/full ]]; then
  err=$("$DOTSCAN" diff -oJ /dev/full "$WORK/old.jsonl" "$WORK/new.jsonl" 2>&1 >/dev/null); rc=$?
  check "-oJ /dev/full" "$rc:$err" "3:dotscan: diff: cannot write the output: No space left on device"
else
  cannot_run "no writable /dev/full"
fi
# A reader that goes (| head) while the runs are on disk: exit 3, one line, and no run left in
# --tmp-dir (SIGPIPE killed it before and left them). 400 KB of changes, more than a pipe holds.
python3 "$ROOT/scripts/gen-diff-input.py" 24000 300 "$WORK/big-old.jsonl" "$WORK/big-new.jsonl" \
  >/dev/null || fail "gen-diff-input.py"
mkdir "$WORK/runs"
"$DOTSCAN" diff --sort-memory 1 --tmp-dir "$WORK/runs" -oJ - "$WORK/big-old.jsonl" \
  "$WORK/big-new.jsonl" 2>"$WORK/pipe.err" | head -c 100 >/dev/null
check "reader gone: exit" "${PIPESTATUS[0]}:$(cat "$WORK/pipe.err")" \
  "3:dotscan: diff: cannot write the output: Broken pipe"
check "reader gone: no run left" "$(ls -A "$WORK/runs")" ""
"$DOTSCAN" diff --help >"$WORK/help.txt" 2>&1
check "--help" "$?:$(head -n 1 "$WORK/help.txt")" "0:Usage: dotscan diff [OPTIONS] OLD.jsonl NEW.jsonl"

finish e2e.diff
