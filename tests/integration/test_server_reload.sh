#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Certificate rotation without a restart, with the real maydayd, curl and
# openssl(1) on 127.0.0.1: maydayd starts with server certificate A; its
# cert and key files are replaced by certificate B (another key, serial and
# subject) and SIGHUP rebuilds the HTTPS listener's TLS context:
# - new connections are served B (openssl s_client -showcerts, and curl
#   --pinnedpubkey: B's key is accepted, A's no longer);
# - connections opened before go on with A: a kept-alive mTLS connection
#   answers a second request after the reload, and a bundle download
#   (the ACS, pinned to A) running across the reload arrives whole;
# - distress POSTs and the ACS's CWMP session work on B;
# - a broken replacement (a key that is not the certificate's; a key file
#   mode 0644) is refused: the log says why once per SIGHUP, and new
#   connections still get B; once fixed, the next SIGHUP takes it;
# - reloads while connections keep coming make none of them fail;
# - the TLS handshakes on the new context are counted (GET /metrics).
# The reload is waited for in the log ("SIGHUP: reloaded"), never slept for.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
command -v jq >/dev/null || fail "jq missing"
acs=$build/tests/acs_itool
[ -x "$acs" ] || fail "missing $acs"

make_ca opca "mayday test operator CA"
issue srv-a opca "/CN=hems-a.mayday.test" serverAuth 30 "IP:127.0.0.1"
issue srv-b opca "/CN=hems-b.mayday.test" serverAuth 30 "IP:127.0.0.1"
for d in hnb-1 hnb-2; do
  enrol $d
  issue $d opca "/O=operator/CN=$d" clientAuth 30
done
cmp -s "$work/srv-a.key" "$work/srv-b.key" && fail "A and B share a key"
[ "$(openssl x509 -in "$work/srv-a.pem" -noout -serial)" != \
  "$(openssl x509 -in "$work/srv-b.pem" -noout -serial)" ] || fail "A and B share a serial"
# install NAME: NAME's certificate and key become the server's files (0600)
install_cert() {
  cp "$work/$1.pem" "$work/server.pem"
  cp "$work/$1.key" "$work/server.key"
  chmod 600 "$work/server.key"
}
install_cert srv-a
mkdir "$work/bundles"
bundle_size=$((8 * 1024 * 1024))   # read at 1 MiB/s below: the download spans the reload
head -c $bundle_size /dev/urandom > "$work/bundles/femto-it.bundle"

aport=$("$here/../../scripts/free-port.sh" tcp)
start_daemon "http_timeout = 120" "[https]
listen = 127.0.0.1:$aport
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem

[acs]
url = https://127.0.0.1:$aport/cwmp
bundle_dir = $work/bundles

[admin]
listen = 127.0.0.1:0"
[ "$https_port" = "$aport" ] || fail "https on $https_port, not $aport"
base="https://127.0.0.1:$aport"
admin="http://127.0.0.1:$(listen_port admin)"
: > "$work/empty"

# pin NAME: curl's --pinnedpubkey value for NAME's key
pin() { echo "sha256//$(openssl pkey -in "$work/$1.key" -pubout -outform DER 2>/dev/null |
  openssl dgst -sha256 -binary | base64)"; }
