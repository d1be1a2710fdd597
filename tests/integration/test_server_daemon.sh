#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# maydayd the way an operator runs it by default: detached, with maydayctl
# reading and writing the store beside it between indications, then
# SIGTERM and a restart. Every acknowledged indication and every enrolment
# must be there and the file intact (this sequence used to lose the second
# indication and the second enrolment and leave "database disk image is
# malformed": the store was opened before daemon(3) forked). Also: the start
# command returns only once the daemon serves; SIGHUP reopens the log file;
# a damaged store is refused at start with what to do; maydayctl never
# creates a store and names the one it could not open.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"

conf_http="[http]
listen = 127.0.0.1:0"
# post FILE: the HTTP status of a distress POST (200 only after commit)
post() {
  curl -sS -o "$work/body" -w '%{http_code}' --max-time 20 \
    -H 'Content-Type: application/cose' --data-binary @"$1" \
    "http://127.0.0.1:$http_port/v1/distress"
}
integrity() { q 'PRAGMA integrity_check'; }
shows() { "$ctl" -d "$store" --json show "$1" | jq -r '.indications | length'; }

# ---- the repro: detached, maydayctl between indications --------------------------
start_detached "" "$conf_http"
[ -n "$http_port" ] || fail "no http listener"
pid1=$daemon_pid
enrol hnb-1
[ "$(post "$(sign hnb-1 1 2)")" = 200 ] || fail "indication 1"
"$ctl" -d "$store" devices >/dev/null || fail "maydayctl devices"
[ "$(post "$(sign hnb-1 2 2)")" = 200 ] || fail "indication 2"
[ "$(shows hnb-1)" = 2 ] || fail "maydayctl sees $(shows hnb-1) of 2 acknowledged indications"
enrol hnb-2
"$ctl" -d "$store" --json show hnb-2 >/dev/null || fail "maydayctl show hnb-2"
[ "$(post "$(sign hnb-2 1 2)")" = 200 ] || fail "indication of hnb-2"
"$ctl" -d "$store" devices >/dev/null || fail "maydayctl devices (2)"
[ "$(post "$(sign hnb-1 3 2)")" = 200 ] || fail "indication 3"
stop_detached
[ "$(integrity)" = ok ] || fail "integrity_check after SIGTERM: $(integrity)"
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'signed'")" = 4 ] ||
  fail "signed indications after SIGTERM: $(q 'SELECT count(*) FROM indications')"
[ "$(q 'SELECT count(*) FROM devices')" = 2 ] || fail "enrolments lost: $(q 'SELECT id FROM devices')"

# ---- restart on the same store; another round --------------------------------------
start_detached "" "$conf_http"
[ "$daemon_pid" != "$pid1" ] || fail "the same pid after a restart"
[ "$(shows hnb-1)" = 3 ] || fail "after restart maydayctl sees $(shows hnb-1) of 3"
[ "$(post "$(sign hnb-2 2 2)")" = 200 ] || fail "indication after restart"
enrol hnb-3
[ "$(post "$(sign hnb-3 1 2)")" = 200 ] || fail "indication of hnb-3"

# ---- SIGHUP: the log file is reopened (rotation), the daemon keeps serving ----------
mv "$work/maydayd.log" "$work/maydayd.log.1"
kill -HUP "$daemon_pid"
for _ in $(seq 200); do
  grep -q 'SIGHUP: reloaded' "$work/maydayd.log" 2>/dev/null && break
  sleep 0.05
done
grep -q 'SIGHUP: reloaded' "$work/maydayd.log" || fail "no new log file after SIGHUP"
[ "$(post "$(sign hnb-3 2 2)")" = 200 ] || fail "indication after SIGHUP"
stop_detached
[ "$(integrity)" = ok ] || fail "integrity_check after the second run: $(integrity)"
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'signed'")" = 7 ] ||
  fail "signed indications after the second run: $(q 'SELECT count(*) FROM indications')"
[ "$(q 'SELECT count(*) FROM devices')" = 3 ] || fail "devices after the second run"

