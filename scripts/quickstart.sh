#!/usr/bin/env bash
# The first command of README.md: install what is missing, build, and run a real scan.
# With arguments, they are passed to dotscan. Without, the script starts a real DoT server
# (unbound from Debian, certificate from the test CA) on 127.53.0.1 and scans 127.53.0.0/29 with
# it: one DoT server and seven closed addresses, judged by the example policy
# data/policy.example.json. The server is stopped when the scan ends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh quickstart
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
cmake --build build/release
dotscan=build/release/src/dotscan

if (($# > 0)); then
  exec "$dotscan" "$@"
fi
demo=build/quickstart
trap 'bash scripts/unbound-dot.sh stop "$demo"' EXIT
echo "+ scripts/unbound-dot.sh start $demo 127.53.0.1   # unbound, DoT on 127.53.0.1:853"
bash scripts/unbound-dot.sh start "$demo" 127.53.0.1
set -x
"$dotscan" --ca-file "$demo/ca/ca.crt" --policy data/policy.example.json --query dot.test/A \
  -oJ "$demo/scan.jsonl" 127.53.0.0/29
