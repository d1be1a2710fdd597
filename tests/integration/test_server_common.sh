# Sourced by the test_server_*.sh integration tests: a temporary work dir,
# an H(e)MS key pair, and a real maydayd on 127.0.0.1 with a port the kernel
# picks (listen = 127.0.0.1:0; the daemon logs the bound port), so parallel
# tests never race for a port.
set -euo pipefail
build=$1
maydayd=$build/server/maydayd
sim=$build/tools/sim/mayday-sim
ctl=$build/tools/maydayctl/maydayctl
for b in "$maydayd" "$sim" "$ctl"; do [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }; done
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-srv-it.XXXXXX")
db="$work/hems.db"
store="sqlite:$db"
daemon_pid=
port=
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$work/maydayd.log" ] && tail -20 "$work/maydayd.log" >&2; exit 1; }

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/hems.key" 2>/dev/null
openssl pkey -in "$work/hems.key" -pubout -out "$work/hems.pub"

# start_daemon [extra config lines for [limits]]
start_daemon() {
  cat > "$work/maydayd.conf" <<CONF
[server]
db = $store
hems_key = $work/hems.key
workers = 2
queue = 1024
batch = 256

[udp]
listen = 127.0.0.1:0

[limits]
${1:-}
CONF
  : > "$work/maydayd.log"
  "$maydayd" -c "$work/maydayd.conf" -f 2>>"$work/maydayd.log" &
  daemon_pid=$!
  port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*listening on udp 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/maydayd.log")
    [ -n "$port" ] && return 0
    kill -0 "$daemon_pid" 2>/dev/null || fail "maydayd exited at start"
    sleep 0.05
  done
  fail "maydayd did not report its port"
}

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

run_sim() { "$sim" --port "$port" --hems-pub "$work/hems.pub" --db "$store" "$@"; }
