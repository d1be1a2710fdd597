#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Three maydayd nodes on one PostgreSQL store (issue 15, point 2), run under
# pg_harness.sh run (a real server; MAYDAY_TEST_PG is its URI). Any node
# takes any indication and any CWMP session, and the rules hold across nodes
# because the store holds them, not a node's memory:
# - one device's indication and its retransmissions, sent to each of the
#   three nodes, are stored once and answered alike; its counter rule holds
#   against a lower counter sent to another node;
# - under load on two nodes, one node is killed (SIGKILL) mid-load: every
#   indication any node acknowledged is stored, exactly once, and the load
#   on the surviving node loses nothing;
# - the device's remediation: Inform and Download from node 2, the bundle
#   from node 1, the BOOT Inform and TransferComplete to node 1 again after
#   node 3 died: the device recovers; its one-time bundle token, taken on
#   one node, is refused on another.
# Each node runs as an operator starts it by default: detached (it returns
# once it serves), its log in a file, a pidfile.
# Skipped (77) without a server: PostgreSQL is not installed.
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${MAYDAY_TEST_PG:-}" ]; then
  echo "SKIP: no PostgreSQL server (MAYDAY_TEST_PG unset: PostgreSQL not installed)" >&2
  exit 77
fi
. "$here/test_server_common.sh" "$1"
for c in curl jq psql; do command -v $c >/dev/null || fail "$c missing"; done
acs=$build/tests/acs_itool
[ -x "$acs" ] || fail "missing $acs"
store=$MAYDAY_TEST_PG
q() { psql "$store" -XAtqc "$1"; }

# the nodes' maydayd (detached: not this shell's children), by node number
# - 1: their identities (pid and start time, detached_daemon.sh, sourced by
# test_server_common.sh), so a zombie counts as gone and a reused pid is
# never signalled
pids=()
node_cleanup() {
  # by identity, else (a node started but not yet recorded) by its pid file
  for n in 1 2 3; do detached_kill "${pids[n - 1]:-}" "$work/node$n.pid" "$work/node$n.conf"; done
  wait 2>/dev/null || true
  cleanup
}
trap node_cleanup EXIT

make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
"$itool" init-store --db "$store" || fail "init-store"
for d in hnb-1; do
  ec_key "$work/$d.key"
  openssl pkey -in "$work/$d.key" -pubout -out "$work/$d.pub" 2>/dev/null
  "$ctl" -d "$store" enrol --device "$d" --class femto-it --pubkey "$work/$d.pub" >/dev/null ||
    fail "enrol $d"
  issue $d opca "/O=operator/CN=$d" clientAuth 30
done
mkdir "$work/bundles"
head -c 4096 /dev/urandom > "$work/bundles/femto-it.bundle"
: > "$work/empty"

