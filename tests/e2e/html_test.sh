#!/usr/bin/env bash
# End-to-end tests of --html and --markdown (docs/outputs.md) through the built binary: a real scan
# of real unbound DoT servers on loopback (scripts/unbound-dot.sh: two good ones, one with an
# expired certificate, one whose self-signed certificate's subject holds <script> and HTML
# entities), then the HTML page opened in headless Chromium from Debian: its rendered DOM must
# show the servers, verdicts and findings, and the hostile subject only as text; a screenshot is
# taken; Chromium's net log must show no request from the page (Chromium runs in a network
# namespace of its own with only loopback, so even its own update checks cannot leave). A control
# page that does load an image proves that the net-log check can fail.
# Usage: html_test.sh PATH/TO/dotscan
set -u
DOTSCAN=${1:?usage: $0 path/to/dotscan}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
# A loopback /24 of our own for this run, so that parallel runs do not meet.
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
cleanup() {
  for server in good expired evil; do
    bash "$ROOT/scripts/unbound-dot.sh" stop "$WORK/$server" >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
contains() {  # contains NAME FILE TEXT: FILE holds TEXT (fixed string, newlines included)
  # Not grep -F: it takes each line of TEXT as a pattern of its own, and an empty line matches
  # any file.
  if python3 -c 'import sys; sys.exit(sys.argv[2] not in open(sys.argv[1], errors="replace").read())' \
    "$2" "$3"; then pass; else fail "$1: no [$3] in $2"; fi
}
lacks() {  # lacks NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then fail "$1: [$3] in $2: $(grep -F -m1 -- "$3" "$2" | cut -c1-200)"
  else pass; fi
}

# --- the servers -----------------------------------------------------------------------------------
bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/good" "$NET.3" "$NET.7" >/dev/null || {
  echo "FAIL: cannot start unbound"; exit 1; }
CA="$WORK/good/ca"
mkdir -p "$WORK/expired" "$WORK/evil"
cp -r "$CA" "$WORK/expired/ca"
bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/expired" --cert expired "$NET.10" >/dev/null || {
  echo "FAIL: cannot start unbound (expired)"; exit 1; }
cp -r "$CA" "$WORK/evil/ca"
# A subject an attacker would write: a script, entities (&amp; &#60;) and a quote.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -keyout "$WORK/evil/ca/evil.key" -out "$WORK/evil/ca/evil.crt" \
  -subj '/CN=<script>alert(1)<\/script>&amp;&#60;b&#62;/O=x"y' \
  -addext "subjectAltName=DNS:dot.test" >/dev/null 2>&1 || { echo "FAIL: openssl req"; exit 1; }
bash "$ROOT/scripts/unbound-dot.sh" start "$WORK/evil" --cert evil "$NET.12" >/dev/null || {
  echo "FAIL: cannot start unbound (evil)"; exit 1; }

# --- the scan: 20 targets, four DoT servers, the rest closed ------------------------------------
"$DOTSCAN" -q --ca-file "$CA/ca.crt" --html "$WORK/r.html" --markdown "$WORK/r.md" \
  -oJ "$WORK/r.jsonl" "$NET.1-20" >/dev/null 2>"$WORK/scan.err"
check "scan exit" "$?:$(cat "$WORK/scan.err")" "0:"
check "dot servers" "$(jq -r 'select(.record == "result" and .outcome == "dot") | .address' \
  "$WORK/r.jsonl" | sort -t. -k4n | tr '\n' ' ')" "$NET.3 $NET.7 $NET.10 $NET.12 "
# RFC 2253 puts a backslash before < > ; and ".
subject='O=x\"y,CN=\<script\>alert(1)\</script\>&amp\;&#60\;b&#62\;'
check "evil subject in the JSON" "$(result "$WORK/r.jsonl" "$NET.12" '.certificates[0].subject')" \
  "$subject"
size=$(stat -c %s "$WORK/r.html")
[[ $size -gt 5000 && $size -lt 200000 ]] && pass || fail "html size $size"
# The same reports from the saved scan (dotscan report): byte for byte what the scan wrote.
"$DOTSCAN" report "$WORK/r.jsonl" -o "$WORK/again.html" --markdown "$WORK/again.md" \
  >"$WORK/report.out" 2>&1
check "dotscan report: exit and no listing" "$?:$(cat "$WORK/report.out")" "0:"
cmp -s "$WORK/r.html" "$WORK/again.html" && pass || fail "dotscan report: the HTML differs"
cmp -s "$WORK/r.md" "$WORK/again.md" && pass || fail "dotscan report: the Markdown differs"
head -c 2000 "$WORK/r.jsonl" | tr -d "\n" >"$WORK/cut.jsonl"  # no final newline
err=$("$DOTSCAN" report "$WORK/cut.jsonl" -o "$WORK/cut.html" 2>&1); rc=$?
check "dotscan report: a truncated scan" "$rc:$err" \
  "2:dotscan: report: '$WORK/cut.jsonl' is truncated: its last line has no newline (the scan was killed mid-write)"
[[ ! -e "$WORK/cut.html" ]] && pass || fail "dotscan report left a half report"

# The files as written: the hostile subject escaped, never raw.
contains "html escaped subject" "$WORK/r.html" \
  "$(python3 -c 'import html, sys; print(html.escape(sys.argv[1]))' "$subject")"
lacks "html raw script" "$WORK/r.html" '<script>alert'
lacks "html raw entity" "$WORK/r.html" '&#60;b'
contains "md escaped subject" "$WORK/r.md" \
  'CN=\\&lt;script\\&gt;alert\(1\)\\&lt;/script\\&gt;&amp;amp\\;&amp;\#60\\;b&amp;\#62\\;'
