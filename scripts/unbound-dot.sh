#!/usr/bin/env bash
# Starts or stops a real DoT server (unbound from Debian) on loopback addresses, with a
# certificate from the test CA. Used by quickstart.sh, the integration tests and the benchmarks.
#
#   unbound-dot.sh start DIR [--cert NAME] ADDRESS...   listens on ADDRESS@853 for each ADDRESS
#   unbound-dot.sh start DIR --plain ADDRESS...         cleartext DNS on port 853 instead (a
#                                                       misconfigured server, RFC 7858 section 3.1)
#   unbound-dot.sh start DIR [--cert NAME] [--conf LINE]... ADDRESS...
#                                        each LINE added to the server: clause, e.g.
#                                        "pad-responses: no" (docs/conformance-servers.md)
#   unbound-dot.sh stop DIR
#
# DIR receives the test CA (DIR/ca, made once), unbound.conf, unbound.log and unbound.pid.
# The server answers only from local data ("dot.test. A 192.0.2.53" and friends) and refuses every
# other name, so it never sends a query anywhere: no traffic leaves loopback.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=server-common.sh
source "$here/server-common.sh"

usage() {
  echo "usage: $0 start DIR [--cert NAME] [--plain] [--conf LINE]... ADDRESS... | stop DIR" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
action=$1 dir=$2
shift 2

server_action "$action" "$dir/unbound.pid" || usage

cert=ecdsa
plain=0
if [[ "${1:-}" == "--cert" ]]; then cert=$2; shift 2; fi
if [[ "${1:-}" == "--plain" ]]; then plain=1; shift; fi
extra=()
while [[ "${1:-}" == "--conf" ]]; do extra+=("${2:?}"); shift 2; done
[[ $# -ge 1 ]] || usage
command -v unbound >/dev/null || { echo "$0: unbound is not installed (apt-get install unbound)" >&2; exit 1; }

dir=$(server_dir "$dir")
chain=$(chain_file "$dir" "$cert")

stop_server "$dir/unbound.pid"
# unbound reserves incoming-num-tcp descriptors per interface; keep many interfaces within its limit.
tcp_per_interface=$((2048 / $# > 1024 ? 1024 : (2048 / $# < 16 ? 16 : 2048 / $#)))
{
  echo "server:"
  for address in "$@"; do echo "  interface: $address@853"; done
  if ((plain)); then
    echo "  tls-port: 8853"  # TLS nowhere: no interface listens on 8853
  else
    echo "  tls-port: 853"
    echo "  tls-service-key: \"$dir/ca/$cert.key\""
    echo "  tls-service-pem: \"$chain\""
  fi
  cat <<CONF
  port: 853
  username: ""
  chroot: ""
  directory: "$dir"
  pidfile: ""
  do-daemonize: no
  use-syslog: no
  logfile: ""
  verbosity: 0
  num-threads: 1
  incoming-num-tcp: $tcp_per_interface
  so-reuseport: no
  module-config: "iterator"
  do-not-query-localhost: yes
  # Tests in network namespaces reach it from the benchmarking ranges (RFC 2544, RFC 5180), not
  # loopback.
  access-control: 198.18.0.0/15 allow
  access-control: 2001:2::/48 allow
  # Answer from local data only: every other name is refused, so nothing is ever recursed.
  local-zone: "." refuse
  local-zone: "dot.test." static
  local-data: "dot.test. 300 IN A 192.0.2.53"
  local-data: "dot.test. 300 IN AAAA 2001:db8::53"
  local-data: "dot.test. 300 IN TXT \"dotscan test server\""
CONF
  for line in ${extra[@]+"${extra[@]}"}; do echo "  $line"; done
  cat <<CONF
remote-control:
  control-enable: no
CONF
} > "$dir/unbound.conf"

unbound-checkconf "$dir/unbound.conf" >/dev/null
unbound -d -c "$dir/unbound.conf" > "$dir/unbound.log" 2>&1 &
echo $! > "$dir/unbound.pid"

# Ready when the first address accepts TCP on 853.
wait_listening "$0: unbound" "$1" "$dir/unbound.pid" "$dir/unbound.log"
