#!/usr/bin/env bash
# Benchmark of the target expander: enumeration rate and peak memory of `dotscan --list-targets`,
# side by side with `nmap -sL -n` on the same targets. Sends no packet. Rerun it as it is:
#   bash scripts/bench-targets.sh            (nmap on a /12 and the file; BENCH_NMAP_FULL=1 adds a /8)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh bench
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
cmake --build build/release >/dev/null
dotscan=build/release/src/dotscan
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 100,000 lines in the three -iL forms (bare, with ports, with port and name), fixed content.
awk 'BEGIN { srand(1); for (i = 0; i < 100000; i++) {
  a = sprintf("10.%d.%d.%d", int(rand() * 256), int(rand() * 256), int(rand() * 256));
  if (i % 3 == 0) print a, "853", "dns" i ".example"; else if (i % 3 == 1) print a, "443,853"; else print a } }' \
  >"$work/targets.txt"
awk '{ print $1 }' "$work/targets.txt" >"$work/addresses.txt"

# count ARGS...: how many targets dotscan lists for ARGS (its own summary line; nothing printed).
count() { "$dotscan" --list-targets --max-targets 0 --seed 1 -n "$@" 2>&1 >/dev/null | awk '/ targets of / { print $5 }'; }

# measure LABEL TOOL TARGETS COMMAND...: one table row; the command's output goes to /dev/null.
measure() {
  local label=$1 tool=$2 targets=$3
  shift 3
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1
  read -r seconds kb <"$work/time"
  printf '| %-34s | %-7s | %10s | %6s s | %8s | %7.1f MB |\n' "$label" "$tool" "$targets" "$seconds" \
    "$(awk -v n="$targets" -v s="$seconds" 'BEGIN { if (s > 0) printf "%.2f", n / s / 1e6; else print "-" }')" \
    "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
}

echo "| targets                            | tool    |    targets |     wall | M/s      |  peak RSS  |"
echo "|------------------------------------|---------|------------|----------|----------|------------|"
n=$(count -p 443,853,8853 10.0.0.0/8)
measure "10.0.0.0/8 x ports 443,853,8853" dotscan "$n" "$dotscan" -q --list-targets --seed 1 -n -p 443,853,8853 10.0.0.0/8
n=$(count 10.0.0.0/12)
measure "10.0.0.0/12, one port" dotscan "$n" "$dotscan" -q --list-targets --seed 1 -n 10.0.0.0/12
measure "10.0.0.0/12, one port" nmap "$n" nmap -sL -n 10.0.0.0/12
if [[ ${BENCH_NMAP_FULL:-0} == 1 ]]; then
  n=$(count 10.0.0.0/8)
  measure "10.0.0.0/8, one port" dotscan "$n" "$dotscan" -q --list-targets --seed 1 -n 10.0.0.0/8
  measure "10.0.0.0/8, one port" nmap "$n" nmap -sL -n 10.0.0.0/8
fi
n=$(count -iL "$work/targets.txt")
measure "-iL 100,000 lines (ports, names)" dotscan "$n" "$dotscan" -q --list-targets --seed 1 -n -iL "$work/targets.txt"
n=$(count -iL "$work/addresses.txt")
measure "-iL 100,000 addresses" dotscan "$n" "$dotscan" -q --list-targets --seed 1 -n -iL "$work/addresses.txt"
measure "-iL 100,000 addresses" nmap "$(wc -l <"$work/addresses.txt")" nmap -sL -n -iL "$work/addresses.txt"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $("$dotscan" --version); $(nmap --version | head -n 1)"
