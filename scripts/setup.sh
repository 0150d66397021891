#!/usr/bin/env bash
# Installs the Debian 12 packages that dotscan needs and that are missing; nothing else.
# Idempotent and non-interactive. Usage: scripts/setup.sh [build|test|bench]
set -euo pipefail

build=(g++ cmake ninja-build pkg-config libssl-dev libpcap-dev nlohmann-json3-dev libcli11-dev
       libldns-dev)
test=(libgtest-dev googletest clang clang-format clang-tidy libclang-rt-14-dev util-linux openssl)
bench=(nmap time)

want=("${build[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${test[@]}") ;;
  bench) want+=("${bench[@]}") ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for package in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing Debian packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
