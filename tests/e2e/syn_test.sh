#!/usr/bin/env bash
# End-to-end tests of SYN discovery (-sS) through the built binary, in two network namespaces this
# test creates and removes: a scanner namespace and a target namespace joined by a veth pair, with
# addresses from 198.18.0.0/15 (the benchmarking range). In the target namespace:
#   198.18.0.10  a real unbound serving DoT on 853 (scripts/unbound-dot.sh)     -> dot
#   198.18.0.11  nothing listening: the kernel answers RST                      -> closed
#   198.18.0.12  an nftables rule drops TCP/853                                 -> filtered
#   198.18.0.13  an nftables rule rejects with ICMP host-unreachable            -> unreachable
# and the same four on IPv6, 2001:2::10-13 (the IPv6 benchmarking range), over a second veth pair,
# so that one -sS scan of both families sends each through its own route, socket and capture.
# Behind the target namespace as a gateway (198.18.0.2), 198.19.0.10 (unbound) and 198.19.0.11
# (nothing listening): SYNs to them leave as whole frames on a packet socket.
# Checks -sS against -sT on the same targets, --write-silent, the metadata counts, the privilege
# drop (no capability left after start-up), the error without privilege, and Ctrl-C during the
# cooldown. Needs root (CI has it): without it, it fails under
# CI=true and skips elsewhere.
# Usage: syn_test.sh PATH/TO/dotscan
set -u
DOTSCAN=$(realpath "${1:?usage: $0 path/to/dotscan}")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null || ! command -v nft >/dev/null; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL: SYN discovery tests need root, ip and nft (CI has them)"
    exit 1
  fi
  echo "SKIP: SYN discovery tests need root, ip and nft"
  exit 0
fi
WORK=$(mktemp -d)
chmod 755 "$WORK"
TAG=$$
NS_S="dsyn-s-$TAG"
NS_T="dsyn-t-$TAG"
cleanup() {
  ip netns exec "$NS_T" bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/unbound" >/dev/null 2>&1
  ip netns del "$NS_S" 2>/dev/null
  ip netns del "$NS_T" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
meta() { jq -r "select(.record == \"metadata\") | $2" "$1"; }
ins() { ip netns exec "$NS_S" "$@"; }
int() { ip netns exec "$NS_T" "$@"; }

ip netns add "$NS_S"
ip netns add "$NS_T"
ip link add "vs$TAG" type veth peer name "vt$TAG"
ip link set "vs$TAG" netns "$NS_S"
ip link set "vt$TAG" netns "$NS_T"
ins ip link set lo up
int ip link set lo up
ins ip addr add 198.18.0.1/24 dev "vs$TAG"
int ip addr add 198.18.0.2/24 dev "vt$TAG"
for host in 10 11 12 13; do int ip addr add "198.18.0.$host/32" dev "vt$TAG"; done
for host in 10 11; do int ip addr add "198.19.0.$host/32" dev lo; done
ins ip link set "vs$TAG" up
int ip link set "vt$TAG" up
ins ip route add 198.19.0.0/24 via 198.18.0.2
ip link add "ws$TAG" type veth peer name "wt$TAG"
ip link set "ws$TAG" netns "$NS_S"
ip link set "wt$TAG" netns "$NS_T"
ins ip addr add 2001:2::1/64 dev "ws$TAG" nodad
int ip addr add 2001:2::2/64 dev "wt$TAG" nodad
for host in 10 11 12 13; do int ip addr add "2001:2::$host/128" dev "wt$TAG" nodad; done
ins ip link set "ws$TAG" up
int ip link set "wt$TAG" up
int nft add table inet dsyn
int nft add chain inet dsyn in '{ type filter hook input priority 0; }'
int nft add rule inet dsyn in ip daddr 198.18.0.12 tcp dport 853 drop
int nft add rule inet dsyn in ip daddr 198.18.0.13 tcp dport 853 reject with icmp type host-unreachable
int nft add rule inet dsyn in ip6 daddr 2001:2::12 tcp dport 853 drop
int nft add rule inet dsyn in ip6 daddr 2001:2::13 tcp dport 853 reject with icmpv6 type addr-unreachable
int bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/unbound" 198.18.0.10 2001:2::10 198.19.0.10 \
  >/dev/null || {
  echo "FAIL: cannot start unbound in the target namespace"; exit 1; }
CA="$WORK/unbound/ca/ca.crt"
chmod -R a+rX "$WORK"

