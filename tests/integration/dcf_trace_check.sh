#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# dcf_trace_check.sh TRACE ALLOWED_PREFIX...
#
# Checks a trace of the DCF, written by
#   strace -f -y -qq -s 4096 -o TRACE -e trace=open,openat,openat2,execve,execveat,mmap <command>
# and asserts that every file the traced processes opened (or tried to
# open), executed or mapped lies under one of the ALLOWED_PREFIXes (e.g.
# the DCF partition and the RoT partition). Always allowed: /dev/ and
# /proc/self/ (and /proc/<pid>/ of a traced process), the memfd the TrE
# executes the DCF from ("/memfd:..."), sockets, pipes and anonymous
# mappings, and opening with O_DIRECTORY a directory on the way to an
# allowed place (the device directory, as a handle to reach its
# partitions: a directory cannot be executed or mapped, and whatever is
# opened through it is checked by its own path). A failed attempt counts like a successful one: a DCF that
# looks for /etc/ld.so.cache or /usr/lib/ssl/openssl.cnf is a DCF that
# would read them if they were there.
#
# When the trace starts with the TrE (mayday-boot), only what happens after
# the TrE hands over (the first execveat/execve of a memfd, i.e. fexecve of
# the measured copy) is the DCF's: set DCF_TRACE_AFTER_EXEC=1.
#
# Exit 0 when clean, 1 with every offending line on stderr, 2 on usage or
# an empty or unreadable trace (a check that saw nothing proves nothing).
set -u

[ $# -ge 2 ] || { echo "usage: $0 TRACE ALLOWED_PREFIX..." >&2; exit 2; }
trace=$1
shift
[ -s "$trace" ] || { echo "$0: $trace: no trace" >&2; exit 2; }

allowed=
for p in "$@"; do
	case $p in
	/*) ;;
	*) echo "$0: allowed prefix must be absolute: $p" >&2; exit 2 ;;
	esac
	allowed="$allowed${allowed:+ }${p%/}/"
done

awk -v allowed="$allowed" -v after_exec="${DCF_TRACE_AFTER_EXEC:-0}" '
function ok(path,   i, n, a) {
	if (path == "" ) return 1
	if (path ~ /^\/dev\// || path ~ /^\/proc\/self\// || path ~ /^\/proc\/[0-9]+\/(fd|fdinfo)\//)
		return 1
	if (path ~ /^\/memfd:/ || path ~ /^(socket|pipe|anon_inode):/ || path ~ /^(UNIX|TCP|UDP|NETLINK|TCPv6|UDPv6)[-:]/)
		return 1
	n = split(allowed, a, " ")
	for (i = 1; i <= n; i++)
		if (index(path "/", a[i]) == 1) return 1
	return 0
}
# A directory that holds an allowed place (opened to reach it).
function on_the_way(path,   i, n, a) {
	if (path == "") return 0
	n = split(allowed, a, " ")
	for (i = 1; i <= n; i++)
		if (index(a[i], path "/") == 1) return 1
	return 0
}
# The first quoted string argument of an open/exec call, unescaped enough
# for comparison (strace quotes with C escapes; paths here are plain).
function first_path(line,   s) {
	if (!match(line, /\("[^"]*"/) && !match(line, /, "[^"]*"/))
		return ""
	s = substr(line, RSTART, RLENGTH)
	sub(/^[(, ]*"/, "", s)
	sub(/"$/, "", s)
	return s
}
# The path strace -y printed after a file descriptor: fd<path>.
function fd_path(s) {
	if (!match(s, /[0-9]+<[^>]*>/)) return ""
	s = substr(s, RSTART, RLENGTH)
	sub(/^[0-9]+</, "", s)
	sub(/>$/, "", s)
	return s
}
function check(path, line) {
	if (ok(path)) return 0
	if (line ~ /O_DIRECTORY/ && line !~ /^[0-9]* *mmap\(/ && on_the_way(path)) return 0
	print "outside the allowed places (" path "): " line > "/dev/stderr"
	bad++
	return 1
}
{
	seen++
	line = $0
	if (line ~ /\+\+\+ (exited|killed)/ || line ~ /--- SIG/)
		next
	if (after_exec == 1 && !handed_over) {
		if (line ~ /execveat\(/ && line ~ /memfd:/ && line ~ /= 0$/) handed_over = 1
		else if (line ~ /execve\("\/(proc\/self|dev)\/fd\// && line ~ /= 0$/) handed_over = 1
		next
	}
	call = line
	sub(/^[0-9]+ +/, "", call)
	if (call !~ /^(open|openat|openat2|execve|execveat|mmap)\(/)
		next
	checked++
	if (call ~ /^mmap\(/) {
		# mmap(addr, len, prot, flags, fd<path>, off): only file mappings
		split(call, arg, ", ")
		check(fd_path(arg[5]), line)
		next
	}
	# The path asked for, made absolute against the directory fd
	# (AT_FDCWD<cwd> or dirfd<dir>) when it is relative.
	p = first_path(call)
	if (p != "" && p !~ /^\//) {
		split(call, arg, ", ")
		dir = fd_path(arg[1])
		p = dir "/" p
	}
	if (check(p, line)) next
	# What was actually opened (symbolic links resolved): = fd<path>.
	if (match(call, /= [0-9]+<[^>]*>$/))
		check(fd_path(substr(call, RSTART + 2)), line)
}
END {
	if (seen == 0) { print "empty trace" > "/dev/stderr"; exit 2 }
	if (after_exec == 1 && !handed_over) { print "the trace never reaches the DCF (no exec of the measured copy)" > "/dev/stderr"; exit 2 }
	if (checked == 0) { print "no call of the DCF in the trace" > "/dev/stderr"; exit 2 }
	if (bad > 0) { printf "%d access(es) outside the allowed places\n", bad > "/dev/stderr"; exit 1 }
	printf "%d traced calls, all inside the allowed places\n", checked
	exit 0
}' "$trace"
