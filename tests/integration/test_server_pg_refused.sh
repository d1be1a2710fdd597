#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# maydayd on a postgresql:// store (a real server: run under
# pg_harness.sh run, which sets MAYDAY_TEST_PG) refuses to start while the
# PostgreSQL backend lacks calls the daemon needs, and its log names them,
# rather than failing later on the first indication or CWMP session.
# Skipped (77) without a server: PostgreSQL is not installed.
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${MAYDAY_TEST_PG:-}" ]; then
  echo "SKIP: no PostgreSQL server (MAYDAY_TEST_PG unset: PostgreSQL not installed)" >&2
  exit 77
fi
. "$here/test_server_common.sh" "$1"
store=$MAYDAY_TEST_PG
write_conf
status=0
timeout 60 "$maydayd" -c "$work/maydayd.conf" -f 2>"$work/maydayd.log" || status=$?
[ "$status" -ne 0 ] || fail "maydayd started on an incomplete backend"
[ "$status" -ne 124 ] || fail "maydayd neither started nor refused within 60 s"
grep -q 'postgresql store backend does not implement yet [0-9]* calls maydayd needs' \
  "$work/maydayd.log" || fail "the refusal does not say why"
# Calls of several areas still being written: any of them named will do.
grep -Eq 'acs_note|events_next|fleet_anomalies|token_create|devices_page' "$work/maydayd.log" ||
  fail "the refusal does not name the calls"
echo "PASS: maydayd refuses an incomplete PostgreSQL backend: $(grep -o 'does not implement yet [0-9]* calls' "$work/maydayd.log")"
