#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The TLS method with curl: TLS 1.3 with a client certificate from the
# operator CA. A device's certificate and key get 200 and a signed ack
# (checked against the H(e)MS public key); the row records method tls,
# channel mtls and the certificate subject. Refused, with nothing stored:
# a certificate from a rogue CA, an expired one, none, TLS 1.2, a server-only
# certificate, and a valid certificate of another device (403). A silent
# client is cut off by the timeout. A capture of the good exchange never
# shows the device ID (TLS 1.3 encrypts the client certificate too). Then
# the curl example of
# docs/operations.md, word for word, against a device made by
# mayday-provision.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
command -v curl >/dev/null || fail "curl missing"

make_ca opca "mayday test operator CA"
make_ca rogue "rogue CA"
issue server opca "/CN=hems.mayday.test" serverAuth 30 "DNS:hems.mayday.test,IP:127.0.0.1"
ec_key "$work/hnb-1.key"
ec_key "$work/hnb-2.key"
issue hnb-1 opca "/O=operator/CN=hnb-1" clientAuth 30
issue hnb-2 opca "/O=operator/CN=hnb-2" clientAuth 30
cp "$work/hnb-1.key" "$work/rogue-hnb-1.key"
issue rogue-hnb-1 rogue "/CN=hnb-1" clientAuth 30
cp "$work/hnb-1.key" "$work/old-hnb-1.key"
issue old-hnb-1 opca "/CN=hnb-1" clientAuth -1
cp "$work/hnb-1.key" "$work/srv-hnb-1.key"
issue srv-hnb-1 opca "/CN=hnb-1" serverAuth 30
openssl x509 -in "$work/old-hnb-1.pem" -noout -checkend 0 >/dev/null && fail "old-hnb-1 is not expired"

start_daemon "http_timeout = 2" "[https]
listen = 127.0.0.1:0
cert = $work/server.pem
key = $work/server.key
ca = $work/opca.pem"
[ -n "$https_port" ] || fail "no https listener"
enrol hnb-1   # maydayctl needs the store maydayd created
enrol hnb-2
url="https://127.0.0.1:$https_port/v1/distress"

# post CERT_NAME FILE [curl args]: prints the HTTP status (000: no HTTP answer)
post() {
  local c=$1 f=$2
  shift 2
  curl -sS -o "$work/body" -w '%{http_code}' --max-time 10 --cacert "$work/opca.pem" \
    --cert "$work/$c.pem" --key "$work/$c.key" -H 'Content-Type: application/cose' \
    --data-binary @"$f" "$@" "$url" 2>>"$work/curl.err" || true
}

# ---- the device: 200, a signed ack, the record says how it came ---------------
ind=$(sign hnb-1 1 3)
captured=0
capture_start tls "tcp port $https_port" && captured=1
[ "$(post hnb-1 "$ind")" = 200 ] || fail "good certificate: $(tail -1 "$work/curl.err")"
if [ "$captured" = 1 ]; then
  capture_stop
  n=$(packets tls)
  [ "$n" -ge 6 ] || fail "the capture saw $n packets"
  # TLS 1.3 encrypts the client certificate too: the CN stays off the wire.
  on_wire tls hnb-1 && fail "the device ID travelled in clear"
  on_wire tls "application/cose" && fail "the HTTP request travelled in clear"
fi
a1=$(ack_of "$work/body" hnb-1 1) || fail "ack does not verify with hems.pub"
grep -q '^status=stored incident=[1-9]' <<<"$a1" || fail "ack: $a1"
row=$(q "SELECT transport, trust, channel_auth, peer_identity FROM indications")
[ "$row" = "3|signed|mtls|CN=hnb-1,O=operator" ] || fail "row: $row"
json=$("$ctl" -d "$store" --json show hnb-1)
[ "$(jq -r '.indications[0] | .method + " " + .channel_auth + " " + .peer_identity' <<<"$json")" = "tls mtls CN=hnb-1,O=operator" ] ||
  fail "maydayctl: $json"
# Retransmitted on a new connection: the same answer, no second row.
[ "$(post hnb-1 "$ind")" = 200 ] || fail "retransmission"
[ "$(ack_of "$work/body" hnb-1 1)" = "$a1" ] || fail "retransmission answered differently"
[ "$(q 'SELECT count(*) FROM indications')" = 1 ] || fail "retransmission stored twice"