# --- -sS classifies every kind of address, and agrees with -sT ----------------------------------
ins "$DOTSCAN" -q -sS --cooldown 1s --retries 0 --write-silent --ca-file "$CA" \
  -oJ "$WORK/syn.jsonl" 198.18.0.10-13 >"$WORK/syn.txt" 2>"$WORK/syn.err"
check "-sS exit" "$?" 0
check "-sS dot" "$(result "$WORK/syn.jsonl" 198.18.0.10 .outcome)" dot
check "-sS closed" "$(result "$WORK/syn.jsonl" 198.18.0.11 '.outcome + " " + .phase')" "closed syn"
check "-sS filtered" "$(result "$WORK/syn.jsonl" 198.18.0.12 '.outcome + " " + .phase')" \
  "filtered syn"
check "-sS unreachable" "$(result "$WORK/syn.jsonl" 198.18.0.13 '.outcome + " " + .phase')" \
  "unreachable syn"
check "-sS records" "$(jq -s '[.[] | select(.record == "result")] | length' "$WORK/syn.jsonl")" 4
validate "-sS schema" "$WORK/syn.jsonl"
ins "$DOTSCAN" -q -sT --connect-timeout 1s --retries 0 --ca-file "$CA" -oJ "$WORK/connect.jsonl" \
  198.18.0.10-13 >/dev/null 2>&1
for host in 10 11 12 13; do
  check "-sS and -sT agree on .$host" "$(result "$WORK/syn.jsonl" "198.18.0.$host" .outcome)" \
    "$(result "$WORK/connect.jsonl" "198.18.0.$host" .outcome)"
done

# --- through a gateway on an Ethernet link: whole frames on a packet socket ---------------------
gateway_mac=$(int ip link show "vt$TAG" | awk '/link\/ether/ { print $2 }')
ins "$DOTSCAN" -q -sS --cooldown 1s --retries 0 --write-silent --gateway-mac "$gateway_mac" \
  --ca-file "$CA" -oJ "$WORK/gateway.jsonl" 198.19.0.10-12 >/dev/null 2>&1
check "gateway: exit" "$?" 0
check "gateway: sender" "$(meta "$WORK/gateway.jsonl" .discovery.sender)" \
  "packet socket on vs$TAG, next hop $gateway_mac, TX ring"
check "gateway: outcomes" "$(outcomes "$WORK/gateway.jsonl" | tr '\n' ' ')" \
  "198.19.0.10 853 dot 198.19.0.11 853 closed 198.19.0.12 853 filtered "
check "gateway: sent" "$(meta "$WORK/gateway.jsonl" '[.discovery.sent, .discovery.send_errors] | join(" ")')" \
  "3 0"

# --- several sender threads: every target gets exactly one SYN a pass --------------------------
# 198.18.64.0/24 (through the gateway: packet sockets) and 2001:2:1::/120 (raw IPv6 sockets) are
# local to the target namespace, whose kernel answers every SYN with a RST: 4,096 targets (x 8
# ports) that all answer. Two threads sending one part, or a part left out, would show as more or
# fewer SYNs sent than targets, SYNs to one target twice on the wire, duplicate answers, or
# targets left silent (then a second pass).
ins ip route add 198.18.64.0/24 via 198.18.0.2
int ip route add local 198.18.64.0/24 dev lo
ins ip -6 route add 2001:2:1::/120 via 2001:2::2
int ip -6 route add local 2001:2:1::/120 dev lo
for threads in 1 2 3; do
  out="$WORK/threads$threads"
  ins "$DOTSCAN" -q -sS --sender-threads "$threads" --rate 10000 --cooldown 1s --retries 1 \
    --gateway-mac "$gateway_mac" -p 1-8 --pcap "$out.pcap" -oJ "$out.jsonl" \
    198.18.64.0/24 2001:2:1::/120 >/dev/null 2>"$out.err"
  check "$threads sender threads: exit" "$?" 0
  check "$threads sender threads: counts" "$(meta "$out.jsonl" '[.targets_scanned, .discovery.sent,
    .discovery.closed, .discovery.silent, .discovery.duplicates, .discovery.send_errors,
    .discovery.capture_dropped] | map(tostring) | join(" ")')" "4096 4096 4096 0 0 0 0"
  sender=$(meta "$out.jsonl" .discovery.sender)
  [[ $sender == *"next hop $gateway_mac, TX ring"* && $sender == *"raw IP socket"* ]] && pass ||
    fail "$threads sender threads: sender $sender"
  check "$threads sender threads: closed records" \
    "$(jq -r 'select(.record == "result" and .outcome == "closed") | "\(.address) \(.port)"' \
      "$out.jsonl" | sort -u | wc -l)" 4096
  # On the wire: one SYN to each (address, port), 4,096 in all.
  tcpdump -nn -r "$out.pcap" '(ip and tcp[tcpflags] == tcp-syn) or
    (ip6 and ip6[6] == 6 and ip6[53] == 2)' 2>/dev/null | grep -oE '> [^ ]+: Flags' >"$out.syns"
  check "$threads sender threads: SYNs on the wire" \
    "$(wc -l <"$out.syns") $(sort -u "$out.syns" | wc -l)" "4096 4096"
