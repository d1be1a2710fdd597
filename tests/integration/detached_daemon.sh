# SPDX-License-Identifier: Apache-2.0
# Sourced by the integration tests that run maydayd as an operator starts it
# (no -f: it detaches, a pid file names it). The daemon is then not the
# test's child: the shell cannot wait for it, and `kill -0` proves nothing.
# An exited daemon stays a zombie (kill -0 succeeds) until PID 1 reaps it,
# which some PID 1 never does (a container's plain entrypoint), and once
# reaped its pid may be given to another process on a shared machine.
# So these helpers know a daemon by its pid AND its start time
# (/proc/PID/stat field 22, recorded when it starts), count a zombie as
# gone, and never signal a pid that no longer has that start time.
# Linux only (/proc), as the tests are.
#
# Under a sanitizer build nobody reads the detached daemon's exit status,
# and its stderr is /dev/null: detached_san_run points ASan's and UBSan's
# reports (LeakSanitizer's at exit too) at files that detached_san_check
# fails on.

# detached_stat PID: "STATE STARTTIME" of the process, nothing when there is none.
detached_stat() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # the command name (field 2, in parentheses) may hold spaces and ')'
  s=${s##*) }
  # shellcheck disable=SC2086  # split on purpose: field 3 is $1, field 22 is $20
  set -- $s
  echo "$1 ${20}"
}

# detached_id PID: prints "PID:STARTTIME", the daemon's identity for the
# calls below; fails when no such process runs (absent or a zombie).
detached_id() {
  local st
  st=$(detached_stat "$1")
  [ -n "$st" ] && [ "${st%% *}" != Z ] && [ "${st%% *}" != X ] || return 1
  echo "$1:${st#* }"
}

# detached_alive ID: true while the process of that identity runs (a zombie,
# or a pid now another process's, is gone).
detached_alive() {
  local st
  [ -n "$1" ] || return 1
  st=$(detached_stat "${1%%:*}")
  [ -n "$st" ] && [ "${st%% *}" != Z ] && [ "${st%% *}" != X ] && [ "${st#* }" = "${1#*:}" ]
}

# detached_signal SIG ID: sends SIG only while that identity runs (the
# window between the check and kill(2) is a pid's whole reuse cycle, not
# the seconds a zombie lingers).
detached_signal() {
  detached_alive "$2" && kill "-$1" "${2%%:*}" 2>/dev/null
}

# detached_gone ID [TENTHS]: waits (30 s unless told, in tenths of a
# second) until that identity no longer runs.
detached_gone() {
  local n
  for ((n = 0; n < ${2:-300}; n++)); do
    detached_alive "$1" || return 0
    sleep 0.1
  done
  return 1
}

# detached_kill ID PIDFILE CONF: for a test's cleanup, SIGKILL to the daemon
# and a wait (10 s at most) until it is gone. Without an identity (the test
# failed before it recorded one, or after the daemon stopped) the pid file
# stands in for it, but only for a process whose command line names CONF
# (the test's own, under its private work dir): that daemon, not a pid the
# kernel has given to someone else since.
detached_kill() {
  local id=$1 pid
  if [ -z "$id" ] && pid=$(cat "$2" 2>/dev/null) && [ -n "$pid" ] &&
     tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$3"; then
    id=$(detached_id "$pid") || id=
  fi
  [ -n "$id" ] || return 0
  detached_signal KILL "$id" || true
  detached_gone "$id" 100 || true
}

# detached_stop ID PIDFILE LOG: SIGTERM, then waits (30 s) until the
# process is gone; prints why and fails unless it exited cleanly: its pid
# file removed and its stop logged (what maydayd does just before it
# returns from main).
detached_stop() {
  detached_signal TERM "$1" || { echo "maydayd (${1%%:*}) was not running at the stop"; return 1; }
  detached_gone "$1" || { echo "maydayd still running 30 s after SIGTERM"; return 1; }
  [ ! -e "$2" ] || { echo "maydayd did not exit cleanly (pid file left)"; return 1; }
  grep -q 'info: stopped' "$3" || { echo "maydayd did not log its stop"; return 1; }
}

# detached_san_run PREFIX COMMAND...: runs COMMAND (maydayd's start) with
# the caller's ASAN_OPTIONS and UBSAN_OPTIONS kept and log_path=PREFIX
# added: each report goes to PREFIX.PID, which detached_san_check reads.
detached_san_run() {
  local prefix=$1
  shift
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$prefix" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$prefix" "$@"
}

# detached_san_check PREFIX: after the daemon is gone, fails with the head
# of any sanitizer report written under PREFIX (none in a build without
# sanitizers).
detached_san_check() {
  local f
  for f in "$1".*; do
    [ -e "$f" ] || continue
    echo "a sanitizer report ($f):"
    head -20 "$f"
    return 1
  done
}
