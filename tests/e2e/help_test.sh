#!/usr/bin/env bash
# End-to-end tests of --help, the misspelt-option hint, the generated man page and bash completion,
# and `cmake --install` (issue 11): what a user and a packager see.
# Usage: help_test.sh PATH/TO/dotscan BUILD_DIR
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan build-dir}
BUILD=${2:?usage: $0 path/to/dotscan build-dir}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

# --help: exit 0, the seven topics, nothing over 100 columns, no CLI11 leftovers.
if "$DOTSCAN" --help >"$WORK/help" 2>"$WORK/err"; then pass; else fail "--help: exit $?"; fi
long=$(awk 'length > 100' "$WORK/help")
if [[ -z $long ]]; then pass; else fail "--help: lines over 100 columns: $long"; fi
for heading in Targets Discovery Timing TLS DNS Audit Output Examples "Exit codes"; do
  if grep -qx "$heading:" "$WORK/help"; then pass; else fail "--help: no '$heading:' section"; fi
done
if grep -qE '=\[\]|Excludes:|Needs:' "$WORK/help"; then fail "--help: parser leftovers"; else pass; fi

# A misspelt option: one line naming the nearest option, exit 2, nothing on stdout.
out=$("$DOTSCAN" --rat 5 192.0.2.1 2>"$WORK/err")
rc=$?
if [[ $rc -eq 2 && -z $out && $(cat "$WORK/err") == "dotscan: unknown option --rat; did you mean --rate?" ]]
then pass; else fail "--rat: exit $rc, stdout [$out], stderr [$(cat "$WORK/err")]"; fi

# The man page the build wrote is the binary's own, and renders without a warning.
MAN_PAGE=$BUILD/src/dotscan.1
COMPLETION=$BUILD/src/dotscan.bash-completion
if [[ -f $MAN_PAGE ]] && cmp -s "$MAN_PAGE" <("$DOTSCAN" --help-man); then pass
else fail "$MAN_PAGE is missing or not what --help-man prints"; fi
if command -v man >/dev/null; then
  MANPAGER=cat MANWIDTH=100 man --warnings -l "$MAN_PAGE" >"$WORK/man.txt" 2>"$WORK/man.err"
  rc=$?
  what="man -l"
elif command -v groff >/dev/null; then
  groff -man -Tutf8 -ww "$MAN_PAGE" >"$WORK/man.txt" 2>"$WORK/man.err"
  rc=$?
  what="groff -man"
else
  rc=-1
fi
if [[ $rc -eq -1 ]]; then
  cannot_run "neither man nor groff is installed (scripts/setup.sh test installs man-db)"
elif [[ $rc -ne 0 || -s $WORK/man.err ]]; then
  fail "$what: exit $rc: $(head -5 "$WORK/man.err")"
elif grep -q "EXIT STATUS" "$WORK/man.txt" && grep -q -- "--min-rtt-timeout" "$WORK/man.txt"; then
  pass
else
  fail "$what: the rendered page lacks EXIT STATUS or --min-rtt-timeout"
fi

# The completion loads in a plain bash and completes option names and -T's values.
got=$(bash -c 'source "$1" && complete -p dotscan' sh "$COMPLETION" 2>&1)
if [[ $got == "complete -o default -F _dotscan dotscan" ]]; then pass
else fail "completion: complete -p dotscan gave [$got]"; fi
got=$(bash -c 'source "$1"; COMP_WORDS=(dotscan --tls-m); COMP_CWORD=1; _dotscan
  echo "${COMPREPLY[*]}"; COMP_WORDS=(dotscan -T ag); COMP_CWORD=2; _dotscan; echo "${COMPREPLY[*]}"' \
  sh "$COMPLETION" 2>&1)
if [[ $got == $'--tls-min --tls-max\naggressive' ]]; then pass
else fail "completion: got [$got]"; fi
# The commands as the first word; after one, file names.
touch "$WORK/scan-a.jsonl"
got=$(cd "$WORK" && bash -c 'source "$1"; COMP_WORDS=(dotscan me); COMP_CWORD=1; _dotscan
  echo "${COMPREPLY[*]}"; COMP_WORDS=(dotscan report scan-); COMP_CWORD=2; _dotscan
  echo "${COMPREPLY[*]}"' sh "$COMPLETION" 2>&1)
if [[ $got == $'merge\nscan-a.jsonl' ]]; then pass
else fail "completion of commands: got [$got]"; fi

# cmake --install puts the binary, the man page, the completion, docs/ and data/ where
# GNUInstallDirs says.
if cmake --install "$BUILD" --prefix "$WORK/prefix" >"$WORK/install.log" 2>&1; then pass
else fail "cmake --install: $(tail -3 "$WORK/install.log")"; fi
for file in bin/dotscan share/man/man1/dotscan.1 share/bash-completion/completions/dotscan \
    share/doc/dotscan/README.md share/doc/dotscan/LICENSE share/doc/dotscan/outputs.md \
    share/dotscan/exclude-default.conf share/dotscan/result.schema.json; do
  if [[ -s $WORK/prefix/$file ]]; then pass; else fail "cmake --install: no $file"; fi
done
if [[ -x $WORK/prefix/bin/dotscan ]] && "$WORK/prefix/bin/dotscan" --version >/dev/null; then pass
else fail "the installed dotscan does not run"; fi

finish help_test
