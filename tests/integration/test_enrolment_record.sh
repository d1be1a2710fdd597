#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The enrolment record (docs/protocol.md §14) end to end, real binaries on
# 127.0.0.1: mayday-provision makes a PSK device without enrolling it and
# leaves its record; maydayctl imports the record into store A (only with
# the KEK: the PSK is sealed), refuses hostile records without enrolling
# anything, exports the device again (PSK left out without the KEK, sealed
# with it, in clear only when asked); the exported record is imported into a
# fresh store B that a running maydayd ([psk] listener only) created, and the
# tampered device's indication is then stored there as signed, over psk.
set -euo pipefail
build=$1
src=$2
provision=$build/tools/provision/mayday-provision
boot=$build/device/boot/mayday-boot
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
maydayd=$build/server/maydayd
ctl=$build/tools/maydayctl/maydayctl
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd" "$ctl"; do
  [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }
done
for c in sqlite3 jq; do command -v $c >/dev/null || { echo "$c missing" >&2; exit 1; }; done

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-enrolrec-it.XXXXXX")
daemon_pid=
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in maydayd.log boot.log ctl.err; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; tail -20 "$work/$f" >&2; }
  done
  exit 1
}
hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }

id=hnb-rec-0001
dev=$work/dev
kek=$work/pki/psk.kek
port=$("$src/scripts/free-port.sh" udp)

# --- provisioning: no --enrol, the record is left in PKI/devices/ ----------------
"$provision" init --pki "$work/pki" >/dev/null
"$provision" device --pki "$work/pki" --out "$dev" --id "$id" --class femto-x1 \
  --methods psk --hems-psk "127.0.0.1:$port" --dcf-bin "$dcf" --normal-bin "$normal" \
  --components 2 --component-size 4096 >"$work/provision.log" 2>&1 \
  || { cat "$work/provision.log" >&2; fail "provisioning"; }
rec=$work/pki/devices/$id.enrolment.json
[ -f "$rec" ] || fail "no enrolment record $rec"
[ "$(stat -c %a "$rec")" = 600 ] || fail "record mode $(stat -c %a "$rec"), expected 600"
kid=$(hex "$dev/rot/psk_kid")
psk=$(hex "$dev/rot/psk")
shape=$(jq -r '[.version, .device_id, .product_class, .psk.kid, (.psk.sealed | length),
                 (.psk.key == null), (keys | join(","))] | map(tostring) | join(" ")' "$rec")
[ "$shape" = "1 $id femto-x1 $kid 80 true device_id,distress_key,product_class,psk,version" ] ||
  fail "record shape '$shape'"
grep -q "$psk" "$rec" && fail "the record holds the PSK in clear"
# The distress key is the one left beside it as PEM.
jq -r .distress_key "$rec" | base64 -d > "$work/key.der"
openssl pkey -pubin -inform DER -in "$work/key.der" -outform PEM -out "$work/key.pem" 2>/dev/null ||
  fail "distress_key is not a DER SubjectPublicKeyInfo"
cmp -s "$work/key.pem" "$work/pki/devices/$id.pub.pem" || fail "distress_key differs from $id.pub.pem"

# --- store A, made by maydayd (maydayctl never creates a store) ---------------------
mkconf() { # mkconf DB PSKLISTEN
  cat <<CONF
[server]
db = sqlite:$1
hems_key = $work/pki/hems.key.pem
psk_kek = $kek
workers = 2
[udp]
listen = none
[psk]
listen = $2
[api]
socket = $work/api.sock
CONF
}
start_daemon() { # start_daemon CONF
  "$maydayd" -c "$1" -f 2>"$work/maydayd.log" &
  daemon_pid=$!
  for _ in $(seq 200); do
    grep -q 'listening on api socket' "$work/maydayd.log" && return 0
    kill -0 "$daemon_pid" 2>/dev/null || fail "maydayd exited at start"
    sleep 0.05
  done
  fail "maydayd did not start its API socket"
}
stop_daemon() {
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=
}
mkconf "$work/a.db" 127.0.0.1:0 > "$work/a.conf"
start_daemon "$work/a.conf"
stop_daemon
A="sqlite:$work/a.db"
enrolled() { "$ctl" -d "$1" show "$id" >/dev/null 2>&1; }

