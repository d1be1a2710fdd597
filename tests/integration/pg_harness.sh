#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A throwaway PostgreSQL 15 server for the tests of the PostgreSQL store
# backend: initdb and pg_ctl in a fresh directory under $TMPDIR, listening
# only on a UNIX socket in that directory (listen_addresses = ''), fsync on
# (the backend's durability is what the tests are about), superuser
# "mayday" with trust authentication on that socket alone.
#
#   pg_harness.sh run -- CMD [ARG...]   start, run CMD with MAYDAY_TEST_PG set
#                                      to the server's connection URI, stop and
#                                      remove it whatever CMD did; CMD's status
#   pg_harness.sh start STATE           start one server for several tests (a
#                                      CTest fixture); STATE, a file, gets its
#                                      URI on the first line, its dir on the 2nd
#   pg_harness.sh stop STATE            stop that server, remove its dir and STATE
#   source pg_harness.sh                functions pg_start DIR / pg_stop DIR for
#                                      integration scripts ($pg_uri after pg_start)
#
# Exit 77 (CTest's skip) only when the PostgreSQL binaries are not installed
# (Debian: apt-get install postgresql, or scripts/deps.sh).
#
# initdb refuses to run as root. As root the server runs as `nobody`
# (runuser): it exists on every Debian system, so the harness changes no
# account database (a dedicated user made by useradd would outlive the
# test and touch /etc/passwd on a developer's machine); the data directory
# is nobody's and mode 0700, the socket directory with it, so only nobody
# and root reach the server. As any other user it runs as that user.
set -euo pipefail

pg_bin=${MAYDAY_PG_BIN:-/usr/lib/postgresql/15/bin}

pg_have() {
  [ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ] && [ -x "$pg_bin/postgres" ]
}

# Runs its arguments as the server's user.
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

# pg_start DIR: DIR must not exist; sets pg_uri.
pg_start() {
  local dir=$1
  mkdir -m 0700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$dir"
  if ! pg_as "$pg_bin/initdb" -D "$dir/data" -U mayday --auth=trust -E UTF8 \
       --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    return 1
  fi
  # Only the socket in $dir; fsync and full page writes as in production.
  pg_as tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 50
shared_buffers = 32MB
CONF
  if ! pg_as "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
       >/dev/null; then
    cat "$dir/server.log" >&2 || true
    return 1
  fi
  pg_uri="postgresql:///postgres?host=$dir&user=mayday"
}

# pg_stop DIR: stops the server if it runs, removes DIR. Never fails.
pg_stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    pg_as "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      pg_as "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

pg_tmpdir() {
  # Short: the socket path ($dir/.s.PGSQL.5432) must fit in 107 bytes.
  mktemp -u "${TMPDIR:-/tmp}/mayday-pg.XXXXXX"
}

# Sourced: only the functions.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  return 0
fi

skip_unless_installed() {
  if ! pg_have; then
    echo "SKIP: PostgreSQL 15 server binaries not found in $pg_bin (apt-get install postgresql, or scripts/deps.sh)" >&2
    exit 77
  fi
}

case "${1:-}" in
run)
  shift
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || { echo "usage: $0 run -- CMD [ARG...]" >&2; exit 2; }
  skip_unless_installed
  dir=$(pg_tmpdir)
  trap 'pg_stop "$dir"' EXIT
  trap 'exit 130' INT TERM
  pg_start "$dir"
  status=0
  MAYDAY_TEST_PG=$pg_uri "$@" || status=$?
  exit "$status"
  ;;
start)
  state=${2:?usage: $0 start STATE}
  skip_unless_installed
  # A server left by an interrupted run of the same fixture goes first.
  if [ -f "$state" ]; then
    pg_stop "$(sed -n 2p "$state")"
    rm -f "$state"
  fi
  dir=$(pg_tmpdir)
  if ! pg_start "$dir"; then
    pg_stop "$dir"
    exit 1
  fi
  printf '%s\n%s\n' "$pg_uri" "$dir" >"$state"
  echo "PostgreSQL for the tests: $pg_uri"
  ;;
stop)
  state=${2:?usage: $0 stop STATE}
  if [ -f "$state" ]; then
    pg_stop "$(sed -n 2p "$state")"
    rm -f "$state"
  fi
  ;;
*)
  echo "usage: $0 run -- CMD... | start STATE | stop STATE" >&2
  exit 2
  ;;
esac
