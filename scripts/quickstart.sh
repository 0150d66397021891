#!/usr/bin/env bash
# The first command of README.md: install what is missing, build, and run dotscan.
# With arguments, they are passed to dotscan; without, it lists an example target set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh build
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOTSCAN_BUILD_TESTS=OFF >/dev/null
cmake --build build/release
dotscan=build/release/src/dotscan

if (($# > 0)); then
  exec "$dotscan" "$@"
fi
# The prober is the next milestone (issue 3): until then the example lists, in scan order, the
# targets a scan of the loopback test range would visit, without sending a packet.
echo "+ $dotscan --list-targets --seed 1 -p 853,8853 127.0.0.0/30 ::1 localhost"
exec "$dotscan" --list-targets --seed 1 -p 853,8853 127.0.0.0/30 ::1 localhost
