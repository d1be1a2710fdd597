#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# usage: normal_links.sh MAYDAY_NORMAL
# Normal code links no DCF code (issue 11): no function of device/dcf
# (dcf_*, and the DCF's transports and credential loader tx_*) is defined
# in mayday-normal, so it cannot act for the DCF. The shared pieces live in
# libmayday and the device libraries both may use (device/cpe, device/net).
set -u
bin=${1:?usage: $0 MAYDAY_NORMAL}
syms=$(nm --defined-only "$bin") || { echo "nm failed on $bin" >&2; exit 1; }
[ -n "$syms" ] || { echo "$bin: no symbols (stripped?): nothing checked" >&2; exit 1; }
bad=$(printf '%s\n' "$syms" | awk '$3 ~ /^(dcf_|tx_)/ { print $3 }')
if [ -n "$bad" ]; then
	echo "mayday-normal defines DCF code:" >&2
	printf '%s\n' "$bad" >&2
	exit 1
fi
echo "mayday-normal: $(printf '%s\n' "$syms" | wc -l) symbols, none of the DCF's"