# A record with a PSK needs the KEK: refused, nothing enrolled.
set +e
"$ctl" -d "$A" enrol --from "$rec" >/dev/null 2>"$work/ctl.err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "enrol --from without --psk-kek exited $rc, expected 2"
enrolled "$A" && fail "a refused record enrolled the device"

# Hostile records: each refused (exit 1), nothing enrolled.
hostile() { # hostile NAME JQ-FILTER
  jq "$2" "$rec" > "$work/$1.json"
  set +e
  "$ctl" -d "$A" enrol --from "$work/$1.json" --psk-kek "$kek" >/dev/null 2>"$work/ctl.err"
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "hostile record $1: exit $rc, expected 1"
  enrolled "$A" && fail "hostile record $1 enrolled the device"
  "$ctl" -d "$A" show hnb-rec-0002 >/dev/null 2>&1 && fail "hostile record $1 enrolled hnb-rec-0002"
  return 0
}
hostile unknown-member '. + {"ike_identity": "x"}'
hostile psk-moved '.device_id = "hnb-rec-0002"'           # the seal is bound to the device ID
hostile kid-changed '.psk.kid = "00112233445566778899"'    # ... and to the kid
hostile space-id '.device_id = "hnb rec 0001"'
hostile two-forms '.psk.key = "'"$psk"'"'
hostile version-2 '.version = 2'
hostile bad-key '.distress_key = "AAAA"'
head -c 5000 /dev/zero | tr '\0' ' ' > "$work/big.json"
set +e
"$ctl" -d "$A" enrol --from "$work/big.json" --psk-kek "$kek" >/dev/null 2>"$work/ctl.err"; rc=$?
set -e
[ "$rc" = 1 ] || fail "a 5000-byte record: exit $rc, expected 1"

"$ctl" -d "$A" enrol --from "$rec" --psk-kek "$kek" >"$work/enrol.out" 2>"$work/ctl.err" ||
  fail "enrol --from the provisioned record"
grep -q "enrolled $id (class femto-x1, with its PSK)" "$work/enrol.out" || fail "enrol said: $(cat "$work/enrol.out")"
row=$(sqlite3 "$work/a.db" "SELECT lower(hex(kid)) || ' ' || length(psk_sealed) FROM psk_keys WHERE device_id = '$id'")
[ "$row" = "$kid 60" ] || fail "store A holds PSK row '$row'"

# --- export -------------------------------------------------------------------
"$ctl" -d "$A" export "$id" > "$work/nopsk.json" 2>"$work/ctl.err" || fail "export without KEK"
grep -q "left out" "$work/ctl.err" || fail "export without KEK did not say the PSK was left out"
[ "$(jq -r '.psk == null' "$work/nopsk.json")" = true ] || fail "export without KEK wrote a PSK"
"$ctl" -d "$A" export "$id" --psk-kek "$kek" --out "$work/sealed.json" 2>"$work/ctl.err" ||
  fail "export with KEK"
[ "$(stat -c %a "$work/sealed.json")" = 600 ] || fail "exported record is not mode 600"
for m in version device_id product_class distress_key .psk.kid; do
  f=$m; [ "${m#.}" = "$m" ] && f=".$m"
  [ "$(jq -c "$f" "$work/sealed.json")" = "$(jq -c "$f" "$rec")" ] || fail "export changed $f"
done
grep -q "$psk" "$work/sealed.json" && fail "the sealed export holds the PSK in clear"
"$ctl" -d "$A" export "$id" --psk-kek "$kek" --plaintext-psk > "$work/plain.json" 2>"$work/ctl.err" ||
  fail "export --plaintext-psk"
