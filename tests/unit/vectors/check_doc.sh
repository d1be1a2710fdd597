#!/bin/sh
# Checks that the test vectors in docs/protocol.md are what mayday_gen_vectors
# prints (the same bytes the unit tests use). With --update, rewrites the
# block between the BEGIN/END VECTORS markers instead.
#   check_doc.sh GEN_VECTORS_EXE PROTOCOL_MD [--update]
set -eu
gen=$1
doc=$2
begin='<!-- BEGIN VECTORS (mayday_gen_vectors --md) -->'
end='<!-- END VECTORS -->'
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.doc"' EXIT
"$gen" --md > "$tmp"
if [ "${3:-}" = "--update" ]; then
  awk -v b="$begin" -v e="$end" -v f="$tmp" '
    $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
    $0 == e { skip = 0 }
    !skip { print }' "$doc" > "$tmp.doc"
  cat "$tmp.doc" > "$doc"
  exit 0
fi
awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$doc" |
  diff -u - "$tmp" || { echo "check_doc.sh: $doc vectors differ from $gen --md" >&2; exit 1; }