done

# --- both families in one -sS scan: each through its own route, socket and capture -------------
ins "$DOTSCAN" -q -sS --cooldown 1s --retries 0 --write-silent --ca-file "$CA" \
  --pcap "$WORK/both.pcap" -oJ "$WORK/both.jsonl" 198.18.0.10-13 2001:2::10-2001:2::13 \
  >/dev/null 2>"$WORK/both.err"
check "-sS both families exit" "$?" 0
# Two interfaces: --pcap records both (libpcap's "any"). BPF's tcp[] is IPv4 only: for IPv6,
# the TCP flags are byte 13 after the 40-byte header (our SYNs carry no extension header).
for filter in 'ip and tcp[tcpflags] == tcp-syn' 'ip6 and ip6[6] == 6 and ip6[53] == 2'; do
  syns=$(tcpdump -nn -r "$WORK/both.pcap" "$filter and dst port 853" 2>/dev/null | wc -l)
  [[ $syns -ge 4 ]] && pass || fail "both families --pcap: $syns SYNs for [$filter]"
done
ins "$DOTSCAN" -q -sT --connect-timeout 1s --retries 0 --ca-file "$CA" \
  -oJ "$WORK/both-connect.jsonl" 198.18.0.10-13 2001:2::10-2001:2::12 >/dev/null 2>&1
# Not 2001:2::13: Linux's connect() takes ICMPv6 address-unreachable as a soft error and waits
# out its timeout (filtered), where -sS reads the ICMPv6 error itself (unreachable).
check "both families: -sS agrees with -sT" "$(outcomes "$WORK/both.jsonl" | grep -v '^2001:2::13 ')" \
  "$(outcomes "$WORK/both-connect.jsonl")"
for family in 198.18.0. 2001:2::; do
  check "both families: $family" "$(for host in 10 11 12 13; do
    result "$WORK/both.jsonl" "$family$host" .outcome; done | tr '\n' ' ')" \
    "dot closed filtered unreachable "
done
check "both families: no send error" "$(meta "$WORK/both.jsonl" .discovery.send_errors)" 0
check "both families: sent" "$(meta "$WORK/both.jsonl" .discovery.sent)" 8
check "both families: sources" \
  "$(meta "$WORK/both.jsonl" '.discovery.source | split(", ") | sort | join(" ")')" \
  "198.18.0.1 2001:2::1"
check "both families: interfaces" \
  "$(meta "$WORK/both.jsonl" '.discovery.interface | split(", ") | sort | join(" ")')" \
  "vs$TAG ws$TAG"
validate "both families schema" "$WORK/both.jsonl"

# --- IPv6 and IPv4 on loopback, in a namespace of their own: -sS agrees with -sT ------------------
cat > "$WORK/loopback.sh" <<'LO'
work=$1 dotscan=$2 root=$3
ip link set lo up
bash "$root/scripts/unbound-dot.sh" start "$work/lo-unbound" ::1 127.0.0.1 >/dev/null || exit 1
for mode in -sS -sT; do
  "$dotscan" -q "$mode" --cooldown 500ms --retries 0 --connect-timeout 1s \
    --ca-file "$work/lo-unbound/ca/ca.crt" -oJ "$work/lo6$mode.jsonl" ::1 ::2 >/dev/null 2>&1
  "$dotscan" -q "$mode" --cooldown 500ms --retries 0 --connect-timeout 1s \
    --ca-file "$work/lo-unbound/ca/ca.crt" -oJ "$work/lo4$mode.jsonl" 127.0.0.1-2 >/dev/null 2>&1
  # Both families on one interface: one capture for both.
  "$dotscan" -q "$mode" --cooldown 500ms --retries 0 --connect-timeout 1s \
    --ca-file "$work/lo-unbound/ca/ca.crt" -oJ "$work/lo46$mode.jsonl" ::1 127.0.0.1-2 \
    >/dev/null 2>&1
