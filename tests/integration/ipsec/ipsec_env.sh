# SPDX-License-Identifier: Apache-2.0
# Sourced by test_ipsec.sh: a two-namespace IKEv2/IPsec test bed with real
# strongSwan. Nothing here leaves the two namespaces it creates.
#
#   dev namespace (the femtocell)          net namespace (operator side)
#   vdev 192.0.2.1/24  <---- veth ---->   vnet 192.0.2.2/24
#   mayday-boot / mayday-dcf, and the     charon: the SeGW, pool 10.99.1.0/24
#   DCF's own charon (from its partition) maydayd on 10.99.0.1 (on lo)
#
# Addresses: TEST-NET-1 outside, 10.99.0.0/16 inside, both only in the
# namespaces. Namespace names carry the caller's PID ($$), so parallel runs
# do not clash; each charon gets its own /run (bind-mounted inside `ip
# netns exec`'s private mount namespace), because charon keeps its pid file
# and default sockets there. The kernels we run on may lack ESP: then ESP
# runs in charon's user space (kernel-libipsec, ESP-in-UDP over a TUN
# device); with ESP support the kernel's XFRM does it.
#
# The caller sets W (work dir) before sourcing and calls ipsec_teardown on
# exit (trap).

OUT_DEV=192.0.2.1
OUT_NET=192.0.2.2
HEMS_INNER=10.99.0.1       # maydayd's inner address, the distress endpoint
HEMS_PORT=7701
POOL=10.99.1.0/24          # virtual IPs the SeGW hands to distress tunnels
SEGW_ID=segw.mayday.test
# Certificate policy that marks an IKE certificate as a distress credential.
# Here RFC 7229's id-TEST-certPolicyOne (OIDs reserved for tests); an
# operator uses a policy OID of its own arc. (strongSwan's OID parser keeps
# 32-bit arcs only, so UUID-based 2.25.x OIDs do not survive it.)
DISTRESS_POLICY=1.3.6.1.5.5.7.13.1

NS_DEV=mayday$$-dev
NS_NET=mayday$$-net
CHARON=/usr/lib/ipsec/charon
IPSEC_BACKEND=

declare -A CHARON_PID=()
BG_PIDS=()

# ---- small utilities ----------------------------------------------------

now_ms() { date +%s%3N; }
log()    { echo "[ipsec $(date +%T.%3N)] $*"; }
skip()   { echo "SKIP: $*"; exit 77; }

# Stop one process we started, by PID: TERM, then KILL after 5 s.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

nsx()  { local side=$1; shift; local ns=$NS_DEV; [ "$side" = net ] && ns=$NS_NET; ip netns exec "$ns" "$@"; }
# For "nsbg side cmd... &": exec, so that $! is the command's own PID.
nsbg() { local side=$1; shift; local ns=$NS_DEV; [ "$side" = net ] && ns=$NS_NET; exec ip netns exec "$ns" "$@"; }

# ---- prerequisites --------------------------------------------------------

# Exits 77 (CTest: skipped) when this machine cannot run the test bed.
ipsec_require() {
  [ "$(id -u)" = 0 ] || skip "needs root (network namespaces, a TUN device, charon)"
  local b
  for b in $CHARON swanctl pki ip tcpdump socat sqlite3 openssl jq strace od; do
    command -v "$b" >/dev/null 2>&1 || skip "missing $b (apt-get install strongswan-charon strongswan-swanctl strongswan-pki libstrongswan-standard-plugins libcharon-extra-plugins tcpdump socat sqlite3 jq strace)"
  done
  for b in libstrongswan-vici.so libstrongswan-kernel-libipsec.so libstrongswan-openssl.so; do
    [ -e /usr/lib/ipsec/plugins/$b ] || skip "missing strongSwan plugin $b (libstrongswan-standard-plugins, libcharon-extra-plugins)"
  done
  # Debian's AppArmor profiles, when enforced, confine charon and swanctl to
  # /etc and /run: our private configs and sockets would be refused.
  if [ -r /sys/kernel/security/apparmor/profiles ] &&
     grep -qE '^/usr/(lib/ipsec/charon|sbin/swanctl) \(enforce\)' /sys/kernel/security/apparmor/profiles; then
    skip "AppArmor enforces the charon/swanctl profiles (aa-complain /usr/lib/ipsec/charon /usr/sbin/swanctl)"
  fi
  ip netns add "$NS_DEV-probe" 2>/dev/null || skip "cannot create network namespaces here"
  # Can this kernel hold an ESP SA? Otherwise ESP runs in charon (kernel-libipsec).
  if ip netns exec "$NS_DEV-probe" ip xfrm state add src $OUT_DEV dst $OUT_NET proto esp \
       spi 0x100 mode tunnel aead 'rfc4106(gcm(aes))' \
       0x00112233445566778899aabbccddeeff00112233 128 2>/dev/null; then
    IPSEC_BACKEND=xfrm
  else
    IPSEC_BACKEND=libipsec
    [ -c /dev/net/tun ] || { ip netns del "$NS_DEV-probe"; skip "no ESP in the kernel and no /dev/net/tun for kernel-libipsec"; }
  fi
  ip netns del "$NS_DEV-probe"
}

