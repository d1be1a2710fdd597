#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prints a loopback port (udp or tcp) that no socket uses right now, below
# the kernel's ephemeral range (ip_local_port_range) so that no outgoing
# connection of a test running alongside takes it before our daemon binds it.
# Tests running side by side each pick ports before their daemons bind them,
# so every port handed out is remembered for 10 minutes (under a lock) and
# not handed out again meanwhile.
set -euo pipefail
proto=${1:-udp}
ledger=${TMPDIR:-/tmp}/mayday-free-ports
exec 9>>"$ledger.lock"
flock 9
touch "$ledger"
now=$(date +%s)
# keep only entries younger than 10 minutes
awk -v now="$now" '$2 > now - 600' "$ledger" > "$ledger.new" && mv "$ledger.new" "$ledger"
lo=10000
hi=$(awk '{print $1 - 1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32767)
[ "$hi" -gt $((lo + 1000)) ] || { lo=20000; hi=59999; }
for _ in $(seq 100); do
  p=$(( (RANDOM * 32768 + RANDOM) % (hi - lo + 1) + lo ))
  grep -q "^$p " "$ledger" && continue
  ss -H -an --"$proto" "sport = :$p" | grep -q . && continue
  echo "$p $now" >> "$ledger"
  echo "$p"
  exit 0
done
echo "free-port: no free $proto port found" >&2
exit 1