done
bash "$root/scripts/unbound-dot.sh" stop "$work/lo-unbound" >/dev/null
LO
unshare -n bash "$WORK/loopback.sh" "$WORK" "$DOTSCAN" "$ROOT" || fail "loopback namespace"
for mode in -sS -sT; do
  check "$mode ::1" "$(result "$WORK/lo6$mode.jsonl" ::1 .outcome)" dot
  check "$mode ::2 (no route)" "$(result "$WORK/lo6$mode.jsonl" ::2 .outcome)" unreachable
  check "$mode 127.0.0.1" "$(result "$WORK/lo4$mode.jsonl" 127.0.0.1 .outcome)" dot
  check "$mode 127.0.0.2" "$(result "$WORK/lo4$mode.jsonl" 127.0.0.2 .outcome)" closed
done
check "-sS over IPv6" "$(meta "$WORK/lo6-sS.jsonl" '.discovery.source + " " + .discovery.interface')" \
  "::1 lo"
check "-sS both families on lo" "$(outcomes "$WORK/lo46-sS.jsonl" | tr '\n' ' ')" \
  "127.0.0.1 853 dot 127.0.0.2 853 closed ::1 853 dot "
check "-sS both families on lo: one interface" \
  "$(meta "$WORK/lo46-sS.jsonl" '.discovery.interface + " " + (.discovery.send_errors | tostring)')" \
  "lo 0"
validate "loopback IPv6 schema" "$WORK/lo6-sS.jsonl"

# --- silent targets are counted, not written, unless asked --------------------------------------
# --exclude applies to SYNs as to connects: .13 gets none.
ins "$DOTSCAN" -q -sS --cooldown 500ms --retries 1 --ca-file "$CA" -oJ "$WORK/quiet.jsonl" \
  --exclude 198.18.0.13 198.18.0.10-13 198.18.0.100-119 >/dev/null 2>&1
check "silent not written" "$(result "$WORK/quiet.jsonl" 198.18.0.12 .outcome)" ""
check "silent counted" "$(meta "$WORK/quiet.jsonl" .discovery.silent)" 21
check "live counted" "$(meta "$WORK/quiet.jsonl" .discovery.live)" 1
check "closed counted" "$(meta "$WORK/quiet.jsonl" .discovery.closed)" 1
check "two passes sent" "$(meta "$WORK/quiet.jsonl" .discovery.sent)" $((23 + 21))
check "excluded: no SYN" "$(meta "$WORK/quiet.jsonl" .discovery.unreachable)" 0
check "mode" "$(meta "$WORK/quiet.jsonl" .discovery.mode)" syn
check "live still probed" "$(result "$WORK/quiet.jsonl" 198.18.0.10 .outcome)" dot
validate "quiet schema" "$WORK/quiet.jsonl"

# --- --pcap: the wire shows the SYNs and a TLS ClientHello on 853, in -sS and in -sT --------------
# A TLS handshake record (content type 22) starting the TCP payload: byte 0 after the TCP header.
hello='tcp dst port 853 and tcp[((tcp[12] & 0xf0) >> 2)] = 0x16'
for mode in -sS -sT; do
  ins "$DOTSCAN" -q "$mode" --cooldown 500ms --retries 0 --connect-timeout 1s --ca-file "$CA" \
    --query canary7c1.test/A --pcap "$WORK/scan$mode.pcap" -oJ "$WORK/pcap$mode.jsonl" \
    198.18.0.10-11 >/dev/null 2>&1
  check "$mode --pcap exit" "$?" 0
  syns=$(tcpdump -nn -r "$WORK/scan$mode.pcap" 'tcp[tcpflags] == tcp-syn and dst port 853' \
    2>/dev/null | wc -l)
  [[ $syns -ge 2 ]] && pass || fail "$mode --pcap: $syns SYNs to port 853 in the capture"
  hellos=$(tcpdump -nn -r "$WORK/scan$mode.pcap" "$hello" 2>/dev/null | wc -l)
  [[ $hellos -ge 1 ]] && pass || fail "$mode --pcap: no ClientHello in the capture"
  check "$mode --pcap metadata" "$(meta "$WORK/pcap$mode.jsonl" '.pcap.written > 4')" true
  # The query name was asked (the JSON says so), yet it is nowhere on the wire: inside TLS.
  check "$mode query asked" "$(result "$WORK/pcap$mode.jsonl" 198.18.0.10 .dns.query.name)" \
    canary7c1.test.
  plain=$(tcpdump -nn -r "$WORK/scan$mode.pcap" -A 2>/dev/null | grep -c canary7c1 || true)
  check "$mode no cleartext query on the wire" "$plain" 0
