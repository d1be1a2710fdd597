#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo scenario against the real binaries, plus what the demo does not
# check itself: the evidence the network holds matches what was tampered,
# and a TrE failure sends nothing. With ROT=tpm2 in the environment, the
# demo's TPM variant (a swtpm per device; skipped without swtpm).
set -euo pipefail
build=$1
src=$2
if [ "${ROT:-file}" = tpm2 ]; then
  . "$src/tests/integration/swtpm_harness.sh"
  swtpm_require
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-it.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

"$src/scripts/demo.sh" "$build" "$work/out" >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; fail "demo scenario"; }
ctl="$build/tools/maydayctl/maydayctl"
db="sqlite:$work/out/hems.db"

# The tampered device: exactly one failed component, and the network's
# expected digest is the TRV while the measured one is the tampered file's.
show=$("$ctl" -d "$db" --json show hnb-0002)
nfail=$(jq '[.indications[0].failed_components[]] | length' <<<"$show")
[ "$nfail" = 1 ] || fail "hnb-0002: expected 1 failed component, network has $nfail"
name=$(jq -r '.indications[0].failed_components[0].name' <<<"$show")
measured=$(jq -r '.indications[0].failed_components[0].measured_digest' <<<"$show")
actual=$(sha256sum "$work/out/devices/hnb-0002/slot_a/$name" | cut -d' ' -f1)
[ "$measured" = "$actual" ] || fail "hnb-0002: measured digest $measured != sha256 of $name $actual"
expected=$(jq -r '.indications[0].failed_components[0].expected_digest' <<<"$show")
[ "$expected" != "$actual" ] || fail "hnb-0002: expected digest equals the tampered file's"
trust=$(jq -r '.indications[0].trust' <<<"$show")
[ "$trust" = signed ] || fail "hnb-0002: trust '$trust', expected signed"

# The DCF-corrupt device halted: nothing from it on the network side.
n=$("$ctl" -d "$db" --json show hnb-0004 | jq '.indications | length')
[ "$n" = 0 ] || fail "hnb-0004 (TrE failure) has $n indications"


# The healthy device's normal code: on a TPM its credentials' private key is
# the TPM's (the hand-over holds none), and its Inform authenticated with it
# (the network heard from it: the demo checks last_seen); on the file
# backend the key came in the sealed bundle.
if [ "${ROT:-file}" = tpm2 ]; then
  grep -q "device credentials: the private key is the RoT's" "$work/out/hnb-0001.boot.log" ||
    fail "hnb-0001: normal code's credentials key is not the TPM's"
else
  grep -q "device credentials: the private key is the RoT's" "$work/out/hnb-0001.boot.log" &&
    fail "hnb-0001: a file-backend device with a key in the RoT"
fi
[ "$("$ctl" -d "$db" --json show hnb-0001 | jq -r .device.last_seen)" != null ] ||
  fail "hnb-0001: the network never heard its Inform"
grep -q 'device credentials handed over by the TrE' "$work/out/hnb-0001.boot.log" ||
  fail "hnb-0001: normal code got no credentials"
