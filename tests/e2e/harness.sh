# Sourced by every e2e test script, after it has set ROOT (the source tree) and WORK (its scratch
# directory): the counters and the checks they share.
#   pass; fail MESSAGE; cannot_run MESSAGE (SKIP here, a failure under CI=true);
#   check NAME GOT EXPECTED; validate NAME FILE (every line valid against data/result.schema.json);
#   result FILE ADDRESS JQ (the jq expression over the result record of ADDRESS);
#   outcomes FILE (the sorted "ADDRESS PORT OUTCOME" lines of its result records);
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
outcomes() {  # outcomes FILE: the sorted (address, port, outcome) set of its result records
  jq -r 'select(.record == "result") | "\(.address) \(.port) \(.outcome)"' "$1" | sort
}
result() { jq -r --arg a "$2" "select(.record == \"result\" and .address == \$a) | $3" "$1"; }
finish() {
  echo "$1: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
