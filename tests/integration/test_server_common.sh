# SPDX-License-Identifier: Apache-2.0
# Sourced by the test_server_*.sh integration tests: a temporary work dir,
# an H(e)MS key pair, and a real maydayd on 127.0.0.1 with ports the kernel
# picks (listen = 127.0.0.1:0; the daemon logs each bound port), so parallel
# tests never race for a port. Also an operator PKI made with openssl(1),
# and the KEK that seals PSKs in the store ($work/psk.kek, mode 0600).
set -euo pipefail
build=$1
maydayd=$build/server/maydayd
sim=$build/tools/sim/mayday-sim
ctl=$build/tools/maydayctl/maydayctl
itool=$build/tests/srv_itool
for b in "$maydayd" "$sim" "$ctl" "$itool"; do [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }; done
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing" >&2; exit 1; }
. "$(dirname "${BASH_SOURCE[0]}")/detached_daemon.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-srv-it.XXXXXX")
db="$work/hems.db"
store="sqlite:$db"
api_sock="$work/api.sock"   # maydayd's API socket ([api] socket; write_conf)
daemon_pid=
daemon_id=   # a detached daemon's identity (detached_daemon.sh), set by start_detached
capture_pid=
port=
http_port=
https_port=
psk_port=
bg_pids=   # helpers a test started in the background, ended on exit
cleanup() {
  [ -n "$capture_pid" ] && kill "$capture_pid" 2>/dev/null
  if [ -n "$bg_pids" ]; then
    kill $bg_pids 2>/dev/null || true   # some may have ended already
    wait $bg_pids 2>/dev/null || true   # nothing writes into $work while it goes
  fi
  # a detached daemon by its identity, else through its pid file (a start
  # that failed before the identity was recorded, or a test that reads the
  # pid file itself); a daemon of -f, our child, by its pid
  detached_kill "$daemon_id" "$work/maydayd.pid" "$work/maydayd.conf"
  if [ -z "$daemon_id" ] && [ ! -e "$work/maydayd.pid" ] && [ -n "$daemon_pid" ] &&
     kill -0 "$daemon_pid" 2>/dev/null; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$work/maydayd.log" ] && tail -20 "$work/maydayd.log" >&2; exit 1; }

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/hems.key" 2>/dev/null
openssl pkey -in "$work/hems.key" -pubout -out "$work/hems.pub"
(umask 077 && head -c 32 /dev/urandom > "$work/psk.kek")

# write_conf [lines for [limits]] [more sections]: $work/maydayd.conf.
# WORKERS, QUEUE and BATCH (environment) override the verify threads, the
# slots and the batch size; HTTP_THREADS the HTTP(S) listeners' loop threads
# (2 unless set: every HTTP and TLS test runs with connections on two loops,
# whatever the machine's cores);
# SERVER_LINES adds lines to [server]; the API's socket is $work/api.sock and
# API_LINES adds lines to [api].
write_conf() {
  cat > "$work/maydayd.conf" <<CONF
[server]
db = $store
hems_key = $work/hems.key
psk_kek = $work/psk.kek
workers = ${WORKERS:-2}
queue = ${QUEUE:-1024}
batch = ${BATCH:-256}
http_threads = ${HTTP_THREADS:-2}
${SERVER_LINES:-}

[udp]
listen = 127.0.0.1:0

[api]
socket = $work/api.sock
${API_LINES:-}

${2:-}

[limits]
${1:-}
CONF
}

# ports_from_log: sets port (udp), http_port, https_port, psk_port
ports_from_log() {
  port=$(listen_port udp)
  http_port=$(listen_port http)
  https_port=$(listen_port https)
  psk_port=$(listen_port psk)
}

# start_daemon [lines for [limits]] [more sections]: maydayd -f, waits until
# it runs, then sets the ports of the listeners that are on.
start_daemon() {
  write_conf "$@"
  : > "$work/maydayd.log"
  "$maydayd" -c "$work/maydayd.conf" -f 2>>"$work/maydayd.log" &
  daemon_pid=$!
  for _ in $(seq 200); do
    if grep -q 'info: running (' "$work/maydayd.log"; then
      ports_from_log
      return 0
    fi
    kill -0 "$daemon_pid" 2>/dev/null || fail "maydayd exited at start"
    sleep 0.05
  done
  fail "maydayd did not report its ports"
}

# start_detached [lines for [limits]] [more sections]: maydayd as an operator
# starts it by default (it detaches; log and pidfile in $work). The command
# returns only once the daemon serves, so the ports are in the log by then.
start_detached() {
  SERVER_LINES="log = $work/maydayd.log
${SERVER_LINES:-}" write_conf "$@"
  : > "$work/maydayd.log"
  "$maydayd" -c "$work/maydayd.conf" --pidfile "$work/maydayd.pid" 2>"$work/maydayd.start" ||
    fail "maydayd did not start: $(cat "$work/maydayd.start")"
  [ -s "$work/maydayd.pid" ] || fail "no pidfile once maydayd returned"
  daemon_pid=$(cat "$work/maydayd.pid")
  daemon_id=$(detached_id "$daemon_pid") || fail "the detached maydayd is not running"
  grep -q 'info: running (' "$work/maydayd.log" || fail "maydayd returned before it served"
  ports_from_log
}

# stop_detached: SIGTERM to the detached daemon (not our child: known by
# its identity, a zombie counting as gone, detached_daemon.sh), waits for it
# to go; the pidfile removed and its stop logged are its sign of a clean
# exit. A test that started it itself sets daemon_pid only.
stop_detached() {
  local why id=$daemon_id
  [ -n "$id" ] || id=$(detached_id "$daemon_pid") || fail "maydayd ($daemon_pid) was not running at the stop"
  why=$(detached_stop "$id" "$work/maydayd.pid" "$work/maydayd.log") || fail "$why"
  daemon_pid=
  daemon_id=
}

listen_port() { sed -n "s/.*listening on $1 127\.0\.0\.1:\([0-9]*\).*/\1/p" "$work/maydayd.log"; }

# stop_daemon: SIGTERM, must exit 0
stop_daemon() {
  kill -TERM "$daemon_pid"
  local rc=0
  wait "$daemon_pid" || rc=$?
  daemon_pid=
  [ "$rc" = 0 ] || fail "maydayd exited $rc after SIGTERM"
}

alive() { kill -0 "$daemon_pid" 2>/dev/null || fail "maydayd died"; }

# rows: "indications signed unverified failed_components incidents incident_events"
rows() {
  sqlite3 "$db" "SELECT (SELECT count(*) FROM indications) || ' ' ||
    (SELECT count(*) FROM indications WHERE trust = 'signed') || ' ' ||
    (SELECT count(*) FROM indications WHERE trust = 'unverified') || ' ' ||
    (SELECT count(*) FROM failed_components) || ' ' ||
    (SELECT count(*) FROM incidents) || ' ' ||
    (SELECT count(*) FROM incident_events)"
}

run_sim() { "$sim" --port "$port" --hems-pub "$work/hems.pub" --db "$store" --psk-kek "$work/psk.kek" "$@"; }

# q SQL: one value from the store
q() { sqlite3 "$db" "$1"; }

# ---- packet capture on lo (needs root and tcpdump; else skipped) ----------------
# capture_start NAME FILTER: $work/NAME.pcap; returns 1 when it cannot capture
capture_start() {
  if [ "$(id -u)" != 0 ] || ! command -v tcpdump >/dev/null; then
    echo "note: no root or tcpdump: the wire is not checked" >&2
    return 1
  fi
  tcpdump -i lo -n -U --immediate-mode -s 0 -w "$work/$1.pcap" "$2" >"$work/$1.tcpdump" 2>&1 &
  capture_pid=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$work/$1.tcpdump" && return 0
    sleep 0.05
  done
  fail "tcpdump did not start: $(cat "$work/$1.tcpdump")"
}

# capture_stop: ends the capture (call it in this shell, not in $(...))
capture_stop() {
  sleep 0.2
  kill -INT "$capture_pid"
  wait "$capture_pid" 2>/dev/null || true
  capture_pid=
}

# packets NAME: how many the capture holds
packets() { tcpdump -r "$work/$1.pcap" -n 2>/dev/null | wc -l; }

# on_wire NAME TEXT: true if TEXT appears in clear in the capture
on_wire() { LC_ALL=C grep -q -a -F -- "$2" "$work/$1.pcap"; }
# hex_on_wire NAME HEX: true if these bytes appear in the capture
hex_on_wire() { od -An -tx1 -v "$work/$1.pcap" | tr -d ' \n' | grep -q -- "$2"; }

# ---- operator PKI (openssl(1)) -------------------------------------------------
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# make_ca NAME CN: $work/NAME.key, $work/NAME.pem
make_ca() {
  ec_key "$work/$1.key"
  openssl req -x509 -new -key "$work/$1.key" -subj "/CN=$2" -days 30 -out "$work/$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null || fail "make_ca $1"
}

# issue NAME CA SUBJECT EKU DAYS [SAN]: $work/NAME.pem for $work/NAME.key (made
# if missing) signed by $work/CA.{pem,key}. DAYS -1 makes it already expired.
issue() {
  local name=$1 ca=$2 subj=$3 eku=$4 days=$5 san=${6:-}
  [ -f "$work/$name.key" ] || ec_key "$work/$name.key"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' \
    "$eku" >"$work/$name.ext"
  [ -n "$san" ] && printf 'subjectAltName=%s\n' "$san" >>"$work/$name.ext"
  openssl req -new -key "$work/$name.key" -subj "$subj" -out "$work/$name.csr" 2>/dev/null &&
    openssl x509 -req -in "$work/$name.csr" -CA "$work/$ca.pem" -CAkey "$work/$ca.key" \
      -CAcreateserial -days "$days" -extfile "$work/$name.ext" -out "$work/$name.pem" 2>/dev/null ||
    fail "issue $name"
}

# ctlw ARGS: maydayctl for a change to the store: through maydayd's API
# socket while maydayd runs (it is then the store's only writer, and
# maydayctl -d refuses to write), on the store itself (-d) before it runs.
ctlw() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    "$ctl" --socket "$api_sock" "$@"
  else
    "$ctl" -d "$store" "$@"
  fi
}

