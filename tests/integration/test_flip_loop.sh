#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An on-path attacker flips one bit of the indication's signature on the
# device's first method (plain UDP, through tests/integration/flip_relay.c);
# maydayd stores that copy as unverified and answers, correctly signed,
# "stored-unverified". That answer is no acknowledgement: the DCF must count
# it as a failed attempt, move on to its next method (plain HTTP, untouched)
# and get the report verified and stored there. The network's record must
# then show a signed indication and the device in distress -- not a device
# that looks healthy because its distress report was silenced.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-flip.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do echo "== $f"; cat "$f"; done >&2; exit 1; }

prov="$build/tools/provision/mayday-provision"
ctl="$build/tools/maydayctl/maydayctl"
relay="$build/tests/flip_relay"
for b in "$prov" "$ctl" "$relay" "$build/server/maydayd" "$build/device/boot/mayday-boot"; do
  [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }
done
db="sqlite:$work/hems.db"
pki="$work/pki"
"$prov" init --pki "$pki" >/dev/null

udp_port=$("$src/scripts/free-port.sh" udp)     # maydayd
relay_port=$("$src/scripts/free-port.sh" udp)   # the attacker, where the device sends
http_port=$("$src/scripts/free-port.sh" tcp)    # maydayd, not on the attacker's path

id=hnb-flip
"$prov" device --pki "$pki" --out "$work/dev/$id" --id "$id" --class femto-x1 \
  --dcf-bin "$build/device/dcf/mayday-dcf" --normal-bin "$build/device/normal/mayday-normal" \
  --hems-udp "127.0.0.1:$relay_port" --hems-http "http://127.0.0.1:$http_port/v1/distress" \
  --methods plain-udp,plain-http --enrol "$db" >/dev/null
"$prov" tamper --pki "$pki" --device "$work/dev/$id" --what component >/dev/null

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem

[udp]
listen = 127.0.0.1:$udp_port

[http]
listen = 127.0.0.1:$http_port
CONF
"$build/server/maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
pids+=($!)
for _ in $(seq 100); do
  [ "$(grep -c 'listening' "$work/maydayd.log" 2>/dev/null)" -ge 2 ] && break
  sleep 0.05
done
[ "$(grep -c 'listening' "$work/maydayd.log")" -ge 2 ] || fail "maydayd did not start both listeners"

"$relay" "$relay_port" "$udp_port" 0 >"$work/relay.out" 2>"$work/relay.log" &
pids+=($!)
for _ in $(seq 100); do grep -q ready "$work/relay.out" 2>/dev/null && break; sleep 0.05; done
grep -q ready "$work/relay.out" || fail "the relay did not start"

set +e
"$build/device/boot/mayday-boot" --device "$work/dev/$id" >"$work/device.log" 2>&1
rc=$?
set -e
[ "$rc" = 10 ] || fail "boot exited $rc, expected 10 (acknowledged after moving on)"

flipped=$(grep -c 'to maydayd' "$work/relay.log" || true)
[ "$flipped" -ge 1 ] || fail "nothing went through the relay"

show=$("$ctl" -d "$db" --json show "$id")
signed=$(jq '[.indications[] | select(.trust == "signed")] | length' <<<"$show")
[ "$signed" -ge 1 ] || fail "no signed indication recorded for $id: $show"
[ "$(jq -r '[.indications[] | select(.trust == "signed")][0].transport' <<<"$show")" = plain-http ] ||
  fail "the signed indication did not come over plain-http: $show"
unverified=$(jq '[.indications[] | select(.trust == "unverified" and .transport == "plain-udp")] | length' <<<"$show")
[ "$unverified" -ge 1 ] || fail "the flipped copy was not recorded as unverified: $show"
[ "$(jq '.incidents | length' <<<"$show")" -ge 1 ] || fail "no incident opened: $show"
state=$(jq -r '.device.state' <<<"$show")
[ "$state" != healthy ] || fail "the device still looks healthy to the network"
# and the device's own record says what it was told
grep -q 'could not verify counter' "$work/device.log" ||
  fail "the DCF log does not record the stored-unverified answer"
grep -q 'moving on to plain-http' "$work/device.log" || fail "the DCF did not move on to plain-http"
echo "flipped $flipped datagram(s) on plain-udp: $unverified stored unverified; the DCF moved on;" \
  "$signed signed indication(s) over plain-http; device $state"
