#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Each binary given is hardened as Debian's packages are: full RELRO (a
# GNU_RELRO segment and BIND_NOW, or FLAGS NOW / FLAGS_1 NOW), a PIE
# (ELF type DYN), the stack protector and _FORTIFY_SOURCE's checked calls
# in use (__stack_chk_fail, some __*_chk). With debugging builds (no
# optimisation, so no _FORTIFY_SOURCE) the last check is skipped.
# Binaries after --static are static executables that are not PIEs (where the
# C library has no static-pie, cmake/dcf_static.cmake): RELRO and the checked
# calls as above, but no PIE and no dynamic section, so no BIND_NOW to look
# for (nothing is bound at run time).
# usage: test_hardening.sh BINARY... [--static BINARY...]
set -euo pipefail
command -v readelf >/dev/null || { echo "readelf (binutils) missing" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ $# -gt 0 ] || fail "usage: $0 BINARY..."
static=
for b in "$@"; do
  if [ "$b" = --static ]; then
    static=1
    continue
  fi
  [ -x "$b" ] || fail "missing $b"
  readelf -lW "$b" | grep -q 'GNU_RELRO' || fail "$b: no GNU_RELRO segment (partial RELRO at best)"
  if [ -n "$static" ]; then
    readelf -lW "$b" | grep -Eq 'INTERP|DYNAMIC' && fail "$b: given as static, but it links dynamically"
    readelf -hW "$b" | grep -Eq 'Type:[[:space:]]+EXEC' || fail "$b: given as static non-PIE, but not EXEC"
  else
    readelf -dW "$b" | grep -Eq '\(BIND_NOW\)|\(FLAGS\).*\bNOW\b|\(FLAGS_1\).*\bNOW\b' ||
      fail "$b: not linked with -z now (lazy binding: partial RELRO)"
    readelf -hW "$b" | grep -Eq 'Type:[[:space:]]+DYN' || fail "$b: not a PIE"
  fi
  syms=$(readelf -sW --dyn-syms "$b")
  grep -q '__stack_chk_fail' <<<"$syms" || fail "$b: no stack protector"
  if readelf -wi "$b" 2>/dev/null | grep -q 'DW_AT_producer.* -O[1-3s]'; then
    grep -Eq '__[a-z_]+_chk(@|$| )' <<<"$syms" || fail "$b: no _FORTIFY_SOURCE checked calls"
  fi
  if [ -n "$static" ]; then
    echo "ok: $b: static (not a PIE), RELRO, stack protector"
  else
    echo "ok: $b: full RELRO, BIND_NOW, PIE, stack protector"
  fi
done
