#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An operator's maydayctl running in a loop (reads, on the store itself
# and over the API's socket, and enrolments that write, through the API:
# maydayd is the store's only writer) beside a detached maydayd under
# mayday-sim load. Afterwards, and
# again after a restart: every indication the simulator saw acknowledged
# has its signed row, every enrolment is there, integrity_check says ok.
# Nothing here depends on speed: the load is bounded by count and time,
# and only what was acknowledged is asserted.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"

start_detached
run_sim --prefix load --devices 100 --count 20000 --duration 5 --window 256 \
  --acked "$work/acked.csv" >"$work/sim.out" 2>&1 &
sim_pid=$!
# maydayctl beside it until the simulator is done (at least 5 rounds).
ec_key "$work/ctl.key"
openssl pkey -in "$work/ctl.key" -pubout -out "$work/ctl.pub" 2>/dev/null
rounds=0
while kill -0 "$sim_pid" 2>/dev/null || [ "$rounds" -lt 5 ]; do
  rounds=$((rounds + 1))
  "$ctl" -d "$store" devices >/dev/null || fail "maydayctl devices (round $rounds)"
  "$ctl" -d "$store" --json show load-000001 >/dev/null 2>&1 || true   # enrolled by the sim soon
  "$ctl" --socket "$api_sock" enrol --device "ctl-$rounds" --class femto-it \
    --pubkey "$work/ctl.pub" >/dev/null || fail "maydayctl enrol (round $rounds)"
  "$ctl" --socket "$api_sock" devices --all >/dev/null || fail "maydayctl devices over the API"
  "$ctl" -d "$store" --json devices --maintenance >/dev/null || fail "maydayctl devices --maintenance"
done
wait "$sim_pid" || true   # lost indications are the simulator's business; acked ones are ours
cat "$work/sim.out"

# check WHEN: every acked indication has its signed row; every ctl- device is enrolled
check() {
  [ "$(q 'PRAGMA integrity_check')" = ok ] || fail "$1: integrity_check: $(q 'PRAGMA integrity_check')"
  local missing
  missing=$(sqlite3 :memory: <<SQL
ATTACH '$db' AS h;
CREATE TABLE a (device TEXT, counter INTEGER, status INTEGER, incident INTEGER);
.mode csv
.import $work/acked.csv a
SELECT count(*) FROM a WHERE status <> 0 OR NOT EXISTS
  (SELECT 1 FROM h.indications i WHERE i.device_id = a.device AND i.counter = a.counter AND i.trust = 'signed');
SQL
)
  [ "$missing" = 0 ] || fail "$1: $missing of $acked acknowledged indications have no signed row"
  [ "$(q "SELECT count(*) FROM devices WHERE id LIKE 'ctl-%'")" = "$rounds" ] ||
    fail "$1: $(q "SELECT count(*) FROM devices WHERE id LIKE 'ctl-%'") of $rounds enrolments"
}
acked=$(wc -l <"$work/acked.csv")
[ "$acked" -gt 0 ] || fail "nothing was acked"
stop_detached
check "after SIGTERM"
start_detached
"$ctl" -d "$store" devices >/dev/null || fail "maydayctl after restart"
stop_detached
check "after a restart"
echo "PASS: $acked acked indications and $rounds enrolments by maydayctl beside them, all stored"
