#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The man pages: groff and man-db format each without a single warning (an
# undefined macro, a line that cannot be broken at 80 columns), each has the
# sections a reader looks for, every mayday page one refers to exists, and
# the configuration pages list every key, in its section, that the parsers
# (server/srv_config.c, device/dcf/dcf_config.c) accept.
#
# usage: test_man.sh SRCDIR PAGE...   (PAGE relative to SRCDIR)
set -uo pipefail
src=$1
shift
for tool in groff man; do
  command -v $tool >/dev/null || { echo "FAIL: $tool missing (scripts/deps.sh installs groff-base, man-db)"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-man.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
names=" "
for p in "$@"; do names+="$(basename "$p") "; done

for p in "$@"; do
  f=$src/$p base=$(basename "$p")
  [ -s "$f" ] || { fail "$p missing or empty"; continue; }
  groff -ww -z -man "$f" 2>"$work/groff"
  [ ! -s "$work/groff" ] || fail "$p: groff -ww: $(cat "$work/groff")"
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" >"$work/text" 2>"$work/man"
  [ ! -s "$work/man" ] || fail "$p: man --warnings: $(cat "$work/man")"
  [ -s "$work/text" ] || fail "$p: formats to nothing"
  # .TH NAME SECTION, as the file is named.
  sect=${base##*.} title=${base%.*}
  th=$(sed -n 's/^\.TH \([^ ]*\) \([0-9]\) .*/\1 \2/p' "$f" | sed 's/\\-/-/g')
  [ "$th" = "$(echo "$title" | tr a-z A-Z) $sect" ] || fail "$p: .TH is '$th'"
  for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
    grep -q "^\.SH \"\?$s\"\?\$" "$f" || fail "$p: no $s section"
  done
  grep -q "^SPDX\|SPDX-License-Identifier: Apache-2.0" "$f" || fail "$p: no SPDX header"
  # Cross references to our own pages must resolve.
  for ref in $(sed 's/\\-/-/g' "$f" | sed -n 's/^\.BR \(mayday[a-z.-]*\|dcf\.conf\) (\([0-9]\)).*/\1.\2/p'); do
    [[ $names == *" $ref "* ]] || fail "$p refers to $ref, which is not one of the pages"
  done
  echo "ok $p"
done

# Every key the parser accepts, in its section, appears in the page's
# section of that name.
keys_in_page() {   # "section/word" for every word of a .B/.BI/.BR line under .SH "[section]"
  sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$1" | awk '
    /^\.SH "\[/ { sec = $0; sub(/^\.SH "\[/, "", sec); sub(/\]".*/, "", sec); next }
    /^\.SH/ { sec = ""; next }
    sec != "" && /^\.B[IR]? / { n = split($0, w, /[^a-z0-9_]+/); for (i = 1; i <= n; i++) if (w[i] != "") print sec "/" w[i] }' | sort -u
}
check_keys() {   # PAGE SOURCE: keys of the source's { "section", "key", ... } table
  local page=$src/$1 source=$src/$2 n=0
  keys_in_page "$page" >"$work/pagekeys"
  for k in $(sed -n 's/^[[:space:]]*{ *"\([a-z]*\)", *"\([a-z0-9_]*\)",.*/\1\/\2/p' "$source"); do
    n=$((n + 1))
    grep -qx "$k" "$work/pagekeys" || fail "$1: [${k%%/*}] ${k#*/} (accepted by $2) is not documented"
  done
  [ $n -ge 10 ] || fail "$2: only $n keys found; has the table's layout changed?"
  echo "ok $1: all $n keys of $2"
}
check_keys docs/man/maydayd.conf.5 server/srv_config.c
check_keys docs/man/dcf.conf.5 device/dcf/dcf_config.c

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
