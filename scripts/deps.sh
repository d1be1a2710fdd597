#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages mayday needs, only those that are missing.
# usage: scripts/deps.sh [bench]   (bench: also the benchmarks' baseline servers)
#        scripts/deps.sh cross ARCH  (ARCH arm64 or armhf: only what `make cross` and
#                                     `make check-cross` need for that architecture)
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
  libp11-kit-dev      # <p11-kit/pkcs11.h>: mayday-provision --key pkcs11:... calls a PKCS#11 module (dlopen, nothing linked)
  libtss2-dev         # the tpm2 RoT backend: tpm2-tss ESAPI, marshalling, the device and swtpm TCTIs
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
  swtpm swtpm-tools      # the tpm2 RoT backend's tests start their own software TPM 2.0 (a state directory each)
  tpm2-tools             # tests/integration/swtpm_harness.sh: readiness (tpm2_getrandom) and an orderly TPM2_Shutdown
  systemd      # systemd-analyze verify/security on the unit, systemd-sysusers on its user
  man-db groff-base      # man --warnings and groff -ww lint the man pages
  softhsm2 opensc        # test_provision_pkcs11: a SoftHSM2 token holds the vendor key; pkcs11-tool makes it inside the token
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

# Only for `make cross ARCH=...` / `make check-cross` (scripts/deps.sh cross ARCH):
# Debian's cross compiler for ARCH, the device side's libraries for ARCH
# (multiarch, after `dpkg --add-architecture ARCH`), and qemu-user to run what
# was built. The host build (maydayd, mayday-provision, ...) needs the lists above.
cross_pkgs() {  # ARCH -> the packages, one a line
  local triplet
  case "$1" in
    arm64) triplet=aarch64-linux-gnu ;;
    armhf) triplet=arm-linux-gnueabihf ;;
    *) echo "deps.sh: cross: unknown architecture '$1' (arm64 or armhf)" >&2; return 1 ;;
  esac
  printf '%s\n' \
    "gcc-$triplet"        `# the cross compiler, binutils and libc6-dev for $1 (with libc.a: static-pie)` \
    qemu-user-static      `# runs the cross-built programs and tests (qemu-aarch64-static, qemu-arm-static)` \
    "libssl-dev:$1"       `# OpenSSL 3 for $1, with libssl.a/libcrypto.a for the static DCF` \
    "libinih-dev:$1"      `# dcf.conf and normal.conf, with libinih.a` \
    "libexpat1-dev:$1"    `# CWMP on the device side, with libexpat.a` \
    "libcmocka-dev:$1"    `# the device-side unit tests` \
    "libcbor-dev:$1"      `# the unit tests' independent CBOR encoder of the test vectors`
}

missing=()
wanted=("${build_pkgs[@]}" "${run_pkgs[@]}" "${check_pkgs[@]}")
[ "${1:-}" = bench ] && wanted+=("${bench_pkgs[@]}")
cross_arch=
if [ "${1:-}" = cross ]; then
  cross_arch=${2:?usage: scripts/deps.sh cross ARCH}
  mapfile -t pkgs < <(cross_pkgs "$cross_arch")
  [ ${#pkgs[@]} -gt 0 ] || exit 1
  wanted+=("${pkgs[@]}")
fi
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
  # The multiarch packages (libssl-dev:arm64, ...) need their architecture known to dpkg.
  if [ -n "$cross_arch" ] && [ "$cross_arch" != "$(dpkg --print-architecture)" ] &&
     ! dpkg --print-foreign-architectures | grep -qx "$cross_arch"; then
    echo "deps.sh: dpkg --add-architecture $cross_arch"
    dpkg --add-architecture "$cross_arch"
  fi
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
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
