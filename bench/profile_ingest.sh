#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Where maydayd's CPU goes per indication (issue 14, point 1): maydayd
# recorded with `perf record` during bench/ingest_udp.sh's load (signed
# indications over plain UDP), bench/ingest_psk.sh's (PSK-sealed),
# bench/ingest_tls.sh's (mutual TLS, a new connection per POST) and
# bench/ingest_http.sh's (plain HTTP, the same), each run as it runs in make bench (bench/profile_lib.sh hooks perf in between
# maydayd's start and stop). Printed per load:
#   - the bench's own output (its rate, maydayd's CPU per stored indication);
#   - perf report --stdio --no-children: the top 25 symbols by self time;
#   - the samples by function group (what the work was done for: see
#     classify below), with the group's share of maydayd's CPU and that
#     share of the bench's measured CPU per stored indication, in us.
# Not part of make bench: the profiler costs CPU the load then lacks.
#
# Call graphs: --call-graph dwarf, because neither maydayd (-O2) nor
# Debian's libcrypto and libsqlite3 keep frame pointers, so `-g`'s frame
# pointer chains stop at the leaf and no sample could be told apart by its
# caller (an ES256 verify from an ack signature). At 499 Hz the recording
# stays small (tens of MB) and its overhead low.
#
# usage: bench/profile_ingest.sh BUILD_DIR [OUT_DIR]
#   OUT_DIR (default: a temporary directory, removed) keeps the perf.data files.
#   env: PERF_ARGS (default "-F 499 --call-graph dwarf,16384"), LOADS (default
#   "udp psk tls http": which of them), and the benches' own (SECONDS_RUN,
#   DEVICES, COUNT, ...). The TLS and HTTP benches also run nginx, which is
#   not recorded (perf follows maydayd's PID only).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
command -v perf >/dev/null || { echo "profile_ingest: perf missing (Debian package: linux-perf)" >&2; exit 1; }
if [ -n "${2:-}" ]; then
  mkdir -p "$2"
  out=$(cd "$2" && pwd)
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/mayday-profile.XXXXXX")
  trap 'rm -rf "$out"' EXIT
fi
export BENCH_PERF_ARGS=${PERF_ARGS:--F 499 --call-graph dwarf,16384}