# ---- refused at the handshake: nothing stored ---------------------------------------
before=$(rows)
ind2=$(sign hnb-1 2 3)
for c in rogue-hnb-1 old-hnb-1 srv-hnb-1; do
  code=$(post "$c" "$ind2")
  [ "$code" = 000 ] || fail "$c: HTTP $code, expected a failed handshake"
  sleep 1.1   # peer errors are logged at most once a second per kind
done
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$work/opca.pem" \
  -H 'Content-Type: application/cose' --data-binary @"$ind2" "$url" 2>/dev/null || true)
[ "$code" = 000 ] || fail "no client certificate: HTTP $code"
code=$(post hnb-1 "$ind2" --tls-max 1.2)
[ "$code" = 000 ] || fail "TLS 1.2: HTTP $code"
[ "$(rows)" = "$before" ] || fail "a refused handshake changed the store"
grep -q 'certificate has expired' "$work/maydayd.log" || fail "expiry not logged"
grep -q 'unable to get local issuer certificate' "$work/maydayd.log" || fail "rogue CA not logged"
grep -q 'unsuitable certificate purpose' "$work/maydayd.log" || fail "server-only certificate not logged"

# ---- another device's valid certificate for hnb-1's indication: 403 ----------------
[ "$(post hnb-2 "$ind2")" = 403 ] || fail "hnb-2's certificate for hnb-1: $(cat "$work/body")"
[ "$(rows)" = "$before" ] || fail "identity mismatch stored something"
# ... while hnb-2 for itself is fine, and hnb-1's counter 2 is still free.
[ "$(post hnb-2 "$(sign hnb-2 1 3)")" = 200 ] || fail "hnb-2 for itself"
[ "$(post hnb-1 "$ind2")" = 200 ] || fail "hnb-1 counter 2 after the refusals"

# ---- a client that never speaks is cut off (http_timeout = 2) -----------------------
exec 5<>"/dev/tcp/127.0.0.1/$https_port"
t0=$(date +%s)
timeout 6 cat <&5 >/dev/null || fail "a silent connection was not closed"
exec 5>&-
[ $(( $(date +%s) - t0 )) -le 5 ] || fail "silent connection closed late"

alive
stop_daemon
grep -Eq 'tls: handshakes [1-9][0-9]*, failed [5-9]' "$work/maydayd.log" ||
  fail "handshake failures not counted: $(grep 'by method' "$work/maydayd.log")"
grep -Eq 'identity mismatches 1,' "$work/maydayd.log" || fail "identity mismatch not counted"

# ---- docs/operations.md's example against a provisioned device --------------------------
provision=$build/tools/provision/mayday-provision
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
for b in "$provision" "$dcf" "$normal"; do [ -x "$b" ] || fail "missing $b"; done
PKI=$work/pki
DEV=$work/hnb-0007
"$provision" init --pki "$PKI" >/dev/null || fail "provision init"
"$provision" device --pki "$PKI" --out "$DEV" --id hnb-0007 --class femto-x1 \
  --hems-tls "https://127.0.0.1:1/v1/distress" --dcf-bin "$dcf" --normal-bin "$normal" \
  --enrol "$store" >/dev/null || fail "provision device"
openssl x509 -in "$DEV/dcf/dcf-cert.pem" -noout -subject | grep -q 'CN *= *hnb-0007' ||
  fail "the device certificate's CN is not the device ID"
cp "$DEV/rot/distress.key.pem" "$work/hnb-0007.key"
sign hnb-0007 1 3 >/dev/null
cp "$work/ind-hnb-0007-1-0.cose" "$work/ind.cose"
cp "$PKI/hems.key.pem" "$work/hems.key"   # the acks are signed with the PKI's H(e)MS key
cp "$PKI/psk.kek" "$work/psk.kek"          # the device's PSK is sealed under the PKI's KEK
openssl pkey -in "$work/hems.key" -pubout -out "$work/hems.pub" 2>/dev/null
start_daemon "" "[https]
listen = 127.0.0.1:0
cert = $PKI/hems-tls.pem
key = $PKI/hems-tls.key.pem
ca = $PKI/operator-ca.pem"
PORT=$https_port
example=$(sed -n 's/^ *\(curl --cacert.*\)$/\1/p' "$here/../../docs/operations.md" | head -1)
[ -n "$example" ] || fail "no curl example in docs/operations.md"
(cd "$work" && eval "$example -sS --fail") || fail "the documented example failed: $example"
ack_of "$work/ack.cose" hnb-0007 1 | grep -q '^status=stored incident=[1-9]' ||
  fail "the documented example's ack"
stop_daemon
echo "PASS"