done

# --- privileges: gone after start-up; without them, one line and exit 2 --------------------------
# ip netns exec execs dotscan: $! is dotscan's own pid.
ip netns exec "$NS_S" "$DOTSCAN" -q -sS --cooldown 30s --retries 0 --ca-file "$CA" \
  -oJ "$WORK/caps.jsonl" 198.18.0.12 >/dev/null 2>&1 &
pid=$!
caps=""
for _ in $(seq 100); do  # until the scan has dropped its privileges (its uid is no longer 0)
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
  if [[ -n "$uid" && "$uid" != 0 ]]; then
    caps=$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")
    break
  fi
  sleep 0.05
done
check "uid after start-up" "$(getent passwd "$uid" | cut -d: -f1)" nobody
check "no capability after start-up" "$caps" 0000000000000000
# Forged SYN-ACKs from the silent target, to every one of our source ports, acknowledging a
# sequence number the scanner never sent: each must be rejected (counted invalid), none may make
# the target live.
cat > "$WORK/forge.py" <<'PY'
import socket, struct, sys
src, dst = sys.argv[1], sys.argv[2]
def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.bind((src, 0))
for port in range(61000, 65536):
    header = struct.pack("!HHIIBBHHH", 853, port, 12345, 0xDEADBEEF, 5 << 4, 0x12, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(header))
    header = header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]
    s.sendto(header, (dst, 0))
PY
int python3 "$WORK/forge.py" 198.18.0.12 198.18.0.1
# Ctrl-C during the cooldown: valid output, exit 130.
kill -INT "$pid"
wait "$pid"
check "ctrl-c in cooldown exit" "$?" 130
check "ctrl-c in cooldown metadata" "$(meta "$WORK/caps.jsonl" .interrupted)" true
check "forged SYN-ACKs rejected" "$(meta "$WORK/caps.jsonl" '.discovery.invalid >= 4536')" true
check "forged SYN-ACKs make nothing live" "$(meta "$WORK/caps.jsonl" .discovery.live)" 0
validate "ctrl-c schema" "$WORK/caps.jsonl"

# Ctrl-C while sending: 262,140 SYNs at 10,000 a second would take 26 s; the signal ends the
# sending at once, the answers so far are written, and the output is valid.
ip netns exec "$NS_S" "$DOTSCAN" -q -sS --rate 10000 --cooldown 1s --retries 0 -p 1-65535 \
  --ca-file "$CA" -oJ "$WORK/sending.jsonl" 198.18.0.10-13 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do  # until it is sending (dropped its privileges), then a little more
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
  [[ -n "$uid" && "$uid" != 0 ]] && break
  sleep 0.05
done
sleep 1
kill -INT "$pid"
wait "$pid"
check "ctrl-c while sending exit" "$?" 130
check "ctrl-c while sending metadata" "$(meta "$WORK/sending.jsonl" .interrupted)" true
sent=$(meta "$WORK/sending.jsonl" .discovery.sent)
[[ $sent -gt 0 && $sent -lt 200000 ]] && pass || fail "ctrl-c while sending: $sent SYNs sent"
check "ctrl-c while sending results" \
  "$(jq -s '[.[] | select(.record == "result")] | length' "$WORK/sending.jsonl")" \
  "$(meta "$WORK/sending.jsonl" .targets_scanned)"
validate "ctrl-c while sending schema" "$WORK/sending.jsonl"

err=$(ins setpriv --reuid=65534 --regid=65534 --clear-groups "$DOTSCAN" -q -sS 198.18.0.10 \
  2>&1 >/dev/null)
rc=$?
check "unprivileged exit" "$rc" 2
check "unprivileged message" "$(echo "$err" | wc -l):${err:0:41}" \
  "1:dotscan: -sS needs root or CAP_NET_RAW (r"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