lacks "md raw script" "$WORK/r.md" '<script'
# Markdown: summary, findings by severity with explanation and fix, per-server sections.
contains "md summary" "$WORK/r.md" "| DoT servers | 4 |"
contains "md closed" "$WORK/r.md" "| outcome closed | 16 |"
contains "md critical first" "$WORK/r.md" $'### Critical\n\n#### cert-expired (1 server)'
contains "md fix" "$WORK/r.md" "**Fix:** Renew the certificate"
contains "md affected" "$WORK/r.md" "- $NET.10:853: the leaf expired"
contains "md self-signed" "$WORK/r.md" "#### self-signed-leaf (1 server)"
for address in 3 7 10 12; do
  contains "md section $address" "$WORK/r.md" "### $NET.$address:853"
done
check "md section count" "$(grep -c "^### $NET" "$WORK/r.md")" 4

# --- headless Chromium ---------------------------------------------------------------------------
browser=$(command -v chromium || true)
if [[ -z $browser ]]; then
  cannot_run "chromium is missing (scripts/setup.sh test installs it)"
  finish "html_test"; exit
fi
# Only loopback: a network namespace of our own (root), else one in a user namespace.
if unshare -n true 2>/dev/null; then isolate=(unshare -n)
elif unshare -rn true 2>/dev/null; then isolate=(unshare -rn)
else
  cannot_run "unshare -n is not allowed here: Chromium cannot be isolated from the network"
  finish "html_test"; exit
fi
# chrome PAGE NETLOG ARGS...: Chromium on file://PAGE inside the namespace, loopback up.
chrome() {
  local page=$1 netlog=$2
  shift 2
  "${isolate[@]}" bash -c 'ip link set lo up 2>/dev/null; exec "$@"' chrome \
    timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --no-first-run \
    --no-default-browser-check --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --user-data-dir="$WORK/chrome-profile" \
    --log-net-log="$netlog" "$@" "file://$page"
}
# page_requests NETLOG: the URLs a page asked for (Chromium's own background requests have the
# initiator "not an origin"; a page's have the page's). file: loads do not go through the network
# stack, so the page itself is not in the log; the control page below shows what a request is.
page_requests() {
  python3 - "$1" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
for event in log["events"]:
    params = event.get("params", {})
    if names.get(event["type"]) == "URL_REQUEST_START_JOB" and "url" in params:
        if params.get("initiator") != "not an origin":
            print("request:", params["url"])
PY
}

chrome "$WORK/r.html" "$WORK/dom.netlog.json" --dump-dom >"$WORK/dom.html" 2>"$WORK/chrome.err"
check "chromium --dump-dom exit" "$?" 0
chrome "$WORK/r.html" "$WORK/shot.netlog.json" --hide-scrollbars --window-size=1280,1600 \
  --screenshot="$WORK/shot.png" >/dev/null 2>>"$WORK/chrome.err"
check "chromium --screenshot exit" "$?" 0
check "screenshot is a PNG" "$(head -c 8 "$WORK/shot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
  "89504e470d0a1a0a"
[[ $(stat -c %s "$WORK/shot.png" 2>/dev/null || echo 0) -gt 20000 ]] && pass ||
  fail "screenshot too small: $(stat -c %s "$WORK/shot.png" 2>&1)"
check "no request from the page (dump)" "$(page_requests "$WORK/dom.netlog.json")" ""
check "no request from the page (screenshot)" "$(page_requests "$WORK/shot.netlog.json")" ""

# The control: a page that loads an image from loopback must be caught by the same check.
printf '<!DOCTYPE html><img src="http://127.0.0.1:9/x.png"><p>control</p>\n' >"$WORK/control.html"
chrome "$WORK/control.html" "$WORK/control.netlog.json" --dump-dom >/dev/null 2>&1
check "the check sees a page's request" "$(page_requests "$WORK/control.netlog.json")" \
  "request: http://127.0.0.1:9/x.png"

# The rendered DOM: its text, and the elements the page really has.
python3 - "$WORK/dom.html" "$WORK/dom.txt" "$WORK/dom.elements" <<'PY'
import html.parser, sys
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.tags, self.skip = [], [], 0
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("script", "style"): self.skip += 1
    def handle_endtag(self, tag):
        if tag in ("script", "style"): self.skip -= 1
    def handle_data(self, data):
        if not self.skip: self.text.append(data)
page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
open(sys.argv[2], "w").write(" ".join(" ".join(page.text).split()) + "\n")
open(sys.argv[3], "w").write("\n".join(page.tags) + "\n")
PY
check "dom parsed" "$?" 0
for address in 3 7 10 12; do contains "dom server $address" "$WORK/dom.txt" "$NET.$address:853"; done
contains "dom verdict" "$WORK/dom.txt" "opportunistic-only"
for id in cert-expired address-not-in-san self-signed-leaf chain-untrusted alpn-not-dot; do
  contains "dom finding $id" "$WORK/dom.txt" "$id"
done
contains "dom summary" "$WORK/dom.txt" "4 DoT servers"
contains "dom fix" "$WORK/dom.txt" "Fix: Renew the certificate"
# Under the finding in the findings section, and copied by the script under the server's finding.
check "dom fix per server" "$(grep -o "Fix: Renew the certificate (and any expired" "$WORK/dom.txt" | wc -l)" 2
# The inline script ran under the page's CSP: it filled in the count of rows shown.
contains "dom script ran" "$WORK/dom.txt" "4 of 4 servers shown"
# The hostile subject is text on the page, exactly as the certificate holds it.
contains "dom hostile text" "$WORK/dom.txt" "$subject"
check "dom script elements" "$(grep -cx script "$WORK/dom.elements")" 1
check "dom img elements" "$(grep -cx img "$WORK/dom.elements")" 0

finish "html_test"
