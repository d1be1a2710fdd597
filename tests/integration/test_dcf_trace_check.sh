#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# dcf_trace_check.sh on synthetic traces (what strace -f -y -qq writes), so
# the checker the per-method trace tests rely on is itself shown to fail
# when it must: a host library opened or mapped by the DCF, a normal-code
# slot, /etc, a trace that never reaches the DCF; and to pass a clean one
# (the TrE's own accesses before the hand-over, the device directory opened
# to reach its partitions, sockets and anonymous mappings).
set -u
check=$(dirname "$0")/dcf_trace_check.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/mayday-trcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
d=/dev-under-test/hnb
allowed="$d/dcf $d/rot $d/run $d/state"

# expect NAME STATUS: runs the checker on $work/NAME.trace with DCF_TRACE_AFTER_EXEC=1
expect() {
	DCF_TRACE_AFTER_EXEC=1 "$check" "$work/$1.trace" $allowed >"$work/$1.out" 2>&1
	rc=$?
	if [ "$rc" != "$2" ]; then
		echo "FAIL: $1: exit $rc, expected $2"; cat "$work/$1.out"; failed=1
	else
		echo "ok: $1 (exit $rc)"
	fi
}

# The TrE (before the hand-over) may open what it likes; the DCF only its places.
tre='100 execve("/usr/sbin/mayday-boot", ["mayday-boot"], 0x7ffd /* 3 vars */) = 0
100 openat(AT_FDCWD</>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
100 openat(AT_FDCWD</>, "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-linux-gnu/libcrypto.so.3>
100 openat(4</dev-under-test/hnb>, "slot_a", O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_DIRECTORY) = 6</dev-under-test/hnb/slot_a>
100 execveat(9</memfd:mayday-dcf>(deleted), "", ["mayday-dcf"], 0x7ffd /* 3 vars */, AT_EMPTY_PATH) = 0'
clean="$tre
100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f4bc00a6000
100 openat(AT_FDCWD</tmp>, \"$d\", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 3<$d>
100 openat(3<$d>, \"dcf\", O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_DIRECTORY) = 4<$d/dcf>
100 openat(4<$d/dcf>, \"dcf.conf\", O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC) = 11<$d/dcf/dcf.conf>
100 openat(AT_FDCWD</tmp>, \"$d/rot/counters\", O_RDONLY) = 5<$d/rot/counters>
100 openat(3<$d>, \"state/.tmp-100-1-dcf_attempt.bin\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 7<$d/state/.tmp-100-1-dcf_attempt.bin>
100 openat(AT_FDCWD</tmp>, \"/dev/urandom\", O_RDONLY) = 8</dev/urandom>
100 mmap(NULL, 4096, PROT_READ, MAP_SHARED, 11<$d/dcf/dcf.conf>, 0) = 0x7f4bc00a7000
101 openat(AT_FDCWD</tmp>, \"/proc/self/status\", O_RDONLY) = 9</proc/self/status>
100 --- SIGCHLD {si_signo=SIGCHLD} ---
100 +++ exited with 10 +++"
printf '%s\n' "$clean" > "$work/clean.trace"
expect clean 0

# A shared library from the host, opened or only mapped, after the hand-over.
printf '%s\n%s\n' "$clean" '100 openat(AT_FDCWD</tmp>, "/lib/x86_64-linux-gnu/libcurl.so.4", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0>' > "$work/hostlib.trace"
expect hostlib 1
printf '%s\n%s\n' "$clean" '100 mmap(NULL, 4748720, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/x86_64-linux-gnu/libcrypto.so.3>, 0) = 0x7f46' > "$work/hostmap.trace"
expect hostmap 1
# A failed look-up counts: a DCF that looks for openssl.cnf would read it.
printf '%s\n%s\n' "$clean" '100 openat(AT_FDCWD</tmp>, "/usr/lib/ssl/openssl.cnf", O_RDONLY) = -1 ENOENT (No such file or directory)' > "$work/cnf.trace"
expect cnf 1
# The normal code's slot, by relative name through the device directory,
# and a directory that is not on the way to an allowed place.
printf '%s\n%s\n' "$clean" "100 openat(3<$d>, \"slot_b/manifest.cose\", O_RDONLY) = 6<$d/slot_b/manifest.cose>" > "$work/slot.trace"
expect slot 1
printf '%s\n%s\n' "$clean" "100 openat(3<$d>, \"slot_a\", O_RDONLY|O_DIRECTORY) = 6<$d/slot_a>" > "$work/slotdir.trace"
expect slotdir 1
# A symbolic link inside an allowed place that leads out of it.
printf '%s\n%s\n' "$clean" "100 openat(4<$d/dcf>, \"ca.pem\", O_RDONLY) = 6</etc/ssl/certs/ca.pem>" > "$work/link.trace"
expect link 1
# A second program executed from the host by the DCF.
printf '%s\n%s\n' "$clean" '101 execve("/usr/sbin/charon", ["charon"], 0x7ffd /* 3 vars */) = 0' > "$work/exec.trace"
expect exec 1
# Never handed over: nothing of the DCF was seen (exit 2, proves nothing).
printf '%s\n' "$tre" | sed '$d' > "$work/nohandover.trace"
expect nohandover 2
: > "$work/empty.trace"
expect empty 2
# Without DCF_TRACE_AFTER_EXEC the TrE's own accesses count.
"$check" "$work/clean.trace" $allowed >/dev/null 2>&1
[ $? = 1 ] || { echo "FAIL: the whole trace (TrE included) passed"; failed=1; }
exit $failed
