# Sourced by every e2e test script, after it has set ROOT (the source tree) and WORK (its scratch
# directory): the counters and the checks they share.
#   pass; fail MESSAGE; cannot_run MESSAGE (SKIP here, a failure under CI=true);
#   check NAME GOT EXPECTED; validate NAME FILE (every line valid against data/result.schema.json);
#   result FILE ADDRESS JQ (the jq expression over the result record of ADDRESS);
#   start_tarpit ADDRESS (a listener on ADDRESS:853 that accepts and never answers; TARPIT_PID);
#   outcomes FILE... (the sorted "ADDRESS PORT OUTCOME" lines of its result records);
#   finish NAME (prints the counts and returns non-zero when anything failed).
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# A check that cannot run here: SKIP on a developer's machine, a failure under CI=true (a pipeline
# must not pass on checks that never ran).
cannot_run() {
  if [[ "${CI:-}" == true ]]; then fail "$* (CI=true: a check that cannot run is a failure)"
  else echo "SKIP: $*"; fi
}
check() {  # check NAME GOT EXPECTED
  if [[ "$2" == "$3" ]]; then pass; else fail "$1: got [$2] expected [$3]"; fi
}
validate() {  # validate NAME FILE: every line valid against the schema
  if python3 "$ROOT/tests/support/validate_jsonl.py" "$ROOT/data/result.schema.json" "$2" \
    >"$WORK/validate.log" 2>&1; then pass; else fail "$1: $(cat "$WORK/validate.log")"; fi
}
outcomes() {  # outcomes FILE...: the sorted (address, port, outcome) of every result record
  jq -r 'select(.record == "result") | "\(.address) \(.port) \(.outcome)"' "$@" | sort
}
result() { jq -r --arg a "$2" "select(.record == \"result\" and .address == \$a) | $3" "$1"; }
# A TCP listener on ADDRESS port 853 that accepts and never sends a byte: a TLS handshake there
# times out. Returns once it listens; TARPIT_PID is its process, for the caller to kill.
start_tarpit() {
  python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 853)); s.listen(1024); print("ready", flush=True); time.sleep(1e9)' \
    "$1" >"$WORK/tarpit.log" 2>&1 &
  TARPIT_PID=$!
  for _ in $(seq 50); do grep -q ready "$WORK/tarpit.log" && break; sleep 0.1; done
}
finish() {
  echo "$1: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