# node N: its configuration, log and API socket in $work/nodeN.*; UDP on a
# port the kernel picks, the HTTPS listener (the ACS) on a free port.
start_node() {
  local n=$1 aport
  aport=$("$here/../../scripts/free-port.sh" tcp)
  cat > "$work/node$n.conf" <<CONF
[server]
db = $store
hems_key = $work/hems.key
psk_kek = $work/psk.kek
workers = 2
http_threads = 1
log = $work/node$n.log

[udp]
listen = 127.0.0.1:0

[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles

[api]
socket = $work/node$n.sock
CONF
  : > "$work/node$n.log"
  "$maydayd" -c "$work/node$n.conf" --pidfile "$work/node$n.pid" 2>"$work/node$n.start" ||
    fail "node $n did not start: $(cat "$work/node$n.start") $(tail -5 "$work/node$n.log")"
  pids[n - 1]=$(detached_id "$(cat "$work/node$n.pid")") || fail "node $n is not running"
  grep -q 'info: running (' "$work/node$n.log" || fail "node $n returned before it served"
}
udp_of() { sed -n 's/.*listening on udp 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/node$1.log"; }
https_of() { sed -n 's/.*listening on https 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/node$1.log"; }

for n in 1 2 3; do start_node $n; done
echo "three nodes: udp $(udp_of 1) $(udp_of 2) $(udp_of 3), https $(https_of 1) $(https_of 2) $(https_of 3)"

# deliver NODE FILE: the signed indication over plain UDP to NODE; the ack
udp_to() {
  "$itool" udp --port "$(udp_of "$1")" --in "$2" --hems-pub "$work/hems.pub" --wait-ms 10000
}

# ---- one device's indication and its retransmissions on every node ---------------
ind2=$(sign hnb-1 2 1)
a1=$(udp_to 1 "$ind2") || fail "node 1: $a1"
grep -q '^status=stored incident=[1-9].* counter=2 action=remediate$' <<<"$a1" || fail "node 1: $a1"
for n in 2 3; do
  out=$(udp_to $n "$ind2") || fail "node $n: $out"
  # The device's latest, retransmitted: its stored answer, remediate again
  # (the ack that said so may be the one the device missed).
  [ "$(head -n1 <<<"$out")" = "$(head -n1 <<<"$a1")" ] ||
    fail "the retransmission to node $n answered otherwise: $out (node 1: $a1)"
done
[ "$(q "SELECT count(*) FROM indications WHERE device_id = 'hnb-1'")" = 1 ] ||
  fail "hnb-1's indication stored $(q "SELECT count(*) FROM indications WHERE device_id = 'hnb-1'") times"
[ "$(q "SELECT count(*) FROM incidents WHERE device_id = 'hnb-1'")" = 1 ] || fail "hnb-1's incidents"
# A lower counter, to another node than the one that stored counter 2.
out=$(udp_to 3 "$(sign hnb-1 1 1)") || fail "counter 1 to node 3: $out"
grep -q '^status=rejected incident=0 device=hnb-1 counter=1$' <<<"$out" || fail "counter 1 on node 3: $out"

# ---- load on nodes 1 and 3; node 3 killed mid-load ----------------------------------
sim_to() {  # NODE PREFIX ACKED-FILE SIM-OUTPUT [mayday-sim options]
  local n=$1 prefix=$2 acked=$3 out=$4
  shift 4
  "$sim" --port "$(udp_of "$n")" --hems-pub "$work/hems.pub" --db "$store" \
    --psk-kek "$work/psk.kek" --prefix "$prefix" --acked "$acked" "$@" > "$out" 2>&1
}
sim_to 1 load1- "$work/acked1" "$work/sim1.out" --devices 200 --count 6000 --duration 8 \
  --window 64 --timeout-ms 1000 --retries 20 &
sim1=$!
sim_to 3 load3- "$work/acked3" "$work/sim3.out" --devices 200 --count 6000 --duration 8 \
  --window 64 --timeout-ms 500 --retries 4 &
sim3=$!
# Kill node 3 once it has acknowledged a share of its load.
for _ in $(seq 600); do
  [ "$(q "SELECT count(*) FROM indications WHERE device_id LIKE 'load3-%'")" -ge 500 ] && break
  kill -0 $sim3 2>/dev/null || break
  sleep 0.05
done
detached_signal KILL "${pids[2]}" || fail "node 3 was not running to be killed"
detached_gone "${pids[2]}" || fail "node 3 still running after SIGKILL"
echo "node 3 killed with $(q "SELECT count(*) FROM indications WHERE device_id LIKE 'load3-%'") of its load stored"
wait $sim1 || fail "the load on node 1: $(tail -3 "$work/sim1.out")"
wait $sim3 || true   # its lost indications are expected: the node died
grep -q ' lost=0 ' "$work/sim1.out" || fail "node 1 lost indications: $(grep lost= "$work/sim1.out")"

# Every acknowledged indication is stored, exactly once, whichever node took it.
for f in acked1 acked3; do
  [ -s "$work/$f" ] || fail "$f: nothing acknowledged"
  awk -F, '{ printf "%s,%s\n", $1, $2 }' "$work/$f" | sort -u > "$work/$f.keys"
  q "SELECT device_id || ',' || counter FROM indications WHERE trust = 'signed'" | sort > "$work/stored"
  missing=$(comm -23 "$work/$f.keys" "$work/stored" | wc -l)
  [ "$missing" = 0 ] || fail "$f: $missing acknowledged indications are not stored: $(comm -23 "$work/$f.keys" "$work/stored" | head -3)"
done
dups=$(q "SELECT count(*) FROM (SELECT 1 FROM indications GROUP BY device_id, counter, trust
                                 HAVING count(*) > 1) d")
[ "$dups" = 0 ] || fail "$dups indications stored twice"
echo "acknowledged: node 1 $(wc -l < "$work/acked1"), node 3 $(wc -l < "$work/acked3") before it died; all stored once"

# ---- the remediation across nodes (node 3 is gone) ---------------------------------
base="https://127.0.0.1:$(https_of 2)"
"$acs" inform hnb-1 "X A1B2C3 DISTRESS" > "$work/inform"
[ "$(cwmp hnb-1 "$work/inform")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "Inform (node 2)"
[ "$(cwmp hnb-1 "$work/empty")" = 200 ] && [ "$(kind)" = GetParameterValues ] || fail "GPV: $(kind)"
"$acs" gpvr 100000000 200000000 > "$work/gpvr"
[ "$(cwmp hnb-1 "$work/gpvr")" = 200 ] && [ "$(kind)" = Download ] || fail "Download: $(kind)"
url=$(field url)
key=$(field key)
"$acs" dlr > "$work/dlr"
[ "$(cwmp hnb-1 "$work/dlr")" = 204 ] || fail "DownloadResponse"
# The bundle from node 1, by the URL's path (its one-time token), then
# the same token on node 2: already taken.
path=${url#https://127.0.0.1:*/}
[ "$(tls hnb-1 "https://127.0.0.1:$(https_of 1)/$path")" = 200 ] &&
  cmp -s "$work/resp" "$work/bundles/femto-it.bundle" || fail "the bundle from node 1"
code=$(tls hnb-1 "https://127.0.0.1:$(https_of 2)/$path")
[ "$code" != 200 ] || fail "the one-time bundle token was taken twice (node 2 answered 200)"
rm -f "$work/hnb-1.jar"
base="https://127.0.0.1:$(https_of 1)"
"$acs" inform hnb-1 "1 BOOT" "7 TRANSFER COMPLETE" "M Download" > "$work/inform-boot"
"$acs" tc "$key" 0 > "$work/tc"
[ "$(cwmp hnb-1 "$work/inform-boot")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "BOOT Inform (node 1)"
[ "$(cwmp hnb-1 "$work/tc")" = 200 ] && [ "$(kind)" = TransferCompleteResponse ] ||
  fail "TransferComplete: $(kind)"
[ "$(cwmp hnb-1 "$work/empty")" = 204 ] || fail "empty POST after recovery"
[ "$(q "SELECT state FROM devices WHERE id = 'hnb-1'")" = healthy ] ||
  fail "hnb-1 did not recover: $(q "SELECT state FROM devices WHERE id = 'hnb-1'")"

for n in 1 2; do
  detached_alive "${pids[n - 1]}" || fail "node $n died"
  why=$(detached_stop "${pids[n - 1]}" "$work/node$n.pid" "$work/node$n.log") || fail "node $n: $why"
done
pids=()
echo "PASS: three nodes on one PostgreSQL: retransmissions stored once, node 3 killed under load with every acknowledged indication stored once, the remediation completed across nodes"
