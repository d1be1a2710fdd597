#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_tpm_loop.sh BUILD SRC
#
# A TPM device end to end (issue 16): swtpm of the test's own
# (swtpm_harness.sh), mayday-provision device --rot tpm2, a real maydayd on
# 127.0.0.1, and mayday-boot run with --rot tpm2:TCTI. With
# MAYDAY_DCF_STATIC the TrE and the DCF do not link tss2: they reach the TPM
# through mayday-rot-agent, the TrE's copy in DEVICE/tre and the DCF's in
# the DCF partition (docs/rot.md, "The RoT agent"); checked when static.
# Every "reboot" restarts swtpm (startup-clear: the PCR back to zeros).
#   1. verified start-up: normal code starts and gets its credentials (the
#      TPM released them under PolicyPCR): the certificates, the private key
#      being the TPM's (0x81000A14), with which its periodic Inform to the
#      ACS (maydayd, mutual TLS) authenticates;
#   2. a tampered component: the DCF reports over mutual TLS whose handshake
#      signature the TPM makes (hal_rot_tls_key through the agent: the
#      agent's tpm2 backend signs the digest), its indication signed by the
#      TPM's distress key, and is acknowledged (exit 10); the TPM itself
#      refuses the sealed credentials with the PCR this start-up left
#      (tpm2_unseal with the PCR policy fails);
#   3. the TPM missing: the TrE halts with its RoT code (20) and nothing is
#      claimed (no indication stored);
#   4. a changed library of the agent in the DCF partition: secure start-up
#      refuses the partition (21), nothing claimed;
#   5. verified normal code the kernel cannot execute (a second device, its
#      entry a #! script whose interpreter does not exist: it verifies and
#      loads, only fexecve fails, after the credentials were released): the
#      TrE halts with 23, the DCF does not run, nothing is claimed, and the
#      PCR is normal code's state extended with failed(normal-start-failed),
#      computed here and compared, where the TPM refuses the sealed
#      credentials and the credentials' key.
set -euo pipefail
build=$1
src=$2
provision=$build/tools/provision/mayday-provision
boot=$build/device/boot/mayday-boot
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
maydayd=$build/server/maydayd
ctl=$build/tools/maydayctl/maydayctl
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd" "$ctl"; do
  [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }
done
. "$src/tests/integration/swtpm_harness.sh"
swtpm_require
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-tpm-loop.XXXXXX")
daemon_pid=
cleanup() {
  swtpm_cleanup
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in maydayd.log boot.log provision.log; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; tail -30 "$work/$f" >&2; }
  done
  exit 1
}
static=0
file -L "$boot" | grep -q 'static' && static=1

db="sqlite:$work/hems.db"
pki=$work/pki
"$provision" init --pki "$pki" >/dev/null
psk=$("$src/scripts/free-port.sh" udp)
https=$("$src/scripts/free-port.sh" tcp)
cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem
psk_kek = $pki/psk.kek
workers = 2

[udp]
listen = none

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

id=hnb-tpm-loop
dev=$work/$id
swtpm_start "$work/tpm"
"$provision" device --pki "$pki" --out "$dev" --id "$id" --class femto-tpm \
  --hems-psk "127.0.0.1:$psk" --hems-tls "https://127.0.0.1:$https/v1/distress" \
  --methods tls,psk --dcf-bin "$dcf" --normal-bin "$normal" --components 2 \
  --component-size 4096 --rot tpm2 --tcti "$SWTPM_TCTI" >"$work/provision.log" 2>&1 ||
  fail "provisioning on the TPM"
"$ctl" --socket "$work/api.sock" enrol --from "$pki/devices/$id.enrolment.json" >/dev/null ||
  fail "enrolling $id"
for f in mayday-rot-agent ld.so libtss2-esys.so.0 libtss2-tcti-swtpm.so.0; do
  [ -f "$dev/dcf/$f" ] || fail "dcf/$f missing: the agent is not in the DCF partition"
  [ -f "$dev/tre/$f" ] || fail "tre/$f missing: the TrE has no agent"
done
indications() { "$ctl" -d "$db" --json show "$id" 2>/dev/null | jq '.indications | length'; }

