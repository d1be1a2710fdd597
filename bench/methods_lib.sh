# SPDX-License-Identifier: Apache-2.0
# Sourced by bench/ingest_{tls,http,psk}.sh: a temporary PKI, maydayd with
# one listener on a kernel-chosen loopback port, nginx as the baseline
# server, and clean-up by PID (trap) so nothing is left running.
#
# Callers set: build (absolute), and call bench_init NAME first.

. "$(dirname "${BASH_SOURCE[0]}")/results_lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/profile_lib.sh"

bench_init() {  # NAME
  bench_name=$1
  maydayd=$build/server/maydayd
  sim=$build/tools/sim/mayday-sim
  provision=$build/tools/provision/mayday-provision
  for b in "$maydayd" "$sim" "$provision"; do
    [ -x "$b" ] || { echo "$bench_name: missing $b (build first)" >&2; exit 1; }
  done
  work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-bench.XXXXXX")
  bench_pids=()
  trap bench_cleanup EXIT
  "$provision" init --pki "$work/pki" >/dev/null
}

bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}

bench_forget_pid() {  # PID: it has been stopped
  local keep=() p
  for p in "${bench_pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  bench_pids=("${keep[@]}")
}

# maydayd with only listener SECTION on (udp off); sets mpid, mport, mdb.
start_maydayd() {  # SECTION (http|https|psk)
  local section=$1 extra=
  mdb=$work/hems-$section.db
  rm -f "$mdb" "$mdb-wal" "$mdb-shm"
  if [ "$section" = https ]; then
    extra="cert = $work/pki/hems-tls.pem
key = $work/pki/hems-tls.key.pem
ca = $work/pki/operator-ca.pem"
  fi
  cat > "$work/maydayd-$section.conf" <<CONF
[server]
db = sqlite:$mdb
hems_key = $work/pki/hems.key.pem
psk_kek = $work/pki/psk.kek
workers = 2
queue = 4096
batch = 256

[ack]
batch = ${ACK_BATCH:-on}

[udp]
listen = none
rcvbuf = 16777216

[$section]
listen = 127.0.0.1:0
$extra

[limits]
http_connections = 1024
CONF
  "$maydayd" -c "$work/maydayd-$section.conf" -f 2>"$work/maydayd-$section.log" &
  mpid=$!
  bench_pids+=("$mpid")
  mport=
  for _ in $(seq 100); do
    mport=$(sed -n "s/.*listening on $section 127\.0\.0\.1:\([0-9]*\).*/\1/p" "$work/maydayd-$section.log")
    [ -n "$mport" ] && break
    kill -0 "$mpid" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$mport" ] || { echo "$bench_name: maydayd did not start" >&2; cat "$work/maydayd-$section.log" >&2; exit 1; }
  profile_start "$mpid"
}

# Stops maydayd; prints its CPU time per stored row and its counters, and
# sets stored_rows and cpu_us (maydayd's CPU microseconds per stored row).
stop_maydayd() {  # SECTION
  local ticks rows
  profile_stop
  ticks=$(awk '{print $14 + $15}' "/proc/$mpid/stat")
  kill -TERM "$mpid"
  wait "$mpid" || { echo "$bench_name: maydayd exited non-zero" >&2; exit 1; }
  bench_forget_pid "$mpid"
  rows=$(sqlite3 "$mdb" "SELECT count(*) FROM indications WHERE trust = 'signed'")
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$rows" 'BEGIN {
    if (n > 0) printf "maydayd CPU: %.1f s, %.1f us per stored indication (%d rows)\n", t / hz, t / hz / n * 1e6, n }'
  grep -E 'received|handshakes|per method|per loop thread' "$work/maydayd-$1.log" | sed 's/^.*maydayd[^:]*: /maydayd: /' || true
  stored_rows=$rows
  cpu_us=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$rows" 'BEGIN {
    if (n > 0) printf "%.1f", t / hz / n * 1e6; else print "n/a" }')
}

