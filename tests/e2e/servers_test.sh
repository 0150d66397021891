#!/usr/bin/env bash
# End-to-end smoke test of the real-server scripts the conformance checks (issue 13) rely on:
# knot-resolver (scripts/knot-resolver-dot.sh) scanned by the built binary; a few of the behaviours
# docs/conformance-servers.md records, measured with scripts/dot-probe.py and kdig, on
# knot-resolver, unbound (scripts/unbound-dot.sh --conf) and dnsdist (scripts/dnsdist-dot.sh --ddr).
# Usage: servers_test.sh PATH/TO/dotscan
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
# A loopback /24 of our own for this run, so that parallel runs do not meet.
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
KRESD="$NET.30" PADDED="$NET.31" UNPADDED="$NET.32" DNSDIST="$NET.33"
cleanup() {
  bash "$ROOT/scripts/knot-resolver-dot.sh" stop "$WORK/kresd" >/dev/null 2>&1
  bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/padded" >/dev/null 2>&1
  bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/unpadded" >/dev/null 2>&1
  bash "$ROOT/scripts/dnsdist-dot.sh" stop "$WORK/dnsdist" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
probe() { python3 "$ROOT/scripts/dot-probe.py" --ca "$WORK/ca/ca.crt" "$@"; }

# One test CA for every server (each script makes DIR/ca only when it is missing).
bash "$ROOT/scripts/make-test-ca.sh" "$WORK/ca" >/dev/null
for server in kresd padded unpadded dnsdist; do mkdir -p "$WORK/$server"; ln -s ../ca "$WORK/$server/ca"; done

# --- knot-resolver: a real scan, and what the script configures ---------------------------------
if ! command -v kresd >/dev/null || ! command -v kdig >/dev/null; then
  cannot_run "knot-resolver: kresd or kdig is missing (scripts/setup.sh test installs them)"
elif bash "$ROOT/scripts/knot-resolver-dot.sh" start "$WORK/kresd" "$KRESD" --nsid kresd-test --ddr \
  >"$WORK/kresd.out" 2>&1; then
  "$DOTSCAN" -q --ca-file "$WORK/ca/ca.crt" --auth-name dot.test --query dot.test/A \
    -oJ "$WORK/kresd.jsonl" "$KRESD" >/dev/null 2>"$WORK/err"
  check "kresd scan exit" "$?" 0
  check "kresd outcome" "$(result "$WORK/kresd.jsonl" "$KRESD" .outcome)" "dot"
  check "kresd trusted" "$(result "$WORK/kresd.jsonl" "$KRESD" .tls.verification.trusted)" "true"
  check "kresd answer" "$(result "$WORK/kresd.jsonl" "$KRESD" '.dns.response.rcode + " " + .dns.response.short_answer')" \
    "NOERROR 192.0.2.53"
  check "kresd verdict" "$(result "$WORK/kresd.jsonl" "$KRESD" .verdict.profile)" "strict-pkix"
  validate "kresd schema" "$WORK/kresd.jsonl"
  # Anything but local data is refused: nothing is resolved, so nothing leaves loopback.
  "$DOTSCAN" -q --ca-file "$WORK/ca/ca.crt" -oJ "$WORK/refused.jsonl" "$KRESD" >/dev/null 2>&1
  check "kresd refuses the rest" "$(result "$WORK/refused.jsonl" "$KRESD" '.outcome + " " + .dns.response.rcode')" \
    "dot REFUSED"
  # net.tls_padding(true) pads every answer to a query with EDNS to the 468-octet block.
  check "kresd pads" "$(probe "$KRESD" padding | jq -r '[.response_size, .response_padding != null] | join(" ")')" \
    "468 true"
  check "kresd keepalive" "$(probe "$KRESD" keepalive --idle 0 | jq -r '"\(.keepalive_s) \(.after_idle)"')" \
    "10 answered"
  check "kresd pipelining" "$(probe "$KRESD" pipeline --count 4 | jq -r '"\(.all_answered) \(.received | length)"')" \
    "true 4"
  check "kresd nsid" "$(kdig @"$KRESD" +tls-ca="$WORK/ca/ca.crt" +tls-hostname=dot.test +nsid dot.test |
    grep -o '"kresd-test"')" '"kresd-test"'
  check "kresd ddr" "$(kdig @"$KRESD" +tls-ca="$WORK/ca/ca.crt" +tls-hostname=dot.test +short \
    _dns.resolver.arpa SVCB)" "1 dot.test. alpn=dot port=853 ipv4hint=$KRESD"
  # kresd selects ALPN dot when offered (unbound 1.17 selects none).
  alpn=$(openssl s_client -connect "$KRESD:853" -alpn dot </dev/null 2>/dev/null | grep '^ALPN')
  check "kresd alpn" "$alpn" "ALPN protocol: dot"
  "$DOTSCAN" -q --ca-file "$WORK/ca/ca.crt" -oJ "$WORK/alpn.jsonl" "$KRESD" >/dev/null 2>&1
  check "kresd no alpn finding" "$(result "$WORK/alpn.jsonl" "$KRESD" '[.findings[].id | select(. == "alpn-not-dot")] | length')" "0"
  bash "$ROOT/scripts/knot-resolver-dot.sh" stop "$WORK/kresd"
  [[ ! -f "$WORK/kresd/kresd.pid" ]] && pass || fail "kresd stop left its pid file"
