#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_dcf_trace.sh BUILD SRC MODE
#
# Issue 11: the DCF runs only what the DCF partition holds. A real maydayd on
# 127.0.0.1 and a device made by mayday-provision whose start-up fails (a
# tampered component); mayday-boot verifies the DCF partition, falls into the
# DCF, and the DCF reports. MODE:
#   plain-udp | plain-http | tls | psk
#       the boot runs under strace (open, openat, openat2, execve, execveat,
#       mmap); after the hand-over (fexecve of the measured copy) every file
#       the DCF opens, maps or executes must be in the DCF partition, the RoT
#       partition, or the run and state partitions (dcf_trace_check.sh,
#       DCF_TRACE_AFTER_EXEC=1); the indication is stored, signed, over MODE.
#   remediation
#       the same with a remediation: the acknowledgement says REMEDIATE, the
#       DCF as CPE downloads the golden bundle over CWMP and installs it
#       (boot exits 13). Allowed also: slot_b, the inactive slot the DCF
#       installs into -- written, never executed or mapped (checked apart).
#   tpm2
#       as psk, on a TPM device (swtpm of the test's own, swtpm_harness.sh):
#       the static DCF starts the partition's mayday-rot-agent through the
#       partition's loader, so the agent, its loader and every library it
#       maps must come from the DCF partition as well (the TPM itself is a
#       socket, or /dev/tpmrm0 on a device).
#   broken-libs
#       no trace: the boot runs in a private mount namespace (unshare -m) in
#       which the host libraries the old DCF linked (libcrypto, libssl,
#       libcurl, libxml2, libinih) are bind-mounted over by garbage, and the
#       DCF still reports over mutual TLS to maydayd, which runs outside the
#       namespace. The TrE itself (mayday-boot, in this host model a program
#       of the host) gets intact copies through the dynamic loader's
#       --library-path, which its children do not inherit.
# Why these places: the DCF reads its configuration, certificates and
# programs from the DCF partition and its key and counters from the RoT; it
# reads the TrE's evidence from the run partition (RAM on a device) and keeps
# its attempt record and the remediation record, power-safely, in the state
# partition. The normal code's slots hold code the TrE did not accept: never
# allowed (slot_b only while the DCF installs a remediation into it).
# Needs root (strace of a fexecve'd memfd, mount namespaces) and strace.
set -euo pipefail
build=$1
src=$2
mode=$3
if [ "$(id -u)" != 0 ]; then
  echo "skipped: needs root (mount namespace, tracing the TrE's hand-over)"
  exit 77
fi
command -v strace >/dev/null || { echo "skipped: strace missing (scripts/deps.sh)"; exit 77; }
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }

provision=$build/tools/provision/mayday-provision
boot=$build/device/boot/mayday-boot
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
maydayd=$build/server/maydayd
ctl=$build/tools/maydayctl/maydayctl
check=$src/tests/integration/dcf_trace_check.sh
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd" "$ctl"; do
  [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }
done

rot_args=()
prov_args=()
if [ "$mode" = tpm2 ]; then
  . "$src/tests/integration/swtpm_harness.sh"
  swtpm_require
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-dcftrace.XXXXXX")
daemon_pid=
cleanup() {
  [ "$mode" != tpm2 ] || swtpm_cleanup
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL ($mode): $*" >&2
  for f in maydayd.log boot.log check.out; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; tail -40 "$work/$f" >&2; }
  done
  exit 1
}

db="sqlite:$work/hems.db"
pki=$work/pki
"$provision" init --pki "$pki" >/dev/null
udp=$("$src/scripts/free-port.sh" udp)
psk=$("$src/scripts/free-port.sh" udp)
http=$("$src/scripts/free-port.sh" tcp)
https=$("$src/scripts/free-port.sh" tcp)
mkdir "$work/bundles"
cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem
psk_kek = $pki/psk.kek
workers = 2

[udp]
listen = 127.0.0.1:$udp

[http]
listen = 127.0.0.1:$http

[psk]
listen = 127.0.0.1:$psk

[https]
listen = 127.0.0.1:$https
cert = $pki/hems-tls.pem
key = $pki/hems-tls.key.pem
ca = $pki/operator-ca.pem

[acs]
url = https://127.0.0.1:$https/cwmp
bundle_dir = $work/bundles

[api]
socket = $work/api.sock
CONF
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
daemon_pid=$!
for _ in $(seq 200); do
  grep -q 'info: running (' "$work/maydayd.log" && break
  kill -0 "$daemon_pid" 2>/dev/null || fail "maydayd exited at start"
  sleep 0.05
done
grep -q 'info: running (' "$work/maydayd.log" || fail "maydayd did not start"

# mkdev ID METHODS: a device of class femto-tr, enrolled (through maydayd's
# API from its enrolment record: maydayd runs, the store's only writer),
# every endpoint known
mkdev() {
  "$provision" device --pki "$pki" --out "$work/$1" --id "$1" --class femto-tr \
    --hems-udp "127.0.0.1:$udp" --hems-psk "127.0.0.1:$psk" \
    --hems-http "http://127.0.0.1:$http/v1/distress" \
    --hems-tls "https://127.0.0.1:$https/v1/distress" --methods "$2" \
    --dcf-bin "$dcf" --normal-bin "$normal" --components 3 --component-size 40000 \
    "${prov_args[@]}" >/dev/null || fail "provisioning $1"
  "$ctl" --socket "$work/api.sock" enrol --from "$pki/devices/$1.enrolment.json" >/dev/null ||
    fail "enrolling $1"
}
record() { "$ctl" -d "$db" --json show "$1" | jq -r ".indications[0].$2"; }

