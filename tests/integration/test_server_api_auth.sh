#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The API's transports and who they say the caller is (issue 13, docs/api.md
# "Transports and authentication"), with a real maydayd and curl on
# loopback:
#  - the config refuses a management listener off loopback without TLS, and
#    the start a socket in a missing directory or over a file;
#  - the UNIX socket (0660): root is admin "unix:root(0)"; another user the
#    mode lets in has [api] socket_role (as root only: it runs curl as nobody);
#  - bearer tokens over plain HTTP on loopback: none, malformed, unknown and
#    revoked ones get 401 with WWW-Authenticate: Bearer; a viewer token may
#    read and not approve (403), an operator token approves (200), an admin
#    token creates a token (201) that then works;
#  - bounds: a JSON body over 1 MiB gets 413 (the API's JSON error), a bundle
#    upload may be larger, one over [api] bundle_max gets 413 too; a
#    connection over [api] connections is closed unanswered, one trickling
#    a request is cut off at [api] timeout;
#  - TLS (1.2+) with operator client certificates from an openssl-made CA:
#    the OU is the role (viewer reads, cannot approve; operator approves;
#    an OU naming no role: 403), no credential: 401, a foreign CA's
#    certificate or TLS 1.1: no answer; a token over TLS works;
#  - cross-site request forgery: a write on a certificate with an Origin or
#    a cross-site Sec-Fetch-Site is 403, a write not typed application/json
#    (even empty) is 415, and neither changes anything.
# Nothing here depends on timing: every wait is for an event, with a
# generous bound.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
command -v jq >/dev/null || fail "jq missing"

sock=$work/api.sock
json='Content-Type: application/json'   # on every write, an empty one too
# api [curl args] URL: prints the status; body in $work/resp, headers in $work/hdr
api() {
  curl -sS -o "$work/resp" -D "$work/hdr" -w '%{http_code}' --max-time 30 "$@" \
    2>>"$work/curl.err" || true
}
ux() { api --unix-socket "$sock" "$@"; }
js() { jq -r "$1" "$work/resp"; }
expect() {   # WANT GOT WHAT
  [ "$2" = "$1" ] || fail "$3: status $2, want $1: $(head -c 300 "$work/resp" 2>/dev/null)"
}

for d in hnb-1 hnb-2; do enrol $d; done

# ---- the configuration refuses a listener off loopback in clear -----------------
API_LINES="listen = 0.0.0.0:0" write_conf
rc=0
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/refused.err" || rc=$?
[ "$rc" = 2 ] || fail "maydayd started (rc $rc) with [api] listen = 0.0.0.0:0 and no TLS"
grep -q '\[api\] listen is not a loopback address' "$work/refused.err" ||
  fail "refusal: $(cat "$work/refused.err")"
[ ! -e "$sock" ] || fail "a refused start left a socket"
# a socket whose directory does not exist, or a path that is not a socket
write_conf
sed -i "s#^socket = .*#socket = $work/no-such-dir/api.sock#" "$work/maydayd.conf"
rc=0
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/nodir.err" || rc=$?
[ "$rc" = 1 ] && grep -q "no-such-dir/api.sock: bind/listen" "$work/nodir.err" ||
  fail "a socket in a missing directory: rc $rc: $(cat "$work/nodir.err")"
: >"$work/plain-file"
sed -i "s#^socket = .*#socket = $work/plain-file#" "$work/maydayd.conf"
rc=0
"$maydayd" -c "$work/maydayd.conf" -f 2>"$work/notsock.err" || rc=$?
[ "$rc" = 1 ] && grep -q "exists and is not a socket" "$work/notsock.err" ||
  fail "a plain file as the socket: rc $rc: $(cat "$work/notsock.err")"
[ -f "$work/plain-file" ] && [ ! -S "$work/plain-file" ] || fail "the plain file was touched"

