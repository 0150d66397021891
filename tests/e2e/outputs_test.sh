#!/usr/bin/env bash
# End-to-end tests of the output formats (docs/outputs.md) through the built binary, against real
# unbound DoT servers on loopback (scripts/unbound-dot.sh): -oA's four files, -oX against Debian
# nmap's DTD, rendered by nmap.xsl and compared by ndiff, -oG's layout, -oC read by Python's csv
# module, --open, the sorted listing, and Ctrl-C mid-scan (inside a network namespace of our own,
# where an nftables rule makes targets silent).
# Usage: outputs_test.sh PATH/TO/dotscan
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
# A loopback /24 of our own for this run, so that parallel runs do not meet.
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
DTD=/usr/share/nmap/nmap.dtd
XSL=/usr/share/nmap/nmap.xsl
cleanup() {
  for server in many first second; do
    bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/$server" >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
have() {  # have TOOL...: every tool is there, or the checks that need them cannot run
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      cannot_run "$tool is missing (scripts/setup.sh test installs it)"
      return 1
    fi
  done
}
valid_xml() {  # valid_xml NAME FILE: well-formed and valid against nmap.dtd
  if [[ ! -r $DTD ]]; then cannot_run "$DTD is missing (Debian's nmap package)"; return; fi
  if xmllint --noout --dtdvalid "$DTD" "$2" >"$WORK/xmllint.log" 2>&1; then pass
  else fail "$1: $(head -5 "$WORK/xmllint.log")"; fi
}
# csv_rows FILE: the rows as Python's csv module reads them, one "cell|cell|..." line per row.
csv_rows() {
  python3 -c 'import csv, sys
for row in csv.reader(open(sys.argv[1], newline="")): print("|".join(row))' "$1"
}

# Three DoT servers, at .3, .7 and .10: the listing must put .10 last (by number, not by text).
bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/many" "$NET.10" "$NET.3" "$NET.7" >/dev/null || {
  echo "FAIL: cannot start unbound"; exit 1; }
CA="$WORK/many/ca"

# --- -oA BASE and -oC: every format of one scan (.8 to .12: one DoT server, four closed) --------
"$DOTSCAN" -q --ca-file "$CA/ca.crt" -oA "$WORK/a" -oC "$WORK/a.csv" "$NET.8-12" >"$WORK/a.txt" 2>"$WORK/a.err"
check "-oA exit" "$?:$(cat "$WORK/a.err")" "0:"
for ext in nmap xml gnmap jsonl; do
  [[ -s "$WORK/a.$ext" ]] && pass || fail "-oA did not write a.$ext"
done
# -oN is the listing of stdout, between nmap's comment lines.
check "-oN is the listing" "$(grep -v '^# dotscan' "$WORK/a.nmap")" "$(cat "$WORK/a.txt")"
check "-oN header" "$(head -n 1 "$WORK/a.nmap" | cut -d' ' -f1-5)" "# dotscan 0.1.0 scan initiated"
check "-oN footer" "$(tail -n 1 "$WORK/a.nmap" | cut -d' ' -f1-4)" "# dotscan done at"
check "-oN no escape bytes" "$(grep -c $'\x1b' "$WORK/a.nmap")" 0
check "-oA jsonl" "$(jq -r 'select(.record == "result") | .outcome' "$WORK/a.jsonl" | sort | uniq -c | tr -s ' ')" \
  " 4 closed
 1 dot"
python3 "$ROOT/tests/support/validate_jsonl.py" "$ROOT/data/result.schema.json" "$WORK/a.jsonl" \
  >"$WORK/validate.log" 2>&1 && pass || fail "-oA jsonl schema: $(cat "$WORK/validate.log")"