# A sample belongs to the first group in this list that any frame of its
# stack belongs to: the work it was done for. So a malloc or a lock taken
# inside OpenSSL's verify counts as the verify, SQLite's fsync as SQLite;
# "allocation" and "queues" are then maydayd's own, outside those. Kernel
# frames belong to no group: a system call counts for whoever made it.
# (Nearest-frame attribution would charge OpenSSL's internal rwlocks to
# "queues"; the top-25 list above shows the leaves as they are.)
# The TLS groups come first: a handshake verifies the client's signature and
# makes the server's with the same OpenSSL functions the ES256 groups name,
# and that work is the handshake's, not an indication's. Debian strips
# libssl's own symbols, so the handshake's steps cannot be told apart from
# its records: whatever runs under a libssl frame (and is not the chain
# check or SSL_new/SSL_free, which libcrypto and libssl export) is group 3.
# Cross-cuts, overlapping the groups (lines "x:NAME"): samples whose leaf is
# in the kernel (system calls, page faults), in malloc/free, in a
# reader-writer lock (OpenSSL 3 takes them in every fetch and decoder).
classify() {  # perf script output -> "group<TAB>samples<TAB>total" lines
  awk '
  function group(sym, dso) {
    if (sym ~ /^(X509_verify_cert|ssl_verify_cert_chain|srv_tls_verify|check_crl|X509_STORE_CTX_)/) return 1
    if (sym ~ /^(SSL_new|SSL_free|SSL_CTX_up_ref|ssl_free|ossl_ssl_connection_free)$/) return 2
    if (dso ~ /libssl/ || sym ~ /^(SSL_|bufferevent_openssl)/) return 3
    if (sym ~ /^(evhttp_|evhttp|evkeyval|evutil_|http_|on_distress|answer$|reply$|make_bev|admit$|conn_gone|evict$|move_down|answer_out|output_added|under_written|pass_input)/) return 4
    if (sym ~ /^(mayday_key_public_from_pem|PEM_read_bio|OSSL_DECODER|d2i_PUBKEY)/) return 5
    if (sym ~ /^(mayday_ack_sign|sign_hot|sign_with_pkey|mayday_cose_sign1_encode)/) return 6
    if (sym ~ /^(mayday_cose_verifier_verify|mayday_cose_sign1_verify|verifier_ctx|EVP_DigestVerify|EVP_PKEY_verify|ECDSA_do_verify|ossl_ecdsa_verify)/) return 7
    if (sym ~ /^(cose_encrypt0_|mayday_psk_|srv_psk_|gcm$|EVP_(En|De)crypt|EVP_KDF|ossl_gcm|aes_gcm|kdf_hkdf)/) return 8
    if (dso ~ /libsqlite3/ || sym ~ /^(sqlite3|store_|srv_writer)/) return 9
    if (sym ~ /^(cbor_det_|cose_hdr_|mayday_cose_sign1_decode|cose_sign1_open_verified|decode$|mayday_indication|indication_|evidence_|mayday_utf8|utf8_|mayday_name)/) return 10
    if (sym ~ /^(malloc|free|calloc|realloc|cfree|_int_malloc|_int_free|_int_realloc|malloc_consolidate|tcache_|__libc_malloc|__libc_free|__libc_calloc|__libc_realloc)$/) return 11
    if (sym ~ /^(srv_queue|pthread_cond|pthread_mutex|__pthread_mutex|___pthread_cond|__pthread_cond|futex)/) return 12
    if (dso ~ /libevent/ || sym ~ /^(srv_udp|srv_dgram|srv_http|srv_tls|event_|evbuffer|bufferevent|epoll|recvmmsg|sendmmsg|sendmsg|recvmsg|__libc_send|__libc_recv|receiver_main|accept|__libc_accept|close$|__close|__libc_close)/) return 13
    if (sym ~ /^(srv_keycache|srv_ratelimit|srv_sigguard|srv_replay|mayday_replay|srv_ingest|srv_pipeline|worker_main|finish)/) return 14
    return 99
  }
  BEGIN {
    name[1] = "TLS handshake: the client certificate chain check (X509_verify_cert, CRL)"
    name[2] = "TLS: a connection SSL object made and freed (SSL_new, SSL_free)"
    name[3] = "TLS: the rest of the handshake (ECDHE, server signature, client CertificateVerify, certificate decode) and records"
    name[4] = "HTTP parsing and answers (evhttp, maydayd connection bookkeeping)"
    name[5] = "device key load on a key-cache miss (PEM decode, OpenSSL decoder)"
    name[6] = "ack signing (ES256 sign, ack encode)"
    name[7] = "signature verify (ES256)"
    name[8] = "PSK: AES-GCM open/seal, key derivation and lookup"
    name[9] = "SQLite (statements, commit, its fsync and writes)"
    name[10] = "COSE/CBOR decode and indication checks"
    name[11] = "allocation (malloc/free outside the groups above)"
    name[12] = "queues and thread hand-off (locks, condition variables, futex)"
    name[13] = "sockets and event loop (accept, receive, send, close, libevent)"
    name[14] = "ingest logic (key cache lookup, limits, replay, pipeline)"
  }
  function flush(   g) {
    if (!insample) return
    g = best < 99 ? name[best] : (leafdso ~ /kernel/ ? "other: kernel" : "other: " leafdso)
    n[g]++; total++
    if (leafdso ~ /kernel/) n["x:leaf in the kernel (system calls, page faults, interrupts)"]++
    if (leafsym ~ /^(malloc|free|calloc|realloc|cfree|_int_malloc|_int_free|_int_realloc|malloc_consolidate|tcache_|unlink_chunk|__libc_malloc|__libc_free|__libc_calloc|__libc_realloc)/)
      n["x:leaf in malloc/free, wherever called from"]++
    if (leafsym ~ /rwlock|^CRYPTO_THREAD_/) n["x:leaf in a reader-writer lock (OpenSSL 3 fetch and decoder locks)"]++
    insample = 0
  }
  /^[^ \t]/ { flush(); insample = 1; best = 99; leafdso = ""; leafsym = ""; next }
  /^$/      { flush(); next }
  {
    # "\t    7f12... symbol+0x1a (/usr/lib/x86_64-linux-gnu/libcrypto.so.3)"
    line = $0; sub(/^[ \t]+[0-9a-f]+ /, "", line)
    dso = line; sub(/^.*\(/, "", dso); sub(/\)$/, "", dso)
    sym = line; sub(/ \([^()]*\)$/, "", sym); sub(/\+0x[0-9a-f]+$/, "", sym)
    if (leafsym == "") leafsym = sym
    if (leafdso == "" && dso != "inlined") { leafdso = dso; sub(/^.*\//, "", leafdso) }
    if (dso !~ /kernel/) { g = group(sym, dso); if (g < best) best = g }
  }
  END { flush(); for (g in n) printf "%s\t%d\t%d\n", g, n[g], total }'
}

for load in ${LOADS:-udp psk tls http}; do
  data=$out/maydayd-$load.perf.data
  echo "== profile: maydayd under bench/ingest_$load.sh (perf record $BENCH_PERF_ARGS)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
  BENCH_PERF_DATA=$data "$here/ingest_$load.sh" "$build" | tee "$out/ingest_$load.out"
  [ -s "$data" ] || { echo "profile_ingest: no profile recorded ($(cat "$data.log" 2>/dev/null))" >&2; exit 1; }
  cpu_us=$(sed -n 's/^maydayd CPU: .*, \([0-9.]*\) us per stored indication.*/\1/p' "$out/ingest_$load.out")

  echo "== perf report --no-children: top 25 symbols, maydayd under ingest_$load"
  perf report -i "$data" --stdio --no-children --sort dso,symbol -g none --percent-limit 0 2>/dev/null |
    grep -E '^ +[0-9.]+%' | head -25 || true   # head leaves early: not a failure

  echo "== by function group (what the work was for), maydayd under ingest_$load"
  perf script -i "$data" -F comm,tid,ip,sym,dso 2>/dev/null | classify >"$out/groups-$load.tsv"
  show() {
    sort -t "$(printf '\t')" -k2,2nr | awk -F '\t' -v cpu="${cpu_us:-0}" '
      { sub(/^x:/, "", $1); pct = $2 / $3 * 100
        printf "%6.1f%%  %7.1f us/indication  %s\n", pct, pct / 100 * cpu, $1 }'
  }
  grep -v '^x:' "$out/groups-$load.tsv" | show
  echo "cross-cuts (overlapping the groups above):"
  grep '^x:' "$out/groups-$load.tsv" | show || true
  awk -F '\t' -v cpu="${cpu_us:-0}" 'NR == 1 {
    printf "(%d samples; maydayd CPU per stored indication: %s us, measured with perf running)\n", $3, cpu }' \
    "$out/groups-$load.tsv"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
