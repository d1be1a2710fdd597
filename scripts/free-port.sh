#!/usr/bin/env bash
# Prints a loopback port (udp or tcp) in 20000-59999 that nothing listens on
# right now. Tests running side by side each pick ports before their daemons
# bind them, so every port handed out is remembered for 10 minutes (under a
# lock) and not handed out again meanwhile.
set -euo pipefail
proto=${1:-udp}
ledger=${TMPDIR:-/tmp}/mayday-free-ports
exec 9>>"$ledger.lock"
flock 9
touch "$ledger"
now=$(date +%s)
# keep only entries younger than 10 minutes
awk -v now="$now" '$2 > now - 600' "$ledger" > "$ledger.new" && mv "$ledger.new" "$ledger"
for _ in $(seq 100); do
  p=$(( (RANDOM * 32768 + RANDOM) % 40000 + 20000 ))
  grep -q "^$p " "$ledger" && continue
  ss -H -ln --"$proto" "sport = :$p" | grep -q . && continue
  echo "$p $now" >> "$ledger"
  echo "$p"
  exit 0
done
echo "free-port: no free $proto port found" >&2
exit 1