# ---- plain HTTP on loopback, and the socket --------------------------------------------
mkdir -p "$work/bundles"
ec_key "$work/vendor.key"   # uploads need the key bundles must verify under
openssl pkey -in "$work/vendor.key" -pubout -out "$work/vendor.pub" 2>/dev/null
API_LINES="listen = 127.0.0.1:0
bundle_max = 4194304
connections = 2" start_daemon "" "[acs]
bundle_dir = $work/bundles
vendor_key = $work/vendor.pub"
aport=$(listen_port api)
[ -n "$aport" ] || fail "no api listener in the log"
grep -q "listening on api socket $sock" "$work/maydayd.log" || fail "no socket in the log"
tcp="http://127.0.0.1:$aport"

[ -S "$sock" ] || fail "$sock is not a socket"
[ "$(stat -c %a "$sock")" = 660 ] || fail "socket mode $(stat -c %a "$sock"), want 660"
expect 200 "$(ux http://localhost/v1/whoami)" "whoami over the socket"
[ "$(js .identity)" = "unix:root(0)" ] && [ "$(js .role)" = admin ] ||
  fail "socket whoami as root: $(cat "$work/resp")"
grep -qi '^content-type: application/json' "$work/hdr" || fail "not application/json"

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
  chmod 711 "$work"   # nobody may reach the socket; the mode decides
  code=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    curl -sS -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://localhost/v1/whoami \
    2>/dev/null || true)
  [ "$code" != 200 ] || fail "nobody, not in the socket's group, was served"
  chgrp nogroup "$sock"
  setpriv --reuid=nobody --regid=nogroup --clear-groups \
    curl -sS --max-time 30 --unix-socket "$sock" http://localhost/v1/whoami >"$work/resp" ||
    fail "nobody in the socket's group: no answer"
  [ "$(js .identity)" = "unix:nobody(65534)" ] && [ "$(js .role)" = operator ] ||
    fail "socket whoami as nobody: $(cat "$work/resp")"
  chmod 700 "$work"
else
  echo "note: not root (or no setpriv): the socket_role of another user is not checked" >&2
fi

# tokens, made by the admin on the socket
mk_token() {   # NAME ROLE -> prints the secret
  local c
  c=$(ux -H 'Content-Type: application/json' \
    --data "{\"name\":\"$1\",\"role\":\"$2\"}" http://localhost/v1/tokens)
  expect 201 "$c" "creating token $1"
  [ "$(js .role)" = "$2" ] || fail "token $1: $(cat "$work/resp")"
  js .token
}
viewer=$(mk_token viewer-bot viewer)
viewer_id=$(js .id)
operator=$(mk_token operator-bot operator)
admin=$(mk_token admin-bot admin)
[[ $viewer == mdt_* ]] || fail "the token is not mdt_...: $viewer"
for f in "$db" "$db-wal"; do
  if [ -f "$f" ] && LC_ALL=C grep -a -q -F -- "${viewer#*.}" "$f"; then
    fail "a token's secret is in $f"
  fi
done
expect 409 "$(ux -H 'Content-Type: application/json' \
  --data '{"name":"viewer-bot","role":"viewer"}' http://localhost/v1/tokens)" "a token name twice"

expect 401 "$(api "$tcp/v1/whoami")" "no credential"
grep -qi '^www-authenticate: bearer' "$work/hdr" || fail "401 without WWW-Authenticate: Bearer"
[ "$(js .error.code)" = unauthenticated ] || fail "401 body: $(cat "$work/resp")"
expect 401 "$(api -H 'Authorization: Bearer nonsense' "$tcp/v1/whoami")" "a malformed token"
expect 401 "$(api -H "Authorization: Bearer ${viewer%%.*}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
  "$tcp/v1/whoami")" "a wrong secret"
expect 401 "$(api -H 'Authorization: Basic dXNlcjpwYXNz' "$tcp/v1/whoami")" "Basic"
expect 200 "$(api -H "Authorization: Bearer $viewer" "$tcp/v1/whoami")" "viewer token"
[ "$(js .role)" = viewer ] && [[ "$(js .identity)" == *viewer-bot* ]] ||
  fail "viewer whoami: $(cat "$work/resp")"
