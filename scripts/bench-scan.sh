#!/usr/bin/env bash
# Benchmark of the prober, side by side with nmap on the same targets. Rerun it as it is:
#   bash scripts/bench-scan.sh                (BENCH_NMAP_FILTERED=0 skips nmap's slow /24 run)
#
# Everything runs inside a network namespace of its own (unshare -n), so no packet leaves it and
# no firewall rule touches the machine. Inside it:
#   - one unbound (scripts/unbound-dot.sh) listens for DoT on every address of 127.77.0.0/24;
#   - an nftables rule drops TCP/853 to 127.78.0.0/15, which makes that range "filtered".
# Each row is one run under GNU time: wall time, CPU time (user + system), peak resident memory;
# the short live rows are the median of five runs. DNS confirmation is on (the default query).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" != "--inside" ]]; then
  bash scripts/setup.sh bench
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
  cmake --build build/release >/dev/null
  exec unshare -n bash "$0" --inside
fi

dotscan=build/release/src/dotscan
work=$(mktemp -d)
trap 'bash scripts/unbound-dot.sh stop "$work/unbound" >/dev/null 2>&1; rm -rf "$work"' EXIT

ip link set lo up
nft add table inet dotscan_bench
nft add chain inet dotscan_bench in '{ type filter hook input priority 0; }'
nft add rule inet dotscan_bench in ip daddr 127.78.0.0/15 tcp dport 853 drop
mapfile -t live < <(for i in $(seq 1 254); do echo "127.77.0.$i"; done)
bash scripts/unbound-dot.sh start "$work/unbound" "${live[@]}" >/dev/null
ca="$work/unbound/ca/ca.crt"
# Warm up: the first connection to each address makes unbound set up its TLS state.
"$dotscan" -q --seed 1 127.77.0.0/24 >/dev/null 2>&1

# measure LABEL TOOL COMMAND...: one table row, and the command's stdout kept in $work/out.
measure() {
  local label=$1 tool=$2
  shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || true
  read -r wall user sys kb <"$work/time"
  printf '| %-44s | %-7s | %7s s | %7.2f s | %8.1f MB |\n' "$label" "$tool" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
}

# median LABEL TOOL COMMAND...: like measure, but the run with the median wall time of five (the
# live row lasts a fraction of a second, so one run is at the mercy of the scheduler).
median() {
  local label=$1 tool=$2
  shift 2
  for i in 1 2 3 4 5; do
    /usr/bin/time -f '%e %U %S %M' -o "$work/time.$i" "$@" >"$work/out.$i" 2>"$work/err" || true
  done
  local pick
  pick=$(for i in 1 2 3 4 5; do echo "$(cut -d' ' -f1 "$work/time.$i") $i"; done | sort -n | sed -n 3p | cut -d' ' -f2)
  cp "$work/time.$pick" "$work/time"
  cp "$work/out.$pick" "$work/out"
  read -r wall user sys kb <"$work/time"
  printf '| %-44s | %-7s | %7s s | %7.2f s | %8.1f MB |\n' "$label" "$tool" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  # The spread of the five runs, printed under the table.
  spreads+=("$label, $tool: wall $(cat "$work"/time.[1-5] | awk '{ print $1 }' | sort -n |
    awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s s", lo, hi }'), CPU $(cat "$work"/time.[1-5] |
    awk '{ print $2 + $3 }' | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s s", lo, hi }') over five runs")
}
spreads=()

echo "| targets                                      | tool    |      wall |       CPU |   peak RSS  |"
echo "|----------------------------------------------|---------|-----------|-----------|-------------|"

median "127.77.0.0/24: 254 DoT servers + 2 closed" dotscan \
  "$dotscan" -q --seed 1 --ca-file "$ca" -oJ - 127.77.0.0/24
ok=$(grep -c '"outcome":"dot"' "$work/out" || true)
dotscan_cpu=$cpu
oj_wall=$wall
# What the outputs cost (issue 11): every format at once, and the status line every 100 ms.
median "  the same, -oA (.nmap .xml .gnmap .jsonl)" dotscan \
  "$dotscan" -q --seed 1 --ca-file "$ca" -oA "$work/all" 127.77.0.0/24
oa_wall=$wall
median "  the same, -oJ and --stats-every 100ms" dotscan \
  "$dotscan" -q --seed 1 --ca-file "$ca" --stats-every 100ms -oJ - 127.77.0.0/24
stats_wall=$wall
# What the conformance checks cost (issue 13): every check on every server, 12 more connections
# each and the keepalive check's idle time (--keepalive-wait, 2 s by default).
median "  the same, --checks all --auth-name dot.test" dotscan \
  "$dotscan" -q --seed 1 --ca-file "$ca" --auth-name dot.test --checks all -oJ - 127.77.0.0/24
