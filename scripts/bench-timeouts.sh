#!/usr/bin/env bash
# Wall time of a /24 of real DoT servers with one tarpit and one cleartext DNS server, per timing
# template (issue 15, items 4 and 5). Rerun it as it is:
#   bash scripts/bench-timeouts.sh [PATH/TO/dotscan] [RUNS]
# (default: a Release build in build/release, 5 runs per row).
#
# Everything runs inside a network namespace of its own (unshare -n). Inside it, on 127.79.0.0/24:
#   - one unbound (scripts/unbound-dot.sh) serves DoT on .1 to .252;
#   - a second unbound serves cleartext DNS on .253 port 853 (--plain): a ClientHello is, to it,
#     the start of a long query, so it stays silent to TLS;
#   - a tarpit on .254 accepts every connection and never sends a byte;
#   - .0 and .255 are closed.
# Each row gives the median, lowest and highest wall time of RUNS scans, and checks that every
# run got every outcome right (252 dot, 1 tls-timeout, 1 cleartext-dns, 2 closed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" != "--inside" ]]; then
  dotscan=${1:-}
  if [[ -z "$dotscan" ]]; then
    bash scripts/setup.sh bench
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
    cmake --build build/release >/dev/null
    dotscan=build/release/src/dotscan
  fi
  exec unshare -n bash "$0" --inside "$(realpath "$dotscan")" "${2:-5}"
fi

dotscan=$2
runs=$3
net=127.79.0
work=$(mktemp -d)
tarpit_pid=
cleanup() {
  bash scripts/unbound-dot.sh stop "$work/dot" >/dev/null 2>&1 || true
  bash scripts/unbound-dot.sh stop "$work/plain" >/dev/null 2>&1 || true
  [[ -n "$tarpit_pid" ]] && kill "$tarpit_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

ip link set lo up
mapfile -t live < <(for i in $(seq 1 252); do echo "$net.$i"; done)
bash scripts/unbound-dot.sh start "$work/dot" "${live[@]}" >/dev/null
bash scripts/unbound-dot.sh start "$work/plain" --plain "$net.253" >/dev/null
# The tarpit: the kernel completes every TCP handshake into a long backlog; nobody ever reads.
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 853))
s.listen(1024)
print("ready", flush=True)
time.sleep(1e9)
' "$net.254" >"$work/tarpit.log" &
tarpit_pid=$!
for _ in $(seq 50); do grep -q ready "$work/tarpit.log" 2>/dev/null && break; sleep 0.1; done
ca="$work/dot/ca/ca.crt"
# Warm up: the first connection to each address makes unbound set up its TLS state.
"$dotscan" -q --seed 1 --no-cleartext-check --ca-file "$ca" "$net.1-252" >/dev/null 2>&1

expected='cleartext-dns=1 closed=2 dot=252 tls-timeout=1'
printf '| %-28s | %8s | %8s | %8s | %-10s | %-14s | %s\n' options median lowest highest outcomes \
  'cleartext chk' 'bound'
for row in "-T4|3.0" "|5.5" "-T3|5.5" "-T5|3.0"; do
  options=${row%|*} bound=${row#*|}
  walls=()
  right=yes
  checks=
  for run in $(seq "$runs"); do
    # shellcheck disable=SC2086
    "$dotscan" -q --seed "$run" $options --ca-file "$ca" -oJ "$work/scan.jsonl" "$net.0/24" \
      >/dev/null 2>&1 || true
    meta=$(tail -n 1 "$work/scan.jsonl")
    walls+=("$(jq -r .duration_s <<<"$meta")")
    got=$(jq -r 'select(.record == "result") | .outcome' "$work/scan.jsonl" | sort | uniq -c |
      awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1}')
    [[ "$got" == "$expected" ]] || { right="no: $got"; }
    checks+="$(jq -r .cleartext_checks <<<"$meta") "
  done
  read -r median lowest highest < <(printf '%s\n' "${walls[@]}" | sort -g |
    awk '{v[NR] = $1} END {printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR]}')
  printf '| %-28s | %6.2f s | %6.2f s | %6.2f s | %-10s | %-14s | %s s\n' \
    "${options:-(defaults)}" "$median" "$lowest" "$highest" "$right" "${checks% }" "$bound"
done

# The anchor, on the same targets in the same run: nmap's ssl-cert script with the same two
# templates, one run each (it confirms no DNS and has no cleartext check; BENCH_NMAP=0 skips it).
if [[ ${BENCH_NMAP:-1} == 1 ]] && command -v nmap >/dev/null; then
  for template in -T4 -T3; do
    start=$(date +%s.%N)
    timeout 600 nmap -Pn -n -p853 "$template" --script ssl-cert "$net.0/24" >"$work/nmap.txt" 2>&1 || true
    end=$(date +%s.%N)
    certs=$(grep -c 'ssl-cert: Subject' "$work/nmap.txt" || true)
    printf '| nmap %-23s | %6.2f s | (one run; %s certificates printed)\n' "$template --script ssl-cert" \
      "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$certs"
  done
fi