expect 200 "$(api -H "Authorization: Bearer $viewer" "$tcp/v1/devices")" "viewer lists devices"
[ "$(js .count)" = 2 ] || fail "devices: $(cat "$work/resp")"

# an open incident to approve: hnb-1 in distress
"$itool" udp --port "$port" --in "$(sign hnb-1 1 1)" --hems-pub "$work/hems.pub" --wait-ms 10000 \
  >/dev/null || fail "hnb-1: no ack"
[ "$(q "SELECT count(*) FROM incidents WHERE device_id = 'hnb-1'")" = 1 ] || fail "no incident"
expect 403 "$(api -X POST -H "Authorization: Bearer $viewer" -H "$json" "$tcp/v1/devices/hnb-1/approve")" \
  "viewer approves"
[ "$(js .error.code)" = forbidden ] || fail "403 body: $(cat "$work/resp")"
expect 200 "$(api -X POST -H "Authorization: Bearer $operator" -H "$json" "$tcp/v1/devices/hnb-1/approve")" \
  "operator approves"
[ "$(js .already)" = false ] && [[ "$(js .approved_by)" == *operator-bot* ]] ||
  fail "approval: $(cat "$work/resp")"
expect 200 "$(api -X POST -H "Authorization: Bearer $operator" -H "$json" "$tcp/v1/devices/hnb-1/approve")" \
  "approving twice"
[ "$(js .already)" = true ] || fail "the second approval was not 'already'"
expect 403 "$(api -H "Authorization: Bearer $operator" -H 'Content-Type: application/json' \
  --data '{"name":"x","role":"admin"}' "$tcp/v1/tokens")" "an operator makes a token"
expect 201 "$(api -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  --data '{"name":"made-over-tcp","role":"viewer"}' "$tcp/v1/tokens")" "the admin makes a token"
made=$(js .token)
expect 200 "$(api -H "Authorization: Bearer $made" "$tcp/v1/whoami")" "the token made over TCP"

# revoked: 401 from then on
expect 204 "$(ux -X DELETE "http://localhost/v1/tokens/$viewer_id")" "revoking"
expect 401 "$(api -H "Authorization: Bearer $viewer" "$tcp/v1/whoami")" "a revoked token"
expect 204 "$(ux -X DELETE "http://localhost/v1/tokens/$viewer_id")" "revoking twice"

# ---- bounds ------------------------------------------------------------------------
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$work/big.json"
expect 413 "$(ux -H 'Content-Type: application/json' --data-binary @"$work/big.json" \
  http://localhost/v1/devices)" "a JSON body over 1 MiB"