boot_dev() { # expected exit code [environment...]
  local rc=0 want=$1
  shift
  env "$@" "$boot" --device "$dev" --rot "$SWTPM_SPEC" >"$work/boot.log" 2>&1 || rc=$?
  [ "$rc" = "$want" ] || fail "boot exited $rc, expected $want"
}

# --- 1. verified start-up: the credentials ------------------------------------
[ "$("$ctl" -d "$db" --json show "$id" | jq -r .device.last_seen)" = null ] ||
  fail "$id heard from before it started"
boot_dev 0 MAYDAY_ACS_URL="https://127.0.0.1:$https/cwmp"
grep -q 'device credentials handed over by the TrE' "$work/boot.log" ||
  fail "normal code did not get its credentials"
grep -q "device credentials: the private key is the RoT's" "$work/boot.log" ||
  fail "normal code's credentials key is not the TPM's"
grep -q 'cpe: ACS answer status' "$work/boot.log" && fail "the ACS refused normal code's Inform"
[ "$("$ctl" -d "$db" --json show "$id" | jq -r .device.last_seen)" != null ] ||
  fail "the ACS never heard normal code's Inform (mutual TLS with the TPM's key)"
if [ "$static" = 1 ]; then
  grep -q "opened through $dev/tre/mayday-rot-agent" "$work/boot.log" ||
    fail "the static TrE did not open the TPM through its agent"
fi
pcr15() { tpm2_pcrread -T "$SWTPM_TCTI" sha256:15 | awk '/^ *15 *:/ { print tolower($NF) }'; }
# The credentials' key signs in a policy session that ran PolicyPCR on the
# PCR as it is, then PolicyCommandCode(TPM2_Sign) -- its whole policy.
creds_sign() {
  printf 'tbs' > "$work/tbs"
  rm -f "$work/sess.ctx"
  tpm2_startauthsession -T "$SWTPM_TCTI" --policy-session -S "$work/sess.ctx" 2>"$work/sign.err" &&
  tpm2_policypcr -T "$SWTPM_TCTI" -S "$work/sess.ctx" -l sha256:15 >/dev/null 2>>"$work/sign.err" &&
  tpm2_policycommandcode -T "$SWTPM_TCTI" -S "$work/sess.ctx" TPM2_CC_Sign >/dev/null 2>>"$work/sign.err" &&
  tpm2_sign -T "$SWTPM_TCTI" -c 0x81000a14 -p session:"$work/sess.ctx" -g sha256 -o "$work/sig" \
    "$work/tbs" >/dev/null 2>>"$work/sign.err"
  rc=$?
  [ -f "$work/sess.ctx" ] && tpm2_flushcontext -T "$SWTPM_TCTI" "$work/sess.ctx" 2>/dev/null
  return $rc
}
normal_pcr=$(pcr15)
creds_sign || fail "the credentials' key does not sign in normal code's state: $(cat "$work/sign.err")"
echo "1. verified start-up on the TPM: normal code got its credentials, its Inform authenticated with the TPM's key"

# --- 2. a tampered component: distress through the TPM key --------------------
"$provision" tamper --pki "$pki" --device "$dev" --what component >/dev/null
swtpm_restart
boot_dev 10
grep -q 'ack for counter [0-9]* via tls' "$work/boot.log" ||
  fail "the DCF was not acknowledged over mutual TLS with the TPM's key"
if [ "$static" = 1 ]; then
  grep -q "opened through $dev/dcf/mayday-rot-agent" "$work/boot.log" ||
    fail "the static DCF did not open the TPM through the partition's agent"
fi
rec=$("$ctl" -d "$db" --json show "$id" | jq -r '.indications[0] | "\(.transport) \(.channel_auth) \(.trust)"')
[ "$rec" = "tls mtls signed" ] || fail "the indication is stored as '$rec', expected 'tls mtls signed'"
grep -q 'device credentials handed over' "$work/boot.log" &&
  fail "credentials handed over in a start-up that failed"
# The TPM, not the code, refuses: the seal object's PolicyPCR with the PCR
# this start-up left.
pcr=$(tpm2_pcrread -T "$SWTPM_TCTI" sha256:15 | awk '/^ *15 *:/ { print $NF }')
[ -n "$pcr" ] && [ "$pcr" != "0x0000000000000000000000000000000000000000000000000000000000000000" ] ||
  fail "PCR 15 not extended by the failed start-up ($pcr)"
