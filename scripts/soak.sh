#!/usr/bin/env bash
# Soak test: one long scan of closed loopback targets at a fixed rate, to show that the scanner's
# memory and open files stay flat however many targets pass through it (issue 16, "Keep it true").
#
#   bash scripts/soak.sh [OPTIONS] [DOTSCAN]
#
#   DOTSCAN             a dotscan binary to soak (default: a Release build in build/soak)
#   --targets N         targets to scan               (env SOAK_TARGETS,  default 500000)
#   --duration S        seconds the scan should last  (env SOAK_DURATION, default 300)
#   --rate R            new connections a second      (env SOAK_RATE,     default targets/duration)
#   --out DIR           where the CSV, the JSON Lines and the logs go (default build/soak/run)
#
# The targets are 127.83.0.0 onwards, ports 20000-21999 of each address (env SOAK_PORTS: ports
# per address), written to an -iL file. Only loopback is touched, and nothing listens there: the
# ports lie below the ephemeral range, and the script refuses to start if `ss` shows a listener
# on one of them, so every connect is refused at once. While the scan runs, the script samples
# the process's VmRSS (/proc/PID/status) and its open fds (/proc/PID/fd) once a second into
# samples.csv. It fails (exit 1) when either grows: the median of the last 10% of the samples
# taken after a 10 s warm-up is above the median of the first 10% by more than the tolerance
# (RSS: the larger of 10% and 4 MiB, SOAK_RSS_PCT / SOAK_RSS_KB; fds: 8, SOAK_FD_SLACK), or when
# the output does not hold exactly one `closed` result per target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

targets=${SOAK_TARGETS:-500000}
duration=${SOAK_DURATION:-300}
rate=${SOAK_RATE:-}
ports_per_address=${SOAK_PORTS:-2000}
first_port=20000
warmup=10
rss_pct=${SOAK_RSS_PCT:-10}
rss_slack_kb=${SOAK_RSS_KB:-4096}
fd_slack=${SOAK_FD_SLACK:-8}
out=build/soak/run
dotscan=

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --targets) targets=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "soak.sh: unknown option $1" >&2; usage ;;
    *) dotscan=$1; shift ;;
  esac
done
for value in "$targets" "$duration" "$ports_per_address"; do
  [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "soak.sh: '$value' is not a positive integer" >&2; exit 2; }
done
((ports_per_address <= 12768)) || { echo "soak.sh: SOAK_PORTS above 12768 reaches the ephemeral range" >&2; exit 2; }
rate=${rate:-$(awk -v n="$targets" -v d="$duration" 'BEGIN { printf "%.2f", n / d }')}
last_port=$((first_port + ports_per_address - 1))

if [[ -z $dotscan ]]; then
  cmake -S . -B build/soak -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
  cmake --build build/soak >/dev/null
  dotscan=build/soak/src/dotscan
fi
[[ -x $dotscan ]] || { echo "soak.sh: $dotscan is not an executable" >&2; exit 2; }

# A listener on a wildcard address or on 127.0.0.0/8 with one of our ports would answer: refuse.
busy=$(ss -Htln | awk -v lo="$first_port" -v hi="$last_port" '{
  n = split($4, part, ":"); port = part[n]; addr = substr($4, 1, length($4) - length(port) - 1)
  if (port >= lo && port <= hi && (addr ~ /^(0\.0\.0\.0|\*|\[::\]|127\.)/)) print $4 }')
if [[ -n $busy ]]; then
  echo "soak.sh: something listens on the soak ports ($first_port-$last_port): $busy" >&2
  exit 2
fi

# The -iL file: whole addresses as one range with all ports, then the remainder on one address.
mkdir -p "$out"
full=$((targets / ports_per_address)) rest=$((targets % ports_per_address))
((full + (rest > 0) <= 65536)) || { echo "soak.sh: too many targets for 127.83.0.0/16" >&2; exit 2; }
address() { echo "127.83.$(($1 / 256)).$(($1 % 256))"; }
{
  ((full == 0)) || echo "$(address 0)-$(address $((full - 1))) $first_port-$last_port"
  ((rest == 0)) || echo "$(address "$full") $first_port-$((first_port + rest - 1))"
} >"$out/targets.txt"

command=("$dotscan" -q --seed 1 --rate "$rate" -iL "$out/targets.txt" -oJ "$out/soak.jsonl")
echo "soak: $targets closed targets at --rate $rate (about $duration s), samples every second"
echo "command: ${command[*]}"
sed 's/^/targets.txt: /' "$out/targets.txt"

