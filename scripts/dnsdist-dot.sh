#!/usr/bin/env bash
# Starts or stops a second real DoT server from another code base: dnsdist (PowerDNS, Debian
# package), with a certificate from the test CA, so that dotscan is not tuned to unbound alone.
#
#   dnsdist-dot.sh start DIR ADDRESS [--ddr]   DoT on ADDRESS:853 (plain DNS on ADDRESS:5300)
#   dnsdist-dot.sh stop DIR
#
# dnsdist answers by itself: dot.test A/AAAA from a spoof rule, REFUSED for everything else. With
# --ddr it also answers _dns.resolver.arpa SVCB (RFC 9462) with "1 dot.test. alpn=dot port=853
# ipv4hint=ADDRESS" (SpoofSVCAction, dnsdist 1.7) and NODATA for its other types. It has
# no downstream server and security polling is off, so it never sends a query anywhere.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=server-common.sh
source "$here/server-common.sh"
usage() { echo "usage: $0 start DIR ADDRESS [--ddr] | stop DIR" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
action=$1 dir=$2
server_action "$action" "$dir/dnsdist.pid" || usage
[[ $# -eq 3 || ($# -eq 4 && $4 == --ddr) ]] || usage
address=$3
ddr=$([[ ${4:-} == --ddr ]] && echo 1 || echo 0)
command -v dnsdist >/dev/null || { echo "$0: dnsdist is not installed (apt-get install dnsdist)" >&2; exit 1; }

dir=$(server_dir "$dir")
stop_server "$dir/dnsdist.pid"
hint=$([[ $address == *:* ]] && echo ipv6hint || echo ipv4hint)
{
  cat <<CONF
setSecurityPollSuffix("")
setLocal("$address:5300")
addTLSLocal("$address:853", "$dir/ca/rsa-chain.pem", "$dir/ca/rsa.key", {provider="openssl"})
addAction(QNameRule("dot.test."), SpoofAction({"192.0.2.53", "2001:db8::53"}))
CONF
  ((ddr)) && cat <<CONF
addAction(AndRule({QTypeRule(64), QNameRule("_dns.resolver.arpa.")}), SpoofSVCAction({
  newSVCRecordParameters(1, "dot.test.", {alpn={"dot"}, port=853, $hint={"$address"}})}))
addAction(QNameRule("_dns.resolver.arpa."), NegativeAndSOAAction(false, "_dns.resolver.arpa.", 300,
  "dot.test.", "hostmaster.dot.test.", 1, 1800, 900, 604800, 300))
CONF
  echo 'addAction(AllRule(), RCodeAction(DNSRCode.REFUSED))'
} > "$dir/dnsdist.conf"
dnsdist --supervised --disable-syslog -C "$dir/dnsdist.conf" > "$dir/dnsdist.log" 2>&1 &
echo $! > "$dir/dnsdist.pid"
wait_listening "$0: dnsdist" "$address" "$dir/dnsdist.pid" "$dir/dnsdist.log"
