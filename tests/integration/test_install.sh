#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `cmake --install` into a DESTDIR, as a package build does, then:
#   tree  list what landed; every program (executable, answering --version
#         from where it was installed), man page, example configuration, the
#         licence, the systemd unit and the sysusers.d entry are there; the
#         unit has the confinement the service relies on, and
#         systemd-sysusers makes a system user from the entry;
#   unit  systemd-analyze verify finds nothing to say about the installed
#         unit, and its security exposure stays at or below 2.0 ("OK").
#         Skipped (77) only when systemd-analyze cannot verify even a
#         trivial unit on this machine; `tree` checks the unit's text anyway.
#
# usage: test_install.sh tree|unit BUILD VERSION "SBIN..." "BIN..." "PAGE..."
set -uo pipefail
mode=$1 build=$2 version=$3 sbin=$4 bin=$5 pages=$6
prefix=/usr
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() { [ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }; exit 0; }

if ! DESTDIR=$root cmake --install "$build" --prefix $prefix >"$work/install.log" 2>&1; then
  cat "$work/install.log"
  echo "FAIL: cmake --install"
  exit 1
fi
unit=$root$prefix/lib/systemd/system/maydayd.service

if [ "$mode" = unit ]; then
  command -v systemd-analyze >/dev/null || {
    echo "SKIP: systemd-analyze is not installed (scripts/deps.sh installs systemd)"; exit 77; }
  # Can it verify at all here? A unit that cannot be wrong tells.
  printf '[Service]\nExecStart=/bin/true\n' >"$work/probe.service"
  if ! systemd-analyze verify "$work/probe.service" >"$work/probe.log" 2>&1; then
    echo "SKIP: systemd-analyze cannot verify units on this machine: $(head -c 300 "$work/probe.log")"
    exit 77
  fi
  # verify checks that ExecStart= names an executable and that every
  # Documentation=man: page exists: point both at the DESTDIR, and nothing
  # else in the unit changes.
  mkdir -p "$work/v"
  sed "s#^ExecStart=$prefix/#ExecStart=$root$prefix/#" "$unit" >"$work/v/maydayd.service"
  grep -q "^ExecStart=$root" "$work/v/maydayd.service" || fail "ExecStart is not under $prefix"
  MANPATH=$root$prefix/share/man systemd-analyze verify "$work/v/maydayd.service" >"$work/verify.log" 2>&1
  rc=$?
  if [ $rc -ne 0 ] || [ -s "$work/verify.log" ]; then
    fail "systemd-analyze verify (exit $rc): $(cat "$work/verify.log")"
  else
    echo "ok systemd-analyze verify: no complaint"
  fi
  systemd-analyze security --offline=yes --threshold=20 "$work/v/maydayd.service" >"$work/security.log" 2>&1
  rc=$?
  exposure=$(grep -o 'exposure level for maydayd.service: [0-9.]*' "$work/security.log")
  [ $rc -eq 0 ] || fail "systemd-analyze security: above 2.0 ($exposure)"
  echo "ok systemd-analyze security: $exposure"
  finish
fi

echo "landed in DESTDIR (prefix $prefix):"
(cd "$root" && find . \( -type f -o -type l \) -printf '  %m %p\n' | sort -k2)

for p in $sbin; do
  f=$root$prefix/sbin/$p
  [ -x "$f" ] || { fail "sbin/$p missing or not executable"; continue; }
  out=$("$f" --version 2>&1) || fail "installed $p --version failed: $out"
  [ "$out" = "$p mayday $version" ] || fail "installed $p --version printed '$out'"
done
for p in $bin; do
  f=$root$prefix/bin/$p
  [ -x "$f" ] || { fail "bin/$p missing or not executable"; continue; }
  out=$("$f" --version 2>&1) || fail "installed $p --version failed: $out"
  [ "$out" = "$p mayday $version" ] || fail "installed $p --version printed '$out'"
