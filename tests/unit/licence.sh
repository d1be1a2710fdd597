#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every source, build and script file the project tracks names its licence
# in an SPDX header near its top (LICENSE holds the text), so a file copied
# into a vendor's tree keeps saying what it is. Data files (fuzz corpora,
# test vectors) and prose are not source and carry none.
# usage: licence.sh SOURCE_DIR
set -uo pipefail
src=$1
cd "$src" || exit 2
[ -f LICENSE ] && grep -q 'Apache License' LICENSE || { echo "FAIL: LICENSE missing"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files)
else
  files=$(find . -type f -not -path './.git/*' -not -path './build*' | sed 's|^\./||')
fi
missing=0 checked=0
while IFS= read -r f; do
  case "$f" in
    tests/corpus/*|tests/unit/vectors/*) continue ;;
    *.c|*.h|*.sh|*.cmake|*.awk|*.h.in|*/CMakeLists.txt|CMakeLists.txt|Makefile|.ci/run) ;;
    *) continue ;;
  esac
  [ -f "$f" ] || continue
  checked=$((checked + 1))
  head -n 5 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' ||
    { echo "FAIL: $f has no SPDX-License-Identifier header"; missing=$((missing + 1)); }
done <<<"$files"
[ "$checked" -gt 100 ] || { echo "FAIL: only $checked files checked"; exit 1; }
[ "$missing" = 0 ] || exit 1
echo "PASS: $checked files carry SPDX-License-Identifier: Apache-2.0"
