#!/usr/bin/env bash
# A/B of two dotscan binaries on the default scan of bench-scan.sh's 254 DoT servers: does a
# change cost CPU? Rerun it as it is:
#   bash scripts/bench-ab.sh OLD/dotscan NEW/dotscan [BLOCKS] [RUNS]
# Inside a network namespace of its own (unshare -n), one unbound serves DoT on 127.77.0.0/24.
# The binaries alternate in blocks of RUNS scans (default 10), BLOCKS blocks each (default 6), so
# that a drift of the machine's load touches both alike; each line is one block's mean CPU (user +
# system) per scan, and the last lines the mean of the blocks and their spread. Each block also
# times one `nmap -Pn -n -p853 --script ssl-cert` of the same servers, the anchor: a drift of the
# machine shows in nmap's column too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" != "--inside" ]]; then
  [[ $# -ge 2 ]] || { echo "usage: $0 OLD/dotscan NEW/dotscan [BLOCKS] [RUNS]" >&2; exit 2; }
  exec unshare -n bash "$0" --inside "$(realpath "$1")" "$(realpath "$2")" "${3:-6}" "${4:-10}"
fi
old=$2 new=$3 blocks=$4 runs=$5
work=$(mktemp -d)
trap 'bash scripts/unbound-dot.sh stop "$work/unbound" >/dev/null 2>&1; rm -rf "$work"' EXIT
ip link set lo up
mapfile -t live < <(for i in $(seq 1 254); do echo "127.77.0.$i"; done)
bash scripts/unbound-dot.sh start "$work/unbound" "${live[@]}" >/dev/null
ca="$work/unbound/ca/ca.crt"
"$new" -q --seed 1 127.77.0.0/24 >/dev/null 2>&1  # warm-up
block() {  # block BINARY: the mean CPU seconds of one scan over RUNS scans
  local total=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%U %S' -o "$work/time" "$1" -q --seed 1 --ca-file "$ca" -oJ /dev/null 127.77.0.0/24 \
      >/dev/null 2>&1 || true
    total=$(awk -v t="$total" '{ print t + $1 + $2 }' "$work/time")
  done
  awk -v t="$total" -v n="$runs" 'BEGIN { printf "%.4f", t / n }'
}
: >"$work/old" ; : >"$work/new" ; : >"$work/nmap"
for b in $(seq "$blocks"); do
  o=$(block "$old"); n=$(block "$new")
  /usr/bin/time -f '%U %S' -o "$work/time" nmap -Pn -n -p853 --script ssl-cert 127.77.0.0/24 \
    >/dev/null 2>&1 || true
  m=$(awk '{ printf "%.4f", $1 + $2 }' "$work/time")
  echo "$o" >>"$work/old"; echo "$n" >>"$work/new"; echo "$m" >>"$work/nmap"
  echo "block $b: old $o s, new $n s CPU per scan; nmap ssl-cert $m s"
done
for which in old new nmap; do
  sort -n "$work/$which" | awk -v w="$which" '{ v[NR] = $1; s += $1 } END { printf "%s: mean %.4f s CPU per scan over %d blocks (blocks %.4f-%.4f)\n", w, s / NR, NR, v[1], v[NR] }'
done
