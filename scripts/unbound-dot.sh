#!/usr/bin/env bash
# Starts or stops a real DoT server (unbound from Debian) on loopback addresses, with a
# certificate from the test CA. Used by quickstart.sh, the integration tests and the benchmarks.
#
#   unbound-dot.sh start DIR [--cert NAME] ADDRESS...   listens on ADDRESS@853 for each ADDRESS
#   unbound-dot.sh stop DIR
#
# DIR receives the test CA (DIR/ca, made once), unbound.conf, unbound.log and unbound.pid.
# The server answers only from local data ("dot.test. A 192.0.2.53" and friends) and refuses every
# other name, so it never sends a query anywhere: no traffic leaves loopback.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() { echo "usage: $0 start DIR [--cert NAME] ADDRESS... | stop DIR" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
action=$1 dir=$2
shift 2

stop() {
  if [[ -f "$dir/unbound.pid" ]]; then
    local pid
    pid=$(cat "$dir/unbound.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/unbound.pid"
  fi
}

case "$action" in
  stop) stop; exit 0 ;;
  start) ;;
  *) usage ;;
esac

cert=ecdsa
if [[ "${1:-}" == "--cert" ]]; then cert=$2; shift 2; fi
[[ $# -ge 1 ]] || usage
command -v unbound >/dev/null || { echo "$0: unbound is not installed (apt-get install unbound)" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[[ -f "$dir/ca/ca.crt" ]] || bash "$here/make-test-ca.sh" "$dir/ca" >/dev/null
chain="$dir/ca/$cert-chain.pem"
[[ -f "$chain" ]] || chain="$dir/ca/$cert.crt"   # selfsigned has no chain file

stop
# unbound reserves incoming-num-tcp descriptors per interface; keep many interfaces within its limit.
tcp_per_interface=$((2048 / $# > 1024 ? 1024 : (2048 / $# < 16 ? 16 : 2048 / $#)))
{
  echo "server:"
  for address in "$@"; do echo "  interface: $address@853"; done
  cat <<CONF
  tls-port: 853
  tls-service-key: "$dir/ca/$cert.key"
  tls-service-pem: "$chain"
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
  # Answer from local data only: every other name is refused, so nothing is ever recursed.
  local-zone: "." refuse
  local-zone: "dot.test." static
  local-data: "dot.test. 300 IN A 192.0.2.53"
  local-data: "dot.test. 300 IN AAAA 2001:db8::53"
  local-data: "dot.test. 300 IN TXT \"dotscan test server\""
remote-control:
  control-enable: no
CONF
} > "$dir/unbound.conf"

unbound-checkconf "$dir/unbound.conf" >/dev/null
unbound -d -c "$dir/unbound.conf" > "$dir/unbound.log" 2>&1 &
echo $! > "$dir/unbound.pid"

# Ready when the first address accepts TCP on 853.
first=$1
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/$first/853") 2>/dev/null; then exit 0; fi
  if ! kill -0 "$(cat "$dir/unbound.pid")" 2>/dev/null; then
    echo "$0: unbound did not start:" >&2
    cat "$dir/unbound.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "$0: unbound is not listening on $first:853 after 10 s" >&2
cat "$dir/unbound.log" >&2
exit 1
