#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every program answers --version ("NAME mayday VERSION" on stdout, exit 0)
# and --help (its usage on stdout, nothing on stderr, exit 0), and its man
# page documents every long option its --help (and, for mayday-provision and
# maydayctl, each command's --help; maydayctl's to stdout only, exit 0)
# offers: a page that falls behind the program fails.
#
# usage: test_cli.sh VERSION MANDIR NAME=PATH...
set -uo pipefail
version=$1 mandir=$2
shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0 checks=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The long options a usage text names, one per line.
options_of() { grep -oE -- '--[a-z][a-z0-9-]*' "$@" | sort -u; }

for arg in "$@"; do
  name=${arg%%=*} bin=${arg#*=}
  [ -x "$bin" ] || { fail "$name: no executable at $bin"; continue; }
  page=$(ls "$mandir/$name".[18] 2>/dev/null | head -n1)
  [ -n "$page" ] || { fail "$name: no man page in $mandir"; continue; }

  checks=$((checks + 1))
  out=$("$bin" --version 2>"$work/err"); rc=$?
  [ $rc -eq 0 ] || fail "$name --version: exit $rc"
  [ "$out" = "$name mayday $version" ] || fail "$name --version printed '$out'"
  [ ! -s "$work/err" ] || fail "$name --version wrote to stderr: $(head -c 200 "$work/err")"

  "$bin" --help >"$work/help" 2>"$work/err"; rc=$?
  [ $rc -eq 0 ] || fail "$name --help: exit $rc"
  head -n1 "$work/help" | grep -q "^usage: $name " || fail "$name --help: no 'usage: $name' line"
  [ ! -s "$work/err" ] || fail "$name --help wrote to stderr: $(head -c 200 "$work/err")"
  echo "ok $name: $out"

  # The usage texts to hold the page against: --help, whatever stream it
  # used, and for a program with commands each command's --help.
  "$bin" --help >"$work/usage" 2>&1
  if [ "$name" = mayday-provision ] || [ "$name" = maydayctl ]; then
    ncmd=0
    for cmd in $(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$work/usage"); do
      ncmd=$((ncmd + 1))
      "$bin" "$cmd" --help >"$work/cmd-help" 2>"$work/err" || fail "$name $cmd --help: exit $?"
      cat "$work/cmd-help" "$work/err" >>"$work/usage"
      [ "$name" != maydayctl ] || [ ! -s "$work/err" ] ||
        fail "$name $cmd --help wrote to stderr: $(head -c 200 "$work/err")"
    done
    [ $ncmd -ge 5 ] || fail "$name: only $ncmd commands found in its usage"
  fi
  sed 's/\\-/-/g' "$page" >"$work/page"
  n=0
  for opt in $(options_of "$work/usage"); do
    n=$((n + 1))
    grep -qE -- "${opt}([^a-z0-9-]|\$)" "$work/page" || fail "$name: $opt (in its usage) is not in $(basename "$page")"
  done
  [ $n -gt 0 ] || fail "$name: no option found in its usage"
  echo "ok $name: the $n options of its usage are in $(basename "$page")"
done
[ $checks -gt 0 ] || fail "no program checked"
echo "$checks programs checked for --version/--help"
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
