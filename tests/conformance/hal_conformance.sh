#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# HAL conformance harness (docs/porting.md, "Proving a backend"): runs mayday's
# own power-cut and fault-injection tests -- the same test programs `make
# check` runs, not copies -- against the flash and RoT backends named here.
#
# usage: hal_conformance.sh --bin DIR [--flash SPEC] [--fault SPEC] [--rot SPEC]
#                           [--suite NAME]... [--list]
#   --bin DIR     where the test programs are (BUILD/tests)
#   --flash SPEC  the flash backend under test                   (host)
#   --fault SPEC  its counting, power-cutting variant: must accept
#                 cut=N and flip=PART/NAME@BIT after ':' or ','   (fault)
#   --rot SPEC    the RoT backend under test, e.g. tpm2:...       (file)
#   --suite NAME  run only this suite (repeatable); --list names them
# Exit 0 when every suite passes, 1 when one fails, 2 on usage errors.
# Each suite's output is kept in $MAYDAY_CONFORMANCE_LOG_DIR (default: a
# temporary directory, named at the end) for the suites that failed.
set -uo pipefail

bin= flash=host fault=fault rot=file list=0
suites=()
# name | program | cmocka filter ("" = all of it) | what it proves
table=(
  "flash-protocol|test_flash||names, atomic replace, streaming writers, temporaries, write protection"
  "flash-powercut|test_flash_fault|test_cut_*|a cut at every counted operation leaves the old file or the new, never a mix"
  "flash-power-off|test_flash_fault|test_power_off_touches_nothing|once power is gone nothing is read or written"
  "flash-bitflip|test_flash_fault|test_flip|bit flips reach the reader as they are read"
  "rot-signer|test_rot_file|test_signer|the distress key signs inside the RoT, verifiably"
  "rot-counters|test_rot_file|test_counters|counters only go up, and refuse to wrap"
  "rot-counter-powercut|test_rot_file|test_power_cut_*|a cut while a counter advances leaves the old or the new value"
  "rot-counter-bitflip|test_rot_file|test_corrupt_counters|every single-bit error in the counters is detected, never reset"
  "boot-state-powercut|test_boot_confirm||confirming a slot survives a cut at every operation"
  "update-powercut|test_update_powercut||an install cut at every operation boots old, new or the DCF, never none"
)

usage() { sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=${2:?}; shift 2 ;;
    --flash) flash=${2:?}; shift 2 ;;
    --fault) fault=${2:?}; shift 2 ;;
    --rot) rot=${2:?}; shift 2 ;;
    --suite) suites+=("${2:?}"); shift 2 ;;
    --list) list=1; shift ;;
    -h|--help) usage ;;
    *) echo "hal_conformance: unknown argument $1" >&2; usage ;;
  esac
done
if [ "$list" = 1 ]; then
  for row in "${table[@]}"; do IFS='|' read -r name prog filter what <<<"$row"
    printf '%-22s %s\n' "$name" "$what"; done
  exit 0
fi
[ -n "$bin" ] || { echo "hal_conformance: --bin DIR is required" >&2; usage; }
for s in "${suites[@]+"${suites[@]}"}"; do
  printf '%s\n' "${table[@]}" | grep -q "^$s|" || { echo "hal_conformance: no suite $s (--list)" >&2; exit 2; }
done

logs=${MAYDAY_CONFORMANCE_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/hal-conformance.XXXXXX")}
mkdir -p "$logs"
echo "HAL conformance: flash=$flash fault=$fault rot=$rot"
failed=0 passed=0
for row in "${table[@]}"; do
  IFS='|' read -r name prog filter what <<<"$row"
  if [ ${#suites[@]} -gt 0 ] && ! printf '%s\n' "${suites[@]}" | grep -qx "$name"; then continue; fi
  if [ ! -x "$bin/$prog" ]; then
    printf 'FAIL  %-22s %s is not built in %s\n' "$name" "$prog" "$bin"; failed=$((failed + 1)); continue
  fi
  start=$(date +%s)
  # test_host_* check the host backend's own layout and spec syntax: never
  # counted for (or against) a backend under test.
  MAYDAY_TEST_FLASH=$flash MAYDAY_TEST_FAULT=$fault MAYDAY_TEST_ROT=$rot \
    MAYDAY_TEST_FILTER=$filter MAYDAY_TEST_SKIP='test_host_*' "$bin/$prog" >"$logs/$name.log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  # A filter that matched nothing would pass vacuously: cmocka prints the count.
  if [ $rc -eq 0 ] && grep -q '^\[  PASSED  \] 0 test' "$logs/$name.log"; then rc=1; fi
  if [ $rc -eq 0 ]; then
    printf 'ok    %-22s %3ss  %s\n' "$name" "$secs" "$what"
    passed=$((passed + 1))
  else
    printf 'FAIL  %-22s %3ss  %s (log: %s)\n' "$name" "$secs" "$what" "$logs/$name.log"
    failed=$((failed + 1))
  fi
done
echo "$passed of $((passed + failed)) suites passed"
[ "$failed" -eq 0 ] && { [ -z "${MAYDAY_CONFORMANCE_LOG_DIR:-}" ] && rm -rf "$logs"; exit 0; }
exit 1
