#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mayday-sim --mode storm and bench/storm.sh at small scale (issue 15,
# point 3): 2,000 enrolled devices, 200 in distress within 5 s.
#
# 1. Against a maydayd with a tight budget (one verify thread, the fewest
#    slots, small batches) that is also held still (SIGSTOP) from before the
#    storm until every distressed device has powered on and at least one
#    has retransmitted: no answer can come meanwhile, so retries are
#    certain whatever the machine's load. Then it runs again (SIGCONT) and
#    must acknowledge every device; the sim checks through the store that
#    each acknowledged indication is stored exactly once with the bytes
#    sent, and sqlite3 checks it once more. No timing is asserted: the
#    storm's bound is generous, and what is checked is counts.
# 2. bench/storm.sh end to end at that scale: figures printed and kept.
# 3. What must be refused: several nodes on SQLite, a PostgreSQL store
#    (maydayd does not run on it yet), a storm aimed off loopback, counts
#    past the bounds.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
bench=$(cd "$here/../../bench" && pwd)

# No silence sweep: the daemon is stopped while the sim enrols into its
# store, and must not be stopped inside a write of its own.
WORKERS=1 QUEUE=64 BATCH=16 start_daemon "" "[silence]
default = 0"
kill -STOP "$daemon_pid"
"$sim" --mode storm --port "$port" --hems-pub "$work/hems.pub" --db "$store" \
  --devices 2000 --distressed 200 --duration 5 --bound 300 --max-ms 2000 --prefix storm \
  --threads 2 >"$work/storm.out" 2>"$work/storm.err" &
sim_pid=$!
bg_pids=$sim_pid
for _ in $(seq 3000); do   # up to 300 s: enrolment and the ramp on a busy machine
  grep -q 'all 200 distressed devices powered on' "$work/storm.err" &&
    grep -q 'first retransmission' "$work/storm.err" && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.1
done
kill -CONT "$daemon_pid"
grep -q 'first retransmission' "$work/storm.err" ||
  fail "no retransmission while maydayd was held: $(cat "$work/storm.err" "$work/storm.out")"
rc=0
wait "$sim_pid" || rc=$?
bg_pids=
out=$(cat "$work/storm.out")
[ "$rc" = 0 ] || fail "storm run exited $rc: $out $(cat "$work/storm.err")"
grep -q 'storm: acked=200 lost=0 refused=0 bad_acks=0 powered_on=200 ' <<<"$out" ||
  fail "not every distressed device acknowledged: $out"
grep -q 'store check: stored_once=200 missing=0 duplicates=0 mismatched=0 unverified=0 ' <<<"$out" ||
  fail "store check: $out"
rmax=$(sed -n 's/.* retries_max=\([0-9]*\).*/\1/p' <<<"$out")
retried=$(sed -n 's/.* devices_retried=\([0-9]*\).*/\1/p' <<<"$out")
[ "${rmax:-0}" -ge 1 ] && [ "${retried:-0}" -ge 1 ] || fail "no retries counted: $out"
grep -q 'power-on-to-ack ms: p50=[0-9.]* p90=[0-9.]* p99=[0-9.]* max=' <<<"$out" ||
  fail "no latency figures: $out"
grep -q 'acknowledged/s=[0-9.]* peak_acknowledged/s=[0-9]* ' <<<"$out" || fail "no rate: $out"
# The same, read with sqlite3: 2,000 enrolled, 200 signed rows, one each.
[ "$(q "SELECT count(*) FROM devices WHERE id LIKE 'storm-%'")" = 2000 ] || fail "enrolled devices"
[ "$(q "SELECT count(*) || ' ' || count(DISTINCT device_id) FROM indications
        WHERE device_id LIKE 'storm-%' AND trust = 'signed'")" = "200 200" ] ||
  fail "rows: $(q "SELECT count(*), count(DISTINCT device_id) FROM indications WHERE device_id LIKE 'storm-%'")"
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'unverified'")" = 0 ] || fail "unverified rows"
alive
stop_daemon

# bench/storm.sh end to end, its figures kept as make bench keeps them.
export BENCH_RESULTS=$work/results.jsonl
: > "$BENCH_RESULTS"
DEVICES=2000 DISTRESSED=200 RAMP=5 BOUND=300 "$bench/storm.sh" "$build" >"$work/bench.out" 2>&1 ||
  fail "bench/storm.sh: $(cat "$work/bench.out")"
grep -q '^storm on sqlite, 1 node(s): acknowledged/s ' "$work/bench.out" || fail "bench output: $(cat "$work/bench.out")"
jq -e -s 'map(select(.name == "storm.sqlite.n1.lost"))[0].value == 0' "$BENCH_RESULTS" >/dev/null ||
  fail "bench results: $(cat "$BENCH_RESULTS")"
jq -e -s 'map(select(.name == "storm.sqlite.n1.acknowledged"))[0] | (.value > 0) and (.baseline.value > 0)' \
  "$BENCH_RESULTS" >/dev/null || fail "bench results: $(cat "$BENCH_RESULTS")"
unset BENCH_RESULTS

# Refused, clearly, without measuring anything else.
rc=0; "$bench/storm.sh" "$build" "" 2 >"$work/r1.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'several nodes need a postgresql://' "$work/r1.out" ||
  fail "two nodes on SQLite not refused ($rc): $(cat "$work/r1.out")"
rc=0; "$bench/storm.sh" "$build" "postgresql:///mayday?host=$work/nopg" 2 >"$work/r2.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'did not start on postgresql' "$work/r2.out" ||
  fail "PostgreSQL storm not refused ($rc): $(cat "$work/r2.out")"
for args in "--host 192.0.2.1" "--devices 10 --distressed 11" "--devices 2000000" \
            "--duration 3601" "--duration 10 --bound 5" "--sockets 65" "--port 1,2,3,4,5,6,7,8,9"; do
  rc=0
  # shellcheck disable=SC2086  # the arguments are words on purpose
  "$sim" --mode storm --port 9 --hems-pub "$work/hems.pub" --db "sqlite:$work/never.db" $args \
    >/dev/null 2>"$work/refused.err" || rc=$?
  [ "$rc" = 2 ] || fail "storm with $args: exit $rc, expected 2"
done
[ ! -e "$work/never.db" ] || fail "a refused storm touched its store"
echo "PASS"
