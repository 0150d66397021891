# Sourced by an e2e test script: a scratch directory $WORK removed on exit, and the counters.
#   pass; fail MESSAGE; cannot_run MESSAGE (SKIP here, a failure under CI=true); finish NAME
# (prints the counts and returns non-zero when anything failed).
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
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
finish() {
  echo "$1: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
