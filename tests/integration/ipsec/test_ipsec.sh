#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The IKEv2/IPsec distress method end to end, with real strongSwan:
#
#   usage: test_ipsec.sh psk|cert BUILD_DIR IPSEC_IKE_LOOKUP
#
# (the last: maydayd's srv_ike as a small program, ipsec_ike_lookup.c,
# built by tests/integration/ipsec.cmake)
#
# A provisioned device whose secure start-up fails boots in the dev
# namespace. Its DCF partition carries the device's IKE daemon
# (mayday-provision --ipsec-daemon: charon, swanctl, the plugins, their ELF
# closure and loader, strongswan.conf, swanctl.conf and the distress
# credentials), and the DCF starts that daemon itself: there is no charon of
# the host on the device side, only on the SeGW side. The first run is
# traced (strace): every file the IKE daemon's processes open, map or
# execute must lie in the DCF, RoT or run partition (DCF_TRACE_ALL=1, set by
# ipsec.cmake when mayday-dcf is static: every process of the run, the DCF
# included, which may also use its records in the state partition).
# The DCF asks its charon over VICI for the distress CHILD_SA and sends the signed indication through the tunnel to maydayd on
# the SeGW side's inner address, maydayd's [ipsec] listener. Checked: the
# DCF exits ACKED, the indication is stored (method ipsec, channel_auth ike,
# peer_identity the device's IKE identity, signed, from the tunnel's virtual
# IP), srv_ike maps that inner address to the device's IKE identity, and the
# veth carried only IKE and ESP-in-UDP, never a device ID in clear. A second
# device's tunnel carrying the first device's indication (wrong IKE
# identity): the CHILD_SA is up but maydayd drops the datagrams, the DCF
# exits UNACKED, nothing is stored. A plugin changed by one byte in the
# partition: the TrE refuses the DCF partition (halt 21). Then credentials
# the SeGW must refuse
# (wrong PSK, an identity it does not admit, a certificate from a rogue
# CA): no CHILD_SA, the DCF exits UNACKED at its deadline and nothing more
# is stored.
#
# Those other credentials are other contents of the partition: a copy of
# the device whose partition files swanctl.conf and swanctl.* are replaced,
# run by starting its DCF directly (the TrE would refuse the changed
# partition, which is what the tampered-plugin case shows).
#
# Exit 77 (skipped) without root, strongSwan or strace; see ipsec_env.sh.
set -euo pipefail

mode=${1:-}
build=${2:-}
lookup=${3:-}
usage() { echo "usage: $0 psk|cert BUILD_DIR IPSEC_IKE_LOOKUP" >&2; exit 2; }
case $mode in psk|cert) ;; *) usage ;; esac
[ -n "$build" ] && [ -n "$lookup" ] || usage
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

provision=$build/tools/provision/mayday-provision
boot=$build/device/boot/mayday-boot
dcf=$build/device/dcf/mayday-dcf
normal=$build/device/normal/mayday-normal
maydayd=$build/server/maydayd
maydayctl=$build/tools/maydayctl/maydayctl
for b in "$provision" "$boot" "$dcf" "$normal" "$maydayd" "$maydayctl" "$lookup"; do
  [ -x "$b" ] || { echo "missing $b (build first)" >&2; exit 1; }
done

# Short: the VICI socket paths must fit sun_path (and dcf.conf's 107 bytes).
W=$(mktemp -d /tmp/mayday-ipsec.XXXXXX)
. "$here/ipsec_env.sh"