checked=$(grep -c '"checks":\[' "$work/out" || true)
checks_cpu=$cpu
checks_wall=$wall
median "127.77.0.0/24: 254 DoT servers + 2 closed" nmap \
  nmap -Pn -n -p853 --script ssl-cert 127.77.0.0/24
nmap_certs=$(grep -c 'ssl-cert: Subject' "$work/out" || true)

measure "127.78.0.0/24: 256 filtered" dotscan \
  "$dotscan" -q --seed 1 --connect-timeout 1s --retries 1 -oJ "$work/f24.jsonl" 127.78.0.0/24
f24=$(grep -c '"outcome":"filtered"' "$work/f24.jsonl" || true)
if [[ ${BENCH_NMAP_FILTERED:-1} == 1 ]]; then
  measure "127.78.0.0/24: 256 filtered" nmap nmap -Pn -n -p853 --script ssl-cert 127.78.0.0/24
fi
measure "127.78.0.0/16: 65,536 filtered" dotscan \
  "$dotscan" -q --seed 1 --connect-timeout 1s --retries 1 -oJ "$work/f16.jsonl" 127.78.0.0/16
f16=$(grep -c '"outcome":"filtered"' "$work/f16.jsonl" || true)
measure "127.78.0.0/16, --max-parallel 10000" dotscan \
  "$dotscan" -q --seed 1 --max-parallel 10000 --connect-timeout 3s --retries 0 \
  -oJ /dev/null 127.78.0.0/16
# Memory is bounded by the probes in flight, not by the number of targets: 4 times the targets,
# the same peak.
measure "127.78.0.0/17: 32,768 filtered, --retries 0" dotscan \
  "$dotscan" -q --seed 1 --connect-timeout 1s --retries 0 -oJ /dev/null 127.78.0.0/17
measure "127.78.0.0/15: 131,072 filtered, --retries 0" dotscan \
  "$dotscan" -q --seed 1 --connect-timeout 1s --retries 0 -oJ /dev/null 127.78.0.0/15

# The cost of a bare TLS handshake with OpenSSL on this machine, in the same run and against the
# same unbound: openssl s_time makes new connections for 5 s (no verification, no certificate
# description, no DNS). Its CPU per connection is the floor a TLS scanner built on OpenSSL stands on.
/usr/bin/time -f '%U %S' -o "$work/stime.cpu" openssl s_time -connect 127.77.0.1:853 -new -time 5 \
  >"$work/stime.out" 2>&1 || true
stime_connections=$(awk '/connections in [0-9.]+s/ { print $1; exit }' "$work/stime.out")
stime_ms=$(awk -v n="${stime_connections:-0}" '{ if (n > 0) printf "%.3f", ($1 + $2) * 1000 / n; else print "-" }' "$work/stime.cpu")
dotscan_ms=$(awk -v c="$dotscan_cpu" -v n="$ok" 'BEGIN { if (n > 0) printf "%.3f", c * 1000 / n; else print "-" }')

echo
printf '%s\n' "${spreads[@]}"
echo "dotscan: $ok of 254 servers confirmed as DoT (DNS answered inside TLS), $dotscan_ms ms CPU per confirmed server" \
  "(whole process, start-up included)"
echo "openssl s_time -new: ${stime_connections:-0} handshakes in 5 s, $stime_ms ms CPU per handshake;" \
  "dotscan/s_time CPU ratio $(awk -v d="$dotscan_ms" -v s="$stime_ms" 'BEGIN { if (s + 0 > 0 && d + 0 > 0) printf "%.2f", d / s; else print "-" }')"
checks_ms=$(awk -v c="$checks_cpu" -v n="$checked" 'BEGIN { if (n > 0) printf "%.3f", c * 1000 / n; else print "-" }')
echo "checks:  --checks all on $checked of 254 servers in $checks_wall s, $checks_ms ms CPU per server" \
  "against $dotscan_ms ms for the default scan (ratio $(awk -v a="$checks_ms" -v b="$dotscan_ms" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.1f", a / b; else print "-" }'))"
echo "outputs: -oA $oa_wall s and --stats-every 100ms $stats_wall s against -oJ alone $oj_wall s (medians)"
echo "nmap:    $nmap_certs certificates printed by ssl-cert"
echo "dotscan: $f24 of 256 and $f16 of 65,536 reported filtered"
echo "machine: $(nproc) cores, $(uname -r); unbound $(unbound -V | awk 'NR==1 { print $2 }'), $(nmap --version | head -1)"
