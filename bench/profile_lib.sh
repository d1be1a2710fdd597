# SPDX-License-Identifier: Apache-2.0
# Sourced by bench/ingest_udp.sh and bench/methods_lib.sh: when BENCH_PERF_DATA
# names a file (bench/profile_ingest.sh sets it), maydayd is recorded with
# `perf record` (options: BENCH_PERF_ARGS) from profile_start to
# profile_stop; otherwise both do nothing. perf stops by itself when maydayd
# exits, so an early exit of the bench leaves nothing running.

profile_pid=

profile_start() {  # PID of maydayd
  [ -n "${BENCH_PERF_DATA:-}" ] || return 0
  # shellcheck disable=SC2086  # BENCH_PERF_ARGS is a list of options
  perf record ${BENCH_PERF_ARGS:--g} -o "$BENCH_PERF_DATA" -p "$1" \
    >"$BENCH_PERF_DATA.log" 2>&1 &
  profile_pid=$!
  # perf says nothing once attached; give it the time to open its events
  # (a few samples lost at the start do not matter, the load lasts seconds).
  sleep 0.5
  kill -0 "$profile_pid" 2>/dev/null ||
    { echo "profile: perf record did not start: $(cat "$BENCH_PERF_DATA.log")" >&2; profile_pid=; return 1; }
}

profile_stop() {  # before maydayd is stopped: the profile covers the load only
  [ -n "$profile_pid" ] || return 0
  kill -INT "$profile_pid" 2>/dev/null || true
  wait "$profile_pid" 2>/dev/null || true
  profile_pid=
}
