#!/usr/bin/env bash
# Starts or stops a third real DoT server from another code base and TLS library: knot-resolver
# (kresd, CZ.NIC, Debian package; GnuTLS, where unbound and dnsdist use OpenSSL), with a
# certificate from the test CA.
#
#   knot-resolver-dot.sh start DIR ADDRESS [OPTION...]   DoT on ADDRESS:853
#   knot-resolver-dot.sh stop DIR
# Options (docs/conformance-servers.md says what each changes on the wire):
#   --cert NAME      the test CA's leaf NAME (default ecdsa)
#   --padding P      net.tls_padding: true (default: pad answers to padded queries, 468-octet
#                    blocks), false, or a block size in octets
#   --idle MS        net.tcp_in_idle: the idle timeout in ms, which edns_keepalive announces
#                    (default 10000)
#   --nsid NAME      load the nsid module and answer NSID requests with NAME
#   --ddr            answer _dns.resolver.arpa SVCB (RFC 9462) with dot.test, alpn=dot, port=853
#                    and ADDRESS as a hint
#
# DIR receives the test CA (DIR/ca, made once), kresd.conf, kresd.log, kresd.pid, the cache and
# the control socket. kresd answers from local data only (dot.test A/AAAA/TXT, the DDR SVCB) and
# refuses every other name; the modules that would query the root at start-up or later (priming,
# trust anchor updates and signalling, time skew checks) are unloaded and the root trust anchor is
# removed, so it never sends a query anywhere: no traffic leaves loopback.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=server-common.sh
source "$here/server-common.sh"

usage() {
  echo "usage: $0 start DIR ADDRESS [--cert NAME] [--padding true|false|N] [--idle MS]" \
    "[--nsid NAME] [--ddr] | stop DIR" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
action=$1 dir=$2
shift 2

server_action "$action" "$dir/kresd.pid" || usage
[[ $# -ge 1 ]] || usage
address=$1
shift
cert=ecdsa padding=true idle=10000 nsid="" ddr=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cert) cert=${2:?}; shift 2 ;;
    --padding) padding=${2:?}; shift 2 ;;
    --idle) idle=${2:?}; shift 2 ;;
    --nsid) nsid=${2:?}; shift 2 ;;
    --ddr) ddr=1; shift ;;
    *) usage ;;
  esac
done
[[ $padding =~ ^(true|false|[0-9]+)$ ]] || usage
[[ $idle =~ ^[0-9]+$ ]] || usage
[[ $nsid =~ ^[A-Za-z0-9._-]*$ ]] || usage
command -v kresd >/dev/null ||
  { echo "$0: kresd is not installed (apt-get install knot-resolver)" >&2; exit 1; }

dir=$(server_dir "$dir")
chain=$(chain_file "$dir" "$cert")

stop_server "$dir/kresd.pid"
{
  cat <<CONF
-- Local data only: nothing that queries the root at start-up (priming), later (RFC 5011 trust
-- anchor updates, RFC 8145 signalling, the time checks) or for a DNSSEC chain.
for _, m in ipairs({'priming', 'ta_update', 'ta_signal_query', 'ta_sentinel',
                    'detect_time_skew', 'detect_time_jump'}) do modules.unload(m) end
trust_anchors.remove('.')
cache.size = 10 * MB
net.tls("$chain", "$dir/ca/$cert.key")
net.tls_padding($padding)
net.tcp_in_idle($idle)
net.listen('$address', 853, { kind = 'tls' })
policy.add(policy.domains(policy.ANSWER({
  [kres.type.A] = { rdata = kres.str2ip('192.0.2.53'), ttl = 300 },
  [kres.type.AAAA] = { rdata = kres.str2ip('2001:db8::53'), ttl = 300 },
  [kres.type.TXT] = { rdata = '\19dotscan test server', ttl = 300 },
}, true), { todname('dot.test.') }))
CONF
  if ((ddr)); then
    cat <<CONF
-- RFC 9462 DDR: SVCB 1 dot.test. alpn=dot port=853 ipv4hint/ipv6hint=ADDRESS (SvcParamKeys 1, 3,
-- 4 or 6, RFC 9460 section 14.3.2), in wire form as policy.ANSWER wants it.
local ip = kres.str2ip('$address')
local hint = (#ip == 4 and '\0\4' or '\0\6') .. string.char(0, #ip) .. ip
policy.add(policy.domains(policy.ANSWER({
  [64] = { rdata = '\0\1\3dot\4test\0' .. '\0\1\0\4\3dot' .. '\0\3\0\2\3\85' .. hint, ttl = 300 },
}, true), { todname('_dns.resolver.arpa.') }))
CONF
  fi
  if [[ -n $nsid ]]; then
    echo "modules.load('nsid')"
    echo "nsid.name('$nsid')"
  fi
  echo "policy.add(policy.all(policy.REFUSE))"
} > "$dir/kresd.conf"

kresd -n -c "$dir/kresd.conf" "$dir" > "$dir/kresd.log" 2>&1 &
echo $! > "$dir/kresd.pid"
wait_listening "$0: kresd" "$address" "$dir/kresd.pid" "$dir/kresd.log"