fp() { openssl x509 -noout -fingerprint -sha256 "$@" 2>/dev/null; }
# served: the fingerprint of the certificate a new connection is served
served() {
  openssl s_client -connect "127.0.0.1:$aport" -cert "$work/hnb-2.pem" -key "$work/hnb-2.key" \
    -CAfile "$work/opca.pem" -showcerts </dev/null 2>/dev/null |
    sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' | fp
}
A=$(fp -in "$work/srv-a.pem")
B=$(fp -in "$work/srv-b.pem")
# metric SERIES: its value in GET /metrics now
metric() {
  curl -sS --max-time 10 "$admin/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
# reloads: how many SIGHUPs the daemon has finished
reloads() { grep -c 'SIGHUP: reloaded' "$work/maydayd.log" || true; }
# hup: SIGHUP, then wait for the daemon to log that the reload is done
hup() {
  local n
  n=$(reloads)
  kill -HUP "$daemon_pid"
  for _ in $(seq 1200); do
    [ "$(reloads)" -gt "$n" ] && return 0
    alive
    sleep 0.05
  done
  fail "no 'SIGHUP: reloaded' within 60 s"
}

# ---- before: A everywhere ---------------------------------------------------------------
[ "$(served)" = "$A" ] || fail "not served A at start: $(served)"
ind=$(sign hnb-1 1 3)
[ "$(tls hnb-1 --pinnedpubkey "$(pin srv-a)" -H 'Content-Type: application/cose' \
  --data-binary @"$ind" "$base/v1/distress")" = 200 ] || fail "distress on A: $(tail -1 "$work/curl.err")"
[ "$(state hnb-1)" = remediation_scheduled ] || fail "hnb-1 is $(state hnb-1)"
# The ACS's distress session, up to the Download, on A.
"$acs" inform hnb-1 "X A1B2C3 DISTRESS" > "$work/inform"
[ "$(cwmp hnb-1 "$work/inform")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "Inform on A"
[ "$(cwmp hnb-1 "$work/empty")" = 200 ] && [ "$(kind)" = GetParameterValues ] || fail "GPV on A"
"$acs" gpvr 100000000 200000000 > "$work/gpvr"
[ "$(cwmp hnb-1 "$work/gpvr")" = 200 ] && [ "$(kind)" = Download ] || fail "Download on A"
url=$(field url)
key=$(field key)
"$acs" dlr > "$work/dlr"
[ "$(cwmp hnb-1 "$work/dlr")" = 204 ] || fail "DownloadResponse on A"

# A kept-alive mTLS connection on A: one request now, one after the reload.
mkfifo "$work/old.in"
exec 7<>"$work/old.in"
openssl s_client -connect "127.0.0.1:$aport" -cert "$work/hnb-2.pem" -key "$work/hnb-2.key" \
  -CAfile "$work/opca.pem" -showcerts -ign_eof <"$work/old.in" >"$work/old.out" 2>"$work/old.err" &
old_pid=$!
bg_pids="$bg_pids $old_pid"
answers() { grep -c '^HTTP/1.1 404' "$work/old.out" || true; }
ask_old() {
  local n
  n=$(answers)
  printf 'GET /nothing-%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$n" >&7
  for _ in $(seq 400); do
    [ "$(answers)" -gt "$n" ] && return 0
    kill -0 "$old_pid" 2>/dev/null || fail "the kept-alive connection closed: $(cat "$work/old.err")"
    sleep 0.05
  done
  fail "no answer on the kept-alive connection: $(tail -5 "$work/old.out")"
}
ask_old
[ "$(sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$work/old.out" | fp)" = "$A" ] ||
  fail "the kept-alive connection is not on A"

# The bundle, pinned to A, read slowly: it is still arriving at the reload.
curl -sS -o "$work/bundle.got" --max-time 120 --limit-rate 1M --cacert "$work/opca.pem" \
  --pinnedpubkey "$(pin srv-a)" --cert "$work/hnb-1.pem" --key "$work/hnb-1.key" "$url" \
  2>"$work/bundle.err" &
dl_pid=$!
bg_pids="$bg_pids $dl_pid"
for _ in $(seq 1200); do
  [ -s "$work/bundle.got" ] && break
  kill -0 "$dl_pid" 2>/dev/null || fail "the bundle download ended early: $(cat "$work/bundle.err")"
  sleep 0.05
done
[ -s "$work/bundle.got" ] || fail "the bundle download did not start"
ok0=$(metric 'maydayd_tls_handshakes_total{result="ok"}')

# ---- rotate to B ------------------------------------------------------------------------
install_cert srv-b
kill -0 "$dl_pid" 2>/dev/null || fail "the download finished before the reload: not a live connection"
hup
grep 'SIGHUP: https listener: ' "$work/maydayd.log" | grep -F "cert $work/server.pem" |
  grep -q 'CN=hems-b.mayday.test' || fail "the reload does not name B"
grep -q 'keeps its old configuration' "$work/maydayd.log" && fail "a good reload logged a failure"
[ "$(served)" = "$B" ] || fail "new connections are not served B after SIGHUP"
ind=$(sign hnb-1 2 3)
[ "$(tls hnb-1 --pinnedpubkey "$(pin srv-b)" -H 'Content-Type: application/cose' \
  --data-binary @"$ind" "$base/v1/distress")" = 200 ] || fail "distress on B: $(tail -1 "$work/curl.err")"
[ "$(tls hnb-1 --pinnedpubkey "$(pin srv-a)" "$base/")" = 000 ] || fail "A still served to new connections"
# The connections opened on A carry on.
ask_old
wait "$dl_pid" || fail "the bundle download across the reload broke: $(cat "$work/bundle.err")"
bg_pids=$old_pid
cmp "$work/bundle.got" "$work/bundles/femto-it.bundle" || fail "bundle differs after the reload"
# The ACS on B: the boot session with TransferComplete fault 0 recovers hnb-1.
rm -f "$work/hnb-1.jar"
"$acs" inform hnb-1 "1 BOOT" "7 TRANSFER COMPLETE" "M Download" > "$work/inform-boot"
"$acs" tc "$key" 0 > "$work/tc"
[ "$(cwmp hnb-1 "$work/inform-boot")" = 200 ] && [ "$(kind)" = InformResponse ] || fail "BOOT Inform on B"
[ "$(cwmp hnb-1 "$work/tc")" = 200 ] && [ "$(kind)" = TransferCompleteResponse ] ||
  fail "TransferComplete on B: $(kind)"
[ "$(cwmp hnb-1 "$work/empty")" = 204 ] || fail "empty POST after recovery on B"
[ "$(state hnb-1)" = healthy ] || fail "hnb-1 is $(state hnb-1) after the session on B"
ok1=$(metric 'maydayd_tls_handshakes_total{result="ok"}')
# at least the distress POST and the three CWMP POSTs on B (curl: one connection each)
[ "$ok1" -ge $((ok0 + 4)) ] || fail "handshakes on the new context not counted: $ok0 -> $ok1"

# ---- broken replacements: refused, said once, B stays --------------------------------------
failed0=$(metric 'maydayd_tls_handshakes_total{result="failed"}')
cp "$work/srv-a.key" "$work/server.key"   # A's key under B's certificate
hup
[ "$(grep -c 'keeps its old configuration' "$work/maydayd.log")" = 1 ] ||
  fail "a key that is not the certificate's: not said once"
grep 'SIGHUP: https listener keeps its old configuration' "$work/maydayd.log" |
  grep -F "$work/server.key" | grep -q 'does not match' || fail "the mismatch is not explained"
grep -q 'SIGHUP: reloaded (with failures' "$work/maydayd.log" || fail "the summary hides the failure"
[ "$(served)" = "$B" ] || fail "a mismatched key changed what is served"
cp "$work/srv-b.key" "$work/server.key"
chmod 644 "$work/server.key"              # B's key, readable by others
hup
[ "$(grep -c 'keeps its old configuration' "$work/maydayd.log")" = 2 ] ||
  fail "a key readable by others: not said once"
grep 'keeps its old configuration' "$work/maydayd.log" | tail -1 | grep -F "$work/server.key" |
  grep -qF 'chmod 600' || fail "the key's mode is not explained"
[ "$(served)" = "$B" ] || fail "a key readable by others changed what is served"
[ "$(tls hnb-2 --pinnedpubkey "$(pin srv-b)" "$base/")" = 404 ] || fail "B not served after refusals"
[ "$(metric 'maydayd_tls_handshakes_total{result="failed"}')" = "$failed0" ] ||
  fail "refused reloads made handshakes fail"
# Fixed: the next SIGHUP takes it (and back to A shows it is not stuck on B).
install_cert srv-a
hup
[ "$(grep -c 'keeps its old configuration' "$work/maydayd.log")" = 2 ] || fail "the fix was refused"
[ "$(served)" = "$A" ] || fail "not served A after rotating back"
ask_old   # the first connection, on A all along, still answers

# ---- reloads while connections keep coming: none of them fails --------------------------------
failed0=$(metric 'maydayd_tls_handshakes_total{result="failed"}')
( for i in $(seq 40); do tls hnb-2 "$base/load-$i"; echo; done ) >"$work/load.codes" &
load_pid=$!
bg_pids="$bg_pids $load_pid"
for c in srv-b srv-a srv-b srv-a; do
  install_cert $c
  hup
done
wait "$load_pid" || fail "the load loop failed"
bg_pids=$old_pid
[ "$(grep -c '^404$' "$work/load.codes")" = 40 ] ||
  fail "connections during reloads: $(sort "$work/load.codes" | uniq -c | tr '\n' ' ')"
[ "$(metric 'maydayd_tls_handshakes_total{result="failed"}')" = "$failed0" ] ||
  fail "handshakes failed during reloads"
[ "$(grep -c 'keeps its old configuration' "$work/maydayd.log")" = 2 ] || fail "a reload under load failed"
[ "$(served)" = "$A" ] || fail "not served A after the last reload"
alive
kill "$old_pid"
wait "$old_pid" 2>/dev/null || true
bg_pids=
exec 7>&-
stop_daemon
echo "PASS"