case $mode in
plain-udp|plain-http|tls|psk) method=$mode; expect_rc=10 ;;
tpm2) method=psk; expect_rc=10 ;;
remediation) method=tls; expect_rc=13 ;;
broken-libs) method=tls; expect_rc=10 ;;
*) echo "unknown mode $mode" >&2; exit 2 ;;
esac

if [ "$mode" = remediation ]; then
  # The golden image: a reference device's slot, signed as 2.0.0.
  mkdev reference plain-udp
  "$provision" bundle --pki "$pki" --out "$work/bundles/femto-tr.bundle" --class femto-tr \
    --image-version 2.0.0 --rollback 2 --from-slot "$work/reference/slot_a" >/dev/null ||
    fail "making the golden bundle"
fi
if [ "$mode" = tpm2 ]; then
  swtpm_start "$work/tpm"
  prov_args=(--rot tpm2 --tcti "$SWTPM_TCTI")
  rot_args=(--rot "$SWTPM_SPEC")
fi
id=hnb-trace
mkdev "$id" "$method"
dev=$work/$id
"$provision" tamper --pki "$pki" --device "$dev" --what component >/dev/null

rc=0
if [ "$mode" = broken-libs ]; then
  # The host's libcrypto as a dynamic program of the host finds it (the TrE
  # itself may be static: MAYDAY_DCF_STATIC links it so).
  libdir=$(dirname "$(ldd "$(command -v openssl)" | awk '$1 ~ /^libcrypto\.so/ { print $3 }')")
  [ -d "$libdir" ] || fail "cannot find the host's library directory"
  mkdir "$work/intact"
  head -c 65536 /dev/urandom > "$work/garbage"
  broken=()
  for lib in libcrypto.so.3 libssl.so.3 libcurl.so.4 libxml2.so.2 libinih.so.1; do
    [ -e "$libdir/$lib" ] || continue
    cp "$libdir/$lib" "$work/intact/$lib"
    broken+=("$libdir/$lib")
  done
  [ ${#broken[@]} -ge 2 ] || fail "found only ${broken[*]} to break"
  # A dynamic TrE gets intact copies through its loader; a static one
  # (MAYDAY_DCF_STATIC) needs none and runs as it is.
  loader=$(readelf -lW "$boot" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
  [ -z "$loader" ] || [ -x "$loader" ] || fail "no dynamic loader $loader for the TrE"
  # Inside the namespace: break the libraries, prove they are broken (a
  # dynamic program of the host that needs libcrypto no longer starts), then
  # the TrE (with intact copies if it is dynamic); what it executes (the
  # DCF) gets none.
  unshare -m --propagation private bash -c '
    set -e
    garbage=$1 intact=$2 loader=$3 boot=$4 dev=$5
    shift 5
    for lib in "$@"; do mount --bind "$garbage" "$lib"; done
    for lib in "$@"; do cmp -s "$garbage" "$lib" || { echo "not broken: $lib"; exit 90; }; done
    if openssl version >/dev/null 2>&1; then echo "openssl(1) still runs"; exit 91; fi
    echo "broken in this namespace: $*"
    [ -n "$loader" ] || exec "$boot" --device "$dev"
    exec "$loader" --library-path "$intact" "$boot" --device "$dev"
  ' broken-libs "$work/garbage" "$work/intact" "$loader" "$boot" "$dev" "${broken[@]}" \
    >"$work/boot.log" 2>&1 || rc=$?
  [ "$rc" != 90 ] && [ "$rc" != 91 ] || fail "the host libraries were not broken: $(cat "$work/boot.log")"
  grep -q 'exec .*mayday-dcf (measured copy)' "$work/boot.log" || fail "the TrE did not start the DCF"
else
  strace -f -y -qq -s 4096 -o "$work/trace" \
    -e trace=open,openat,openat2,execve,execveat,mmap \
    "$boot" --device "$dev" "${rot_args[@]}" >"$work/boot.log" 2>&1 || rc=$?
fi
[ "$rc" = "$expect_rc" ] || fail "boot exited $rc, expected $expect_rc"
[ "$(record "$id" transport)" = "$method" ] || fail "recorded transport $(record "$id" transport), expected $method"
[ "$(record "$id" trust)" = signed ] || fail "trust $(record "$id" trust)"

if [ "$mode" = broken-libs ]; then
  echo "ok: with ${#broken[@]} host libraries broken, the DCF reported over $method (stored, signed)"
  exit 0
fi

allowed=("$dev/dcf" "$dev/rot" "$dev/run" "$dev/state")
if [ "$mode" = remediation ]; then
  grep -q 'CWMP session with .* done' "$work/boot.log" || fail "no CWMP session"
  allowed+=("$dev/slot_b")
  # slot_b is written, never executed or mapped.
  awk '/execveat\(.*memfd:.*= 0$/ { p = 1; next } p' "$work/trace" |
    grep -E '^[0-9]+ +(execve|execveat|mmap)\(.*slot_' >"$work/slotexec" &&
    fail "the DCF executed or mapped a slot file: $(cat "$work/slotexec")"
fi
if [ "$mode" = tpm2 ]; then
  grep -q "opened through $dev/dcf/mayday-rot-agent" "$work/boot.log" ||
    fail "the DCF did not reach the TPM through the partition's agent"
  # The agent ran under the trace: its loader executed from the partition.
  grep -qE "execve\(\"$dev/dcf/ld.so\"" "$work/trace" ||
    fail "no execve of the partition's loader in the trace"
fi
DCF_TRACE_AFTER_EXEC=1 "$check" "$work/trace" "${allowed[@]}" >"$work/check.out" 2>&1 ||
  fail "the DCF went outside its places (dcf_trace_check.sh)"
echo "ok: $mode: $(cat "$work/check.out")"
