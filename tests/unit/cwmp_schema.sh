#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every envelope the project emits validates against the CWMP schema.
# usage: cwmp_schema.sh <cwmp_emit_samples> <all.xsd>
# Exit 77 (skipped) when the shared schema directory or xmllint is absent.
set -eu
emit=$1 xsd=$2
if [ ! -f "$xsd" ]; then
	echo "SKIP: CWMP schema not found at $xsd (the shared dir sits beside the clone as ../shared)"
	exit 77
fi
if ! command -v xmllint >/dev/null 2>&1; then
	echo "SKIP: xmllint not installed (Debian package libxml2-utils)"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/cwmp_schema.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$emit" "$dir"
n=0
for f in "$dir"/*.xml; do
	xmllint --noout --nonet --schema "$xsd" "$f"
	n=$((n + 1))
done
[ "$n" -ge 13 ] || { echo "FAIL: expected 13 message kinds, got $n"; exit 1; }
echo "OK: $n envelopes validate"
