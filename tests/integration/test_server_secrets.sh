#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Secrets at rest and device revocation, with the real maydayd and a PKI
# made by mayday-provision:
# - the store's files (database, -wal, -shm) are 0640 or stricter under
#   umask 022;
# - maydayd refuses to start with a private key (hems_key, [https] key) or
#   the PSK KEK readable by group or others, naming the file and the fix;
# - the acknowledgement verifies with hems.pub.pem and not with the TLS
#   server's key: init made two keys;
# - a device certificate without any extended key usage is refused;
# - after `mayday-provision revoke --device A` and a reload of the CRL
#   (SIGHUP, which calls srv_pipeline_reload; where the daemon still
#   ignores SIGHUP, a restart), A's mutual-TLS POST fails at the handshake
#   while device B, on the same running daemon, still gets 200.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"
provision=$build/tools/provision/mayday-provision
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
for b in "$provision" "$dcf" "$normal"; do [ -x "$b" ] || fail "missing $b"; done
umask 022

PKI=$work/pki
"$provision" init --pki "$PKI" >/dev/null || fail "provision init"
for id in hnb-a hnb-b; do
  "$provision" device --pki "$PKI" --out "$work/$id" --id "$id" --class femto-x1 \
    --hems-tls "https://127.0.0.1:1/v1/distress" --dcf-bin "$dcf" --normal-bin "$normal" \
    --components 1 --enrol "$store" >/dev/null || fail "provision $id"
  cp "$work/$id/rot/distress.key.pem" "$work/$id.key"   # the device's TLS key too
  cp "$work/$id/dcf/dcf-cert.pem" "$work/$id.pem"
done
cp "$PKI/hems.key.pem" "$work/hems.key"
cp "$PKI/hems.pub.pem" "$work/hems.pub"
cp "$PKI/psk.kek" "$work/psk.kek"
https_conf="[https]
listen = 127.0.0.1:0
cert = $PKI/hems-tls.pem
key = $PKI/hems-tls.key.pem
ca = $PKI/operator-ca.pem
crl = $PKI/operator-ca.crl.pem"

# ---- a secret file others may read: maydayd does not start ------------------------
# refused FILE WHAT: with FILE chmod 644, maydayd exits non-zero at start,
# saying WHAT, the file and "chmod 600"
refused() {
  local file=$1 what=$2
  chmod 644 "$file"
  cat >"$work/refuse.conf" <<CONF
[server]
db = $store
hems_key = $work/hems.key
psk_kek = $work/psk.kek
[udp]
listen = 127.0.0.1:0
$https_conf
CONF
  local rc=0
  timeout 20 "$maydayd" -c "$work/refuse.conf" -f 2>"$work/refuse.log" || rc=$?
  chmod 600 "$file"
  [ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "$what readable by others: maydayd exit $rc"
  grep -F "$what" "$work/refuse.log" | grep -F "$file" | grep -qF "chmod 600" ||
    fail "$what: no clear refusal: $(cat "$work/refuse.log")"
}
refused "$work/hems.key" "hems_key"
refused "$PKI/hems-tls.key.pem" "[https]"
refused "$work/psk.kek" "psk_kek"

# ---- both devices get in; two keys: the ack is not signed with the TLS key ---------------
start_daemon "" "$https_conf"
url="https://127.0.0.1:$https_port/v1/distress"
# post ID COUNTER [CERT]: prints the HTTP status (000: no HTTP answer)
post() {
  local id=$1 n=$2 cert=${3:-$1}
  curl -sS -o "$work/body" -w '%{http_code}' --max-time 10 --cacert "$PKI/operator-ca.pem" \
    --cert "$work/$cert.pem" --key "$work/$id.key" -H 'Content-Type: application/cose' \
    --data-binary @"$(sign "$id" "$n" 3)" "$url" 2>>"$work/curl.err" || true
}
[ "$(post hnb-a 1)" = 200 ] || fail "hnb-a before revocation: $(tail -1 "$work/curl.err")"
ack_of "$work/body" hnb-a 1 | grep -q '^status=stored' || fail "ack does not verify with hems.pub.pem"
openssl pkey -in "$PKI/hems-tls.key.pem" -pubout -out "$work/tls.pub" 2>/dev/null
cmp -s "$work/tls.pub" "$PKI/hems.pub.pem" && fail "the TLS key is the acknowledgement key"
"$itool" ack --hems-pub "$work/tls.pub" --in "$work/body" >/dev/null 2>&1 &&
  fail "the ack verifies with the TLS server's key"
[ "$(post hnb-b 1)" = 200 ] || fail "hnb-b before revocation"

# ---- a certificate of the operator CA without any extended key usage ---------------------
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' >"$work/noeku.ext"
openssl req -new -key "$work/hnb-a.key" -subj "/CN=hnb-a" -out "$work/noeku.csr" 2>/dev/null &&
  openssl x509 -req -in "$work/noeku.csr" -CA "$PKI/operator-ca.pem" \
    -CAkey "$PKI/operator-ca.key.pem" -CAcreateserial -days 30 -extfile "$work/noeku.ext" \
    -out "$work/noeku.pem" 2>/dev/null || fail "issue noeku"
openssl x509 -in "$work/noeku.pem" -noout -ext extendedKeyUsage 2>/dev/null | grep -q . &&
  fail "noeku.pem has an EKU"
before=$(rows)
[ "$(post hnb-a 2 noeku)" = 000 ] || fail "a certificate without EKU was accepted"
[ "$(rows)" = "$before" ] || fail "the EKU-less certificate stored something"
grep -q 'unsuitable certificate purpose' "$work/maydayd.log" || fail "EKU refusal not logged"

# ---- the store's files: 0640 or stricter under umask 022 ---------------------------------
for f in "$db" "$db-wal" "$db-shm"; do
  [ -e "$f" ] || continue
  m=$(stat -c %a "$f")
  [ $(( 8#$m & 8#137 )) = 0 ] || fail "$f has mode $m"
done
[ "$(stat -c %a "$db")" = 640 ] || fail "$db has mode $(stat -c %a "$db")"

# ---- revoke hnb-a: refused at the handshake, hnb-b unaffected --------------------------
"$provision" revoke --pki "$PKI" --device hnb-a >"$work/revoke.log" 2>&1 ||
  fail "revoke: $(cat "$work/revoke.log")"
openssl crl -in "$PKI/operator-ca.crl.pem" -noout -text | grep -qi "$(openssl x509 \
  -in "$work/hnb-a.pem" -noout -serial | sed 's/serial=//')" || fail "hnb-a's serial not on the CRL"
# reload: SIGHUP, no restart
kill -HUP "$daemon_pid"
for _ in $(seq 200); do
  grep -q 'SIGHUP: reloaded' "$work/maydayd.log" && break
  sleep 0.05
done
grep -q 'crl .* reloaded' "$work/maydayd.log" || fail "SIGHUP: the CRL was not reloaded"
before=$(rows)
# Refusals are logged at most once a second (log_limited): let the second of
# the earlier refusals pass, so this one is the line logged.
sleep 1.1
[ "$(post hnb-a 3)" = 000 ] || fail "the revoked hnb-a was let in"
[ "$(rows)" = "$before" ] || fail "the revoked device stored something"
grep -q 'certificate revoked' "$work/maydayd.log" || fail "revocation not logged"
[ "$(post hnb-b 2)" = 200 ] || fail "hnb-b after hnb-a's revocation: $(tail -1 "$work/curl.err")"
alive
stop_daemon
echo "PASS"
