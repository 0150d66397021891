#!/usr/bin/env bash
# End-to-end tests of `dotscan --list-targets` through the built binary, as a user runs it:
# output, order, shards, files, and the one-line errors with their exit codes.
# Usage: list_targets_test.sh PATH/TO/dotscan
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"


# expect_ok NAME EXPECTED_STDOUT ARGS... : exit 0 and exactly this output (sorted).
expect_ok() {
  local name=$1 expected=$2
  shift 2
  local out rc
  out=$("$DOTSCAN" -q "$@" 2>"$WORK/err" | sort)
  rc=${PIPESTATUS[0]}
  if [[ $rc -ne 0 ]]; then fail "$name: exit $rc: $(cat "$WORK/err")"; return; fi
  if [[ "$out" != "$(printf '%s\n' "$expected" | sort)" ]]; then
    fail "$name: got [$out] expected [$expected]"; return
  fi
  pass
}

# expect_error NAME CODE MESSAGE ARGS... : exit CODE, nothing on stdout, exactly one stderr line.
expect_error() {
  local name=$1 code=$2 message=$3
  shift 3
  local out rc err
  out=$("$DOTSCAN" "$@" 2>"$WORK/err")
  rc=$?
  err=$(cat "$WORK/err")
  if [[ $rc -ne $code ]]; then fail "$name: exit $rc, expected $code ($err)"; return; fi
  if [[ -n "$out" ]]; then fail "$name: unexpected stdout [$out]"; return; fi
  if [[ $(printf '%s\n' "$err" | wc -l) -ne 1 ]]; then fail "$name: not one line: [$err]"; return; fi
  if [[ "$err" != "$message" ]]; then fail "$name: got [$err] expected [$message]"; return; fi
  pass
}

L=(--list-targets)

# --- forms of targets -------------------------------------------------------------------------
expect_ok address "192.0.2.1 853" "${L[@]}" 192.0.2.1
expect_ok cidr "$(printf '10.0.0.%d 853\n' 0 1 2 3)" "${L[@]}" 10.0.0.0/30
expect_ok cidr32 "10.0.0.7 853" "${L[@]}" 10.0.0.7/32
expect_ok range "$(printf '10.0.0.%d 853\n' 254 255; printf '10.0.1.0 853')" "${L[@]}" 10.0.0.254-10.0.1.0
expect_ok short-range "$(printf '10.0.0.%d 853\n' 1 2 3)" "${L[@]}" 10.0.0.1-3
expect_ok octets "$(printf '10.%d.0.%d 853\n' 1 1 1 3 2 1 2 3)" "${L[@]}" 10.1-2.0.1,3
expect_ok ipv6 "2001:db8::1 853" "${L[@]}" 2001:DB8::1
expect_ok ipv6-cidr "$(printf '2001:db8::%s 853\n' '' 1 2 3)" "${L[@]}" 2001:db8::/126
expect_ok ipv6-range "$(printf '2001:db8::%s 853\n' e f 10)" "${L[@]}" 2001:db8::e-10
expect_ok mapped "192.0.2.9 853" "${L[@]}" ::ffff:192.0.2.9
expect_ok ports "$(printf '192.0.2.1 %d\n' 443 853 8853)" "${L[@]}" -p 8853,443,853 192.0.2.1
expect_ok dedup "$(printf '10.0.0.%d 853\n' 0 1 2 3)" "${L[@]}" 10.0.0.0/31 10.0.0.1-3 10.0.0.2
expect_ok exclude "$(printf '10.0.0.%d 853\n' 0 3)" "${L[@]}" --exclude 10.0.0.1,10.0.0.2 10.0.0.0/30
expect_ok localhost "127.0.0.1 853 localhost" "${L[@]}" -4 localhost
expect_ok default-exclude "10.0.0.1 853" "${L[@]}" 10.0.0.1 224.0.0.1 0.1.2.3 255.255.255.255
expect_ok no-default-exclude "224.0.0.1 853" "${L[@]}" --no-default-exclude 224.0.0.1
expect_ok reserved "8.8.8.8 853" "${L[@]}" --exclude-reserved 8.8.8.8 10.0.0.1 127.0.0.1

# --- files -------------------------------------------------------------------------------------
cat >"$WORK/hosts.txt" <<'TXT'
# auditors' list: TARGET [PORTS] [NAME]
192.0.2.1 853 dns.example
192.0.2.2 443,853
192.0.2.3  resolver.example   # name only
TXT
expect_ok input-list "$(printf '%s\n' '192.0.2.1 853 dns.example' '192.0.2.2 443' '192.0.2.2 853' \
  '192.0.2.3 853 resolver.example')" "${L[@]}" -iL "$WORK/hosts.txt"
expect_ok stdin "192.0.2.5 853" "${L[@]}" -iL - <<<"192.0.2.5"
# The listing is itself a valid -iL file: feeding it back gives the same targets.
"$DOTSCAN" -q "${L[@]}" -iL "$WORK/hosts.txt" >"$WORK/listed.txt"
expect_ok round-trip "$(cat "$WORK/listed.txt")" "${L[@]}" -iL "$WORK/listed.txt"
printf '10.0.0.0/30\n# and one more\n10.0.0.9\n' >"$WORK/exclude.txt"
expect_ok excludefile "10.0.0.4 853" "${L[@]}" --excludefile "$WORK/exclude.txt" 10.0.0.0-4 10.0.0.9

