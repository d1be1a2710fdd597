#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# maydayctl's text output escapes what devices sent: an unauthenticated
# indication naming an enrolled device with ESC[2J, an OSC title and BEL in
# its versions, peer, identity and a component name must reach the operator's
# terminal as visible \xNN escapes, in every table (show, devices), never as
# the raw bytes; a backslash is doubled so an escape cannot be forged either.
# The row is put in the store directly: what maydayctl prints is the point.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"

enrol hnb-1
nasty="x'||char(27)||'[2J'||char(27)||']0;pwned'||char(7)||'\\q'||char(155)||'y"
q "INSERT INTO indications (device_id, counter, received_at, device_time, transport, trust, peer,
    reason, image_version, manifest_rollback, dcf_version, slot, boot_attempts, free_space,
    max_image_size, raw, digest, channel_auth, peer_identity)
  VALUES ('hnb-1', 1, 1700000000, 1700000000, 1, 'unverified', '$nasty', 1, '$nasty', 0,
    '$nasty', 0, 0, 0, 0, x'00', x'00', 'none', '$nasty')" || fail "insert"
id=$(q "SELECT id FROM indications")
q "INSERT INTO failed_components (indication_id, idx, name, flags, expected_size, measured_size,
    expected_digest, measured_digest) VALUES ($id, 0, '$nasty', 1, 1, 2, '$nasty', '$nasty')" ||
  fail "insert component"
q "SELECT dcf_version FROM indications" | LC_ALL=C grep -q $'\x1b\\[2J' || fail "the row lacks the raw ESC"

"$ctl" -d "$store" show hnb-1 >"$work/show.txt" || fail "maydayctl show"
"$ctl" -d "$store" devices >"$work/devices.txt" || fail "maydayctl devices"
"$ctl" -d "$store" classes >"$work/classes.txt" || fail "maydayctl classes"
for f in show devices classes; do
  LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f-\xff]' "$work/$f.txt" &&
    fail "maydayctl $f printed a control or 8-bit byte: $(od -c "$work/$f.txt" | head)"
done
n=$(grep -cF 'x\x1b[2J\x1b]0;pwned\x07\\q\xc2\x9by' "$work/show.txt")
[ "$n" -ge 4 ] || fail "show: the versions, peer and component not escaped visibly ($n): $(cat "$work/show.txt")"
grep -q 'image x\\x1b\[2J.*dcf x\\x1b\[2J' "$work/show.txt" || fail "show: versions: $(cat "$work/show.txt")"
# The JSON keeps the bytes, as JSON escapes.
"$ctl" -d "$store" --json show hnb-1 | jq -e '.indications[0].dcf_version | contains("\u001b[2J")' \
  >/dev/null || fail "JSON lost the text"
echo "PASS"