rm -f "$out/soak.jsonl" "$out/samples.csv"
"${command[@]}" >"$out/stdout" 2>"$out/stderr" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
echo "t_s,rss_kb,fds" >"$out/samples.csv"
start=$(date +%s.%N)
# One sample a second: VmRSS and the number of open descriptors, until the process is gone.
while [[ -r /proc/$pid/status ]]; do
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l || true)
  [[ -n $rss && $fds -gt 0 ]] || break
  echo "$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }'),$rss,$fds" >>"$out/samples.csv"
  sleep 1
done
status=0
wait "$pid" || status=$?
trap - EXIT
wall=$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')
if [[ $status -ne 0 ]]; then
  cat "$out/stderr" >&2
  echo "soak.sh: dotscan exited $status" >&2
  exit 1
fi

# stats: "WINDOW rss_median fds_median" for the first, middle and last 10% of the samples after the
# warm-up, and the maximum.
stats=$(awk -F, -v warmup="$warmup" 'BEGIN { n = 0 }
  NR > 1 && $1 >= warmup { rss[n] = $2; fd[n] = $3; n++ }
  function median(a, lo, hi,   i, j, k, t, v) {
    k = 0; for (i = lo; i < hi; i++) v[k++] = a[i]
    for (i = 1; i < k; i++) { t = v[i]; for (j = i - 1; j >= 0 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return k % 2 ? v[int(k / 2)] : (v[k / 2 - 1] + v[k / 2]) / 2
  }
  END {
    if (n < 10) { print "too-few " n; exit }
    w = int(n / 10); mid = int((n - w) / 2)
    print "start", median(rss, 0, w), median(fd, 0, w)
    print "middle", median(rss, mid, mid + w), median(fd, mid, mid + w)
    print "end", median(rss, n - w, n), median(fd, n - w, n)
    for (i = 0; i < n; i++) { if (rss[i] > mr) mr = rss[i]; if (fd[i] > mf) mf = fd[i] }
    print "max", mr, mf
    print "samples", n, w
  }' "$out/samples.csv")
if [[ $stats == too-few* ]]; then
  echo "soak.sh: only ${stats#too-few } samples after the ${warmup} s warm-up; run longer" >&2
  exit 1
fi
read -r _ rss_start fd_start < <(grep '^start' <<<"$stats")
read -r _ rss_mid fd_mid < <(grep '^middle' <<<"$stats")
read -r _ rss_end fd_end < <(grep '^end' <<<"$stats")
read -r _ rss_max fd_max < <(grep '^max' <<<"$stats")
read -r _ samples window < <(grep '^samples' <<<"$stats")

# One pass over the results: "COUNT OUTCOME" lines.
touch "$out/soak.jsonl"
jq -r 'select(.record == "result") | .outcome' "$out/soak.jsonl" | sort | uniq -c >"$out/outcomes"
results=$(awk '{ n += $1 } END { print n + 0 }' "$out/outcomes")
closed=$(awk '$2 == "closed" { print $1 }' "$out/outcomes")
closed=${closed:-0}
others=$(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' "$out/outcomes")
achieved=$(jq -r 'select(.record == "metadata") | .achieved_rate' "$out/soak.jsonl")
achieved=${achieved:-?}

mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
echo
echo "wall $wall s, achieved rate $achieved/s (asked $rate/s); $samples samples after a ${warmup} s warm-up," \
  "medians over $window samples (samples.csv in $out)"
printf '%-8s %10s %6s\n' "" RSS fds
printf '%-8s %10s %6s\n' start "$(mb "$rss_start")" "$fd_start" middle "$(mb "$rss_mid")" "$fd_mid" \
  end "$(mb "$rss_end")" "$fd_end" max "$(mb "$rss_max")" "$fd_max"
echo "results: $results of $targets, closed: $closed (outcomes: $others)"

fail=0
rss_allowed=$(awk -v s="$rss_start" -v p="$rss_pct" -v k="$rss_slack_kb" \
  'BEGIN { a = s * p / 100; if (a < k) a = k; print s + a }')
if awk -v e="$rss_end" -v a="$rss_allowed" 'BEGIN { exit !(e > a) }'; then
  echo "soak.sh: RSS grew: $(mb "$rss_start") at the start, $(mb "$rss_end") at the end" \
    "(allowed $(mb "$rss_allowed"))" >&2
  fail=1
fi
if awk -v e="$fd_end" -v s="$fd_start" -v k="$fd_slack" 'BEGIN { exit !(e > s + k) }'; then
  echo "soak.sh: open fds grew: $fd_start at the start, $fd_end at the end (allowed +$fd_slack)" >&2
  fail=1
fi
if [[ $results -ne $targets || $closed -ne $targets ]]; then
  echo "soak.sh: expected $targets closed results, got $results results of which $closed closed" >&2
  fail=1
fi
exit "$fail"