# ---- namespaces -------------------------------------------------------------

ipsec_netns_up() {
  ip netns add "$NS_DEV"
  ip netns add "$NS_NET"
  # IPv4 only: no IPv6 neighbour discovery chatter on the wire we inspect.
  nsx dev sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
  nsx net sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
  ip link add vdev netns "$NS_DEV" type veth peer name vnet netns "$NS_NET"
  nsx dev ip link set lo up
  nsx net ip link set lo up
  nsx dev ip addr add $OUT_DEV/24 dev vdev
  nsx net ip addr add $OUT_NET/24 dev vnet
  nsx dev ip link set vdev up
  nsx net ip link set vnet up
  # The distress endpoint. This kernel may have no dummy driver: lo will do.
  nsx net ip addr add $HEMS_INNER/32 dev lo
  # Inner addresses arriving in clear on the veth are spoofed: drop them.
  nsx net sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.vnet.rp_filter=1
}

ipsec_teardown() {
  local p s
  for p in "${BG_PIDS[@]:-}"; do [ -n "$p" ] && stop_pid "$p"; done
  BG_PIDS=()
  for s in "${!CHARON_PID[@]}"; do stop_pid "${CHARON_PID[$s]}"; done
  CHARON_PID=()
  for s in "$NS_DEV" "$NS_NET"; do
    if ip netns list 2>/dev/null | grep -qw "$s"; then
      for p in $(ip netns pids "$s" 2>/dev/null); do stop_pid "$p"; done
      ip netns del "$s" 2>/dev/null || true
    fi
  done
}

# ---- charon -------------------------------------------------------------------

