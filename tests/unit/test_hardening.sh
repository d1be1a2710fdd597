#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Each binary given is hardened as Debian's packages are: full RELRO (a
# GNU_RELRO segment and BIND_NOW, or FLAGS NOW / FLAGS_1 NOW), a PIE
# (ELF type DYN), the stack protector and _FORTIFY_SOURCE's checked calls
# in use (__stack_chk_fail, some __*_chk). With debugging builds (no
# optimisation, so no _FORTIFY_SOURCE) the last check is skipped.
set -euo pipefail
command -v readelf >/dev/null || { echo "readelf (binutils) missing" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ $# -gt 0 ] || fail "usage: $0 BINARY..."
for b in "$@"; do
  [ -x "$b" ] || fail "missing $b"
  readelf -lW "$b" | grep -q 'GNU_RELRO' || fail "$b: no GNU_RELRO segment (partial RELRO at best)"
  readelf -dW "$b" | grep -Eq '\(BIND_NOW\)|\(FLAGS\).*\bNOW\b|\(FLAGS_1\).*\bNOW\b' ||
    fail "$b: not linked with -z now (lazy binding: partial RELRO)"
  readelf -hW "$b" | grep -Eq 'Type:[[:space:]]+DYN' || fail "$b: not a PIE"
  syms=$(readelf -sW --dyn-syms "$b")
  grep -q '__stack_chk_fail' <<<"$syms" || fail "$b: no stack protector"
  if readelf -wi "$b" 2>/dev/null | grep -q 'DW_AT_producer.* -O[1-3s]'; then
    grep -Eq '__[a-z_]+_chk(@|$| )' <<<"$syms" || fail "$b: no _FORTIFY_SOURCE checked calls"
  fi
  echo "ok: $b: full RELRO, BIND_NOW, PIE, stack protector"
done
