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
# One awk over every file (not a head and a grep per file): the check
# must not take minutes on a busy machine.
list=()
while IFS= read -r f; do
  case "$f" in
    tests/corpus/*|tests/unit/vectors/*) continue ;;
    *.c|*.h|*.sh|*.cmake|*.awk|*.h.in|*/CMakeLists.txt|CMakeLists.txt|Makefile|.ci/run) ;;
    *) continue ;;
  esac
  [ -f "$f" ] && list+=("$f")
done <<<"$files"
checked=${#list[@]}
missing=0
if [ "$checked" -gt 0 ]; then
  awk 'FNR <= 5 && index($0, "SPDX-License-Identifier: Apache-2.0") { ok[FILENAME] = 1; nextfile }
       FNR > 5 { nextfile }
       END { for (i = 1; i < ARGC; i++) if (!(ARGV[i] in ok)) {
               print "FAIL: " ARGV[i] " has no SPDX-License-Identifier header"; n++ }
             exit n > 0 }' "${list[@]}" || missing=1
fi
[ "$checked" -gt 100 ] || { echo "FAIL: only $checked files checked"; exit 1; }
[ "$missing" = 0 ] || exit 1
echo "PASS: $checked files carry SPDX-License-Identifier: Apache-2.0"
