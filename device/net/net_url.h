/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small strict parser for the URLs the device is given (dcf.conf's [tls]
 * and [http] urls, the ACS URL of an acknowledgement, the URL of a CWMP
 * Download): "scheme://host[:port][/path]", scheme http or https
 * (case-insensitive), host an IPv4 address, a bracketed IPv6 address or a
 * DNS name (letter-digit-hyphen labels, RFC 1035/1123), port 1..65535
 * (default 80 / 443), path printable ASCII starting with '/' ("/" when
 * absent). Refused: user information, a query, a fragment, an IPv6 zone ID,
 * percent-encoding in the host, anything else.
 *
 * Ours, not libcurl's URL API: the DCF links statically without libcurl
 * (issue 11). Fuzzed through dcf_config (tests/fuzz/fuzz_dcf_config.c).
 *
 * No name is ever resolved (net_conn.h). Where a URL names a host, the
 * device connects to an address it already knows for that name (see
 * docs/cwmp.md, "Download URLs").
 */
#ifndef MAYDAY_NET_URL_H
#define MAYDAY_NET_URL_H

#include <stddef.h>
#include <stdint.h>

#define NET_URL_MAX       512   /* whole URL */
#define NET_URL_HOST_MAX  253   /* DNS name, or an address */
#define NET_URL_ADDR_MAX  45    /* textual IPv6 address */
#define NET_URL_PATH_MAX  256

struct net_url {
	int https;                        /* 1: https, 0: http */
	char host[NET_URL_HOST_MAX + 1];  /* name or address, IPv6 without brackets */
	int host_is_ip;                   /* 1 for an IPv4 or IPv6 address */
	int host_is_ip6;
	uint16_t port;                    /* explicit, or the scheme's default */
	char path[NET_URL_PATH_MAX + 1];  /* starts with '/' */
};

/* Parses `s` into *u. `scheme`: "http" or "https" to require that one, NULL
 * for either. NULL on success, else why not (static text, one of: "not a
 * URL", "URL scheme must be https", "URL scheme must be http", "URL must
 * not have a query, fragment or zone ID", "URL has no host", "host is not
 * a plain IPv6 address", "host is neither an address nor a DNS name", "URL
 * port must be 1..65535", "URL path must be 1..256 printable characters"). */
const char *net_url_parse(const char *s, const char *scheme, struct net_url *u);

/* A DNS name in letter-digit-hyphen form (RFC 1035 §2.3.1, digits first
 * allowed as in RFC 1123): labels of 1..63, 1..253 bytes in all, no
 * trailing dot. Non-zero if `name` is one. */
int net_url_hostname_ok(const char *name);

/* "scheme://host:port/path", the host in brackets when it is IPv6. 0 if it
 * does not fit cap. */
int net_url_format(char *out, size_t cap, const struct net_url *u);

#endif