# -oX: valid against nmap.dtd; one host per target that answered (open or closed).
if have xmllint; then
  valid_xml "-oX valid" "$WORK/a.xml"
  check "-oX hosts" "$(xmllint --xpath 'count(//host)' "$WORK/a.xml")" 5
  check "-oX open port" \
    "$(xmllint --xpath "string(//host[address/@addr='$NET.10']//state/@state)" "$WORK/a.xml")" open
  check "-oX service" \
    "$(xmllint --xpath "concat(//host[address/@addr='$NET.10']//service/@name, ' ', //host[address/@addr='$NET.10']//service/@conf)" "$WORK/a.xml")" \
    "domain-s 10"
  check "-oX closed port" \
    "$(xmllint --xpath "string(//host[address/@addr='$NET.8']//state/@state)" "$WORK/a.xml")" closed
  sha1=$(jq -r "select(.address == \"$NET.10\") | .certificates[0].sha1" "$WORK/a.jsonl")
  check "-oX ssl-cert sha1" \
    "$(xmllint --xpath "string(//script[@id='ssl-cert']/elem[@key='sha1'])" "$WORK/a.xml")" "$sha1"
  check "-oX ssl-cert subject" \
    "$(xmllint --xpath "string(//script[@id='ssl-cert']/table[@key='subject']/elem[@key='commonName'])" "$WORK/a.xml")" \
    dot.test
  check "-oX pem" \
    "$(xmllint --xpath "substring(//script[@id='ssl-cert']/elem[@key='pem'], 1, 27)" "$WORK/a.xml")" \
    "-----BEGIN CERTIFICATE-----"
  check "-oX dotscan script" \
    "$(xmllint --xpath "string(//script[@id='dotscan']/elem[@key='outcome'])" "$WORK/a.xml")" dot
  check "-oX runstats" "$(xmllint --xpath 'concat(//hosts/@up, " ", //hosts/@total, " ", //finished/@exit)' "$WORK/a.xml")" \
    "5 5 success"
  # The JSON has the PEM only with --include-pem, even though -oX asked the probes for it.
  check "-oA jsonl without pem" "$(jq -r 'select(.record == "result") | .certificates[]? | has("pem")' "$WORK/a.jsonl" | sort -u)" false
fi
if have xsltproc; then
  if [[ -r $XSL ]] && xsltproc "$XSL" "$WORK/a.xml" >"$WORK/a.html" 2>"$WORK/xslt.err"; then
    grep -q "$NET.10" "$WORK/a.html" && grep -q "domain-s" "$WORK/a.html" && grep -q "ssl-cert" "$WORK/a.html" &&
      pass || fail "nmap.xsl: the host, service or script is missing from the HTML"
  else
    fail "xsltproc nmap.xsl: $(cat "$WORK/xslt.err" 2>/dev/null)"
  fi
fi

# -oG: nmap's layout, one line per host between the comment lines.
check "-oG open line" "$(grep -F "Host: $NET.10 " "$WORK/a.gnmap")" \
  "Host: $NET.10 ()	Ports: 853/open/tcp//domain-s//dot/"
check "-oG closed line" "$(grep -F "Host: $NET.8 " "$WORK/a.gnmap")" \
  "Host: $NET.8 ()	Ports: 853/closed/tcp//domain-s//closed/"
check "-oG host lines" "$(grep -c '^Host: ' "$WORK/a.gnmap")" 5
check "-oG first line" "$(head -n 1 "$WORK/a.gnmap" | cut -d' ' -f1-5)" "# dotscan 0.1.0 scan initiated"
check "-oG last line" "$(tail -n 1 "$WORK/a.gnmap" | sed 's/ at [^ ]* / at T /')" \
  "# dotscan done at T -- 5 targets (5 hosts up) scanned in $(tail -n 1 "$WORK/a.gnmap" | awk '{print $(NF-1)}') seconds"

# -oC: a header, one row per target, as Python's csv module reads it.
csv_rows "$WORK/a.csv" >"$WORK/a.rows" 2>&1 || fail "csv: $(cat "$WORK/a.rows")"
check "csv header" "$(head -n 1 "$WORK/a.rows")" \
  "address|port|name|outcome|tls_version|subject|san|issuer|not_after|days_left|sha256|spki_pin_sha256|verdict|highest_finding"
check "csv rows" "$(($(wc -l <"$WORK/a.rows") - 1))" 5
check "csv dot row" "$(grep "^$NET.10|" "$WORK/a.rows" | cut -d'|' -f2,4,5,6,8,13,14)" \
  "853|dot|TLSv1.3|CN=dot.test|CN=dotscan test intermediate CA,O=dotscan test|opportunistic-only|medium address-not-in-san"
check "csv sha256" "$(grep "^$NET.10|" "$WORK/a.rows" | cut -d'|' -f11)" \
  "$(jq -r "select(.address == \"$NET.10\") | .certificates[0].sha256" "$WORK/a.jsonl")"

# --- --open: only what answered, in every format; the metadata still counts every target -------
"$DOTSCAN" -q --open --ca-file "$CA/ca.crt" -oJ "$WORK/o.jsonl" -oX "$WORK/o.xml" -oG "$WORK/o.gnmap" \
  --csv "$WORK/o.csv" -oN "$WORK/o.nmap" "$NET.8-12" >/dev/null 2>&1
check "--open exit" "$?" 0
check "--open jsonl" "$(jq -r 'select(.record == "result") | .address' "$WORK/o.jsonl")" "$NET.10"
check "--open metadata" "$(tail -n 1 "$WORK/o.jsonl" | jq -r '[.targets_scanned, .counts.closed] | join(" ")')" "5 4"
check "--open gnmap" "$(grep -c '^Host: ' "$WORK/o.gnmap")" 1
check "--open csv" "$(csv_rows "$WORK/o.csv" | cut -d'|' -f1 | tail -n +2)" "$NET.10"
check "--open listing" "$(grep -c "^$NET" "$WORK/o.nmap")" 1
if have xmllint; then
  valid_xml "--open xml valid" "$WORK/o.xml"
  check "--open xml" "$(xmllint --xpath 'concat(count(//host), " ", //hosts/@up, " ", //hosts/@down)' "$WORK/o.xml")" "1 1 4"
fi

# --- the listing sorted by address, then port, whatever the scan order ---------------------------
for seed in 1 2 3; do
  "$DOTSCAN" -q --seed "$seed" -p 853,854 "$NET.0/28" >"$WORK/sorted.txt" 2>/dev/null
  check "sorted listing (seed $seed)" "$(grep -o "^$NET\.[0-9]*:[0-9]*" "$WORK/sorted.txt" | tr '\n' ' ')" \
    "$NET.3:853 $NET.7:853 $NET.10:853 "
done

# --- -v and -vv: the whole chain and every certificate field; the DNS answer section and EDNS ----
"$DOTSCAN" -q --ca-file "$CA/ca.crt" --query dot.test/A -oJ "$WORK/v.jsonl" "$NET.10" >"$WORK/v0.txt" 2>&1
"$DOTSCAN" -q --ca-file "$CA/ca.crt" --query dot.test/A -v -oN "$WORK/v1.nmap" "$NET.10" >"$WORK/v1.txt" 2>&1
"$DOTSCAN" -q --ca-file "$CA/ca.crt" --query dot.test/A -vv "$NET.10" >"$WORK/v2.txt" 2>&1
check "default listing: the leaf only" "$(grep -c '^  certificate  ' "$WORK/v0.txt")" 1
check "-v: every certificate" "$(grep '^  certificate  ' "$WORK/v1.txt")" \
  "  certificate  0 (leaf)
  certificate  1"
check "-v: SHA-256 whole" "$(grep -o 'SHA-256     [0-9a-f]*' "$WORK/v1.txt" | awk '{print $2}')" \
  "$(jq -r 'select(.record == "result") | .certificates[].sha256' "$WORK/v.jsonl")"
check "-v: fields of each certificate" "$(grep -Ec '^               (subject|issuer|not before|not after|serial|signature|key|MD5|SHA-1|SHA-256) ' "$WORK/v1.txt")" 20
check "-v: -oN is the listing" "$(grep -v '^# dotscan' "$WORK/v1.nmap")" "$(cat "$WORK/v1.txt")"
check "-v: no DNS section" "$(grep -c '^               answer ' "$WORK/v1.txt")" 0
check "-vv: the answer section" "$(grep '^               answer ' "$WORK/v2.txt" | awk '{print $2, $5, $6}')" \
  "dot.test. A 192.0.2.53"
grep -q '^               edns        version 0, udp [0-9]*' "$WORK/v2.txt" && pass ||
  fail "-vv: no EDNS line: $(cat "$WORK/v2.txt")"

# --- status lines on stderr: --stats-every, SIGUSR1, a live line on a terminal; never on stdout ----
# 16 refused targets at --rate 10 take about 1.5 s.
"$DOTSCAN" --stats-every 200ms --rate 10 -p 1 -oJ "$WORK/stats.jsonl" "$NET.16/28" \
  >"$WORK/stats.out" 2>"$WORK/stats.err"
check "--stats-every exit" "$?" 0
lines=$(grep -c '^dotscan stats: ' "$WORK/stats.err")
(( lines >= 2 )) && pass || fail "--stats-every 200ms for 1.5 s: $lines status lines: $(cat "$WORK/stats.err")"
check "status line fields" "$(grep '^dotscan stats: ' "$WORK/stats.err" | grep -Evc \
  '^dotscan stats: 0:00:0[0-9] elapsed, [0-9]+ of 16 targets \([0-9]+\.[0-9]%\), [0-9]+\.[0-9]/s, ETA ([0-9]+:[0-9]{2}:[0-9]{2}|\?); 0 dot(, [0-9]+ closed)?$')" 0
check "status lines not on stdout" "$(grep -c 'stats' "$WORK/stats.out")" 0
check "status lines not in files" "$(grep -c 'dotscan stats' "$WORK/stats.jsonl")" 0
# SIGUSR1 prints one line, even with -q: sent once the first result is written.
"$DOTSCAN" -q --rate 4 -p 1 -oG "$WORK/usr1.gnmap" "$NET.16/29" >"$WORK/usr1.out" 2>"$WORK/usr1.err" &
pid=$!
for _ in $(seq 500); do
  grep -q '^Host: ' "$WORK/usr1.gnmap" 2>/dev/null && break
  sleep 0.01
done
kill -USR1 $pid
wait $pid
check "SIGUSR1 exit" "$?" 0
check "SIGUSR1 line" "$(grep -Ec '^dotscan stats: .* of 8 targets .*; 0 dot, [0-9]+ closed$' "$WORK/usr1.err"):$(wc -l <"$WORK/usr1.err")" "1:1"
# On a terminal (script(1) gives a pseudo-terminal): a live line redrawn in place and erased at
# the end; -q leaves it out.
if have script; then
  script -qfec "$DOTSCAN --rate 10 -p 1 $NET.16/29 >/dev/null" "$WORK/live.tty" >/dev/null 2>&1
  grep -q $'\r\e\\[Kdotscan stats: ' "$WORK/live.tty" && pass || fail "no live line: $(cat -v "$WORK/live.tty")"
  tail -c 200 "$WORK/live.tty" | grep -q $'\r\e\\[K$' && pass || fail "live line not erased: $(cat -v "$WORK/live.tty")"
  script -qfec "$DOTSCAN -q --rate 10 -p 1 $NET.16/29 >/dev/null" "$WORK/quiet.tty" >/dev/null 2>&1
  check "-q: no live line" "$(grep -c 'dotscan stats' "$WORK/quiet.tty")" 0
  # A key pressed during the scan prints one status line, as in nmap, also with -q; the terminal
  # gets its modes back afterwards (canonical input, echo).
  (sleep 0.8; printf x; sleep 3) | script -qfec "$DOTSCAN -q --rate 4 -p 1 $NET.16/29 >/dev/null;
    stty -a | grep -o -- '-\?icanon\|-\?echo ' | tr '\n' ' '" "$WORK/key.tty" >/dev/null 2>&1
  check "key press: one status line" "$(grep -c 'dotscan stats: .* of 8 targets' "$WORK/key.tty")" 1
  grep -q 'icanon echo' "$WORK/key.tty" && ! grep -q -- '-icanon\|-echo ' "$WORK/key.tty" && pass ||
    fail "terminal modes not restored: $(cat -v "$WORK/key.tty")"
fi

# --- one file twice is refused, also through -oA -----------------------------------------------
err=$("$DOTSCAN" -q -oX "$WORK/same.xml" -oA "$WORK/same" "$NET.10" 2>&1 >/dev/null); rc=$?
check "-oX and -oA's xml" "$rc:$err" \
  "2:dotscan: -oX '$WORK/same.xml' and -oA '$WORK/same.xml' are the same file: give each output its own file"

# --- ndiff: two scans of one address whose certificate changed -----------------------------------
CHANGED="$NET.13"
if have ndiff xmllint; then
  if bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/first" "$CHANGED" >/dev/null; then
    "$DOTSCAN" -q -oX "$WORK/before.xml" "$CHANGED" >/dev/null 2>&1
    bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/first" >/dev/null 2>&1
    bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/second" --cert selfsigned "$CHANGED" >/dev/null ||
      fail "cannot start the second unbound"
    "$DOTSCAN" -q -oX "$WORK/after.xml" "$CHANGED" >/dev/null 2>&1
    valid_xml "ndiff input valid" "$WORK/after.xml"
    # -v: without it, the ndiff of Debian 12 (7.93) fails under Python 3 on a host whose ports
    # are unchanged but for a script (docs/outputs.md).
    ndiff -v "$WORK/before.xml" "$WORK/after.xml" >"$WORK/ndiff.txt" 2>&1
    check "ndiff exit (differences)" "$?" 1
    old=$(xmllint --xpath "string(//script[@id='ssl-cert']/elem[@key='sha1'])" "$WORK/before.xml")
    new=$(xmllint --xpath "string(//script[@id='ssl-cert']/elem[@key='sha1'])" "$WORK/after.xml")
    [[ -n $old && $old != "$new" ]] && pass || fail "the two certificates are the same: $old"
    # ndiff shows the SHA-1 line of ssl-cert, in groups of four, removed and added.
    grep -q "^-|.*SHA-1: ${old:0:4} ${old:4:4}" "$WORK/ndiff.txt" &&
      grep -q "^+|.*SHA-1: ${new:0:4} ${new:4:4}" "$WORK/ndiff.txt" && pass ||
      fail "ndiff does not report the changed certificate: $(cat "$WORK/ndiff.txt")"
    ndiff "$WORK/before.xml" "$WORK/before.xml" >/dev/null 2>&1
    check "ndiff of a file with itself" "$?" 0
  else
    fail "cannot start the first unbound"
  fi
fi

# --- a closed stdout (| head -1): quiet, exit 0, the files complete ------------------------------
# 512 closed ports make about 150 KB of XML on stdout, more than the pipe and head's one read hold,
# so dotscan meets EPIPE mid-scan; the -oJ file must still get every result and the metadata.
"$DOTSCAN" -q -oX - -oJ "$WORK/head.jsonl" -p 1,2 "$NET.0/24" 2>"$WORK/head.err" | head -n 1 >"$WORK/head.txt"
check "| head -1 exit" "${PIPESTATUS[0]}:$(cat "$WORK/head.err")" "0:"
check "| head -1 got the first line" "$(cat "$WORK/head.txt")" '<?xml version="1.0" encoding="UTF-8"?>'
check "| head -1 -oJ complete" "$(tail -n 1 "$WORK/head.jsonl" | jq -r '[.record, .targets_scanned, .interrupted] | join(" ")')" \
  "metadata 512 false"
check "| head -1 -oJ results" "$(grep -c '"record":"result"' "$WORK/head.jsonl")" 512
# With stdout the only output, nobody reads the rest: the scan stops at once, still quietly.
"$DOTSCAN" -q -oJ - -p 1-256 "$NET.0/24" 2>"$WORK/head2.err" | head -n 1 >/dev/null
check "| head -1 alone exit" "${PIPESTATUS[0]}:$(cat "$WORK/head2.err")" "0:"
# Output that truly cannot be written is still an error (exit 3), and a path that cannot be
# opened is refused before the scan (exit 2, README "Exit codes").
"$DOTSCAN" -q -oJ /dev/full -p 1 "$NET.1" >/dev/null 2>"$WORK/full.err"
check "-oJ /dev/full exit" "$?:$(cat "$WORK/full.err")" "3:dotscan: cannot write the report: No space left on device"
"$DOTSCAN" -q -oJ "$WORK/no/such/dir/x.jsonl" -p 1 "$NET.1" >"$WORK/nodir.out" 2>"$WORK/nodir.err"
check "-oJ in a missing directory exit" "$?:$(wc -c <"$WORK/nodir.out")" "2:0"
check "-oJ in a missing directory message" "$(cat "$WORK/nodir.err")" \
  "dotscan: -oJ: cannot write '$WORK/no/such/dir/x.jsonl': No such file or directory"

# --- Ctrl-C mid-scan: every file complete and valid ---------------------------------------------
# Inside a network namespace: 127.9.1.0/24 is silent (an nftables drop), 127.8.0.1 refuses at
# once. Once the refused target is in the -oG file the scan is under way with 256 probes waiting
# on a 60 s connect timeout; then SIGINT.
if unshare -n true 2>/dev/null && command -v nft >/dev/null && have xmllint; then
  cat >"$WORK/interrupt.sh" <<'INT'
set -e
ip link set lo up
nft add table inet dotscan_test
nft add chain inet dotscan_test in '{ type filter hook input priority 0; }'
nft add rule inet dotscan_test in ip daddr 127.9.0.0/16 tcp dport 853 drop
work=$1 dotscan=$2
"$dotscan" -q --connect-timeout 60s -oA "$work/int" -oC "$work/int.csv" 127.8.0.1 127.9.1.0/24 \
  >"$work/int.txt" 2>&1 &
pid=$!
for _ in $(seq 500); do
  grep -q '^Host: 127.8.0.1 ' "$work/int.gnmap" 2>/dev/null && break
  sleep 0.01
done
kill -INT $pid
set +e
wait $pid
echo $? >"$work/int.rc"
INT
  unshare -n bash "$WORK/interrupt.sh" "$WORK" "$DOTSCAN"
  check "Ctrl-C exit" "$(cat "$WORK/int.rc" 2>/dev/null)" 130
  valid_xml "Ctrl-C xml valid" "$WORK/int.xml"
  check "Ctrl-C xml runstats" "$(xmllint --xpath 'concat(//finished/@exit, " ", substring-before(//finished/@errormsg, ":"))' "$WORK/int.xml")" \
    "error interrupted by a stop signal"
  check "Ctrl-C xml closed host" "$(xmllint --xpath "string(//host[address/@addr='127.8.0.1']//state/@state)" "$WORK/int.xml")" closed
  check "Ctrl-C gnmap footer" "$(tail -n 1 "$WORK/int.gnmap" | cut -d' ' -f1-4)" "# dotscan interrupted at"
  check "Ctrl-C csv rows" "$(($(csv_rows "$WORK/int.csv" | wc -l) - 1))" \
    "$(tail -n 1 "$WORK/int.jsonl" | jq -r .targets_scanned)"
  check "Ctrl-C nmap footer" "$(tail -n 1 "$WORK/int.nmap" | cut -d' ' -f1-4)" "# dotscan done at"
  check "Ctrl-C jsonl metadata" "$(tail -n 1 "$WORK/int.jsonl" | jq -r .interrupted)" true
else
  cannot_run "unshare -n, nft or xmllint unavailable: the Ctrl-C check did not run"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
