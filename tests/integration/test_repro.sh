#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Reproducible DCF (issue 17): two clean builds of the DCF partition's
# programs (mayday-dcf, and mayday-boot, which verifies it) from the same
# sources give the same bytes, although every path differs: each build has
# its own copy of the source tree at a path of a different length, one with
# its build directory inside the source tree, one outside. Nothing is taken
# from a compiler cache (CCACHE_DISABLE), so both really compile.
# On a difference: the first differing offset, and the ELF section it is in.
# usage: test_repro.sh SRC_DIR C_COMPILER [BUILD_TYPE]
set -euo pipefail
src=$1
cc=$2
build_type=${3:-RelWithDebInfo}
jobs=${REPRO_JOBS:-2}
command -v git >/dev/null && git -C "$src" rev-parse HEAD >/dev/null 2>&1 ||
  { echo "SKIP: $src is not a git checkout (the builds take the commit from it)"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-repro.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

commit=$(git -C "$src" rev-parse HEAD)
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct)
export CCACHE_DISABLE=1

# copy DEST: the tree as it is now (tracked and new files, not ignored ones)
copy() {
  mkdir -p "$1"
  git -C "$src" ls-files -z --cached --others --exclude-standard |
    (cd "$src" && { tar --null --no-recursion -T - -cf - 2>/dev/null || true; }) |
    tar -xf - -C "$1"   # (a file deleted but not yet committed is simply not copied)
}
# build SRC BUILD: configure and build the two programs
build() {
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_C_COMPILER="$cc" \
    -DMAYDAY_DEVICE_ONLY=ON -DMAYDAY_BUILD_COMMIT="$commit" >"$2.log" 2>&1 ||
    { tail -20 "$2.log"; fail "configuring $2"; }
  cmake --build "$2" -j "$jobs" --target mayday-dcf mayday-boot >>"$2.log" 2>&1 ||
    { tail -20 "$2.log"; fail "building in $2"; }
}
a_src=$work/a
b_src=$work/second-copy-of-the-tree/src
copy "$a_src"
copy "$b_src"
[ -f "$a_src/CMakeLists.txt" ] || fail "the source tree was not copied"
build "$a_src" "$a_src/build"
build "$b_src" "$work/b-build-elsewhere"

# section_at FILE OFFSET: the ELF section holding that file offset
# (bash arithmetic for the hex: Debian's awk, mawk, has no strtonum)
section_at() {
  local name type addr off size rest
  readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' |
    while read -r name type addr off size rest; do
      [ "$type" = NOBITS ] && continue
      [[ $off =~ ^[0-9a-f]+$ && $size =~ ^[0-9a-f]+$ ]] || continue
      if [ "$2" -ge $((16#$off)) ] && [ "$2" -lt $((16#$off + 16#$size)) ]; then
        echo "$name"
        return
      fi
    done
}
status=0
for p in device/dcf/mayday-dcf device/boot/mayday-boot; do
  a=$a_src/build/$p
  b=$work/b-build-elsewhere/$p
  if out=$(cmp "$a" "$b" 2>&1); then
    echo "ok: $p: identical ($(stat -c %s "$a") bytes, sha256 $(sha256sum <"$a" | cut -c1-16)...)"
  else
    byte=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "byte") { sub(/,/, "", $(i+1)); print $(i+1); exit } }' <<<"$out")
    if [ -n "$byte" ]; then
      off=$((byte - 1))
      echo "FAIL: $p differs: first at offset $off (0x$(printf %x "$off")), section $(section_at "$a" "$off")" >&2
    else
      echo "FAIL: $p differs: $out" >&2
    fi
    status=1
  fi
  # No path of either build in the program (debug information included).
  for d in "$work" "$src"; do
    ! grep -qaF "$d" "$a" || { echo "FAIL: $p contains the path $d" >&2; status=1; }
  done
done
# The build IDs are content hashes, so equal too (checked above with the
# bytes); shown for the record.
readelf -nW "$a_src/build/device/dcf/mayday-dcf" | awk '/Build ID:/ { print "build ID: " $NF }'
exit $status
