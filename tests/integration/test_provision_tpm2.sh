#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mayday-provision device --rot tpm2 --tcti TCTI on a swtpm of the test's
# own (swtpm_harness.sh): the distress key is made in the TPM and is the
# key the DCF certificate, the PKI's copy and the enrolment record carry;
# the device ID is in the write-locked NV index; the RoT partition holds the
# sealed credentials only (no private key, no PSK, no seal secret in
# files); a second provisioning of the same TPM replaces the key; and a
# TPM that is not there fails provisioning with a message naming the TCTI.
# The file backend stays the default: a device made without --rot has its
# RoT in files, as before.
set -euo pipefail
build=$1
src=$2
provision=$build/tools/provision/mayday-provision
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
for b in "$provision" "$dcf" "$normal"; do
  [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }
done
. "$src/tests/integration/swtpm_harness.sh"
swtpm_require

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-prov-tpm2.XXXXXX")
cleanup() { swtpm_cleanup; rm -rf "$work"; }
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in provision.log swtpm.log; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; tail -20 "$work/$f" >&2; }
  done
  exit 1
}
pub_of_cert() { openssl x509 -in "$1" -noout -pubkey; }
norm_pub() { openssl pkey -pubin -in "$1" -outform PEM 2>/dev/null; }

id=hnb-tpm2-0001
swtpm_start "$work/tpm"
"$provision" init --pki "$work/pki" >/dev/null

device() { # OUTDIR [extra args]
  local out=$1; shift
  "$provision" device --pki "$work/pki" --out "$out" --id "$id" --class femto-x1 \
    --methods psk,plain-udp --hems-psk 127.0.0.1:9 --hems-udp 127.0.0.1:9 \
    --dcf-bin "$dcf" --normal-bin "$normal" --components 1 --component-size 1024 \
    "$@" >"$work/provision.log" 2>&1
}

t0=$EPOCHREALTIME
device "$work/dev" --rot tpm2 --tcti "$SWTPM_TCTI" || fail "provisioning on the TPM"
t1=$EPOCHREALTIME
echo "mayday-provision device --rot tpm2 (whole device, swtpm): $(echo "($t1 - $t0) * 1000 / 1" | bc) ms"
grep -q "run the device with --rot tpm2:$SWTPM_TCTI" "$work/provision.log" ||
  fail "provisioning did not say how to run the device"

# The RoT partition: the sealed blob only.
[ -f "$work/dev/rot/device-creds.sealed" ] || fail "no sealed credentials in rot/"
for f in distress.key.pem distress.pub.pem psk psk_kid seal.key device_id counters; do
  [ ! -e "$work/dev/rot/$f" ] || fail "rot/$f exists: the file backend's item on a TPM device"
done

# The TPM's key is the certified and enrolled key.
tpm2_readpublic -T "$SWTPM_TCTI" -c 0x81000a11 -f pem -o "$work/tpm.pub.pem" >/dev/null ||
  fail "no distress key at 0x81000a11"
tpm=$(norm_pub "$work/tpm.pub.pem")
[ "$(pub_of_cert "$work/dev/dcf/dcf-cert.pem")" = "$tpm" ] ||
  fail "dcf-cert.pem does not certify the TPM's key"
[ "$(norm_pub "$work/pki/devices/$id.pub.pem")" = "$tpm" ] ||
  fail "PKI/devices/$id.pub.pem is not the TPM's key"
jq -r .distress_key "$work/pki/devices/$id.enrolment.json" | base64 -d >"$work/rec.der"
[ "$(openssl pkey -pubin -inform DER -in "$work/rec.der" -outform PEM)" = "$tpm" ] ||
  fail "the enrolment record's key is not the TPM's"
[ "$(tpm2_readpublic -T "$SWTPM_TCTI" -c 0x81000a11 | grep -c noda)" -ge 1 ] ||
  fail "the distress key is not noda"

# The device credentials' key: made in the TPM, another key than the
# distress key, usable by its PCR policy only (no userwithauth).
tpm2_readpublic -T "$SWTPM_TCTI" -c 0x81000a14 -f pem -o "$work/creds.pub.pem" \
  >"$work/creds.pub.txt" || fail "no device credentials' key at 0x81000a14"
[ "$(norm_pub "$work/creds.pub.pem")" != "$tpm" ] ||
  fail "the credentials' key is the distress key"