# --- order, seeds, shards ----------------------------------------------------------------------
a=$("$DOTSCAN" -q "${L[@]}" --seed 7 10.0.0.0/24 -p 443,853)
b=$("$DOTSCAN" -q "${L[@]}" --seed 7 10.0.0.0/24 -p 443,853)
c=$("$DOTSCAN" -q "${L[@]}" --seed 8 10.0.0.0/24 -p 443,853)
[[ "$a" == "$b" ]] && pass || fail "same seed, different order"
[[ "$a" != "$c" ]] && pass || fail "different seeds, same order"
[[ "$a" != "$(sort -V <<<"$a")" ]] && pass || fail "order is not shuffled"
[[ $(wc -l <<<"$a") -eq 512 ]] && pass || fail "expected 512 targets"
: >"$WORK/shards"
for i in 0 1 2 3 4; do
  "$DOTSCAN" -q "${L[@]}" --seed 7 --shards 5 --shard $i 10.0.0.0/24 -p 443,853 >>"$WORK/shards"
done
[[ "$(sort "$WORK/shards")" == "$(sort <<<"$a")" ]] && pass || fail "shards do not partition"
[[ $(sort "$WORK/shards" | uniq -d | wc -l) -eq 0 ]] && pass || fail "shards overlap"
m=$("$DOTSCAN" -q "${L[@]}" --seed 7 --max-targets 10 10.0.0.0/24 -p 443,853)
[[ "$m" == "$(head -n 10 <<<"$a")" ]] && pass || fail "--max-targets is not a prefix of the order"
# The seed is recorded on stderr when it was drawn at random.
"$DOTSCAN" "${L[@]}" 10.0.0.1 2>"$WORK/err" >/dev/null
grep -Eq '^dotscan: 1 target of 1 \(shard 0/1, seed [0-9]+\)$' "$WORK/err" && pass || fail "seed not reported: $(cat "$WORK/err")"
# A /8 x 3 ports is not materialised: the count is right and a prefix comes out at once.
n=$("$DOTSCAN" -q "${L[@]}" --max-targets 5 10.0.0.0/8 -p 443,853,8853 | wc -l)
[[ $n -eq 5 ]] && pass || fail "prefix of a /8"

# --- errors: one line, documented exit codes ---------------------------------------------------
expect_error bad-cidr 2 "dotscan: invalid target '10.0.0.0/33': prefix length must be a number from 0 to 32" "${L[@]}" 10.0.0.0/33
expect_error bad-octet 2 "dotscan: invalid target '10.0.0.256': octet '256' is not a number from 0 to 255" "${L[@]}" 10.0.0.256
expect_error reversed 2 "dotscan: invalid target '10.0.0.9-10.0.0.1': range end is before its start" "${L[@]}" 10.0.0.9-10.0.0.1
expect_error bad-port 2 "dotscan: invalid port list '0': port 0 cannot be scanned" "${L[@]}" -p 0 10.0.0.1
expect_error no-file 2 "dotscan: -iL: cannot read '$WORK/missing.txt': No such file or directory" "${L[@]}" -iL "$WORK/missing.txt"
mkdir "$WORK/dir"
expect_error dir-file 2 "dotscan: -iL: cannot read '$WORK/dir': Is a directory" "${L[@]}" -iL "$WORK/dir"
printf '10.0.0.1\n10.0.0.1/x\n' >"$WORK/bad.txt"
expect_error file-line 2 "dotscan: $WORK/bad.txt:2: invalid target '10.0.0.1/x': prefix length must be a number from 0 to 32" "${L[@]}" -iL "$WORK/bad.txt"
# A 10 MB token: the error quotes its start and its length, not all of it.
head -c 10000000 /dev/zero | tr '\0' 9 >"$WORK/huge.txt"
err=$("$DOTSCAN" "${L[@]}" -iL "$WORK/huge.txt" 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 && ${#err} -lt 1000 && "$err" == *"(10000000 bytes)': "* ]] && pass ||
  fail "huge token: exit $rc, ${#err} bytes: ${err:0:400}"
expect_error all-excluded 2 "dotscan: no targets to scan after exclusions (4 removed by --exclude, 0 by the default exclusion lists)" "${L[@]}" --exclude 10.0.0.0/24 10.0.0.0/30
expect_error no-targets 2 "dotscan: no targets given: name them as arguments or with -iL FILE (see --help)" "${L[@]}"
expect_error no-resolve 2 "dotscan: 'localhost' is a host name, and -n forbids resolving it" "${L[@]}" -n localhost
expect_error shard 2 "dotscan: --shard 3 is out of range: with --shards 3 it is 0 to 2" "${L[@]}" --shards 3 --shard 3 10.0.0.1
expect_error wrong-family 2 "dotscan: invalid target '::1': IPv6 target, but -4 was given" "${L[@]}" -4 ::1

# A name that does not resolve: warned about, and the rest goes on. Run in a network namespace of
# its own so that the lookup cannot leave this machine.
if unshare -n true 2>/dev/null; then
  out=$(unshare -n "$DOTSCAN" -q "${L[@]}" no-such-host.invalid 10.0.0.1 2>"$WORK/err")
  rc=$?
  [[ $rc -eq 0 && "$out" == "10.0.0.1 853" ]] && pass || fail "unresolved name stopped the scan ($rc: $out)"
  grep -q "^dotscan: warning: cannot resolve 'no-such-host.invalid': " "$WORK/err" && pass || fail "no warning: $(cat "$WORK/err")"
  out=$(unshare -n "$DOTSCAN" "${L[@]}" no-such-host.invalid 2>"$WORK/err")
  [[ $? -eq 2 && -z "$out" ]] && pass || fail "only unresolvable names should exit 2"
else
  cannot_run "unresolved-name tests need unshare -n (root)"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
