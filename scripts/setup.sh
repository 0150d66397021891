#!/usr/bin/env bash
# Installs the Debian 12 packages that dotscan needs and that are missing; nothing else.
# Idempotent and non-interactive. Usage: scripts/setup.sh [build|quickstart|test|bench]
#   build       what compiling dotscan needs
#   quickstart  + a real DoT server to scan on loopback (unbound) and the openssl CLI for its CA
#   test        + GoogleTest, clang tools, and what the integration tests drive (unbound, dnsdist,
#               knot-resolver, kdig from knot-dnsutils, nftables, iproute2, jq, python3-jsonschema,
#               tcpdump, strace; nmap, ndiff, xsltproc and libxml2-utils for the -oX checks against
#               nmap.dtd, ndiff and nmap.xsl; man-db and groff-base to render the generated man
#               page; chromium for the HTML report; slurm-wlm and munge for the single-node Slurm
#               of tests/e2e/slurm_test.sh)
#   bench       + nmap, zmap, masscan and GNU time for the side-by-side benchmarks
set -euo pipefail

build=(g++ cmake ninja-build pkg-config libssl-dev libpcap-dev nlohmann-json3-dev libcli11-dev
       libldns-dev)
server=(unbound openssl iproute2)
test=(libgtest-dev googletest clang clang-format clang-tidy libclang-rt-14-dev util-linux
      python3-jsonschema jq nftables dnsdist tcpdump strace nmap ndiff xsltproc libxml2-utils
      man-db groff-base chromium slurm-wlm munge knot-resolver knot-dnsutils)
bench=(nmap zmap masscan time nftables util-linux)

want=("${build[@]}")
case "${1:-build}" in
  build) ;;
  quickstart) want+=("${server[@]}") ;;
  test) want+=("${server[@]}" "${test[@]}") ;;
  bench) want+=("${server[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 [build|quickstart|test|bench]" >&2; exit 2 ;;
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
# Packages such as unbound start a system service when installed; dotscan needs only their
# binaries, and a system resolver started here could send queries off the machine. A policy-rc.d
# that answers 101 ("action forbidden") keeps services from starting during the install.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
