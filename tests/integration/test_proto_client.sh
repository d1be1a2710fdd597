#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# proto_client.py, the indication client written from docs/protocol.md alone
# (issue 12), against the hex of protocol.md §10: the evidence maps, the
# indication claims, the protected header, the Sig_structure and the signed
# indication up to its signature are compared byte for byte; its own ES256
# signature (random, so not comparable) is verified with openssl against
# the §10 public key; the §10 signed indication and acknowledgement verify
# and decode. Then the same self-test on a copy of protocol.md with one
# claims byte changed must fail, so the comparison is known to bite.
#   test_proto_client.sh SOURCE_DIR
set -eu
src=$1
for t in python3 openssl; do
  command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
client="python3 -B $src/tests/integration/proto_client.py"
$client selftest "$src/docs/protocol.md" || { echo "FAIL: selftest" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mayday-proto.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# counter 42 (182a) of the claims and of the Sig_structure become 43
sed 's/^\(a90001016f686e622d61636d652d30303031323302\)182a/\1182b/;
     s/^\(2d30303031323302\)182a/\1182b/' "$src/docs/protocol.md" > "$tmp/protocol.md"
! cmp -s "$src/docs/protocol.md" "$tmp/protocol.md" || { echo "FAIL: the doc copy was not altered" >&2; exit 1; }
if $client selftest "$tmp/protocol.md" > "$tmp/out"; then
  cat "$tmp/out"
  echo "FAIL: the self-test passed against altered vectors" >&2
  exit 1
fi
grep -q '^FAIL indication claims' "$tmp/out" || { cat "$tmp/out"; echo "FAIL: the altered claims were not the failure" >&2; exit 1; }
echo PASS
