#!/usr/bin/env bash
# End to end: `--checks all` against real DoT servers from Debian 12 on loopback (issue 13), each
# configured for the behaviour tested, as docs/conformance-servers.md records them: unbound with
# its defaults, unbound with padding off, keepalive, NSID and a DDR record, knot-resolver with NSID
# and DDR, dnsdist with DDR. Every check's status per server, its key evidence, the findings the
# failures raise, the listing line and the schema.
# Usage: checks_test.sh PATH/TO/dotscan
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
# A loopback /24 of our own for this run, so that parallel runs do not meet.
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
UNBOUND="$NET.40" UNBOUND_ON="$NET.41" KRESD="$NET.42" DNSDIST="$NET.43"
cleanup() {
  bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/unbound" >/dev/null 2>&1
  bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/unbound-on" >/dev/null 2>&1
  bash "$ROOT/scripts/knot-resolver-dot.sh" stop "$WORK/kresd" >/dev/null 2>&1
  bash "$ROOT/scripts/dnsdist-dot.sh" stop "$WORK/dnsdist" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

for tool in unbound kresd dnsdist jq; do
  command -v "$tool" >/dev/null || cannot_run "$tool is missing (scripts/setup.sh test installs it)"
done
bash "$ROOT/scripts/make-test-ca.sh" "$WORK/ca" >/dev/null
for server in unbound unbound-on kresd dnsdist; do mkdir -p "$WORK/$server"; ln -s ../ca "$WORK/$server/ca"; done
started=1
bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/unbound" "$UNBOUND" >/dev/null || started=0
bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/unbound-on" --conf "pad-responses: no" \
  --conf "edns-tcp-keepalive: yes" --conf "edns-tcp-keepalive-timeout: 3000" \
  --conf 'nsid: "ascii_unbound-test"' --conf 'local-zone: "_dns.resolver.arpa." static' \
  --conf "local-data: \"_dns.resolver.arpa. 300 IN SVCB 1 dot.test. alpn=dot port=853 ipv4hint=$UNBOUND_ON\"" \
  "$UNBOUND_ON" >/dev/null || started=0
bash "$ROOT/scripts/knot-resolver-dot.sh" start "$WORK/kresd" "$KRESD" --nsid kresd-test --ddr \
  >/dev/null || started=0
bash "$ROOT/scripts/dnsdist-dot.sh" start "$WORK/dnsdist" "$DNSDIST" --ddr >/dev/null || started=0
[[ $started == 1 ]] || fail "a server did not start"

"$DOTSCAN" --checks all --keepalive-wait 1s --ca-file "$WORK/ca/ca.crt" --auth-name dot.test \
  --query dot.test/A -oJ "$WORK/scan.jsonl" -oN "$WORK/scan.txt" \
  "$UNBOUND" "$UNBOUND_ON" "$KRESD" "$DNSDIST" >/dev/null 2>"$WORK/err"
check "scan exit" "$?" 0
statuses() { result "$WORK/scan.jsonl" "$1" '[.checks[] | .name + "=" + .status] | join(" ")'; }
evidence() { result "$WORK/scan.jsonl" "$1" ".checks[] | select(.name == \"$2\") | .evidence.$3"; }
findings() { result "$WORK/scan.jsonl" "$1" '[.findings[].id | select(test("pipelining|keepalive|padding|resumption|sni-|legacy|ddr"))] | sort | join(" ")'; }

check "unbound checks" "$(statuses "$UNBOUND")" \
  "pipelining=pass keepalive=fail padding=pass resumption=pass sni=pass versions=pass ddr=not-applicable nsid=not-applicable"
check "unbound no keepalive option" "$(evidence "$UNBOUND" keepalive timeout_ms)" "null"
check "unbound open after idle" "$(evidence "$UNBOUND" keepalive open_after_idle)" "true"
check "unbound pads to 468" "$(evidence "$UNBOUND" padding answer_size) $(evidence "$UNBOUND" padding block_468)" "468 true"
check "unbound pads only padded" "$(evidence "$UNBOUND" padding pads_unpadded)" "false"
check "unbound versions" "$(evidence "$UNBOUND" versions 'accepted | join(",")')" "TLSv1.2,TLSv1.3"
check "unbound no ALPN" "$(evidence "$UNBOUND" versions alpn_dot)" "false"
check "unbound pipelining in order" "$(evidence "$UNBOUND" pipelining 'answer_order | join(",")')" "1,2,3"
check "unbound ddr refused" "$(evidence "$UNBOUND" ddr rcode)" "REFUSED"
check "unbound findings" "$(findings "$UNBOUND")" "keepalive-broken"

check "unbound-on checks" "$(statuses "$UNBOUND_ON")" \
  "pipelining=pass keepalive=pass padding=fail resumption=pass sni=pass versions=pass ddr=fail nsid=pass"
check "unbound-on keepalive 3 s" "$(evidence "$UNBOUND_ON" keepalive timeout_ms) $(evidence "$UNBOUND_ON" keepalive idle_ms)" "3000 1000"
check "unbound-on nsid" "$(evidence "$UNBOUND_ON" nsid nsid_text)" "unbound-test"
check "unbound-on ddr record" "$(evidence "$UNBOUND_ON" ddr 'designated_resolvers | join(";")')" \
  "1 dot.test. alpn=dot port=853 ipv4hint=$UNBOUND_ON"
# The test CA's leaf has 127.0.0.1 and ::1 in its IP SANs, not this address: not verifiable.
check "unbound-on ddr unverified" "$(evidence "$UNBOUND_ON" ddr address_in_san) $(evidence "$UNBOUND_ON" ddr chain_trusted)" "false true"
check "unbound-on findings" "$(findings "$UNBOUND_ON")" "ddr-unverified no-padding"

check "kresd checks" "$(statuses "$KRESD")" \
  "pipelining=pass keepalive=pass padding=pass resumption=pass sni=pass versions=pass ddr=fail nsid=pass"
check "kresd pads unpadded queries too" "$(evidence "$KRESD" padding pads_unpadded)" "true"
check "kresd keepalive 10 s" "$(evidence "$KRESD" keepalive timeout_ms)" "10000"
check "kresd resumes TLS 1.3" "$(evidence "$KRESD" resumption version) $(evidence "$KRESD" resumption psk_mode)" "TLSv1.3 psk_dhe_ke"
check "kresd ALPN dot" "$(evidence "$KRESD" versions alpn_dot)" "true"
check "kresd nsid" "$(evidence "$KRESD" nsid nsid_text)" "kresd-test"

check "dnsdist checks" "$(statuses "$DNSDIST")" \
  "pipelining=pass keepalive=fail padding=fail resumption=pass sni=pass versions=pass ddr=fail nsid=not-applicable"
check "dnsdist ddr alpn" "$(evidence "$DNSDIST" ddr alpn_dot)" "true"
check "dnsdist findings" "$(findings "$DNSDIST")" "ddr-unverified keepalive-broken no-padding"

# The same certificate with the name, without SNI and with an unknown name, on every server.
for server in "$UNBOUND" "$KRESD" "$DNSDIST"; do
  check "$server same certificate" "$(evidence "$server" sni same_certificate)" "true"
done
validate "schema" "$WORK/scan.jsonl"
grep -Eq "checks +pipelining pass, keepalive fail" "$WORK/scan.txt" && pass || fail "no checks line in the listing: $(head -c 2000 "$WORK/scan.txt")"

# --fail-on medium: no-padding (medium) makes the scan fail.
"$DOTSCAN" -q --checks padding --ca-file "$WORK/ca/ca.crt" --auth-name dot.test --query dot.test/A \
  --fail-on medium "$UNBOUND_ON" >/dev/null 2>&1
check "fail-on medium exit" "$?" 1
"$DOTSCAN" -q --checks padding --ca-file "$WORK/ca/ca.crt" --auth-name dot.test --query dot.test/A \
  --fail-on medium "$UNBOUND" >/dev/null 2>&1
check "fail-on medium passing server exit" "$?" 0
# A bad list is one error line and exit 2.
"$DOTSCAN" --checks pipelining,bogus "$UNBOUND" >/dev/null 2>"$WORK/err"
check "bad --checks exit" "$?" 2
check "bad --checks line" "$(wc -l <"$WORK/err")" "1"
finish "e2e.checks"
