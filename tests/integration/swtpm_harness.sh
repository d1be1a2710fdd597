# SPDX-License-Identifier: Apache-2.0
# Sourced by integration tests that need a TPM 2.0: swtpm as the script's
# child on a UNIX socket, its state in a directory the caller gives (one
# per test), the twin of tests/unit/swtpm_fixture.c.
#
#   swtpm_require             exit 77 (CTest SKIP_RETURN_CODE) with a
#                             message when swtpm or tpm2-tools are missing
#   swtpm_start DIR           start on DIR/state (created; kept across
#                             restarts) and wait (30 s) until the TPM
#                             answers; sets SWTPM_PID, SWTPM_SOCK,
#                             SWTPM_TCTI ("swtpm:path=DIR/tpm.sock") and
#                             SWTPM_SPEC ("tpm2:$SWTPM_TCTI", a RoT spec)
#   swtpm_stop                orderly power-off: TPM2_Shutdown(CLEAR), then
#                             SIGTERM (nothing else may hold the TPM)
#   swtpm_power_cut           SIGKILL, no TPM2_Shutdown (a power loss)
#   swtpm_restart             swtpm_stop + swtpm_start on the same DIR (a reboot)
#   swtpm_restart_unclean     swtpm_power_cut + swtpm_start
#   swtpm_cleanup             power-cut swtpm if it still runs; call it from
#                             the test's EXIT trap
# Every start is a boot: swtpm runs with --flags not-need-init,startup-clear.

SWTPM_PID=
SWTPM_DIR=
SWTPM_SOCK=
SWTPM_TCTI=
SWTPM_SPEC=

swtpm_require() {
  local p
  for p in swtpm tpm2_getrandom tpm2_shutdown; do
    if ! command -v "$p" >/dev/null 2>&1; then
      echo "SKIP: $p is not installed (apt-get install swtpm swtpm-tools tpm2-tools," \
           "scripts/deps.sh): this test needs a software TPM" >&2
      exit 77
    fi
  done
}

swtpm_start() {
  local dir=$1 i
  SWTPM_DIR=$dir
  SWTPM_SOCK=$dir/tpm.sock
  SWTPM_TCTI="swtpm:path=$SWTPM_SOCK"
  SWTPM_SPEC="tpm2:$SWTPM_TCTI"
  mkdir -p "$dir/state"
  swtpm socket --tpm2 --tpmstate dir="$dir/state" \
    --server type=unixio,path="$SWTPM_SOCK" --ctrl type=unixio,path="$SWTPM_SOCK.ctrl" \
    --flags not-need-init,startup-clear --log file="$dir/swtpm.log" </dev/null >/dev/null &
  SWTPM_PID=$!
  for i in $(seq 1 300); do
    if TSS2_LOG=all+NONE tpm2_getrandom -T "$SWTPM_TCTI" 8 >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$SWTPM_PID" 2>/dev/null; then
      echo "swtpm_start: swtpm exited before it answered; see $dir/swtpm.log" >&2
      SWTPM_PID=
      return 1
    fi
    sleep 0.1
  done
  echo "swtpm_start: swtpm did not answer within 30 s" >&2
  swtpm_power_cut
  return 1
}

swtpm_end_() {
  [ -n "$SWTPM_PID" ] || { echo "swtpm: not running" >&2; return 1; }
  kill "-$1" "$SWTPM_PID" 2>/dev/null || true
  wait "$SWTPM_PID" 2>/dev/null || true
  SWTPM_PID=
  rm -f "$SWTPM_SOCK"
}

swtpm_stop() {
  local rc=0
  if [ -n "$SWTPM_PID" ] &&
     ! TSS2_LOG=all+NONE timeout 10 tpm2_shutdown -T "$SWTPM_TCTI" -c >/dev/null 2>&1; then
    echo "swtpm_stop: TPM2_Shutdown failed (is the TPM still in use?)" >&2
    rc=1
  fi
  swtpm_end_ TERM || rc=1
  return $rc
}

swtpm_power_cut() { swtpm_end_ KILL; }

swtpm_restart() { swtpm_stop && swtpm_start "$SWTPM_DIR"; }

swtpm_restart_unclean() { swtpm_power_cut && swtpm_start "$SWTPM_DIR"; }

swtpm_cleanup() {
  if [ -n "$SWTPM_PID" ]; then swtpm_end_ KILL || true; fi
}
