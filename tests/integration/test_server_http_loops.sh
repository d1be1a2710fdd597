#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# [server] http_threads = 2: both event-loop threads of a listener serve
# connections, and the connection caps stay the listener's across them.
#
# Which loop takes a connection is chosen by its source port (srv_http.c:
# loop (((port ^ key) * 0x9E3779B1) mod 2^32 >> 16) mod N, the key drawn at
# start and logged), so the test connects
# from ports it picked for each loop (curl --local-port; the server closes
# first with "Connection: close", so no client port is left in TIME_WAIT)
# and checks the per-loop counts maydayd logs at its stop: exactly what was
# sent to each, over plain HTTP and over mutual TLS with signed indications
# stored and acked. Nothing here depends on timing: the kernel's own hash
# (what a failed steering program would leave) would not give these counts.
#
# A second maydayd on the same port fails to start, as it did with one socket.
#
# Then the global cap across loops: with http_connections = 2, two idle
# keep-alive connections on the first loop (each answered once so it is
# admitted and waiting) and a third on the second loop: the oldest, on the
# first loop, is closed by its loop, the other two still answer. The two
# waiting ones share a loop so that their order is the order they were
# answered in: a loop takes an answer's completion (answer_out, deferred to
# its next turn) before it accepts the next connection, while two loops'
# turns do not keep the client's order.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
command -v python3 >/dev/null || fail "python3 missing"

steer_key=
# steer_key_of LISTENER: the key maydayd drew for it at this start (logged).
steer_key_of() {
  local k
  k=$(sed -n "s/.*info: $1: 2 loop threads, steered by source port, key \([0-9]*\)\$/\1/p" \
    "$work/maydayd.log")
  [ -n "$k" ] || fail "no steering key logged for $1: $(grep -i steer "$work/maydayd.log")"
  echo "$k"
}
loop_of() { echo $(( ((($1 ^ steer_key) * 0x9E3779B1) & 0xffffffff) >> 16 & 1 )); }
# ports LOOP N FROM: N source ports from FROM up that go to LOOP
ports() {
  local want=$1 n=$2 p=$3 got=()
  while [ "${#got[@]}" -lt "$n" ]; do
    [ "$(loop_of "$p")" = "$want" ] && got+=("$p")
    p=$((p + 1))
  done
  echo "${got[@]}"
}
# A range below the ephemeral one (32768-60999), away from other tests' own.
base=$(( 20000 + (RANDOM % 500) * 20 ))

make_ca opca "mayday test operator CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
ec_key "$work/hnb-1.key"
issue hnb-1 opca "/O=operator/CN=hnb-1" clientAuth 30

HTTP_THREADS=2 start_daemon "http_timeout = 30
http_request_timeout_ms = 30000" "[http]
listen = 127.0.0.1:0

[https]
listen = 127.0.0.1:0
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem"
[ -n "$http_port" ] && [ -n "$https_port" ] || fail "no http or https listener"
http_key=$(steer_key_of http) https_key=$(steer_key_of https)
[ -n "$http_key" ] && [ -n "$https_key" ] || fail "steering keys"
enrol hnb-1

# ---- plain HTTP: 3 connections to loop 0, 2 to loop 1 ----------------------------
sent0=0 sent1=0
steer_key=$http_key
for p in $(ports 0 3 "$base") $(ports 1 2 "$((base + 50))"); do
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --local-port "$p" \
    -H 'Connection: close' "http://127.0.0.1:$http_port/nothing-here") ||
    fail "curl from port $p"
  [ "$code" = 404 ] || fail "GET /nothing-here from port $p: HTTP $code"
  if [ "$(loop_of "$p")" = 0 ]; then sent0=$((sent0 + 1)); else sent1=$((sent1 + 1)); fi
done
[ "$sent0/$sent1" = 3/2 ] || fail "port choice: $sent0/$sent1"

# ---- mutual TLS: signed indications, 2 on loop 0, 4 on loop 1 ----------------------
n=0
steer_key=$https_key
for p in $(ports 0 2 "$((base + 100))") $(ports 1 4 "$((base + 150))"); do
  n=$((n + 1))
  ind=$(sign hnb-1 "$n" 3)
  code=$(curl -sS -o "$work/ack-$n" -w '%{http_code}' --max-time 20 --local-port "$p" \
    -H 'Connection: close' --cacert "$work/opca.pem" --cert "$work/hnb-1.pem" \
    --key "$work/hnb-1.key" -H 'Content-Type: application/cose' --data-binary @"$ind" \
    "https://127.0.0.1:$https_port/v1/distress") || fail "curl over TLS from port $p"
  [ "$code" = 200 ] || fail "indication $n over TLS from port $p: HTTP $code"
  ack_of "$work/ack-$n" hnb-1 "$n" >/dev/null || fail "ack $n does not verify"