# nginx answering POST /v1/distress with 200 (MODE tls: mutual TLS 1.3 with
# the same certificate, key and CA as maydayd; http: plain); sets npid, nport.
start_nginx() {  # MODE
  local mode=$1 try
  command -v nginx >/dev/null || { echo "$bench_name: nginx missing (make deps)" >&2; exit 1; }
  mkdir -p "$work/nginx"
  # Below the ephemeral range, so no client socket of an earlier run holds
  # it; a port taken meanwhile makes nginx exit, and another one is tried.
  for try in 1 2 3 4 5; do
    nport=$(( (RANDOM % 10000) + 20000 ))
    ss -H -ltn "sport = :$nport" | grep -q . && continue
    nginx_try "$mode" && return 0
  done
  echo "$bench_name: nginx did not start" >&2; cat "$work/nginx/error.log" >&2; exit 1
}

nginx_try() {  # MODE: 0 when nginx listens on nport
  local mode=$1 listen="127.0.0.1:$nport" tlsconf=
  if [ "$mode" = tls ]; then
    listen="$listen ssl"
    tlsconf="ssl_certificate $work/pki/hems-tls.pem;
    ssl_certificate_key $work/pki/hems-tls.key.pem;
    ssl_client_certificate $work/pki/operator-ca.pem;
    ssl_verify_client on;
    ssl_protocols TLSv1.3;
    ssl_session_tickets off;
    ssl_session_cache off;"
  fi
  # worker_processes auto: one per core, as maydayd runs a worker and (its
  # http_threads default) an HTTP event-loop thread per core.
  # The request body (~400 bytes) fits client_body_buffer_size; `return`
  # answers before reading it and nginx discards it, keeping the connection.
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  client_body_buffer_size 16k;
  client_max_body_size 16k;
  keepalive_requests 1000000;
  server {
    listen $listen backlog=1024;
    $tlsconf
    location = /v1/distress { return 200; }
  }
}
CONF
  nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" 2>>"$work/nginx/error.log" &
  npid=$!
  bench_pids+=("$npid")
  for _ in $(seq 100); do
    ss -H -ltn "sport = :$nport" | grep -q . && return 0
    kill -0 "$npid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$npid" 2>/dev/null; then kill -TERM "$npid"; fi
  wait "$npid" 2>/dev/null || true
  bench_forget_pid "$npid"
  return 1
}

# Stops nginx; sets nginx_ticks, the CPU (clock ticks, user + system) of its
# master and workers while it ran, read before they exit.
stop_nginx() {
  local p
  nginx_ticks=0
  nginx_workers=$(pgrep -c -P "$npid" || true)
  for p in "$npid" $(pgrep -P "$npid" || true); do
    nginx_ticks=$((nginx_ticks + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  kill -TERM "$npid"; wait "$npid" || true
  bench_forget_pid "$npid"
}

# nginx_cpu FILE: prints nginx's CPU per answered request (the sim's
# answered_200 in FILE) and sets nginx_cpu_us; what maydayd's "CPU per stored
# indication" is compared with, when the box is too busy for rates to say it.
nginx_cpu() {
  local n
  n=$(sim_field answered_200 "$1")
  nginx_cpu_us=$(awk -v t="$nginx_ticks" -v hz="$(getconf CLK_TCK)" -v n="${n:-0}" 'BEGIN {
    if (n > 0) printf "%.1f", t / hz / n * 1e6; else print "n/a" }')
  echo "nginx CPU: $(awk -v t="$nginx_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }') s, $nginx_cpu_us us per answered request (${n:-0} requests, ${nginx_workers:-?} worker processes)"
}

sim_field() {  # KEY FILE: the number after "KEY=" in the sim's output
  sed -n "s|.*$1=\([0-9.]*\).*|\1|p" "$2" | head -1
}

ratio() {  # A B
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
