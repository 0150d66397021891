#!/usr/bin/env bash
# Starts or stops a second real DoT server from another code base: dnsdist (PowerDNS, Debian
# package), with a certificate from the test CA, so that dotscan is not tuned to unbound alone.
#
#   dnsdist-dot.sh start DIR ADDRESS   DoT on ADDRESS:853 (plain DNS on ADDRESS:5300)
#   dnsdist-dot.sh stop DIR
#
# dnsdist answers by itself: dot.test A/AAAA from a spoof rule, REFUSED for everything else. It has
# no downstream server and security polling is off, so it never sends a query anywhere.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=server-common.sh
source "$here/server-common.sh"
[[ $# -ge 2 ]] || { echo "usage: $0 start DIR ADDRESS | stop DIR" >&2; exit 2; }
action=$1 dir=$2

stop() { stop_server "$dir/dnsdist.pid"; }
[[ $action == stop ]] && { stop; exit 0; }
[[ $action == start && $# -eq 3 ]] || { echo "usage: $0 start DIR ADDRESS" >&2; exit 2; }
address=$3
command -v dnsdist >/dev/null || { echo "$0: dnsdist is not installed (apt-get install dnsdist)" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[[ -f "$dir/ca/ca.crt" ]] || bash "$here/make-test-ca.sh" "$dir/ca" >/dev/null
stop
cat > "$dir/dnsdist.conf" <<CONF
setSecurityPollSuffix("")
setLocal("$address:5300")
addTLSLocal("$address:853", "$dir/ca/rsa-chain.pem", "$dir/ca/rsa.key", {provider="openssl"})
addAction(QNameRule("dot.test."), SpoofAction({"192.0.2.53", "2001:db8::53"}))
addAction(AllRule(), RCodeAction(DNSRCode.REFUSED))
CONF
dnsdist --supervised --disable-syslog -C "$dir/dnsdist.conf" > "$dir/dnsdist.log" 2>&1 &
echo $! > "$dir/dnsdist.pid"
wait_listening "$0: dnsdist" "$address" "$dir/dnsdist.pid" "$dir/dnsdist.log"
