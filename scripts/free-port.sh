#!/usr/bin/env bash
# Prints a loopback port (udp or tcp) in 30000-49999 that nothing listens on right now.
# There is a window before the caller binds it; callers retry on a bind failure.
set -euo pipefail
proto=${1:-udp}
for _ in $(seq 50); do
  p=$(( (RANDOM % 20000) + 30000 ))
  if ! ss -H -ln --"$proto" "sport = :$p" | grep -q .; then echo "$p"; exit 0; fi
done
echo "free-port: no free $proto port found" >&2
exit 1
