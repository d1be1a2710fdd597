#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages mayday needs, only those that are missing.
# usage: scripts/deps.sh [bench]   (bench: also the benchmarks' baseline servers)
# Each package and why it is here is listed in README.md ("Dependencies").
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libssl-dev          # OpenSSL 3: ECDSA P-256, SHA-256, HKDF, AEAD, TLS 1.3
  libcbor-dev         # CBOR (RFC 8949): the unit tests' independent encoder of the test vectors
  libcmocka-dev       # unit tests
  libinih-dev         # INI parser for device and daemon configuration
  libjansson-dev      # JSON for maydayctl --json and enrolment records
  libevent-dev        # maydayd event loop
  libsqlite3-dev sqlite3   # incident store (WAL)
  libpq-dev           # the PostgreSQL store backend (libpq): several maydayd nodes on one database
  libexpat1-dev       # CWMP (TR-069) envelopes: expat parses them; a small static archive the DCF can link
  libxml2-utils       # xmllint validates every emitted CWMP envelope against the schema in the tests
  libcap-dev          # maydayd keeps CAP_NET_BIND_SERVICE until its sockets are bound, then none
)
run_pkgs=(openssl iproute2 procps jq bc curl   # jq: the demo reads maydayctl --json; bc: bench arithmetic; curl: HTTP(S) tests
  python3                                  # integration-acs-thirdparty: the scripted third-party CPE (standard library only)
  strongswan-charon strongswan-swanctl     # ipsec method: the IKE daemon the DCF drives over VICI, and swanctl
  libstrongswan-standard-plugins libcharon-extra-plugins   # openssl/gcm/vici; kernel-libipsec (ESP without kernel ESP)
  strongswan-pki socat tcpdump             # ipsec integration test: its IKE PKI, probe datagrams, wire capture
  strace                                   # trace tests: what the DCF and its IKE daemon open, map, execute
)
# The tests of what `make install` installs (tests/integration/install.cmake):
check_pkgs=(postgresql  # PostgreSQL 15 server: the store's tests start their own (initdb, pg_ctl) for the PostgreSQL backend
  systemd      # systemd-analyze verify/security on the unit, systemd-sysusers on its user
  man-db groff-base      # man --warnings and groff -ww lint the man pages
  python3-jsonschema     # the enrolment records written validate against docs/schema/enrolment.schema.json; VES faults against tests/data/ves;
                         # the API's answers against docs/openapi.json (test_api_openapi)
  chromium nodejs        # the dashboard's browser test: Debian's Chromium, driven by playwright-core (tests/browser, npm ci below)
                         # under Debian's Node.js 18 (playwright-core is pinned to a release that runs on it);
                         # Debian's npm is a package of its own, installed below when no npm is found
)
# Only for `make bench` (scripts/deps.sh bench): the baseline servers and tools.
bench_pkgs=(nginx   # the TLS/HTTP baseline: nginx answering the same POST with mutual TLS 1.3
  time              # GNU time: the installer's peak memory (max RSS)
  linux-perf        # perf: bench/profile_ingest.sh, where maydayd's CPU goes per indication
)

missing=()
wanted=("${build_pkgs[@]}" "${run_pkgs[@]}" "${check_pkgs[@]}")
[ "${1:-}" = bench ] && wanted+=("${bench_pkgs[@]}")
for p in "${wanted[@]}"; do
  # triggers-pending (man-db after a package install) is installed too
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -Eq 'install ok (installed|triggers-pending)' ||
    missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser test's driver, playwright-core, exactly as tests/browser/package-lock.json
# pins it; it uses Debian's /usr/bin/chromium and downloads no browser.
# Debian's nodejs comes without npm (another nodejs, such as NodeSource's,
# may bring its own: then Debian's npm, which would replace that nodejs, is
# not asked for).
browser=$(cd "$(dirname "$0")/../tests/browser" && pwd)
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: no npm (run as root or: sudo apt-get install npm)" >&2
    exit 1
  fi
  echo "deps.sh: installing npm"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
fi
if [ ! -d "$browser/node_modules/playwright-core" ]; then
  echo "deps.sh: npm ci in tests/browser"
  (cd "$browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