[ "$(jq -r .psk.key "$work/plain.json")" = "$psk" ] || fail "--plaintext-psk did not write the RoT's PSK"
grep -q "in clear" "$work/ctl.err" || fail "--plaintext-psk did not warn"
# The clear form imports too (the same kid and key again: nothing changes).
"$ctl" -d "$A" enrol --from "$work/plain.json" --psk-kek "$kek" >/dev/null 2>"$work/ctl.err" ||
  fail "enrol --from the --plaintext-psk export"
row=$(sqlite3 "$work/a.db" "SELECT lower(hex(kid)) || ' ' || length(psk_sealed) FROM psk_keys WHERE device_id = '$id'")
[ "$row" = "$kid 60" ] || fail "after the clear import store A holds PSK row '$row'"
od -An -tx1 -v "$work/a.db" "$work/a.db-wal" 2>/dev/null | tr -d ' \n' | grep -q "$psk" &&
  fail "the PSK is in store A's files in clear"
set +e
"$ctl" -d "$A" export "$id" --plaintext-psk >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || fail "--plaintext-psk without --psk-kek exited $rc, expected 2"

# --- the schema agrees: every record written validates, the hostile ones do not --
if python3 -c 'import jsonschema' 2>/dev/null; then
  python3 - "$src/docs/schema/enrolment.schema.json" "$work" <<'PY' || fail "schema check"
import json, sys
from jsonschema import Draft202012Validator as V
schema = json.load(open(sys.argv[1]))
V.check_schema(schema)
v, w = V(schema), sys.argv[2]
import glob
good = glob.glob(w + "/pki/devices/*.enrolment.json") + [w + "/" + n for n in
        ("nopsk.json", "sealed.json", "plain.json")]
bad = [w + "/" + n + ".json" for n in ("unknown-member", "space-id", "two-forms", "version-2")]
for f in good:
    v.validate(json.load(open(f)))
for f in bad:
    if v.is_valid(json.load(open(f))):
        sys.exit("schema accepts " + f)
print("schema: %d records valid, %d hostile ones invalid" % (len(good), len(bad)))
PY
else
  echo "SKIP (schema part): python3 jsonschema is not installed (scripts/deps.sh: python3-jsonschema)"
fi

# --- store B: fresh, a running maydayd; the exported record; the device ----------
"$provision" tamper --pki "$work/pki" --device "$dev" --what component >/dev/null
mkconf "$work/b.db" "127.0.0.1:$port" > "$work/b.conf"
start_daemon "$work/b.conf"
B="sqlite:$work/b.db"
# maydayd runs on B: the record goes through its API (it opens the PSK with its
# own KEK); maydayctl -d would refuse to write beside it.
"$ctl" -d "$B" enrol --from "$work/sealed.json" --psk-kek "$kek" >/dev/null 2>"$work/ctl.err" &&
  fail "maydayctl -d wrote store B beside its maydayd"
grep -q "maydayd is running: use the API (maydayctl without -d)" "$work/ctl.err" ||
  fail "-d beside maydayd said: $(cat "$work/ctl.err")"
"$ctl" --socket "$work/api.sock" enrol --from "$work/sealed.json" >/dev/null 2>"$work/ctl.err" ||
  fail "enrol --from the exported record into store B: $(cat "$work/ctl.err")"
set +e
"$boot" --device "$dev" >"$work/boot.log" 2>&1
rc=$?
set -e
[ "$rc" = 10 ] || fail "mayday-boot exited $rc, expected 10 (distress acknowledged)"
got=$(sqlite3 -separator ' ' "$work/b.db" \
  "SELECT transport, trust, channel_auth, lower(peer_identity) FROM indications WHERE device_id = '$id'")
[ "$got" = "5 signed psk $kid" ] || fail "store B indication row '$got', expected '5 signed psk $kid'"
echo "ok: $id provisioned, its record imported (A), exported, imported (B); its indication stored signed over psk"
