#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# maydayctl as a client of maydayd's API (issue 13 point 2): every command
# over the UNIX socket against a live maydayd, and over the management
# listener with a token; -d (the API in-process) reads beside the running
# daemon but its writes are refused ("maydayd is running"); approving twice
# is one approval; --json anywhere on the line, JSON errors with the API's
# codes and the exit codes (2 usage, 3 not found, 4 denied); --help of each
# command on stdout.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v jq >/dev/null || fail "jq missing"

sock=$api_sock   # write_conf's [api] socket
c() { "$ctl" --socket "$sock" "$@"; }
# expect RC CMD...: runs CMD, fails unless it exits RC; stdout in $work/out, stderr in $work/err
expect() {
  local want=$1 rc=0
  shift
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = "$want" ] || fail "$* exited $rc, expected $want: $(cat "$work/out" "$work/err")"
}
# jcode: the error code of the JSON error in $work/out
jcode() { jq -r .error.code "$work/out"; }

# ---- before maydayd runs: -d writes (offline), the socket is absent ----------------
for d in hnb-1 hnb-2; do enrol $d; done
expect 1 c whoami
grep -q "cannot connect to $sock" "$work/err" || fail "no socket: $(cat "$work/err")"
expect 1 c --json whoami
[ "$(jcode)" = transport ] || fail "transport error code: $(cat "$work/out")"

API_LINES="listen = 127.0.0.1:0" start_daemon
api_port=$(listen_port api)
[ -S "$sock" ] || fail "maydayd made no socket at $sock"

# ---- who am I; -d beside the running maydayd ----------------------------------------
expect 0 c --json whoami
[ "$(jq -r .role "$work/out")" = admin ] && jq -r .identity "$work/out" | grep -q '^unix:root(0)' ||
  fail "whoami over the socket: $(cat "$work/out")"
expect 0 "$ctl" -d "$store" show hnb-1
expect 1 "$ctl" -d "$store" enrol --device hnb-x --class femto-it --pubkey "$work/hnb-1.pub"
grep -q "maydayd is running: use the API (maydayctl without -d)" "$work/err" ||
  fail "-d write beside maydayd: $(cat "$work/err")"
expect 1 "$ctl" -d "$store" approve hnb-1 --json
[ "$(jcode)" = transport ] || fail "-d write under --json: $(cat "$work/out")"
[ "$(q "SELECT count(*) FROM devices WHERE id = 'hnb-x'")" = 0 ] || fail "-d enrolled beside maydayd"

# ---- enrol, devices (filters, paging, counts), show ---------------------------------
ec_key "$work/hnb-3.key"
openssl pkey -in "$work/hnb-3.key" -pubout -out "$work/hnb-3.pub" 2>/dev/null
expect 0 c enrol --device hnb-3 --class femto-b --pubkey "$work/hnb-3.pub"
grep -qx "enrolled hnb-3 (class femto-b)" "$work/out" || fail "enrol: $(cat "$work/out")"
expect 0 c enrol --device hnb-3 --class femto-b --pubkey "$work/hnb-3.pub"   # the same again: fine
expect 2 c enrol --device 'bad id' --class femto-b --pubkey "$work/hnb-3.pub"
expect 0 c devices
[ "$(wc -l < "$work/out")" = 4 ] && head -1 "$work/out" | grep -q '^DEVICE  *CLASS  *STATE' ||
  fail "devices table: $(cat "$work/out")"
expect 0 c devices --limit 2
[ "$(wc -l < "$work/out")" = 3 ] && grep -q -- '--cursor ' "$work/err" || fail "a page of 2: $(cat "$work/out" "$work/err")"
cursor=$(sed -n 's/.*--cursor \([^ ]*\) .*/\1/p' "$work/err")
expect 0 c devices --limit 2 --cursor "$cursor"
grep -q '^hnb-3 ' "$work/out" && [ "$(wc -l < "$work/out")" = 2 ] || fail "the next page: $(cat "$work/out")"
expect 0 c devices --limit 1 --all --json
[ "$(jq -r '[.[].device_id] | join(",")' "$work/out")" = hnb-1,hnb-2,hnb-3 ] || fail "--all: $(cat "$work/out")"
expect 0 c devices --class femto-b --json
[ "$(jq -r '[.[].device_id] | join(",")' "$work/out")" = hnb-3 ] || fail "--class: $(cat "$work/out")"
expect 0 c devices --counts --json
[ "$(jq -r '.total' "$work/out")" = 3 ] && [ "$(jq -r '.by_class["femto-b"]' "$work/out")" = 1 ] ||
  fail "--counts: $(cat "$work/out")"
expect 0 c devices --counts
grep -q '^total  *3$' "$work/out" || fail "--counts text: $(cat "$work/out")"
expect 2 c devices --cursor '!!not-a-cursor'
expect 2 c devices --bogus

