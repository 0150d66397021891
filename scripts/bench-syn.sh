#!/usr/bin/env bash
# SYN discovery benchmark (issue 10): dotscan -sS beside dotscan -sT, zmap and masscan (Debian's),
# on the same targets, in one run. Rerun it as it is:
#   bash scripts/bench-syn.sh            (BENCH_SYN_RATE=N sets the rate asked of every tool)
#
# Two network namespaces joined by a veth pair, created here and removed at the end; addresses
# from the benchmarking range 198.18.0.0/15 only. The scanner namespace routes 198.19.0.0/16 to
# the target namespace, where 10 addresses of that /16 serve DoT (one unbound listening on all of
# them) and every other address is silent (not local, not forwarded: dropped), as most of the
# address space is. Each row: wall time, CPU (user + system), peak RSS, DoT hosts found, packets
# sent and what libpcap reports dropped where the tool says. zmap and masscan only find the open
# port; dotscan -sS and -sT also confirm DoT (TLS and a DNS answer inside it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" != "--inside" ]]; then
  bash scripts/setup.sh bench
  if [[ -z ${DOTSCAN:-} ]]; then  # DOTSCAN=path: measure that binary instead of a fresh build
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
    cmake --build build/release >/dev/null
  fi
  exec bash "$0" --inside
fi

dotscan=$(realpath "${DOTSCAN:-build/release/src/dotscan}")
rate=${BENCH_SYN_RATE:-300000}
tag=$$
ns_s="bsyn-s-$tag" ns_t="bsyn-t-$tag"
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
  ip netns exec "$ns_t" bash scripts/unbound-dot.sh stop "$work/unbound" >/dev/null 2>&1 || true
  ip netns del "$ns_s" 2>/dev/null || true
  ip netns del "$ns_t" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns_s"
ip netns add "$ns_t"
ip link add "bs$tag" type veth peer name "bt$tag"
ip link set "bs$tag" netns "$ns_s"
ip link set "bt$tag" netns "$ns_t"
ip -n "$ns_s" link set lo up
ip -n "$ns_t" link set lo up
ip -n "$ns_s" addr add 198.18.0.1/24 dev "bs$tag"
ip -n "$ns_t" addr add 198.18.0.2/24 dev "bt$tag"
ip -n "$ns_s" link set "bs$tag" up
ip -n "$ns_t" link set "bt$tag" up
ip -n "$ns_s" route add 198.19.0.0/16 via 198.18.0.2
mapfile -t live < <(python3 -c "
import random
r = random.Random(10)
print('\n'.join('198.19.%d.%d' % divmod(n, 256) for n in sorted(r.sample(range(1, 65535), 10))))")
for address in "${live[@]}"; do ip -n "$ns_t" addr add "$address/32" dev lo; done
ip netns exec "$ns_t" bash scripts/unbound-dot.sh start "$work/unbound" "${live[@]}" >/dev/null
chmod -R a+rX "$work"
ca="$work/unbound/ca/ca.crt"
gateway_mac=$(ip -n "$ns_t" link show "bt$tag" | awk '/link\/ether/ { print $2 }')
# Resolve the gateway once, so that no tool pays for ARP in its timing.
ip netns exec "$ns_s" bash -c "exec 3<>/dev/tcp/198.18.0.2/9" 2>/dev/null || true

echo "| tool (198.19.0.0/16, 10 DoT)             | wall     | CPU      | peak RSS  | DoT found | packets sent | capture drops |"
echo "|------------------------------------------|----------|----------|-----------|-----------|--------------|---------------|"
row() {  # row LABEL FOUND SENT DROPS: prints the row from $work/time
  read -r wall user sys kb <"$work/time"
  printf '| %-40s | %6s s | %6.2f s | %6.1f MB | %9s | %12s | %13s |\n' "$1" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
    "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$2" "$3" "$4"
}
timed() { /usr/bin/time -f '%e %U %S %M' -o "$work/time" ip netns exec "$ns_s" "$@"; }

timed "$dotscan" -q -sS --rate "$rate" --cooldown 1s --retries 0 --seed 1 --ca-file "$ca" \
  --query dot.test/A -oJ "$work/syn.jsonl" 198.19.0.0/16 >/dev/null 2>&1 || true
row "dotscan -sS --rate $rate, cooldown 1 s" \
  "$(grep -c '"outcome":"dot"' "$work/syn.jsonl" || true)" \
  "$(jq -r 'select(.record == "metadata") | .discovery.sent' "$work/syn.jsonl")" \
  "$(jq -r 'select(.record == "metadata") | .discovery.capture_dropped' "$work/syn.jsonl")"
syn_s=$(awk '{ print $1 }' "$work/time")
syn_sent=$(jq -r 'select(.record == "metadata") | .discovery.sent' "$work/syn.jsonl")

timed "$dotscan" -q -sT --connect-timeout 1s --retries 0 --seed 1 --ca-file "$ca" \
  --query dot.test/A -oJ "$work/connect.jsonl" 198.19.0.0/16 >/dev/null 2>&1 || true
row "dotscan -sT, connect timeout 1 s" "$(grep -c '"outcome":"dot"' "$work/connect.jsonl" || true)" \
  "-" "-"

: >"$work/no-blocklist"
# Debian's /etc/zmap/blacklist.conf excludes 198.18.0.0/15 itself: an empty one for this run.
timed zmap -q -b "$work/no-blocklist" -p 853 -i "bs$tag" -S 198.18.0.1 -G "$gateway_mac" -r "$rate" -c 1 \
  -o "$work/zmap.csv" 198.19.0.0/16 >"$work/zmap.log" 2>&1 || { echo "zmap failed:" >&2; tail -3 "$work/zmap.log" >&2; }
zmap_sent=$(grep -o 'send: [0-9]* done' "$work/zmap.log" | tail -1 | awk '{ print $2 }' || true)
row "zmap 2.1.1 -r $rate, cooldown 1 s" "$(grep -c '^198' "$work/zmap.csv" || true)" \
  "${zmap_sent:--}" "-"
zmap_s=$(awk '{ print $1 }' "$work/time")

timed masscan -p853 --rate "$rate" --wait 1 --adapter "bs$tag" --adapter-ip 198.18.0.1 \
  --router-mac "$gateway_mac" -oL "$work/masscan.txt" 198.19.0.0/16 >"$work/masscan.log" 2>&1 || true
row "masscan --rate $rate, wait 1 s" "$(grep -c '^open' "$work/masscan.txt" || true)" "-" "-"

# A /8's worth of silent targets: 16,777,216 SYNs (the /16 x 256 ports; zmap: 256 probes per
# address, -P 256), every tool at the same rate, no cooldown. Packets a second and CPU per million.
# The default rate is below what dotscan's two sender threads reach on 2 idle cores (about 2.8
# million a second): BENCH_SYN_BIG_RATE=5000000 measures what each tool can do.
big_rate=${BENCH_SYN_BIG_RATE:-2000000}
echo
echo "| 16,777,216 silent targets, --rate $big_rate      | wall     | CPU      | peak RSS  | packets sent | packets/s | CPU s per million |"
echo "|------------------------------------------|----------|----------|-----------|--------------|-----------|-------------------|"
big() {  # big LABEL SENT: prints the row from $work/time
  read -r wall user sys kb <"$work/time"
  awk -v l="$1" -v n="$2" -v w="$wall" -v u="$user" -v s="$sys" -v k="$kb" 'BEGIN {
    printf "| %-40s | %6.2f s | %6.2f s | %6.1f MB | %12d | %9.0f | %17.3f |\n",
      l, w, u + s, k / 1024, n, n / w, (u + s) * 1e6 / n }'
}
timed "$dotscan" -q -sS --rate "$big_rate" --cooldown 0 --retries 0 --seed 1 -p 1-256 \
  -oJ "$work/big.jsonl" 198.19.0.0/16 >/dev/null 2>&1 || true
