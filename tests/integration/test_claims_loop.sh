#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# [dcf] claims end to end against the real binaries: two tampered devices
# report over plain UDP to one maydayd, one with the default dcf.conf
# (message version 1), one whose dcf.conf says `claims = eat` (version 2,
# docs/protocol.md §6.2, the partition re-signed by mayday-provision
# dcf-conf). Both are acknowledged (mayday-boot exits 10) and the network's
# record says which version each DCF sent.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-claims.XXXXXX")
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
db="sqlite:$work/hems.db"
pki="$work/pki"
"$prov" init --pki "$pki" >/dev/null
udp_port=$("$src/scripts/free-port.sh" udp)

device() {  # ID [claims]
  "$prov" device --pki "$pki" --out "$work/dev/$1" --id "$1" --class femto-x1 \
    --dcf-bin "$build/device/dcf/mayday-dcf" --normal-bin "$build/device/normal/mayday-normal" \
    --hems-udp "127.0.0.1:$udp_port" --methods plain-udp --enrol "$db" >/dev/null ||
    fail "provisioning $1"
  if [ -n "${2:-}" ]; then
    sed -e "s/^max_image_size = .*/&\nclaims = $2/" "$work/dev/$1/dcf/dcf.conf" > "$work/$1.conf"
    grep -qx "claims = $2" "$work/$1.conf" || fail "$1: no claims line in $(cat "$work/$1.conf")"
    "$prov" dcf-conf --device "$work/dev/$1" --pki "$pki" --conf "$work/$1.conf" >/dev/null ||
      fail "$1: dcf-conf"
  fi
  "$prov" tamper --pki "$pki" --device "$work/dev/$1" --what component >/dev/null
}
device hnb-v1
device hnb-v2 eat

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem
psk_kek = $pki/psk.kek

[udp]
listen = 127.0.0.1:$udp_port
CONF
"$build/server/maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
pids+=($!)
for _ in $(seq 100); do
  grep -q 'listening' "$work/maydayd.log" 2>/dev/null && break
  sleep 0.05
done
grep -q 'listening' "$work/maydayd.log" || fail "maydayd did not start"

for id in hnb-v1 hnb-v2; do
  set +e
  "$build/device/boot/mayday-boot" --device "$work/dev/$id" >"$work/$id.log" 2>&1
  rc=$?
  set -e
  [ "$rc" = 10 ] || fail "$id: boot exited $rc, expected 10 (acknowledged)"
done
record() {  # ID -> "msg_version claims trust"
  "$ctl" -d "$db" --json show "$1" | jq -r '.indications[0] | "\(.msg_version) \(.claims) \(.trust)"'
}
[ "$(record hnb-v1)" = "1 mayday1 signed" ] || fail "hnb-v1: $(record hnb-v1)"
[ "$(record hnb-v2)" = "2 eat signed" ] || fail "hnb-v2: $(record hnb-v2)"
# The same evidence either way: one failed component, its measured digest recorded.
for id in hnb-v1 hnb-v2; do
  [ "$("$ctl" -d "$db" --json show $id | jq '.indications[0].failed_components | length')" = 1 ] ||
    fail "$id: evidence: $("$ctl" -d "$db" --json show $id)"
done
echo "version 1 and version 2 DCFs both acknowledged; the store records 1 and 2"