# ---- a distress from hnb-1: show, indications, approve twice --------------------------
f=$(sign hnb-1 1 1)
"$itool" udp --port "$port" --in "$f" --hems-pub "$work/hems.pub" --wait-ms 10000 >/dev/null ||
  fail "hnb-1's indication not answered"
expect 0 c show hnb-1
grep -q '^device hnb-1  class femto-it' "$work/out" && grep -q '^indications (newest first):' "$work/out" &&
  grep -q '^  #[0-9]* counter 1 .* signed ' "$work/out" || fail "show: $(cat "$work/out")"
expect 0 c --json show hnb-1
[ "$(jq -r '.device.state' "$work/out")" = in_distress ] && [ "$(jq '.indications | length' "$work/out")" = 1 ] ||
  fail "show --json: $(cat "$work/out")"
expect 0 c indications --device hnb-1 --signed
grep -q '^  #[0-9]* counter 1 .* device hnb-1' "$work/out" || fail "indications: $(cat "$work/out")"
expect 0 c indications --unverified --json
[ "$(jq '.indications | length' "$work/out")" = 0 ] || fail "indications --unverified: $(cat "$work/out")"
# a sender never enrolled: stored unverified, in no device list, but shown
ec_key "$work/ghost-1.key"
f=$(sign ghost-1 1 1)
"$itool" udp --port "$port" --in "$f" --hems-pub "$work/hems.pub" --wait-ms 10000 >/dev/null 2>&1 || true
for _ in $(seq 100); do
  [ "$(q "SELECT count(*) FROM indications WHERE device_id = 'ghost-1'")" = 1 ] && break
  sleep 0.1
done
expect 0 c show ghost-1
grep -qx "device ghost-1  (not enrolled)" "$work/out" && grep -q "^  #[0-9]* counter 1 .* unverified " "$work/out" ||
  fail "show of an unenrolled sender: $(cat "$work/out")"
expect 0 c indications --unverified
grep -q "device ghost-1" "$work/out" || fail "indications --unverified: $(cat "$work/out")"
expect 0 c approve hnb-1
grep -qx "remediation approved for hnb-1" "$work/out" || fail "approve: $(cat "$work/out")"
expect 0 c approve hnb-1 --json
[ "$(jq -r .already "$work/out")" = true ] && jq -r .approved_by "$work/out" | grep -q '^unix:root' ||
  fail "approve again: $(cat "$work/out")"
[ "$(q "SELECT count(*) FROM operator_actions WHERE action LIKE '%approve%' AND target = 'hnb-1'")" -ge 1 ] ||
  fail "no operator action recorded: $(q 'SELECT * FROM operator_actions')"
expect 3 c approve hnb-2 --json   # nothing to approve
[ "$(jcode)" = conflict ] || fail "approve without an incident: $(cat "$work/out")"

# ---- classes, pause, resume; revoke; export; cwmp credentials; fleet -------------------
expect 0 c classes
grep -Eq '^femto-it +2 ' "$work/out" || fail "classes: $(cat "$work/out")"
expect 0 c pause femto-b --reason "test"
expect 0 c --json classes
[ "$(jq -r '.[] | select(.product_class == "femto-b") | .paused' "$work/out")" = true ] || fail "pause: $(cat "$work/out")"
expect 0 c resume femto-b --json
[ "$(jq -r .was_paused "$work/out")" = true ] || fail "resume: $(cat "$work/out")"
expect 3 c resume femto-nosuch
expect 0 c revoke hnb-2 --reason "key leaked"
grep -q '^revoked hnb-2 at ' "$work/out" || fail "revoke: $(cat "$work/out")"
expect 0 c revoke hnb-2
expect 0 c show hnb-2
grep -q 'REVOKED' "$work/out" || fail "show of a revoked device: $(cat "$work/out")"
expect 0 c export hnb-1 --out "$work/hnb-1.rec"
[ "$(stat -c %a "$work/hnb-1.rec")" = 600 ] && [ "$(jq -r .device_id "$work/hnb-1.rec")" = hnb-1 ] ||
  fail "export: $(cat "$work/hnb-1.rec")"
echo "a-long-password" > "$work/pw"
expect 0 c cwmp-credentials hnb-3 --username user-3 < "$work/pw"
grep -q '^CWMP credentials of hnb-3 set: username user-3' "$work/out" || fail "cwmp-credentials: $(cat "$work/out")"
expect 0 c fleet --since 1h
expect 0 c fleet anomalies --json
jq -e '.anomalies' "$work/out" >/dev/null || fail "fleet anomalies: $(cat "$work/out")"
head -c 1000 /dev/urandom > "$work/junk.bundle"
expect 1 c --json bundle upload femto-it "$work/junk.bundle"
case "$(jcode)" in invalid|unavailable|too_large) ;; *) fail "junk bundle: $(cat "$work/out")" ;; esac