done
[ "$(q "SELECT count(*) FROM indications WHERE trust = 'signed'")" = 6 ] ||
  fail "signed rows: $(q "SELECT count(*) FROM indications")"

# A second maydayd on the same port must fail, as with one socket: the loops'
# SO_REUSEPORT must not let it join the running one's group.
sed -e "/^\[http\]/,/^listen/ s|^listen = 127.0.0.1:0$|listen = 127.0.0.1:$http_port|" \
  -e "s|$db|$work/second.db|" \
  -e "s|^socket = .*|socket = $work/second.sock|" -e '/^\[https\]/,$d' \
  "$work/maydayd.conf" > "$work/second.conf"
grep -q "^listen = 127.0.0.1:$http_port$" "$work/second.conf" || fail "second.conf"
rc=0
timeout 60 "$maydayd" -c "$work/second.conf" -f 2>"$work/second.log" || rc=$?
[ "$rc" != 124 ] || fail "a second maydayd ran on the same http port (60 s, then stopped)"
[ "$rc" != 0 ] || fail "a second maydayd started on the same http port"
grep -q "tcp bind 127.0.0.1:$http_port" "$work/second.log" ||
  fail "second maydayd: $(tail -3 "$work/second.log")"

stop_daemon
grep -q 'info: http: connections per loop thread: 3 2$' "$work/maydayd.log" ||
  fail "http per-loop counts: $(grep 'connections per loop' "$work/maydayd.log")"
grep -q 'info: https: connections per loop thread: 2 4$' "$work/maydayd.log" ||
  fail "https per-loop counts: $(grep 'connections per loop' "$work/maydayd.log")"

# ---- the global cap across loops -------------------------------------------------
HTTP_THREADS=2 start_daemon "http_timeout = 30
http_request_timeout_ms = 30000
http_connections = 2" "[http]
listen = 127.0.0.1:0"
steer_key=$(steer_key_of http)
[ -n "$steer_key" ] || fail "steering key"
read -r pa pb <<<"$(ports 0 2 "$((base + 200))")"
read -r pc <<<"$(ports 1 1 "$((base + 250))")"
python3 - "$http_port" "$pa" "$pb" "$pc" <<'PY' || fail "cap across loops (see above)"
import socket, sys
port, pa, pb, pc = (int(x) for x in sys.argv[1:])

def conn(src):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", src))
    s.settimeout(20)
    s.connect(("127.0.0.1", port))
    return s

def ask(s):
    """One keep-alive request; True once its whole 404 answer is read."""
    s.sendall(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
    got = b""
    while b"\r\n\r\n" not in got:
        d = s.recv(4096)
        if not d:
            return False
        got += d
    head, _, body = got.partition(b"\r\n\r\n")
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0]
    while len(body) < n:
        body += s.recv(4096)
    return head.startswith(b"HTTP/1.1 404")

a = conn(pa)           # loop 0, waiting longest once answered
assert ask(a), "a: no answer"
b = conn(pb)           # loop 0, answered after a
assert ask(b), "b: no answer"
c = conn(pc)           # loop 1: over the cap, a (on loop 0) must go
assert ask(c), "c: no answer"
a.settimeout(20)
try:
    d = a.recv(1)
except ConnectionResetError:
    d = b""
assert d == b"", "a was not closed: %r" % d
assert ask(b), "b was closed"
assert ask(c), "c was closed"
PY
alive
stop_daemon
grep -q 'http: connections evicted: 1 at the cap' "$work/maydayd.log" ||
  fail "eviction count: $(grep 'connections evicted' "$work/maydayd.log")"
grep -q 'info: http: connections per loop thread: 2 1$' "$work/maydayd.log" ||
  fail "http per-loop counts: $(grep 'connections per loop' "$work/maydayd.log")"
grep -h "connections per loop" "$work/maydayd.log"
echo "http loops: OK"
