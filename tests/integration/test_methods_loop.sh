#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The TLS method end to end against the real binaries, and fallback between
# methods: a tampered device configured "tls, plain-udp" reports over mutual
# TLS when it can, and over plain UDP when the TLS endpoint is down or
# blackholed — and the network's record says which method carried it.
# A capture of the TLS exchange must not contain the device ID in clear.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-methods.XXXXXX")
pids=()
hole_pgid=
cleanup() {
  [ -n "$hole_pgid" ] && kill -TERM -- "-$hole_pgid" 2>/dev/null || true
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

tls_port=$("$src/scripts/free-port.sh" tcp)
udp_port=$("$src/scripts/free-port.sh" udp)
dead_port=$("$src/scripts/free-port.sh" tcp)     # nothing listens: connection refused
hole_port=$("$src/scripts/free-port.sh" tcp)     # accepts, never answers

device() {  # ID TLS_PORT
  "$prov" device --pki "$pki" --out "$work/dev/$1" --id "$1" --class femto-x1 \
    --dcf-bin "$build/device/dcf/mayday-dcf" --normal-bin "$build/device/normal/mayday-normal" \
    --hems-tls "https://127.0.0.1:$2/v1/distress" --hems-udp "127.0.0.1:$udp_port" \
    --methods tls,plain-udp --enrol "$db" >/dev/null
  "$prov" tamper --pki "$pki" --device "$work/dev/$1" --what component >/dev/null
}
device hnb-tls "$tls_port"
device hnb-down "$dead_port"
device hnb-hole "$hole_port"

cat > "$work/maydayd.conf" <<CONF
[server]
db = $db
hems_key = $pki/hems.key.pem
psk_kek = $pki/psk.kek

[udp]
listen = 127.0.0.1:$udp_port

[https]
listen = 127.0.0.1:$tls_port
cert = $pki/hems-tls.pem
key = $pki/hems-tls.key.pem
ca = $pki/operator-ca.pem
CONF
"$build/server/maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" &
pids+=($!)
for _ in $(seq 100); do
  [ "$(grep -c 'listening' "$work/maydayd.log" 2>/dev/null)" -ge 2 ] && break
  sleep 0.05
done
[ "$(grep -c 'listening' "$work/maydayd.log")" -ge 2 ] || fail "maydayd did not start both listeners"

# The blackhole: a TCP listener that accepts and never says a word. In its
# own process group (killed whole at exit) and off our stdout, so neither
# its forked children nor their sleeps outlive the test or hold ctest's pipe.
setsid socat "TCP-LISTEN:$hole_port,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'sleep 60' \
  </dev/null >/dev/null 2>&1 &
hole_pgid=$!

capture=
if command -v tcpdump >/dev/null && [ "$(id -u)" = 0 ]; then
  tcpdump -i lo -U --immediate-mode -w "$work/tls.pcap" "tcp port $tls_port" 2>"$work/tcpdump.log" &
  capture=$!
  pids+=($capture)
  sleep 0.5
  # Root of a user namespace (make check-cross, scripts/cross-run.sh) may
  # not capture on the machine's loopback: tcpdump exits at once.
  if ! kill -0 "$capture" 2>/dev/null; then
    echo "note: tcpdump could not capture ($(head -c 200 "$work/tcpdump.log")); plaintext check skipped"
    capture=
  fi
else
  echo "note: no capture (needs root and tcpdump); plaintext check skipped"
fi

boot() {  # ID -> exit code
  set +e
  "$build/device/boot/mayday-boot" --device "$work/dev/$1" >"$work/$1.log" 2>&1
  local rc=$?
  set -e
  echo $rc
}
record() {  # ID FIELD
  "$ctl" -d "$db" --json show "$1" | jq -r ".indications[0].$2"
}

rc=$(boot hnb-tls)
[ "$rc" = 10 ] || fail "hnb-tls: boot exited $rc, expected 10 (acknowledged)"
[ "$(record hnb-tls transport)" = tls ] || fail "hnb-tls: recorded transport $(record hnb-tls transport)"
[ "$(record hnb-tls channel_auth)" = mtls ] || fail "hnb-tls: channel auth $(record hnb-tls channel_auth)"
[ "$(record hnb-tls trust)" = signed ] || fail "hnb-tls: trust $(record hnb-tls trust)"
record hnb-tls peer_identity | grep -q 'hnb-tls' || fail "hnb-tls: peer identity $(record hnb-tls peer_identity)"

if [ -n "$capture" ]; then
  sleep 0.3; kill -TERM "$capture"; wait "$capture" || true
  [ -s "$work/tls.pcap" ] || fail "the capture is empty"
  grep -qa 'hnb-tls' "$work/tls.pcap" && fail "the device ID crossed the wire in clear over TLS"
  echo "TLS capture: $(stat -c %s "$work/tls.pcap") bytes, no plaintext device ID"
fi

for id in hnb-down hnb-hole; do
  rc=$(boot $id)
  [ "$rc" = 10 ] || fail "$id: boot exited $rc, expected 10 after falling back"
  [ "$(record $id transport)" = plain-udp ] || fail "$id: recorded transport $(record $id transport), expected plain-udp"
  grep -q 'tls' "$work/$id.log" || fail "$id: the DCF log does not show the TLS attempt"
done
echo "TLS acknowledged over mTLS; with TLS refused and blackholed, both fell back to plain UDP"