else
  fail "cannot start knot-resolver: $(cat "$WORK/kresd.out" "$WORK/kresd/kresd.log" 2>/dev/null)"
fi

# --- unbound: pad-responses on (its default) and off, edns-tcp-keepalive via --conf ------------
if bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/padded" "$PADDED" >/dev/null &&
  bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/unpadded" --conf "pad-responses: no" \
    --conf "edns-tcp-keepalive: yes" --conf "edns-tcp-keepalive-timeout: 3000" "$UNPADDED" >/dev/null; then
  check "unbound pads" "$(probe "$PADDED" padding | jq -r '"\(.response_size) \(.response_padding)"')" "468 411"
  check "unbound pads only padded queries" "$(probe "$PADDED" padding --none | jq -r .response_padding)" "null"
  check "unbound pad-responses: no" "$(probe "$UNPADDED" padding | jq -r .response_padding)" "null"
  check "unbound no keepalive by default" "$(probe "$PADDED" keepalive --idle 0 | jq -r .keepalive_s)" "null"
  check "unbound keepalive 3 s" "$(probe "$UNPADDED" keepalive --idle 0 | jq -r .keepalive_s)" "3"
else
  fail "cannot start unbound with --conf"
fi

# --- dnsdist: the DDR answer of --ddr -------------------------------------------------------------
if ! command -v kdig >/dev/null; then
  cannot_run "dnsdist DDR: kdig is missing (scripts/setup.sh test installs knot-dnsutils)"
elif bash "$ROOT/scripts/dnsdist-dot.sh" start "$WORK/dnsdist" "$DNSDIST" --ddr >/dev/null; then
  check "dnsdist ddr" "$(kdig @"$DNSDIST" +tls-ca="$WORK/ca/ca.crt" +tls-hostname=dot.test +short \
    _dns.resolver.arpa SVCB)" "1 dot.test. alpn=dot port=853 ipv4hint=$DNSDIST"
  check "dnsdist ddr nodata" "$(kdig @"$DNSDIST" +tls _dns.resolver.arpa A | grep -o 'status: [A-Z]*')" \
    "status: NOERROR"
  "$DOTSCAN" -q --ca-file "$WORK/ca/ca.crt" --query dot.test/A -oJ "$WORK/dnsdist.jsonl" "$DNSDIST" \
    >/dev/null 2>&1
  check "dnsdist still answers" "$(result "$WORK/dnsdist.jsonl" "$DNSDIST" .dns.response.short_answer)" \
    "192.0.2.53"
else
  fail "cannot start dnsdist with --ddr"
fi

finish servers_test