# ---- tokens, and the management listener with one ----------------------------------
expect 0 c tokens create --name ops-bot --role viewer
(umask 077 && cp "$work/out" "$work/bot.token")
grep -q '^mdt_[0-9a-f]\{16\}\.' "$work/bot.token" || fail "token: $(cat "$work/out")"
expect 0 c tokens list
grep -q ' ops-bot  *viewer ' "$work/out" || fail "tokens list: $(cat "$work/out")"
if [ -n "$api_port" ]; then
  api=(--api "http://127.0.0.1:$api_port" --token-file "$work/bot.token")
  expect 0 "$ctl" "${api[@]}" --json whoami
  [ "$(jq -r .role "$work/out")" = viewer ] || fail "whoami with the token: $(cat "$work/out")"
  expect 0 "$ctl" "${api[@]}" devices
  expect 4 "$ctl" "${api[@]}" --json approve hnb-1
  [ "$(jcode)" = forbidden ] || fail "a viewer approved: $(cat "$work/out")"
  id=$(c --json tokens list | jq -r '.tokens[] | select(.name == "ops-bot") | .id')
  expect 0 c tokens revoke "$id"
  expect 4 "$ctl" "${api[@]}" --json whoami
  [ "$(jcode)" = unauthenticated ] || fail "a revoked token: $(cat "$work/out")"
  chmod 644 "$work/bot.token"
  expect 1 "$ctl" "${api[@]}" whoami   # a token file others may read is refused
else
  echo "note: no management listener in the log; --api not exercised"
fi

# ---- --json anywhere, JSON errors, --help of every command ---------------------------
for line in "--json devices" "devices --json" "devices --limit 5 --json"; do
  # shellcheck disable=SC2086
  expect 0 c $line
  jq -e 'type == "array"' "$work/out" >/dev/null || fail "$line: $(cat "$work/out")"
done
expect 3 c show nosuch --json
[ "$(jcode)" = not_found ] && [ ! -s "$work/err" ] || fail "show nosuch: $(cat "$work/out" "$work/err")"
expect 2 c --json frobnicate
[ "$(jcode)" = usage ] || fail "unknown command: $(cat "$work/out")"
expect 2 c --json devices --limit
[ "$(jcode)" = usage ] || fail "missing argument: $(cat "$work/out")"
expect 2 c --json show
[ "$(jcode)" = usage ] || fail "show without DEVICE: $(cat "$work/out")"
n=0
for cmd in $("$ctl" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
  expect 0 "$ctl" "$cmd" --help
  head -1 "$work/out" | grep -q "^usage: maydayctl \[OPTIONS\] $cmd" && [ ! -s "$work/err" ] ||
    fail "$cmd --help: $(cat "$work/out" "$work/err")"
  n=$((n + 1))
done
[ "$n" -ge 15 ] || fail "only $n commands in --help"
stop_daemon

# ---- the management listener over TLS, an operator's client certificate ----------------
make_ca opsca "mayday test operators CA"
make_ca rogue "rogue CA"
issue apisrv opsca "/CN=hems-api.mayday.test" serverAuth 30 "IP:127.0.0.1"
issue bob opsca "/O=operator/OU=operator/CN=bob" clientAuth 30
chmod 600 "$work/apisrv.key" "$work/bob.key"
API_LINES="listen = 127.0.0.1:0
tls_cert = $work/apisrv.pem
tls_key = $work/apisrv.key
client_ca = $work/opsca.pem" start_daemon
tport=$(listen_port api)
[ -n "$tport" ] || fail "no TLS api listener"
bob=(--cacert "$work/opsca.pem" --cert "$work/bob.pem" --key "$work/bob.key")
expect 0 "$ctl" --api "https://127.0.0.1:$tport" "${bob[@]}" --json whoami
[ "$(jq -r .identity "$work/out")" = cert:bob ] && [ "$(jq -r .role "$work/out")" = operator ] ||
  fail "whoami with bob's certificate: $(cat "$work/out")"
expect 0 "$ctl" --api "https://127.0.0.1:$tport" "${bob[@]}" approve hnb-1
grep -q "^remediation approved for hnb-1 (already, by unix:root" "$work/out" || fail "bob's approval: $(cat "$work/out")"
# the server's certificate must chain to --cacert and name the host asked for
expect 1 "$ctl" --api "https://127.0.0.1:$tport" --cacert "$work/rogue.pem" --json whoami
[ "$(jcode)" = transport ] || fail "a server certificate of another CA: $(cat "$work/out")"
expect 1 "$ctl" --api "https://localhost:$tport" "${bob[@]}" whoami
grep -q "TLS with localhost" "$work/err" || fail "a certificate for 127.0.0.1 accepted as localhost: $(cat "$work/err")"
expect 4 "$ctl" --api "https://127.0.0.1:$tport" --cacert "$work/opsca.pem" --json whoami
[ "$(jcode)" = unauthenticated ] || fail "TLS without a credential: $(cat "$work/out")"
stop_daemon
echo "PASS: every command over the socket and the management listener (token, client certificate), -d refused beside maydayd, $n commands' --help"