DEVICE_ID=hnb-0001
# A second device with distress credentials of its own, whose tunnel carries
# DEVICE_ID's indication: the IKE identity and the device ID disagree.
OTHER_ID=hnb-0002
DB=$W/hems.db
fail() {
  echo "FAIL ($mode): $*" >&2
  for f in "$W"/dcf*.log "$W/maydayd.log" "$W/dev/charon.log" "$W/net/charon.log"; do
    [ -f "$f" ] && { echo "---- tail $f" >&2; tail -15 "$f" >&2; }
  done
  exit 1
}
on_exit() {
  local rc=$?
  set +e
  ipsec_teardown
  # KEEP=1: keep configurations, logs and capture of a failed run.
  if [ $rc -ne 0 ] && [ "${KEEP:-0}" = 1 ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
  exit $rc
}
trap on_exit EXIT

ipsec_require
t_start=$(now_ms)
log "mode $mode, ESP backend $IPSEC_BACKEND, namespaces $NS_DEV $NS_NET"

"$provision" init --pki "$W/pki" >/dev/null

# ---- namespaces, the SeGW's charon, the device's IKE credentials --------------
t0=$(now_ms)
ipsec_netns_up
# dev: only for the test's own swanctl, which inspects the DCF's charon.
ipsec_write_strongswan_conf dev
ipsec_write_strongswan_conf net
# The device's charon: the DCF's, from its partition, with these plugins
# (kernel-libipsec where the kernel has no ESP, see ipsec_env.sh).
DEV_PLUGINS="nonce x509 openssl pem kdf kernel-netlink socket-default vici"
[ "$IPSEC_BACKEND" = libipsec ] &&
  DEV_PLUGINS="nonce x509 openssl pem kdf kernel-libipsec kernel-netlink socket-default vici"
# Where the DCF's charon puts its VICI socket: the run partition.
DEV_VICI=$W/device/run/ipsec/charon.vici
if [ "$mode" = psk ]; then
  psk=$(openssl rand -hex 32)
  psk_other=$(openssl rand -hex 32)
  ipsec_write_segw_conf psk
  ipsec_write_psk net "$DEVICE_ID" "$psk"
  ipsec_write_psk net "$OTHER_ID" "$psk_other"
  ipsec_write_device_conf psk "$DEVICE_ID"
  ipsec_write_psk dev "$DEVICE_ID" "$psk"
else
  # Distress credentials come from their own CA, and carry the distress
  # certificate policy; the SeGW demands both for the distress connection.
  ipsec_ca "$W/ca" "mayday distress CA" policy
  ipsec_issue "$W/segw" "$SEGW_ID" "$W/ca.pem" "$W/ca.key" policy
  ipsec_issue "$W/device" "$DEVICE_ID" "$W/ca.pem" "$W/ca.key" policy
  ipsec_issue "$W/other" "$OTHER_ID" "$W/ca.pem" "$W/ca.key" policy
  cp "$W/ca.pem" "$W/net/swanctl/x509ca/distress-ca.pem"
  cp "$W/segw.pem" "$W/net/swanctl/x509/segw.pem"
  cp "$W/segw.key" "$W/net/swanctl/ecdsa/segw.key"
  cp "$W/ca.pem" "$W/dev/swanctl/x509ca/distress-ca.pem"
  cp "$W/device.pem" "$W/dev/swanctl/x509/device.pem"
  cp "$W/device.key" "$W/dev/swanctl/ecdsa/device.key"
  ipsec_write_segw_conf pubkey
  ipsec_write_device_conf pubkey "$DEVICE_ID"
fi
ipsec_start_charon net || fail "charon (net) did not start"
ipsec_load net || fail "swanctl --load-all (net)"

# The device's IKE credentials as written now (swanctl.conf, and the
# certificates and key in cert mode), kept as set LABEL for provisioning.
snapshot_ike() {   # label
  local d=$W/ike-$1
  rm -rf "$d"
  mkdir -p "$d"
  cp "$W/dev/swanctl/swanctl.conf" "$d/swanctl.conf"
  if [ "$mode" = cert ]; then
    cp "$W/dev/swanctl/x509ca/distress-ca.pem" "$d/distress-ca.pem"
    cp "$W/dev/swanctl/x509/device.pem" "$d/device.pem"
    cp "$W/dev/swanctl/ecdsa/device.key" "$d/device.key"
  fi
}
ike_args() {   # label: mayday-provision's options for the IKE daemon with that set
  local d=$W/ike-$1
  IKE_ARGS=(--ipsec-daemon auto --ipsec-plugins "$DEV_PLUGINS" --ipsec-conf "$d/swanctl.conf")
  [ "$mode" = cert ] && IKE_ARGS+=(--ipsec-cred "x509ca:$d/distress-ca.pem"
    --ipsec-cred "x509:$d/device.pem" --ipsec-cred "ecdsa:$d/device.key")
  return 0
}
# A copy of the device whose DCF partition carries IKE set LABEL instead
# (started directly: its manifest no longer matches, see above).
variant_device() {   # label
  local v=$W/device-$1 d=$W/ike-$1
  rm -rf "$v"
  cp -a "$W/device" "$v"
  cp "$d/swanctl.conf" "$v/dcf/swanctl.conf"
  if [ "$mode" = cert ]; then
    cp "$d/distress-ca.pem" "$v/dcf/swanctl.x509ca.distress-ca.pem"
    cp "$d/device.pem" "$v/dcf/swanctl.x509.device.pem"
    cp "$d/device.key" "$v/dcf/swanctl.ecdsa.device.key"
  fi
}
snapshot_ike "$DEVICE_ID"

# ---- the device and the H(e)MS's records ------------------------------------
# The vendor ships this device's DCF configured for the ipsec method only,
# with its IKE daemon and distress credentials in the DCF partition.
ike_args "$DEVICE_ID"
"$provision" device --pki "$W/pki" --out "$W/device" --id "$DEVICE_ID" --class femto-x1 \
  --hems-ipsec-endpoint "$HEMS_INNER:$HEMS_PORT" "${IKE_ARGS[@]}" \
  --ipsec-child distress --methods ipsec --dcf-bin "$dcf" --normal-bin "$normal" \
  --enrol "sqlite:$DB" >"$W/provision.out" || fail "mayday-provision device"
grep -q '^methods = ipsec$' "$W/device/dcf/dcf.conf" || fail "the provisioned dcf.conf does not use ipsec"
grep -q '^daemon = partition$' "$W/device/dcf/dcf.conf" || fail "the provisioned dcf.conf does not start the partition's IKE daemon"
for f in ld.so charon swanctl libc.so.6 libstrongswan.so.0 libcharon.so.0 libgcc_s.so.1 \
         strongswan.conf swanctl.conf $(printf 'libstrongswan-%s.so ' $DEV_PLUGINS); do
  [ -f "$W/device/dcf/$f" ] || fail "the DCF partition lacks $f"
done
ls "$W/device/dcf" | grep -q '^libstrongswan-\(updown\|stroke\|eap\)' && fail "the DCF partition holds plugins it was not asked for"
ike_line=$(grep 'IKE daemon in the DCF partition' "$W/provision.out") || fail "mayday-provision did not report the IKE daemon's size"
part_line=$(grep 'DCF partition: ' "$W/provision.out" | grep -v 'IKE daemon') || fail "mayday-provision did not report the partition's size"
log "${ike_line#mayday-provision: }"
log "${part_line#mayday-provision: } ($(du -sb "$W/device/dcf" | cut -f1) bytes on disk with the manifest)"
"$provision" tamper --pki "$W/pki" --device "$W/device" --what component >/dev/null
t1=$(now_ms)
log "namespaces, SeGW charon, provisioning: $((t1 - t0)) ms"

# ---- maydayd on the distress endpoint, a capture on the veth ------------------
# Its only listener is [ipsec]: the distress endpoint behind the SeGW, each
# datagram attributed to the IKE identity of the tunnel it came through.
cat > "$W/maydayd.conf" <<EOF
[server]
db = sqlite:$DB
hems_key = $W/pki/hems.key.pem
psk_kek = $W/pki/psk.kek
workers = 1

[udp]
listen = none

[ipsec]
listen = $HEMS_INNER:$HEMS_PORT
vici = $W/net/charon.vici
connection = distress

[api]
socket = $W/api.sock
EOF
start_maydayd() {
  # Appends: the log of every maydayd run of this test is kept.
  echo "---- maydayd start" >>"$W/maydayd.log"
  nsbg net "$maydayd" -c "$W/maydayd.conf" -f 2>>"$W/maydayd.log" &
  BG_PIDS+=($!)
  maydayd_pid=$!
  for _ in $(seq 200); do
    [ "$(grep -c "listening on ipsec $HEMS_INNER:$HEMS_PORT" "$W/maydayd.log" 2>/dev/null)" = "$1" ] &&
      return 0
    kill -0 "$maydayd_pid" 2>/dev/null || fail "maydayd exited at start"
    sleep 0.025
  done
  fail "maydayd is not on $HEMS_INNER:$HEMS_PORT"
}
wait_log() {   # file, pattern, what[, count]
  for _ in $(seq 400); do
    [ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "${4:-1}" ] && return 0
    sleep 0.025
  done
  fail "$3"
}
# Nothing of the DCF's IKE daemon outlives the DCF: no process in the dev
# namespace, no run directory.
ike_gone() {   # device dir, label
  local p
  p=$(ip netns pids "$NS_DEV" 2>/dev/null | tr '\n' ' ')
  [ -z "$p" ] || fail "$2: processes left in the device namespace after the DCF: $p"
  [ ! -e "$1/run/ipsec" ] || fail "$2: the DCF left its IKE run directory $1/run/ipsec"
}
start_maydayd 1

nsbg net tcpdump -i vnet -n -U --immediate-mode -s 0 -w "$W/wire.pcap" >"$W/tcpdump.log" 2>&1 &
BG_PIDS+=($!)
tcpdump_pid=$!
for _ in $(seq 100); do grep -q listening "$W/tcpdump.log" 2>/dev/null && break; sleep 0.05; done
grep -q listening "$W/tcpdump.log" || fail "tcpdump did not start"

indications() { sqlite3 "$DB" "SELECT count(*) FROM indications"; }

# ---- the distress loop through the tunnel ---------------------------------------
# Traced: what the IKE daemon's processes (every process of the run but
# the TrE-turned-DCF itself) open, map and execute.
TRACE=$W/trace
t2=$(now_ms)
rc=0
# (LeakSanitizer cannot run under ptrace: in a sanitizer build this one run
# goes without leak checking; the untraced runs below keep it.)
nsx dev env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  strace -f -y -qq -s 4096 -o "$TRACE" -e trace=open,openat,openat2,execve,execveat,mmap \
  "$boot" --device "$W/device" >"$W/dcf.log" 2>&1 || rc=$?
t3=$(now_ms)
[ "$rc" = 10 ] || fail "mayday-boot -> DCF exited $rc, expected 10 (MAYDAY_EXIT_DCF_ACKED)"
log "secure start-up failed, DCF (traced): IKE daemon started, CHILD_SA up + indication + ack in $((t3 - t2)) ms"
grep -q "CHILD_SA distress established" "$W/dcf.log" || fail "the DCF did not bring up the CHILD_SA"
grep -q "IKE daemon of the DCF partition running" "$W/dcf.log" || fail "the DCF did not start its own IKE daemon"
ike_gone "$W/device" "first run"
rss=$(grep -o 'peak RSS of the DCF.s children [0-9]* kB' "$W/dcf.log" | awk '{print $(NF-1)}')
[ -n "$rss" ] || fail "the DCF did not report its IKE daemon's peak RSS"

# The places: the DCF, RoT and run partitions. Plus, each exactly:
# - charon's compiled-in pid file, which it writes in its own mount
#   namespace where /var/run (-> /run) is the DCF's run directory (checked
#   below, while a DCF runs);
# - /etc, where glibc looks for nsswitch.conf, protocols, services (when
#   charon names a protocol or port) and localtime (certificate times): in
#   charon's namespace it is an empty read-only tmpfs, so each such open
#   must have failed (ENOENT, asserted first): nothing there can be read;
# - two kernel interfaces, no files of the normal code: the XFRM acquire
#   timeout kernel-netlink sets, the CPU count libc reads.
allowed=("$W/device/dcf" "$W/device/rot" "$W/device/run" /var/run/charon.pid /run/charon.pid
         /etc
         /proc/sys/net/core/xfrm_acq_expires /sys/devices/system/cpu/online)
main_pid=$(head -1 "$TRACE" | awk '{print $1}')
awk -v main="$main_pid" '$1 != main' "$TRACE" >"$TRACE.ike"
if grep -F '"/etc/' "$TRACE.ike" | grep -v ' = -1 ENOENT ' >&2; then
  fail "the IKE daemon opened a file in /etc (its /etc must be an empty tmpfs)"
fi
grep -qF "execve(\"$W/device/dcf/ld.so\"" "$TRACE.ike" || fail "the trace shows no IKE daemon executed from the DCF partition"
# Counted by their start: with charon's threads running, strace may split
# an execve into "<unfinished ...>" and a later "resumed" line without the
# path; a failed one would end in "= -1".
! grep -qE "execve\(\"$W/device/dcf/ld.so\".* = -1 " "$TRACE.ike" ||
  fail "the partition's loader failed to start"
[ "$(grep -c "execve(\"$W/device/dcf/ld.so\"" "$TRACE.ike")" = 2 ] ||
  fail "expected charon and swanctl, each started by the partition's loader"
trace_check=$here/../dcf_trace_check.sh
"$trace_check" "$TRACE.ike" "${allowed[@]}" >"$W/trace-check.out" 2>&1 ||
  { cat "$W/trace-check.out" >&2; fail "the IKE daemon used files outside the DCF, RoT and run partitions"; }
log "strace, IKE daemon (charon, swanctl): $(tail -1 "$W/trace-check.out")"
if [ "${DCF_TRACE_ALL:-0}" = 1 ]; then
  # The DCF itself also keeps its attempt record in the state partition
  # (as in test_dcf_trace.sh); never the slots.
  DCF_TRACE_AFTER_EXEC=1 "$trace_check" "$TRACE" "${allowed[@]}" "$W/device/state" \
    >"$W/trace-check-all.out" 2>&1 ||
    { cat "$W/trace-check-all.out" >&2; fail "the DCF run used files outside the DCF, RoT, run and state partitions"; }
  log "strace, the whole DCF run: $(tail -1 "$W/trace-check-all.out")"
fi
log "IKE daemon peak RSS (VmHWM of the DCF's largest child, traced run): $rss kB"

[ "$(indications)" = 1 ] || fail "expected 1 stored indication, have $(indications)"
grep -q "via ipsec" "$W/dcf.log" || fail "the indication does not name the ipsec transport"
# The virtual IP the DCF's charon installed (and removed when it stopped).
vip=$(grep -o 'installing new virtual IP 10\.99\.1\.[0-9]*' "$W/dcf.log" | head -1 | awk '{print $NF}')
[ -n "$vip" ] || fail "the device got no virtual IP from $POOL"
# What the operator sees: the method is the network's view (the [ipsec]
# listener), the channel authenticated by IKE, and the IKE identity the SeGW
# authenticated for the tunnel the datagram came through.
"$maydayctl" -d "sqlite:$DB" --json show "$DEVICE_ID" >"$W/show.json" || fail "maydayctl show $DEVICE_ID"
row=$(jq -r '.indications | length as $n | .[0] |
  "\($n) \(.transport) \(.method) \(.channel_auth) \(.peer_identity) \(.trust) \(.peer)"' "$W/show.json") ||
  fail "cannot read maydayctl's JSON"
read -r got_n got_transport got_method got_channel got_identity got_trust got_peer <<<"$row"
[ "$got_n" = 1 ] || fail "maydayctl shows $got_n indications of $DEVICE_ID, expected 1"
[ "$got_transport" = ipsec ] && [ "$got_method" = ipsec ] ||
  fail "stored transport/method '$got_transport'/'$got_method', expected ipsec"
[ "$got_channel" = ike ] || fail "stored channel_auth '$got_channel', expected ike"
[ "$got_identity" = "$DEVICE_ID" ] || fail "stored peer_identity '$got_identity', expected $DEVICE_ID"
[ "$got_trust" = signed ] || fail "stored trust '$got_trust', expected signed"
case $got_peer in
  "$vip":*|"$vip") ;;
  *) fail "stored peer '$got_peer' is not the tunnel's inner address $vip" ;;
esac
log "stored: method $got_method, channel $got_channel '$got_identity', $got_trust, from $got_peer (virtual IP $vip)"

# A second run: the DCF starts its daemon again, the SeGW replaces the
# stale IKE SA of the same identity (unique = replace), acknowledged again.
rc=0
nsx dev "$dcf" --device "$W/device" --deadline-ms 5000 >"$W/dcf-again.log" 2>&1 || rc=$?
[ "$rc" = 10 ] || fail "second DCF run exited $rc, expected 10"
ike_gone "$W/device" "second run"
rss=$(grep -o 'peak RSS of the DCF.s children [0-9]* kB' "$W/dcf-again.log" | awk '{print $(NF-1)}')
[ -n "$rss" ] || fail "second run: no peak RSS of the IKE daemon"
log "second run: IKE daemon started again, acknowledged, stopped; its peak RSS (untraced) $rss kB"

# ---- the tunnel lost in the middle of a run -----------------------------------------
# With maydayd down the DCF keeps retransmitting; the SeGW then drops the
# tunnel (as after its own restart). The DCF's next send finds no route,
# brings the CHILD_SA up again and retransmits; maydayd back: acknowledged.
# While the tunnel is up, the device's side of it is inspected too.
stop_pid "$maydayd_pid"
t6=$(now_ms)
nsbg dev "$dcf" --device "$W/device" --deadline-ms 15000 >"$W/dcf-lost.log" 2>&1 &
dcf_pid=$!
BG_PIDS+=($dcf_pid)
wait_log "$W/dcf-lost.log" "CHILD_SA distress established" "the DCF did not bring its tunnel up"
# (The SeGW keeps the tunnel only while the DCF runs: its charon deletes
# the IKE SA when the DCF stops it. So this is where both sides are read.)
# ---- the SeGW's side of the tunnel: narrow, and only the distress endpoint -------
swctl net --list-sas --raw >"$W/net/sas.raw"
grep -q 'state=ESTABLISHED' "$W/net/sas.raw" || fail "the SeGW shows no established IKE SA"
grep -qF "local-ts=[$HEMS_INNER/32[udp/$HEMS_PORT]]" "$W/net/sas.raw" ||
  { cat "$W/net/sas.raw"; fail "the SeGW's CHILD_SA is not narrowed to $HEMS_INNER udp/$HEMS_PORT"; }
log "SeGW narrowed the CHILD_SA to $HEMS_INNER udp/$HEMS_PORT"

# ---- maydayd's view: inner address -> authenticated IKE identity ----------------
t4=$(now_ms)
ike_id=$("$lookup" "$W/net/charon.vici" distress "$vip") || fail "srv_ike lookup of $vip failed"
t5=$(now_ms)
[ "$ike_id" = "$DEVICE_ID" ] || fail "srv_ike says $vip is '$ike_id', expected $DEVICE_ID"
log "srv_ike: $vip -> $ike_id in $((t5 - t4)) ms"
lrc=0
"$lookup" "$W/net/charon.vici" distress 10.99.1.250 >/dev/null 2>&1 || lrc=$?
[ "$lrc" = 3 ] || fail "srv_ike attributed an address no tunnel owns (exit $lrc)"
lrc=0
"$lookup" "$W/net/charon.vici" other-connection "$vip" >/dev/null 2>&1 || lrc=$?
[ "$lrc" = 3 ] || fail "srv_ike matched an IKE SA of another connection (exit $lrc)"

# The DCF's charon keeps its pid file and socket in the run partition.
[ -s "$W/device/run/ipsec/charon.pid" ] && [ -S "$DEV_VICI" ] ||
  fail "the DCF's charon has no pid file or VICI socket in the run partition"
[ "$(cat "$W/device/run/ipsec/charon.pid")" -gt 0 ] 2>/dev/null || fail "charon's pid file is not a pid"
# The device asked for 10.99.0.0/16; what it got is the distress endpoint only.
swctl dev --list-sas --raw >"$W/dev/sas.raw"
# (The DCF's charon names no protocols: its /etc is empty, so "17", not "udp".)
grep -qF "remote-ts=[$HEMS_INNER/32[17/$HEMS_PORT]]" "$W/dev/sas.raw" ||
  { cat "$W/dev/sas.raw"; fail "the device's CHILD_SA reaches more than the distress endpoint"; }
# Anything else towards the operator side goes nowhere, even the endpoint's
# own address on another port.
: >"$W/probe.out"
nsbg net socat -u UDP-RECVFROM:$((HEMS_PORT + 1)),bind=$HEMS_INNER OPEN:"$W/probe.out",creat,append &
BG_PIDS+=($!)
probe_pid=$!
sleep 0.2
nsx dev bash -c "echo probe >/dev/udp/$HEMS_INNER/$((HEMS_PORT + 1))" 2>/dev/null || true
sleep 0.3
[ -s "$W/probe.out" ] && fail "a datagram to $HEMS_INNER:$((HEMS_PORT + 1)) got through the distress tunnel"
kill -0 "$probe_pid" 2>/dev/null || fail "the probe listener did not run"
stop_pid "$probe_pid"
log "device side: pid file and VICI socket in the run partition; CHILD_SA (asked 10.99.0.0/16) is $HEMS_INNER udp/$HEMS_PORT only; port $((HEMS_PORT + 1)) unreachable"
swctl net --terminate --ike distress --timeout 3 >/dev/null 2>&1 || fail "the SeGW could not drop the tunnel"
wait_log "$W/dcf-lost.log" "CHILD_SA distress established" "the DCF did not bring the lost tunnel up again" 2
start_maydayd 2
rc=0
wait "$dcf_pid" || rc=$?
t7=$(now_ms)
[ "$rc" = 10 ] || fail "DCF run across a lost tunnel exited $rc, expected 10"
grep -q "send failed, the tunnel may be gone" "$W/dcf-lost.log" || fail "the DCF did not notice the lost tunnel"
ike_gone "$W/device" "lost-tunnel run"
log "tunnel dropped by the SeGW mid-run: DCF re-established it and was acknowledged ($((t7 - t6)) ms)"

# ---- a tunnel that vouches for another device ---------------------------------------
# OTHER_ID is enrolled and has distress credentials the SeGW admits. Its
# tunnel carries DEVICE_ID's indication: DEVICE_ID's DCF runs with
# OTHER_ID's IKE credentials in the device's charon (as if OTHER_ID relayed
# or replayed another device's report). Signature and tunnel are both
# genuine, but the IKE identity is not the indication's device: maydayd
# drops every such datagram. Nothing stored, no ack, the DCF gives up at its
# deadline. Then OTHER_ID's own indication through the same tunnel is
# accepted: the refusal is about the mismatch, not the tunnel.
# (The DCF's charon stops with the DCF, so the SeGW's view of the tunnel is
# read while that DCF still runs.)
reset_tunnels() { ipsec_terminate_all net; }
# IKE credentials of identity ID written as the device's, kept as set LABEL.
ike_creds() {   # label, id, psk | cert files prefix
  if [ "$mode" = psk ]; then
    ipsec_write_device_conf psk "$2"
    ipsec_write_psk dev "$2" "$3"
  else
    cp "$3.pem" "$W/dev/swanctl/x509/device.pem"
    cp "$3.key" "$W/dev/swanctl/ecdsa/device.key"
    ipsec_write_device_conf pubkey "$2"
  fi
  snapshot_ike "$1"
}
if [ "$mode" = psk ]; then ike_creds "$OTHER_ID" "$OTHER_ID" "$psk_other"; else ike_creds "$OTHER_ID" "$OTHER_ID" "$W/other"; fi
ike_args "$OTHER_ID"
"$provision" device --pki "$W/pki" --out "$W/device-$OTHER_ID" --id "$OTHER_ID" --class femto-x1 \
  --hems-ipsec-endpoint "$HEMS_INNER:$HEMS_PORT" "${IKE_ARGS[@]}" \
  --ipsec-child distress --methods ipsec --dcf-bin "$dcf" --normal-bin "$normal" >/dev/null
# --enrol refuses while maydayd runs (it holds the store's writer lock): the
# enrolment record provisioning left is enrolled through maydayd's API.
"$maydayctl" --socket "$W/api.sock" enrol --from "$W/pki/devices/$OTHER_ID.enrolment.json" \
  >/dev/null || fail "enrolling $OTHER_ID"
"$provision" tamper --pki "$W/pki" --device "$W/device-$OTHER_ID" --what component >/dev/null
# DEVICE_ID's device, its partition carrying OTHER_ID's IKE credentials.
cp -r "$W/ike-$OTHER_ID" "$W/ike-wrong-identity"
variant_device wrong-identity
reset_tunnels
before=$(indications)
rc=0
nsbg dev "$dcf" --device "$W/device-wrong-identity" --deadline-ms 4000 >"$W/dcf-wrong-identity.log" 2>&1 &
dcf_pid=$!
BG_PIDS+=($dcf_pid)
wait_log "$W/dcf-wrong-identity.log" "CHILD_SA distress established" \
  "wrong IKE identity: the SeGW did not admit $OTHER_ID's tunnel"
swctl net --list-sas --raw >"$W/net/sas-other.raw"
wait "$dcf_pid" || rc=$?
[ "$rc" = 11 ] || fail "wrong IKE identity: DCF exited $rc, expected 11 (MAYDAY_EXIT_DCF_UNACKED)"
[ "$(indications)" = "$before" ] || fail "wrong IKE identity: an indication was stored"
ike_gone "$W/device-wrong-identity" "wrong identity"
grep -qF "remote-id=$OTHER_ID " "$W/net/sas-other.raw" ||
  { cat "$W/net/sas-other.raw"; fail "the SeGW's IKE SA is not $OTHER_ID's"; }
vip_other=$(grep -o 'remote-vips=\[[0-9.]*\]' "$W/net/sas-other.raw" | head -1 | tr -d '[]' | cut -d= -f2)
[ -n "$vip_other" ] || { cat "$W/net/sas-other.raw"; fail "$OTHER_ID's tunnel has no virtual IP"; }
grep -qF "names device $DEVICE_ID, but the channel authenticated ike '$OTHER_ID': dropped" "$W/maydayd.log" ||
  fail "maydayd did not report the identity mismatch"
"$maydayctl" -d "sqlite:$DB" --json show "$DEVICE_ID" >"$W/show.json" || fail "maydayctl show $DEVICE_ID"
[ "$(jq --arg id "$DEVICE_ID" '[.indications[] | select(.peer_identity != $id)] | length' "$W/show.json")" = 0 ] ||
  fail "an indication of $DEVICE_ID is recorded with another IKE identity"
log "wrong IKE identity: $DEVICE_ID's indication through $OTHER_ID's tunnel ($vip_other) dropped, DCF unacked, nothing stored"

rc=0
nsx dev "$boot" --device "$W/device-$OTHER_ID" >"$W/dcf-$OTHER_ID.log" 2>&1 || rc=$?
[ "$rc" = 10 ] || fail "$OTHER_ID: mayday-boot -> DCF exited $rc, expected 10 (MAYDAY_EXIT_DCF_ACKED)"
[ "$(indications)" = $((before + 1)) ] || fail "$OTHER_ID: expected one more stored indication"
"$maydayctl" -d "sqlite:$DB" --json show "$OTHER_ID" >"$W/show-other.json" || fail "maydayctl show $OTHER_ID"
row=$(jq -r '.indications | length as $n | .[0] |
  "\($n) \(.method) \(.channel_auth) \(.peer_identity) \(.trust)"' "$W/show-other.json")
[ "$row" = "1 ipsec ike $OTHER_ID signed" ] ||
  fail "$OTHER_ID's indication stored as '$row', expected '1 ipsec ike $OTHER_ID signed'"
got_peer=$(jq -r '.indications[0].peer' "$W/show-other.json")
case $got_peer in
  "$vip_other":*|"$vip_other") ;;
  *) fail "$OTHER_ID's indication stored from '$got_peer', not its tunnel's $vip_other" ;;
