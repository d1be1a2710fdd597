#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The storm of bench/storm.sh against NODES (default 2) maydayd nodes on one
# PostgreSQL: a throwaway server of the tests' harness
# (tests/integration/pg_harness.sh: initdb and pg_ctl in a temporary
# directory, UNIX socket only, fsync on), its own multi-row INSERT measured
# beside the storm by storm.sh. Skipped (exit 0, said so) without
# PostgreSQL 15's server binaries (scripts/deps.sh installs them).
# usage: bench/storm_pg.sh BUILD_DIR [NODES]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
nodes=${2:-2}
if [ ! -x "${MAYDAY_PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
  echo "== storm on PostgreSQL: skipped (PostgreSQL 15 server binaries not installed: scripts/deps.sh)"
  exit 0
fi
exec "$here/../tests/integration/pg_harness.sh" run -- \
  bash -c '"$0" "$1" "$MAYDAY_TEST_PG" "$2"' "$here/storm.sh" "$build" "$nodes"