if tpm2_unseal -T "$SWTPM_TCTI" -c 0x81000a13 -p pcr:sha256:15 >/dev/null 2>"$work/unseal.err"; then
  fail "the TPM unsealed the credentials after a failed start-up"
fi
grep -qi 'policy' "$work/unseal.err" || fail "tpm2_unseal failed for another reason: $(cat "$work/unseal.err")"
echo "2. tampered: acknowledged over mutual TLS, handshake and indication signed in the TPM; the TPM refused the credentials"

# --- 3. the TPM missing: the TrE halts, nothing claimed -------------------------
before=$(indications)
swtpm_stop
boot_dev 20
grep -q 'exec ' "$work/boot.log" && fail "the TrE started a program without its RoT"
[ "$(indications)" = "$before" ] || fail "something was claimed without a TPM"
echo "3. TPM missing: TrE halted with 20, nothing claimed"

# --- 4. a changed agent library in the partition: refused ----------------------
swtpm_start "$work/tpm"
lib=$dev/dcf/libtss2-esys.so.0
chmod u+w "$lib" 2>/dev/null || true
printf '\x01' | dd of="$lib" bs=1 seek=4096 conv=notrunc status=none
boot_dev 21
[ "$(indications)" = "$before" ] || fail "something was claimed from a changed partition"
echo "4. changed agent library in the DCF partition: TrE halted with 21"

# --- 5. verified normal code that cannot be executed: halt 23 -----------------
swtpm_stop
printf '#!/nonexistent/interpreter\n' > "$work/not-executable"
chmod +x "$work/not-executable"
id=hnb-tpm-loop-exec
dev=$work/$id
swtpm_start "$work/tpm-exec"
"$provision" device --pki "$pki" --out "$dev" --id "$id" --class femto-tpm \
  --hems-psk "127.0.0.1:$psk" --hems-tls "https://127.0.0.1:$https/v1/distress" \
  --methods tls,psk --dcf-bin "$dcf" --normal-bin "$work/not-executable" --components 2 \
  --component-size 4096 --rot tpm2 --tcti "$SWTPM_TCTI" >"$work/provision.log" 2>&1 ||
  fail "provisioning the second device on its TPM"
"$ctl" --socket "$work/api.sock" enrol --from "$pki/devices/$id.enrolment.json" >/dev/null ||
  fail "enrolling $id"
boot_dev 23
grep -q 'halt: code 23 (exec-failed)' "$work/boot.log" || fail "no exec-failed halt line"
grep -q "exec .*mayday-dcf" "$work/boot.log" && fail "the DCF was started after released"
[ "$(indications)" = 0 ] || fail "something was claimed after a failed exec"
# E(N, failed(6)): N as case 1 read it (same vendor anchor), the event as
# hal_rot_event_failed makes it (label, NUL, reason big-endian).
ev=$(printf 'mayday start-up failed\0\0\0\0\006' | openssl dgst -sha256 -binary | xxd -p -c 64)
want=$(printf '%s%s' "${normal_pcr#0x}" "$ev" | xxd -r -p | openssl dgst -sha256 -binary | xxd -p -c 64)
[ "$(pcr15)" = "0x$want" ] || fail "PCR 15 is $(pcr15), expected E(normal state, failed(6)) = 0x$want"
if tpm2_unseal -T "$SWTPM_TCTI" -c 0x81000a13 -p pcr:sha256:15 >/dev/null 2>"$work/unseal.err"; then
  fail "the TPM unsealed the credentials after a failed exec"
fi
grep -qi 'policy' "$work/unseal.err" || fail "tpm2_unseal failed for another reason: $(cat "$work/unseal.err")"
creds_sign && fail "the TPM signed with the credentials' key after a failed exec"
grep -qi 'policy' "$work/sign.err" || fail "tpm2_sign failed for another reason: $(cat "$work/sign.err")"
echo "5. verified entry that cannot be executed: TrE halted with 23, PCR = E(normal, failed(6)), credentials refused by the TPM, nothing claimed"
echo "PASS"