esac
log "$OTHER_ID's own indication, from its own device through a tunnel of the same identity and virtual IP: acknowledged, stored ($row)"
reset_tunnels

# ---- a plugin changed in the DCF partition ---------------------------------------
# One byte of the vici plugin: the TrE measures every file of the
# partition, the IKE daemon's included, and halts (21: dcf-invalid).
cp -a "$W/device" "$W/device-tampered"
f=$W/device-tampered/dcf/libstrongswan-vici.so
off=$(( $(stat -c %s "$f") / 2 ))
b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
printf "$(printf '\\%03o' $((b ^ 255)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
rc=0
nsx dev "$boot" --device "$W/device-tampered" >"$W/boot-tampered.log" 2>&1 || rc=$?
[ "$rc" = 21 ] || fail "tampered plugin: mayday-boot exited $rc, expected 21 (MAYDAY_EXIT_HALT_DCF)"
grep -q "dcf/libstrongswan-vici.so" "$W/boot-tampered.log" || fail "tampered plugin: mayday-boot does not name the plugin"
grep -q "IKE daemon" "$W/boot-tampered.log" && fail "tampered plugin: an IKE daemon was started"
log "tampered plugin (byte $off of libstrongswan-vici.so): TrE halted with 21, no DCF, no IKE daemon"

