#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs a command so that the programs cross-built for ARCH start under
# qemu-user when anything executes them -- the test scripts, and the TrE's
# fexecve of the measured DCF, which no CTest emulator setting reaches.
#
# The kernel hands a foreign ELF to qemu only through binfmt_misc. This does
# not depend on the machine's binfmt_misc (often not mounted in a container,
# and changing it would change every process's view): the command runs in a
# user and mount namespace of its own, with a binfmt_misc instance of its own
# (Linux >= 6.7 mounts one per user namespace), where Debian's qemu entry
# (/usr/lib/binfmt.d/qemu-ARCH.conf, from qemu-user-static) is registered.
# Only this command and its children see it. Where that is not possible, the
# machine's own registration is used if qemu-ARCH is registered and enabled
# there (systemd-binfmt with qemu-user-static); otherwise this fails, saying so.
# Dynamically linked programs (mayday-normal, the tests) load the target's
# multiarch glibc (libc6:ARCH) from / -- no QEMU_LD_PREFIX: the cross
# toolchain's own copy in /usr/TRIPLET hangs threaded programs under qemu
# (cmake/toolchain-debian-cross.cmake).
# usage: scripts/cross-run.sh ARCH COMMAND [ARG...]
set -euo pipefail
arch=${1:?usage: cross-run.sh ARCH COMMAND [ARG...]}
shift
case "$arch" in
  arm64) qarch=aarch64 ;;
  armhf) qarch=arm ;;
  *) echo "cross-run: unknown architecture '$arch' (arm64 or armhf)" >&2; exit 2 ;;
esac
conf=/usr/lib/binfmt.d/qemu-$qarch.conf
[ -r "$conf" ] || { echo "cross-run: $conf missing (scripts/deps.sh cross $arch)" >&2; exit 2; }
unset QEMU_LD_PREFIX

if [ "${MAYDAY_CROSS_RUN_INSIDE:-}" = "$arch" ]; then
  # In the new namespaces: a binfmt_misc of our own, qemu registered in it.
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  cat "$conf" > /proc/sys/fs/binfmt_misc/register
  unset MAYDAY_CROSS_RUN_INSIDE
  exec "$@"
fi

# Can this kernel give a user namespace its own binfmt_misc?
if unshare --user --map-root-user --mount \
     sh -c 'mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc' 2>/dev/null; then
  MAYDAY_CROSS_RUN_INSIDE=$arch exec unshare --user --map-root-user --mount "$0" "$arch" "$@"
fi
if [ "$(cat "/proc/sys/fs/binfmt_misc/qemu-$qarch" 2>/dev/null | head -1)" = enabled ]; then
  echo "cross-run: using the machine's binfmt_misc entry qemu-$qarch" >&2
  exec "$@"
fi
echo "cross-run: cannot run $arch programs: this kernel gives no user namespace its own" \
     "binfmt_misc (Linux >= 6.7 does), and the machine has no qemu-$qarch entry registered" \
     "(install qemu-user-static where systemd-binfmt or binfmt-support registers it)" >&2
exit 2