[ "$(js .error.code)" = too_large ] || fail "413 body: $(cat "$work/resp")"
head -c $((2 * 1024 * 1024)) /dev/urandom >"$work/big.bundle"
c=$(ux -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$work/big.bundle" \
  http://localhost/v1/classes/femto-it/bundle)
[ "$c" != 413 ] && [ "$c" != 000 ] || fail "a 2 MiB bundle upload (bundle_max 4 MiB): $c"
[ "$c" = 422 ] || fail "random bytes as a bundle: $c, want 422 invalid: $(cat "$work/resp")"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$work/huge.bundle"
expect 413 "$(ux -X PUT -H 'Content-Type: application/octet-stream' \
  --data-binary @"$work/huge.bundle" http://localhost/v1/classes/femto-it/bundle)" \
  "a bundle over bundle_max"

# connections: two held open (a request begun, not finished) fill the cap;
# the next one, accepted after them, is closed unanswered; once they are
# gone the socket serves again (polled: their close reaches maydayd when it
# does). Every answer above closed its connection, or the cap of 2 would
# have refused the requests made one after the other.
cat >"$work/hold.py" <<'PY'
import os, socket, sys, time
held = []
for _ in range(2):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: x\r\n")
    held.append(s)
open(sys.argv[2], "w").close()
for _ in range(1200):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)
PY
python3 "$work/hold.py" "$sock" "$work/held" "$work/release" &
hold_pid=$!
bg_pids="$bg_pids $hold_pid"
for _ in $(seq 600); do [ -e "$work/held" ] && break; sleep 0.1; done
[ -e "$work/held" ] || fail "the holding client did not connect"
c=$(ux http://localhost/v1/whoami)
[ "$c" = 000 ] || fail "a third connection over the cap of 2 was served: $c"
touch "$work/release"
wait "$hold_pid" || true
served=
for _ in $(seq 600); do
  [ "$(ux http://localhost/v1/whoami)" = 200 ] && { served=1; break; }
  sleep 0.1
done
[ -n "$served" ] || fail "the socket did not serve again once the held connections closed"
grep -q 'api: 2 connections open: closing a new one' "$work/maydayd.log" ||
  fail "the refused connection was not logged"
alive
stop_daemon
[ ! -e "$sock" ] || fail "maydayd left its socket behind"

# ---- a connection's life is bounded ------------------------------------------------
# A client that trickles a request (a header byte every 0.3 s: never idle
# long enough for a read timeout) is cut off at [api] timeout from its
# accept; the bound here is only how long the trickle may go on (100 s).
cat >"$work/trickle.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: x\r\nX-Slow: ")
s.settimeout(0.3)
for _ in range(330):
    try:
        if s.recv(4096) == b"":
            print("closed")
            sys.exit(0)
    except socket.timeout:
        pass
    except OSError:
        print("closed")
        sys.exit(0)
    try:
        s.sendall(b"a")
    except OSError:
        print("closed")
        sys.exit(0)
print("still open")
PY
API_LINES="timeout = 2" start_daemon
[ "$(python3 "$work/trickle.py" "$sock")" = closed ] ||
  fail "a trickling client outlived [api] timeout = 2 by far"
expect 200 "$(ux http://localhost/v1/whoami)" "the socket after a connection timed out"
alive
stop_daemon

# ---- TLS with operator client certificates ------------------------------------------
make_ca opsca "mayday test operators CA"
make_ca rogue "rogue CA"
issue apisrv opsca "/CN=hems-api.mayday.test" serverAuth 30 "IP:127.0.0.1"
issue alice opsca "/O=operator/OU=viewer/CN=alice" clientAuth 30
issue bob opsca "/O=operator/OU=operator/CN=bob" clientAuth 30
issue carol opsca "/O=operator/OU=admin/CN=carol" clientAuth 30
issue mallory opsca "/O=operator/OU=root/CN=mallory" clientAuth 30
issue eve rogue "/O=operator/OU=admin/CN=eve" clientAuth 30
chmod 600 "$work/apisrv.key"
rm -f "$sock"   # a socket nobody serves, as a crash leaves it:
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$sock"
[ -S "$sock" ] || fail "could not make a stale socket"
API_LINES="listen = 127.0.0.1:0
tls_cert = $work/apisrv.pem
tls_key = $work/apisrv.key
client_ca = $work/opsca.pem" start_daemon
grep -q "listening on api socket $sock" "$work/maydayd.log" || fail "the stale socket was not replaced"
tport=$(listen_port api)
[ -n "$tport" ] || fail "no TLS api listener"
base="https://127.0.0.1:$tport"
as() { local who=$1; shift; api --cacert "$work/opsca.pem" --cert "$work/$who.pem" --key "$work/$who.key" "$@"; }

expect 200 "$(as alice "$base/v1/whoami")" "alice (OU viewer)"
[ "$(js .identity)" = cert:alice ] && [ "$(js .role)" = viewer ] || fail "alice: $(cat "$work/resp")"
expect 403 "$(as alice -X POST -H "$json" "$base/v1/devices/hnb-1/approve")" "alice approves"
expect 200 "$(as bob -X POST -H "$json" "$base/v1/devices/hnb-1/approve")" "bob (OU operator) approves"
[ "$(js .already)" = true ] || fail "bob's approval: $(cat "$work/resp")"
# Cross-site request forgery: a browser sends bob's certificate to any page
# that asks. What a hostile page can send without a CORS preflight (an
# empty form, a no-cors fetch) is refused, and nothing changes.
paused() { q "SELECT count(*) FROM remediation_class_events WHERE kind = 'paused'"; }
expect 403 "$(as bob -X POST -H 'Origin: https://evil.example' \
  -H 'Content-Type: application/x-www-form-urlencoded' "$base/v1/classes/femto-it/pause")" \
  "a form from another site on bob's certificate"