# ---- what the wire carried --------------------------------------------------------
sleep 0.2
stop_pid "$tcpdump_pid"
tcpdump -n -r "$W/wire.pcap" >"$W/wire.txt" 2>/dev/null || fail "cannot read the capture"
n_all=$(wc -l <"$W/wire.txt")
n_esp=$(grep -c 'ESP(spi=' "$W/wire.txt" || true)
# Besides IKE and ESP (and ARP): the device's ICMP "port unreachable" for a
# packet the SeGW sent to its IKE port after the DCF had stopped its IKE
# daemon (the daemon lives only as long as the DCF run; the SeGW's
# dead-peer detection or delete may still be on its way). It carries only
# the outer UDP header and the start of that (encrypted) packet.
n_other=$(grep -vE "^[0-9:.]+ IP $OUT_DEV\.(500|4500) > $OUT_NET\.(500|4500): |^[0-9:.]+ IP $OUT_NET\.(500|4500) > $OUT_DEV\.(500|4500): |^[0-9:.]+ IP $OUT_DEV > $OUT_NET: ICMP $OUT_DEV udp port (500|4500) unreachable" "$W/wire.txt" | grep -vc '^[0-9:.]* ARP' || true)
[ "$n_esp" -ge 4 ] || { cat "$W/wire.txt"; fail "expected ESP packets on the veth, saw $n_esp"; }
[ "$n_other" = 0 ] || { cat "$W/wire.txt"; fail "$n_other packets on the veth were not IKE or ESP between the outer addresses"; }
grep -q "$HEMS_INNER" "$W/wire.txt" && { cat "$W/wire.txt"; fail "the inner address appeared in clear on the veth"; }
for id in "$DEVICE_ID" "$OTHER_ID"; do
  grep -aqF "$id" "$W/wire.pcap" && fail "the device ID '$id' is readable in the capture"
