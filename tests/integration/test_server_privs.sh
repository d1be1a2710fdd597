#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Least privilege: maydayd started as root with [server] user = nobody binds
# a port below 1024, then runs as nobody with no capability at all and
# no-new-privs; it reads its keys and creates its store as that user (so a
# key only root can read is refused). An unknown user stops it at start.
# Needs root (CI runs as root); skipped otherwise.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to start maydayd as root"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
command -v ss >/dev/null || fail "ss (iproute2) missing"

# A free privileged UDP port on loopback.
priv=
for p in $(seq 900 1010); do
  ss -Hlun "sport = :$p" | grep -q . || { priv=$p; break; }
done
[ -n "$priv" ] || fail "no free UDP port in 900..1010"

chown -R nobody:nogroup "$work"
: >"$work/maydayd.log"; chown nobody:nogroup "$work/maydayd.log"
SERVER_LINES="log = $work/maydayd.log
user = nobody" write_conf
sed -i "s/^listen = 127.0.0.1:0$/listen = 127.0.0.1:$priv/" "$work/maydayd.conf"
"$maydayd" -c "$work/maydayd.conf" --pidfile "$work/maydayd.pid" 2>"$work/start.err" ||
  fail "start on port $priv: $(cat "$work/start.err")"
daemon_pid=$(cat "$work/maydayd.pid")
grep -q "listening on udp 127.0.0.1:$priv" "$work/maydayd.log" || fail "not on port $priv"

status=/proc/$daemon_pid/status
awk '/^Uid:/ {print $2, $3, $4, $5}' "$status" | grep -qx '65534 65534 65534 65534' ||
  fail "uids: $(grep '^Uid:' "$status")"
awk '/^Gid:/ {print $2, $3, $4, $5}' "$status" | grep -qx '65534 65534 65534 65534' ||
  fail "gids: $(grep '^Gid:' "$status")"
for c in CapEff CapPrm CapAmb CapInh; do
  grep -q "^$c:[[:space:]]*0000000000000000$" "$status" || fail "$(grep "^$c:" "$status")"
done
grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" || fail "$(grep '^NoNewPrivs:' "$status")"
[ "$(stat -c %U "$db")" = nobody ] || fail "store created by $(stat -c %U "$db")"
# It serves on the privileged port.
port=$priv
run_sim --prefix priv --devices 4 --count 8 --duration 5 >"$work/sim.out" 2>&1 ||
  fail "indications on port $priv: $(cat "$work/sim.out")"
stop_detached
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'signed'")" = 8 ] || fail "rows"

# Keys are read as the user: a key only root may read stops the start.
chown root:root "$work/hems.key"; chmod 600 "$work/hems.key"
rc=0
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/key.err" || rc=$?
[ "$rc" != 0 ] || fail "started with a key its user cannot read"
grep -q 'hems_key' "$work/key.err" || fail "key error: $(cat "$work/key.err")"
chown nobody:nogroup "$work/hems.key"

# An unknown user stops it at start, with the name.
sed -i 's/^user = nobody$/user = no-such-mayday-user/' "$work/maydayd.conf"
rc=0
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/user.err" || rc=$?
[ "$rc" != 0 ] || fail "started with an unknown user"
grep -q "user 'no-such-mayday-user': no such user" "$work/user.err" || fail "$(cat "$work/user.err")"
echo "PASS: runs as nobody on port $priv with no capabilities"
