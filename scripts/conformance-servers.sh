#!/usr/bin/env bash
# Measures what the real DoT servers from Debian 12 do for the conformance checks of issue 13 and
# prints one line per server and behaviour; docs/conformance-servers.md records the results.
#   conformance-servers.sh DIR [NET]   servers in DIR/*, on NET.1 to NET.5 (default 127.0.53)
# Starts unbound (defaults, and with padding off, keepalive and NSID on), knot-resolver (defaults,
# with NSID and DDR) and dnsdist (with DDR) on loopback, measures with kdig (knot-dnsutils),
# openssl s_client and scripts/dot-probe.py, and stops them again. Takes about a minute, most of
# it waiting for idle sessions to be closed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:?usage: $0 DIR [NET]}
net=${2:-127.0.53}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
declare -A addr=([unbound]=$net.1 [unbound-on]=$net.2 [kresd]=$net.3 [dnsdist]=$net.4)
cleanup() {
  bash "$here/unbound-dot.sh" stop "$dir/unbound"
  bash "$here/unbound-dot.sh" stop "$dir/unbound-on"
  bash "$here/knot-resolver-dot.sh" stop "$dir/kresd"
  bash "$here/dnsdist-dot.sh" stop "$dir/dnsdist"
}
trap cleanup EXIT
bash "$here/make-test-ca.sh" "$dir/ca" >/dev/null
for server in unbound unbound-on kresd dnsdist; do mkdir -p "$dir/$server"; ln -sfn ../ca "$dir/$server/ca"; done
bash "$here/unbound-dot.sh" start "$dir/unbound" "${addr[unbound]}"
bash "$here/unbound-dot.sh" start "$dir/unbound-on" --conf "pad-responses: no" \
  --conf "edns-tcp-keepalive: yes" --conf "edns-tcp-keepalive-timeout: 3000" \
  --conf 'nsid: "ascii_unbound-test"' --conf 'local-zone: "_dns.resolver.arpa." static' \
  --conf "local-data: \"_dns.resolver.arpa. 300 IN SVCB 1 dot.test. alpn=dot port=853 ipv4hint=${addr[unbound-on]}\"" \
  "${addr[unbound-on]}"
bash "$here/knot-resolver-dot.sh" start "$dir/kresd" "${addr[kresd]}" --nsid kresd-test --ddr
bash "$here/dnsdist-dot.sh" start "$dir/dnsdist" "${addr[dnsdist]}" --ddr
ca=$dir/ca/ca.crt

say() { printf '%-11s %-12s %s\n' "$1" "$2" "$3"; }
# The certificate's SHA-256, the protocol, cipher, ALPN and reuse of one s_client handshake.
hello() {
  local a=$1
  shift
  sleep 0.5 | openssl s_client -connect "$a:853" -CAfile "$ca" "$@" 2>&1 |
    awk '/^New,|^Reused,/ {s = $0} /^ALPN|^No ALPN/ {alpn = $0} /alert/ {e = $0}
         /BEGIN CERT/ {c = 1} c {pem = pem $0 "\n"} /END CERT/ {c = 0}
         END {printf "%s | %s | %s", s, alpn, e; printf "%s", pem > "/dev/stderr"}' 2>"$dir/leaf.pem"
  if [[ -s "$dir/leaf.pem" ]]; then
    printf ' | leaf %s' "$(openssl x509 -in "$dir/leaf.pem" -noout -fingerprint -sha256 | cut -c20-36)"
  fi
  echo
}

# The keepalive probes wait for the servers to close idle sessions: all at once, in the background.
for server in unbound unbound-on kresd dnsdist; do
  python3 "$here/dot-probe.py" --ca "$ca" "${addr[$server]}" keepalive --idle 1 --wait-close 40 \
    >"$dir/$server.keepalive" &
done
for server in unbound unbound-on kresd dnsdist; do
  a=${addr[$server]}
  probe=(python3 "$here/dot-probe.py" --ca "$ca" "$a")
  say "$server" version "$(case $server in
    unbound*) unbound -V | head -1 ;; kresd) kresd --version ;; dnsdist) dnsdist --version | head -1 ;; esac)"
  say "$server" padding "$("${probe[@]}" padding)"
  say "$server" padding468 "$("${probe[@]}" padding --block 468)"
  say "$server" no-padding "$("${probe[@]}" padding --none)"
  say "$server" pipelining "$("${probe[@]}" pipeline --count 5)"
  for v in tls1 tls1_1; do
    say "$server" "$v" "$(hello "$a" -"$v" -cipher 'DEFAULT:@SECLEVEL=0')"
  done
  for v in tls1_2 tls1_3; do say "$server" "$v" "$(hello "$a" -"$v")"; done
  say "$server" alpn "$(hello "$a" -alpn dot)"
  say "$server" sni-name "$(hello "$a" -servername dot.test)"
  say "$server" sni-none "$(hello "$a" -noservername)"
  say "$server" sni-other "$(hello "$a" -servername other.example)"
  for v in tls1_3 tls1_2; do
    hello "$a" -"$v" -sess_out "$dir/sess" >/dev/null
    say "$server" "resume-$v" "$(hello "$a" -"$v" -sess_in "$dir/sess")"
  done
  hello "$a" -tls1_2 -no_ticket -sess_out "$dir/sess" >/dev/null
  say "$server" resume-id "$(hello "$a" -tls1_2 -no_ticket -sess_in "$dir/sess")"
  say "$server" ddr "$(kdig @"$a" +tls-ca="$ca" +tls-hostname=dot.test _dns.resolver.arpa SVCB |
    grep -E 'status:|IN.SVCB' | sed 's/.*status: \([A-Z]*\).*/\1/' | tr '\n\t' '  ')"
  say "$server" nsid "$(kdig @"$a" +tls-ca="$ca" +tls-hostname=dot.test +nsid dot.test A |
    grep -E 'NSID:' || echo 'no NSID option in the answer')"
done
wait
for server in unbound unbound-on kresd dnsdist; do say "$server" keepalive "$(cat "$dir/$server.keepalive")"; done