done
log "veth: $n_all packets, $n_esp ESP-in-UDP, the rest IKE on 500/4500; device IDs never in clear"

# ---- credentials the SeGW must refuse ------------------------------------------------
# Each: drop the tunnel, load the bad credentials on the device, run the DCF
# with a short deadline. It must give up (UNACKED) and store nothing.
refused() {   # label
  local label=$1 rc=0 before t
  variant_device "$label"
  before=$(indications)
  t=$(now_ms)
  nsx dev "$dcf" --device "$W/device-$label" --deadline-ms 1500 >"$W/dcf-$label.log" 2>&1 || rc=$?
  [ "$rc" = 11 ] || fail "$label: DCF exited $rc, expected 11 (MAYDAY_EXIT_DCF_UNACKED)"
  grep -q "CHILD_SA distress not established" "$W/dcf-$label.log" ||
    fail "$label: the DCF log does not show the refused CHILD_SA"
  grep -q "CHILD_SA distress established" "$W/dcf-$label.log" &&
    fail "$label: a CHILD_SA came up"
  [ "$(indications)" = "$before" ] || fail "$label: an indication was stored"
  [ -z "$(swctl net --list-sas --raw | grep -o 'state=ESTABLISHED')" ] ||
    fail "$label: the SeGW holds an established IKE SA"
  ike_gone "$W/device-$label" "$label"
  log "refused: $label (DCF gave up after $(( $(now_ms) - t )) ms, nothing stored)"
}
reset_tunnels
if [ "$mode" = psk ]; then
  ike_creds wrong-psk "$DEVICE_ID" "$(openssl rand -hex 32)"
  refused wrong-psk
  # An identity the SeGW has no distress PSK for (not enrolled for distress).
  ike_creds unknown-identity hnb-0999 "$psk"
  refused unknown-identity
