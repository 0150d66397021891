#!/usr/bin/env bash
# Truth under load (issue 16, item 1): a scan that starts far more probes than its loops can serve
# must still call every refused port closed and find every DoT server. Rerun it as it is:
#   bash scripts/bench-busy.sh                 (BENCH_NMAP=0 skips the nmap row, the slowest)
#   DOTSCAN=build/x/src/dotscan bash scripts/bench-busy.sh   (measure that binary, no build)
#
# Inside a network namespace of its own (unshare -n): one unbound serves DoT on 19 addresses of
# 127.0.97.0/24 (a fixed pseudo-random pick); every other port of the /24 refuses at once. dotscan
# scans ports 1-2000 of the /24 (512,000 targets, --retries 0) at several connect timeouts, with
# the default parallelism (up to 16,384 in flight) and with --max-parallel 1000. Each row: wall
# time, CPU, peak RSS, and the outcome counts. The goal: 0 filtered and 19 DoT in every row, and
# the default row no slower than the --max-parallel 1000 row.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" != "--inside" ]]; then
  bash scripts/setup.sh bench
  if [[ -z ${DOTSCAN:-} ]]; then  # DOTSCAN=path: measure that binary instead of a fresh build
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
    cmake --build build/release >/dev/null
  fi
  exec unshare -n bash "$0" --inside
fi

dotscan=${DOTSCAN:-build/release/src/dotscan}
work=$(mktemp -d)
trap 'bash scripts/unbound-dot.sh stop "$work/unbound" >/dev/null 2>&1; rm -rf "$work"' EXIT
ip link set lo up

mapfile -t live < <(python3 -c "
import random
r = random.Random(5)
print('\n'.join('127.0.97.%d' % a for a in sorted(r.sample(range(1, 255), 19))))")
bash scripts/unbound-dot.sh start "$work/unbound" "${live[@]}" >/dev/null
ca="$work/unbound/ca/ca.crt"

echo "| connect timeout | parallelism         | wall     | CPU      | peak RSS  | closed  | filtered | dot   |"
echo "|-----------------|---------------------|----------|----------|-----------|---------|----------|-------|"
row() {  # row TIMEOUT LABEL [OPTIONS...]
  local timeout=$1 label=$2
  shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$dotscan" -q --seed 9 -p 1-2000 \
    --connect-timeout "$timeout" --retries 0 --ca-file "$ca" "$@" -oJ "$work/out.jsonl" \
    127.0.97.0/24 >/dev/null 2>"$work/err" || true
  read -r wall user sys kb <"$work/time"
  local closed filtered dot
  closed=$(grep -c '"outcome":"closed"' "$work/out.jsonl" || true)
  filtered=$(grep -c '"outcome":"filtered"' "$work/out.jsonl" || true)
  dot=$(grep -c '"outcome":"dot"' "$work/out.jsonl" || true)
  printf '| %-15s | %-19s | %6s s | %6.2f s | %6.1f MB | %7s | %8s | %5s |\n' "$timeout" "$label" \
    "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
    "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$closed" "$filtered" "$dot"
}
for timeout in 100ms 300ms 1s; do
  row "$timeout" "default"
  row "$timeout" "--max-parallel 1000" --max-parallel 1000
done

# Pacing (issue 16, item 5): 10-second runs at a fixed --rate over closed loopback ports; the
# achieved rate from the first start to the last, from the results' own timestamps.
echo
echo "| --rate asked | targets | achieved (first to last start) |"
echo "|--------------|---------|--------------------------------|"
for pace in 1000:10000 20000:200000; do
  asked=${pace%%:*} count=${pace##*:}
  "$dotscan" -q --rate "$asked" -p "1-$((count / 4))" -oJ "$work/rate.jsonl" 127.0.96.1-4 \
    >/dev/null 2>&1 || true
  achieved=$(jq -r 'select(.record == "result") | .started' "$work/rate.jsonl" | python3 -c "
import sys, datetime
ts = sorted(datetime.datetime.fromisoformat(l.strip().replace('Z', '+00:00')).timestamp()
            for l in sys.stdin)
print('%.1f/s' % ((len(ts) - 1) / (ts[-1] - ts[0])))")
  printf '| %12s | %7s | %30s |\n' "$asked/s" "$count" "$achieved"
done

if [[ ${BENCH_NMAP:-1} == 1 ]]; then
  # nmap's connect scan of the same 512,000 targets, for the side-by-side figure: open ports found.
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" nmap -sT -Pn -n -T4 --max-retries 0 -p 1-2000 \
    -oG "$work/nmap.gnmap" 127.0.97.0/24 >/dev/null 2>&1 || true
  read -r wall user sys kb <"$work/time"
  open=$(grep -o '853/open' "$work/nmap.gnmap" | wc -l)
  echo
  echo "nmap -sT -T4 --max-retries 0, same targets: ${wall} s wall, $(awk -v u="$user" -v s="$sys" \
    'BEGIN { print u + s }') s CPU, $(awk -v k="$kb" 'BEGIN { print k / 1024 }') MB; 853/open on $open of 19 DoT hosts"
fi
echo "machine: $(nproc) cores, $(uname -r); unbound $(unbound -V | awk 'NR==1 { print $2 }')"