done
for page in $pages; do
  base=$(basename "$page")
  f=$root$prefix/share/man/man${base##*.}/$base
  [ -s "$f" ] || fail "man page $f missing"
done
doc=$root$prefix/share/doc/mayday
for f in examples/maydayd.conf.example examples/dcf.conf.example LICENSE README.md operations.md; do
  [ -s "$doc/$f" ] || fail "share/doc/mayday/$f missing"
done
grep -q "Apache License" "$doc/LICENSE" && grep -q "Version 2.0, January 2004" "$doc/LICENSE" ||
  fail "LICENSE is not the Apache License 2.0"
# Nothing into etc/: an operator's configuration is never overwritten.
[ ! -e "$root$prefix/etc" ] && [ ! -e "$root/etc" ] || fail "something was installed into etc/"

# The unit: the confinement the service relies on, line by line.
[ -s "$unit" ] || { fail "lib/systemd/system/maydayd.service missing"; finish; }
for want in \
  "Type=notify" \
  "ExecStart=$prefix/sbin/maydayd -c /etc/mayday/maydayd.conf -f" \
  "ExecReload=/bin/kill -HUP \$MAINPID" \
  "Restart=on-failure" \
  "User=mayday" "Group=mayday" "DynamicUser=no" \
  "StateDirectory=mayday" "RuntimeDirectory=mayday" "ConfigurationDirectory=mayday" \
  "UMask=0027" \
  "AmbientCapabilities=CAP_NET_BIND_SERVICE" "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" \
  "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
  "PrivateDevices=yes" "ProtectKernelTunables=yes" "ProtectKernelModules=yes" \
  "ProtectKernelLogs=yes" "ProtectControlGroups=yes" \
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "RestrictNamespaces=yes" \
  "LockPersonality=yes" "MemoryDenyWriteExecute=yes" "SystemCallFilter=@system-service"; do
  grep -qxF -- "$want" "$unit" || fail "maydayd.service lacks '$want'"
done
# No capability but the one, nowhere, and nothing that undoes the above.
caps=$(grep -E '^(Ambient|Capability)[A-Za-z]*=' "$unit" | sed 's/^[^=]*=//' | tr ' ' '\n' | sort -u)
[ "$caps" = CAP_NET_BIND_SERVICE ] || fail "capabilities other than CAP_NET_BIND_SERVICE: $caps"
grep -nE '^(User=root|PermissionsStartOnly|ReadWritePaths=/|Protect[A-Za-z]*=(no|false)|PrivateTmp=no|NoNewPrivileges=no)' "$unit" &&
  fail "maydayd.service loosens its confinement"
[ $(grep -c '^ExecStart=' "$unit") -eq 1 ] || fail "more than one ExecStart="
echo "ok maydayd.service: every required directive, CAP_NET_BIND_SERVICE only"

# The sysusers.d entry makes a system user with no login, its home the state directory.
sysusers=$root$prefix/lib/sysusers.d/mayday.conf
if [ ! -s "$sysusers" ]; then
  fail "lib/sysusers.d/mayday.conf missing"
elif command -v systemd-sysusers >/dev/null; then
  mkdir -p "$work/sys/etc"
  systemd-sysusers --root="$work/sys" "$sysusers" >"$work/sysusers.log" 2>&1 ||
    fail "systemd-sysusers: $(cat "$work/sysusers.log")"
  line=$(grep '^mayday:' "$work/sys/etc/passwd")
  IFS=: read -r _ _ uid gid _ home shell <<<"$line"
  [ -n "$line" ] && [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/mayday ] &&
    [ "$shell" = /usr/sbin/nologin ] && grep -q "^mayday:x:$gid:" "$work/sys/etc/group" ||
    fail "systemd-sysusers made '$line'"
  echo "ok sysusers.d: $line"
else
  fail "systemd-sysusers missing (scripts/deps.sh installs systemd)"
fi
finish