grep -q 'fixedtpm' "$work/creds.pub.txt" && grep -q 'noda' "$work/creds.pub.txt" ||
  fail "the credentials' key is not fixedtpm and noda"
grep -q 'userwithauth' "$work/creds.pub.txt" &&
  fail "the credentials' key can be used with its (empty) password"
grep -q 'authorization policy: [0-9a-f]\{64\}' "$work/creds.pub.txt" ||
  fail "the credentials' key has no policy"

# The owner and lockout authorization: set, escrowed in PKI/devices/, 0600.
auth=$work/pki/devices/$id.tpm-owner-auth
[ -f "$auth" ] || fail "no escrowed owner auth at $auth"
[ "$(stat -c %a "$auth")" = 600 ] || fail "$auth is mode $(stat -c %a "$auth")"
[ "$(stat -c %s "$auth")" = 32 ] || fail "$auth is not 32 bytes"
tpm2_getcap -T "$SWTPM_TCTI" properties-variable >"$work/cap.txt"
grep -q 'ownerAuthSet: *1' "$work/cap.txt" || fail "the TPM's owner auth is empty"
grep -q 'lockoutAuthSet: *1' "$work/cap.txt" || fail "the TPM's lockout auth is empty"

# The device ID (read with its own empty auth), write-locked; without the
# owner auth it cannot be undefined.
tpm2_nvread -T "$SWTPM_TCTI" -C 0x01500001 0x01500001 -o "$work/id.bin" >/dev/null ||
  fail "no NV device ID"
[ "$(cat "$work/id.bin")" = "$id" ] || fail "NV device ID is $(cat "$work/id.bin")"
printf 'x' >"$work/x.bin"
if tpm2_nvwrite -T "$SWTPM_TCTI" -C o -P "file:$auth" 0x01500001 -i "$work/x.bin" 2>/dev/null
then
  fail "the device ID took a second write"
fi
if tpm2_nvundefine -T "$SWTPM_TCTI" -C o 0x01500002 2>/dev/null; then
  fail "the layout record was undefined without the owner auth"
fi

# Re-provisioning with another owner auth is refused, the TPM untouched.
head -c 32 /dev/urandom >"$work/wrong.auth"
chmod 600 "$work/wrong.auth"
if device "$work/dev1" --rot tpm2 --tcti "$SWTPM_TCTI" --owner-auth-file "$work/wrong.auth"
then
  fail "re-provisioned with the wrong owner auth"
fi
grep -q "escrowed when it was first provisioned" "$work/provision.log" ||
  fail "the refusal does not say why"

# Again on the same TPM: a new key, the old one gone.
device "$work/dev2" --rot tpm2 --tcti "$SWTPM_TCTI" --pcr 14 || fail "re-provisioning the TPM"
grep -q "the one escrowed before" "$work/provision.log" ||
  fail "re-provisioning did not use the escrowed owner auth"
tpm2_readpublic -T "$SWTPM_TCTI" -c 0x81000a11 -f pem -o "$work/tpm2.pub.pem" >/dev/null
[ "$(norm_pub "$work/tpm2.pub.pem")" != "$tpm" ] || fail "re-provisioning kept the old key"
[ "$(pub_of_cert "$work/dev2/dcf/dcf-cert.pem")" = "$(norm_pub "$work/tpm2.pub.pem")" ] ||
  fail "the second dcf-cert.pem does not certify the new key"

# Usage errors and a TPM that is not there.
if device "$work/dev3" --rot tpm2; then fail "--rot tpm2 without --tcti accepted"; fi
if device "$work/dev4" --tcti "$SWTPM_TCTI"; then fail "--tcti without --rot tpm2 accepted"; fi
if device "$work/dev5" --rot tpm2 --tcti "$SWTPM_TCTI" --pcr 16; then fail "--pcr 16 accepted"; fi
swtpm_stop
if device "$work/dev6" --rot tpm2 --tcti "$SWTPM_TCTI"; then fail "provisioned without a TPM"; fi
grep -q "$SWTPM_TCTI" "$work/provision.log" || fail "the failure does not name the TCTI"

# The default is still the file backend.
device "$work/dev7" || fail "provisioning with the file backend"
for f in distress.key.pem psk psk_kid seal.key device-creds.sealed device_id counters; do
  [ -f "$work/dev7/rot/$f" ] || fail "file backend: rot/$f missing"
done
echo "PASS"