# strongswan.conf of one side: only the plugins we need, fast retransmits
# (a failing test should fail in seconds), our own VICI socket and log.
ipsec_write_strongswan_conf() {
  local side=$1 d=$W/$1 kernel="kernel-netlink"
  # kernel-libipsec must come before kernel-netlink: the first kernel-ipsec plugin wins.
  [ "$IPSEC_BACKEND" = libipsec ] && kernel="kernel-libipsec kernel-netlink"
  mkdir -p "$d/run" "$d/swanctl"/{conf.d,x509,x509ca,private,ecdsa,pubkey}
  cat > "$d/strongswan.conf" <<EOF
charon {
  load_modular = no
  # x509 before openssl: openssl's certificate parser ignores certificate
  # policies, which the SeGW checks (cert_policy) for distress credentials.
  load = random nonce x509 openssl pem pkcs1 pkcs8 pubkey constraints kdf sha2 hmac aes gcm $kernel socket-default vici
  install_virtual_ip = yes
  retransmit_tries = 2
  retransmit_timeout = 1.0
  plugins {
    vici {
      socket = unix://$d/charon.vici
    }
  }
  filelog {
    charonlog {
      path = $d/charon.log
      time_format = %T
      append = no
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
}
swanctl {
  load = pem pkcs1 pkcs8 x509 openssl random nonce pubkey constraints
}
pki {
  load = random nonce x509 openssl pem pkcs1 pkcs8 pubkey
}
EOF
}

# The host's swanctl as the test's inspection tool; on the dev side it talks
# to the DCF's charon, whose socket the caller names in DEV_VICI.
swctl() {   # side, swanctl command (first), options...
  local side=$1 cmd=$2 uri; shift 2
  uri=unix://$W/$side/charon.vici
  [ "$side" = dev ] && uri=unix://$DEV_VICI
  STRONGSWAN_CONF=$W/$side/strongswan.conf SWANCTL_DIR=$W/$side/swanctl \
    swanctl "$cmd" --uri "$uri" "$@"
}

ipsec_start_charon() {
  local side=$1 d=$W/$1 i
  nsbg "$side" sh -c "mount --bind '$d/run' /run && exec env STRONGSWAN_CONF='$d/strongswan.conf' $CHARON" \
    > "$d/charon.stdout" 2>&1 &
  CHARON_PID[$side]=$!
  for i in $(seq 200); do
    if [ -S "$d/charon.vici" ] && swctl "$side" --stats >/dev/null 2>&1; then return 0; fi
    kill -0 "${CHARON_PID[$side]}" 2>/dev/null || { tail -20 "$d/charon.stdout" "$d/charon.log" 2>/dev/null; return 1; }
    sleep 0.025
  done
  echo "charon ($side): VICI socket not ready" >&2
  return 1
}

# (Re)load one side's swanctl.conf and credentials, replacing what was loaded.
ipsec_load() {
  swctl "$1" --load-all --clear --noprompt > "$W/$1/load.out" 2>&1 || { cat "$W/$1/load.out" >&2; return 1; }
}

# Drop every IKE SA of one side (and so, by its DELETE, the peer's).
ipsec_terminate_all() {
  local side=$1 ike
  for ike in $(swctl "$side" --list-sas --raw 2>/dev/null | grep -o 'uniqueid=[0-9]*' | cut -d= -f2 | sort -u); do
    swctl "$side" --terminate --ike-id "$ike" --timeout 3 >/dev/null 2>&1 || true
  done
}

# ---- IKE credentials (cert variant) -------------------------------------------

pki_() { STRONGSWAN_CONF=$W/net/strongswan.conf pki "$@" 2>>"$W/pki.log"; }

# An IKE key and a certificate for identity $2, signed by CA ($3 cert, $4 key),
# into $1.{key,pem}; $5 = "policy" adds the distress certificate policy.
ipsec_issue() {
  local out=$1 id=$2 cacert=$3 cakey=$4 policy=${5:-}
  local extra=()
  [ "$policy" = policy ] && extra=(--cert-policy "$DISTRESS_POLICY")
  pki_ --gen --type ecdsa --size 256 --outform pem > "$out.key"
  pki_ --pub --in "$out.key" --type ecdsa |
    pki_ --issue --lifetime 2 --cacert "$cacert" --cakey "$cakey" --type pub \
      --dn "O=mayday test, CN=$id" --san "$id" --flag clientAuth --flag serverAuth \
      "${extra[@]}" --outform pem > "$out.pem"
}

# A self-signed CA into $1.{key,pem}; $3 = "policy" lists the distress policy.
ipsec_ca() {
  local out=$1 cn=$2 policy=${3:-}
  local extra=()
  [ "$policy" = policy ] && extra=(--cert-policy "$DISTRESS_POLICY")
  pki_ --gen --type ecdsa --size 256 --outform pem > "$out.key"
  pki_ --self --ca --lifetime 2 --in "$out.key" --type ecdsa --dn "O=mayday test, CN=$cn" \
    "${extra[@]}" --outform pem > "$out.pem"
}

# ---- swanctl.conf of both sides -------------------------------------------------

# The SeGW: one connection for distress tunnels. Any identity the credentials
# admit (PSK: a secret for exactly that identity; certificates: issued by
# the distress CA and carrying the distress policy) gets a virtual IP and a
# CHILD_SA whose local traffic selector is the distress endpoint only:
# maydayd's address, UDP, its port. Nothing else of the operator network is
# reachable through it.
ipsec_write_segw_conf() {   # auth: psk|pubkey
  local auth=$1 local_extra="" remote_extra=""
  if [ "$auth" = pubkey ]; then
    local_extra="certs = segw.pem"
    remote_extra="cacerts = distress-ca.pem
      cert_policy = $DISTRESS_POLICY"
  fi
  cat > "$W/net/swanctl/swanctl.conf" <<EOF
connections {
  distress {
    version = 2
    local_addrs = $OUT_NET
    proposals = aes128gcm16-prfsha256-ecp256
    pools = distress-pool
    # one tunnel per identity: a rebooted device replaces its stale IKE SA
    unique = replace
    dpd_delay = 30s
    local {
      auth = $auth
      id = $SEGW_ID
      $local_extra
    }
    remote {
      auth = $auth
      id = %any
      $remote_extra
    }
    children {
      distress {
        local_ts = $HEMS_INNER/32[udp/$HEMS_PORT]
        esp_proposals = aes128gcm16
      }
    }
  }
}
pools {
  distress-pool {
    addrs = $POOL
  }
}
EOF
}

# The device: the distress connection to the SeGW, never started by charon
# itself (start_action = none): the DCF initiates it over VICI when secure
# start-up failed. It asks for a virtual IP. Its remote_ts asks for the whole
# inner network on purpose: a device in distress is not to be trusted, and
# the test shows the SeGW narrows what it gets to the distress endpoint.
ipsec_write_device_conf() {   # auth: psk|pubkey, id
  local auth=$1 id=$2 local_extra=""
  [ "$auth" = pubkey ] && local_extra="certs = device.pem"
  cat > "$W/dev/swanctl/swanctl.conf" <<EOF
connections {
  distress {
    version = 2
    local_addrs = $OUT_DEV
    remote_addrs = $OUT_NET
    proposals = aes128gcm16-prfsha256-ecp256
    vips = 0.0.0.0
    keyingtries = 1
    local {
      auth = $auth
      id = $id
      $local_extra
    }
    remote {
      auth = $auth
      id = $SEGW_ID
    }
    children {
      distress {
        remote_ts = 10.99.0.0/16
        esp_proposals = aes128gcm16
        start_action = none
      }
    }
  }
}
EOF
}

# A PSK secret section appended to one side's swanctl.conf. On the SeGW it
# names the device identity only: strongSwan picks the best-matching secret,
# and one that also named the SeGW's own identity would match that half for
# ANY peer identity, admitting identities that have no secret of their own.
ipsec_write_psk() {   # side, device id, secret
  local owners="id-device = $2"
  [ "$1" = dev ] && owners="$owners
    id-segw = $SEGW_ID"
  cat >> "$W/$1/swanctl/swanctl.conf" <<EOF
secrets {
  ike-$2 {
    $owners
    secret = "$3"
  }
}
EOF
}