big "dotscan -sS" "$(jq -r 'select(.record == "metadata") | .discovery.sent' "$work/big.jsonl")"
echo "  (dotscan sender: $(jq -r 'select(.record == "metadata") | .discovery.sender' "$work/big.jsonl"); capture drops: $(jq -r 'select(.record == "metadata") | .discovery.capture_dropped' "$work/big.jsonl"))"
timed zmap -q -b "$work/no-blocklist" -p 853 -P 256 -i "bs$tag" -S 198.18.0.1 -G "$gateway_mac" \
  -r "$big_rate" -c 0 -o /dev/null 198.19.0.0/16 >"$work/zmap-big.log" 2>&1 || true
big "zmap 2.1.1 -P 256" 16777216
# zmap with as many sender threads as dotscan's default (two on two cores), for a fair pair.
timed zmap -q -b "$work/no-blocklist" -p 853 -P 256 -T 2 -i "bs$tag" -S 198.18.0.1 -G "$gateway_mac" \
  -r "$big_rate" -c 0 -o /dev/null 198.19.0.0/16 >"$work/zmap-big2.log" 2>&1 || true
big "zmap 2.1.1 -P 256 -T 2" 16777216
timed masscan -p1-256 --rate "$big_rate" --wait 0 --adapter "bs$tag" --adapter-ip 198.18.0.1 \
  --router-mac "$gateway_mac" -oL /dev/null 198.19.0.0/16 >"$work/masscan-big.log" 2>&1 || true
big "masscan -p1-256" 16777216

# Every target answers: 198.18.64.0/18 is local to the far side, whose kernel answers each SYN
# with a RST. 524,288 targets (x 32 ports), two passes: what remembering the answered targets costs
# (the retry pass skips them all). dotscan only: zmap has no second pass over the same port list.
ip -n "$ns_s" route add 198.18.64.0/18 via 198.18.0.2
ip -n "$ns_t" route add local 198.18.64.0/18 dev lo
rst_rate=${BENCH_SYN_RST_RATE:-50000}
echo
echo "| 524,288 targets answering RST, --rate $rst_rate | wall     | CPU      | peak RSS  | packets sent | closed    | capture drops |"
echo "|------------------------------------------|----------|----------|-----------|--------------|-----------|---------------|"
timed "$dotscan" -q -sS --rate "$rst_rate" --cooldown 1s --retries 1 --seed 1 -p 1-32 \
  -oJ "$work/rst.jsonl" 198.18.64.0/18 >/dev/null 2>&1 || true
read -r wall user sys kb <"$work/time"
jq -r 'select(.record == "metadata") | .discovery | "\(.sent) \(.closed) \(.capture_dropped)"' \
  "$work/rst.jsonl" | while read -r sent closed drops; do
  awk -v w="$wall" -v u="$user" -v s="$sys" -v k="$kb" -v n="$sent" -v c="$closed" -v d="$drops" \
    'BEGIN { printf "| %-40s | %6.2f s | %6.2f s | %6.1f MB | %12d | %9d | %13d |\n",
      "dotscan -sS --retries 1, cooldown 1 s", w, u + s, k / 1024, n, c, d }'
done

echo
awk -v n="$syn_sent" -v s="$syn_s" -v z="$zmap_s" 'BEGIN {
  printf "dotscan -sS sent %d SYNs; whole run %.2f s (zmap %.2f s), cooldown and TLS included\n", n, s, z }'
echo "machine: $(nproc) cores, $(uname -r); $(zmap --version 2>&1 | head -1); $(masscan --version 2>/dev/null | grep -m1 -i version)"