# ---- the store is 0640 or stricter, its directory untouched -----------------------
for f in "$db" "$db-wal"; do
  [ -e "$f" ] || continue
  m=$(stat -c %a "$f")
  [ $(( 8#$m & 8#137 )) = 0 ] || fail "$f has mode $m"
done

# ---- a damaged store is refused at start, saying what to do ---------------------
cp "$db" "$work/good.db"
pages=$(q 'PRAGMA page_count')
[ "$pages" -ge 4 ] || fail "store has only $pages pages"
# The root page of the indications table (data, not the schema, which
# spans several pages and is read at every open) gets garbage in its header:
# the file opens, and only a check of the whole file finds it.
root=$(q "SELECT rootpage FROM sqlite_master WHERE name = 'indications'")
[ "$root" -ge 2 ] || fail "no root page for indications: $root"
printf '\377\377\377\377\377\377\377\377' |
  dd of="$db" bs=1 seek=$(( (root - 1) * 4096 + 2 )) conv=notrunc status=none
[ "$(q 'PRAGMA quick_check' 2>&1 | head -1)" != ok ] || fail "the damage did not damage"
rm -f "$work/maydayd.pid"
if "$maydayd" -c "$work/maydayd.conf" --pidfile "$work/maydayd.pid" 2>"$work/damaged.err"; then
  fail "maydayd started on a damaged store"
fi
grep -q 'hems.db is damaged (quick_check: ' "$work/damaged.err" || fail "no clear message: $(cat "$work/damaged.err")"
grep -q 'restore it from a backup' "$work/damaged.err" || fail "message says not what to do"
[ ! -e "$work/maydayd.pid" ] || fail "a pidfile for a daemon that refused to start"
# Worse damage (every page after the first): it fails as it opens, and is
# told the same way, in the foreground too.
for p in $(seq 2 "$pages"); do
  printf '\377\377\377\377\377\377\377\377' |
    dd of="$db" bs=1 seek=$(( (p - 1) * 4096 + 2 )) conv=notrunc status=none
done
if "$maydayd" -c "$work/maydayd.conf" -f 2>"$work/damaged-f.err"; then
  fail "maydayd -f started on a damaged store"
fi
grep -q 'hems.db is damaged (' "$work/damaged-f.err" && grep -q 'restore it' "$work/damaged-f.err" || fail "-f: $(cat "$work/damaged-f.err")"
cp "$work/good.db" "$db"

# ---- maydayctl never creates a store ------------------------------------------------
rc=0
"$ctl" -d "sqlite:$work/typo.db" devices >/dev/null 2>"$work/typo.err" || rc=$?
[ "$rc" = 1 ] || fail "maydayctl on a missing store exited $rc"
[ ! -e "$work/typo.db" ] || fail "maydayctl created a store"
grep -q "typo.db: no such store" "$work/typo.err" || fail "maydayctl said: $(cat "$work/typo.err")"
rc=0
"$ctl" -d "$work/typo.db" enrol --device x --class c --pubkey "$work/hnb-1.pub" \
  >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] && [ ! -e "$work/typo.db" ] || fail "maydayctl enrol created a store ($rc)"
: >"$work/empty.db"
"$ctl" -d "$work/empty.db" devices >/dev/null 2>"$work/empty.err" && fail "an empty file is a store"
grep -q 'not a mayday store' "$work/empty.err" || fail "empty file: $(cat "$work/empty.err")"
# A plain path names the store too.
[ "$("$ctl" -d "$db" --json devices | jq length)" = 3 ] || fail "maydayctl -d PATH"

# ---- under a service manager: -f, readiness and reload over $NOTIFY_SOCKET --------
command -v socat >/dev/null || fail "socat missing"
# The datagrams carry no newline: the file holds them back to back.
socat -u UNIX-RECV:"$work/notify" OPEN:"$work/notified",creat,append &
socat_pid=$!
bg_pids="$socat_pid"
for _ in $(seq 100); do [ -S "$work/notify" ] && break; sleep 0.05; done
: >"$work/maydayd.log"
NOTIFY_SOCKET="$work/notify" "$maydayd" -c "$work/maydayd.conf" -f 2>>"$work/maydayd.log" &
daemon_pid=$!
# until_notified WHAT: waits (20 s at most) until WHAT is all that was sent
until_notified() {
  local got
  for _ in $(seq 400); do
    got=$(cat "$work/notified" 2>/dev/null || true)
    [ "$got" = "$1" ] && return 0
    sleep 0.05
  done
  fail "notifications: '$got', expected '$1'"
}
until_notified "READY=1"
grep -q 'info: running (' "$work/maydayd.log" || fail "READY=1 before it ran"
kill -HUP "$daemon_pid"
until_notified "READY=1RELOADING=1READY=1"
stop_daemon
until_notified "READY=1RELOADING=1READY=1STOPPING=1"
echo "PASS"