[ "$(js .error.code)" = forbidden ] || fail "CSRF 403 body: $(cat "$work/resp")"
expect 403 "$(as bob -X POST -H 'Origin: https://evil.example' -H 'Content-Type: text/plain' \
  --data '{}' "$base/v1/devices/hnb-2/revoke")" "a text/plain fetch from another site"
expect 403 "$(as bob -X POST -H 'Sec-Fetch-Site: cross-site' -H "$json" \
  "$base/v1/classes/femto-it/pause")" "Sec-Fetch-Site: cross-site"
expect 403 "$(as bob -X POST -H 'Origin: https://127.0.0.1' -H "$json" \
  "$base/v1/classes/femto-it/pause")" "any page's Origin on a certificate write"
# without an Origin, the type alone keeps the form out
expect 415 "$(as bob -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
  "$base/v1/classes/femto-it/pause")" "an empty form-typed write"
expect 415 "$(as bob -X POST "$base/v1/classes/femto-it/pause")" "an empty untyped write"
[ "$(paused)" = 0 ] || fail "a refused write paused femto-it"
[ "$(q "SELECT state FROM devices WHERE device_id = 'hnb-2'")" != revoked ] ||
  fail "a refused write revoked hnb-2"
# a read is harmless and stays allowed from a page; a token is no ambient
# credential, so the dashboard's writes (token, Origin, JSON) pass
expect 200 "$(as alice -H 'Origin: https://evil.example' "$base/v1/whoami")" "a read with Origin"
expect 200 "$(api --cacert "$work/opsca.pem" -H "Authorization: Bearer $operator" \
  -H "Origin: $base" -H 'Sec-Fetch-Site: same-origin' -H "$json" --data '{}' \
  "$base/v1/classes/femto-it/pause")" "the dashboard's write: a token, JSON"
[ "$(paused)" = 1 ] || fail "the token's pause was not recorded"
expect 200 "$(as bob -X POST -H "$json" --data '{}' "$base/v1/classes/femto-it/resume")" \
  "bob resumes as maydayctl does (no Origin, JSON)"
expect 200 "$(as carol "$base/v1/tokens")" "carol (OU admin) lists tokens"
expect 403 "$(as mallory "$base/v1/whoami")" "mallory (OU root)"
[ "$(js .error.code)" = forbidden ] || fail "mallory: $(cat "$work/resp")"
c=$(as eve "$base/v1/whoami")
[ "$c" != 200 ] || fail "a certificate from a foreign CA was accepted"
expect 401 "$(api --cacert "$work/opsca.pem" "$base/v1/whoami")" "TLS without a credential"
expect 200 "$(api --cacert "$work/opsca.pem" -H "Authorization: Bearer $operator" \
  "$base/v1/whoami")" "a token over TLS"
[ "$(js .role)" = operator ] || fail "token over TLS: $(cat "$work/resp")"
expect 200 "$(as alice --tlsv1.2 --tls-max 1.2 "$base/v1/whoami")" "TLS 1.2"
c=$(as alice --tlsv1.1 --tls-max 1.1 "$base/v1/whoami")
[ "$c" != 200 ] || fail "TLS 1.1 was accepted"
# every write is recorded with who made it
[ "$(q "SELECT count(*) FROM operator_actions WHERE identity LIKE '%operator-bot%'")" -ge 1 ] ||
  fail "the operator token's approval is not recorded"
alive
stop_daemon
echo "ok: api auth"