# enrol ID: a device key $work/ID.key (the distress key, also its TLS key),
# enrolled with maydayctl (into a store made as maydayd's first start would,
# when the daemon has not run yet: maydayctl never creates one; through
# the API when it runs)
enrol() {
  [ -f "$db" ] || "$itool" init-store --db "$store" || fail "init-store"
  [ -f "$work/$1.key" ] || ec_key "$work/$1.key"
  openssl pkey -in "$work/$1.key" -pubout -out "$work/$1.pub" 2>/dev/null
  ctlw enrol --device "$1" --class femto-it --pubkey "$work/$1.pub" >/dev/null ||
    fail "enrol $1"
}

# sign ID COUNTER TRANSPORT [TIME_ADD] -> prints the path of the signed indication
sign() {
  local out="$work/ind-$1-$2-${4:-0}.cose"
  "$itool" sign --key "$work/$1.key" --device "$1" --counter "$2" --transport "$3" \
    --time-add "${4:-0}" --out "$out" || fail "sign $1 $2"
  echo "$out"
}

# ack_of FILE [ID COUNTER]: checks the signed ack, prints "status=... incident=..."
ack_of() {
  if [ $# -ge 3 ]; then
    "$itool" ack --hems-pub "$work/hems.pub" --in "$1" --device "$2" --counter "$3"
  else
    "$itool" ack --hems-pub "$work/hems.pub" --in "$1"
  fi
}

# ---- the ACS tests (curl as the CPE over mTLS; they set base, acs and the
# operator CA "opca" with make_ca) ------------------------------------------------
# tls CERT [curl args] URL: prints the HTTP status; the body goes to $work/resp
tls() {
  local c=$1
  shift
  curl -sS -o "$work/resp" -w '%{http_code}' --max-time 10 --cacert "$work/opca.pem" \
    --cert "$work/$c.pem" --key "$work/$c.key" "$@" 2>>"$work/curl.err" || true
}
# cwmp CERT FILE: one CWMP POST with the cookie jar of CERT ("" FILE: the empty POST)
cwmp() {
  tls "$1" -b "$work/$1.jar" -c "$work/$1.jar" -H 'Content-Type: text/xml; charset="utf-8"' \
    --data-binary @"$2" "$base/cwmp"
}
kind() { "$acs" parse "$work/resp" | sed -n 's/^kind=//p'; }
field() { "$acs" parse "$work/resp" | sed -n "s/^$1=//p"; }
state() { "$ctl" -d "$store" --json show "$1" | jq -r .device.state; }