else
  # A certificate of the right CA for the device, but not a distress
  # credential (no distress policy): the SeGW does not admit it here.
  ipsec_issue "$W/plain" "$DEVICE_ID" "$W/ca.pem" "$W/ca.key"
  ike_creds identity-without-distress-policy "$DEVICE_ID" "$W/plain"
  refused identity-without-distress-policy
  # The right identity and policy, from a CA the SeGW does not trust.
  ipsec_ca "$W/rogue-ca" "rogue CA" policy
  ipsec_issue "$W/rogue" "$DEVICE_ID" "$W/rogue-ca.pem" "$W/rogue-ca.key" policy
  ike_creds rogue-ca "$DEVICE_ID" "$W/rogue"
  refused rogue-ca
fi
grep -qE "AUTH_FAILED|MAC mismatch|no shared key|signature validation failed|no trusted|constraint check failed|policy" "$W/net/charon.log" ||
  fail "the SeGW's log does not show authentication failures"

# maydayd's counters at shutdown (its second run: since the lost tunnel).
stop_pid "$maydayd_pid"
stats=$(grep 'received [0-9]*: stored' "$W/maydayd.log" | tail -1)
by_method=$(grep 'by method: ' "$W/maydayd.log" | tail -1)
[ -n "$stats" ] && [ -n "$by_method" ] || fail "maydayd logged no counters at shutdown"
mism=$(grep -o 'identity mismatches [0-9]*' <<<"$stats" | awk '{print $3}')
[ "${mism:-0}" -ge 1 ] || fail "maydayd counted no identity mismatch: $stats"
grep -q 'ipsec: identity lookups failed 0;' <<<"$by_method" || fail "maydayd counted failed IKE identity lookups: $by_method"
grep -q 'by method: udp 0, http 0, https 0, ipsec [1-9][0-9]*, psk 0;' <<<"$by_method" ||
  fail "maydayd's per-method counters are not all ipsec: $by_method"
log "maydayd: $mism identity mismatch(es) counted, every datagram via ipsec"

t_end=$(now_ms)
log "PASS ($mode): total $((t_end - t_start)) ms"
