/* SPDX-License-Identifier: Apache-2.0 */
/*
 * URL parsing (see net_url.h): left to right, scheme, authority, path; the
 * first thing that is not allowed ends it with its reason.
 */
#include "net_url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int net_url_hostname_ok(const char *name)
{
	size_t n = strlen(name), label = 0;

	if (n == 0 || n > NET_URL_HOST_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || name[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (c == '-' && label == 0)
			return 0;
		if (!isalnum((unsigned char)c) && c != '-')
			return 0;
		label++;
	}
	return 1;
}

/* Digits and dots only: meant as an IPv4 address (not a name), whatever
 * inet_pton made of it. */
static int looks_numeric(const char *host)
{
	return host[strspn(host, "0123456789.")] == '\0';
}

static const char *parse_host(struct net_url *u, const char *h, size_t n)
{
	unsigned char addr[16];

	if (n == 0)
		return "URL has no host";
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			return "host is not a plain IPv6 address";
		if (memchr(h, '%', n))
			return "URL must not have a query, fragment or zone ID";
		n -= 2;
		if (n > NET_URL_ADDR_MAX)
			return "host is not a plain IPv6 address";
		memcpy(u->host, h + 1, n);
		u->host[n] = '\0';
		if (inet_pton(AF_INET6, u->host, addr) != 1)
			return "host is not a plain IPv6 address";
		u->host_is_ip = u->host_is_ip6 = 1;
		return NULL;
	}
	if (n > NET_URL_HOST_MAX)
		return "host is neither an address nor a DNS name";
	memcpy(u->host, h, n);
	u->host[n] = '\0';
	if (inet_pton(AF_INET, u->host, addr) == 1) {
		u->host_is_ip = 1;
		return NULL;
	}
	if (looks_numeric(u->host) || !net_url_hostname_ok(u->host))
		return "host is neither an address nor a DNS name";
	return NULL;
}

static const char *parse_port(struct net_url *u, const char *p, size_t n)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return "URL port must be 1..65535";
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return "URL port must be 1..65535";
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return "URL port must be 1..65535";
	u->port = (uint16_t)v;
	return NULL;
}

const char *net_url_parse(const char *s, const char *scheme, struct net_url *u)
{
	const char *sep, *auth, *end, *colon, *why;
	size_t n = strnlen(s, NET_URL_MAX + 1);

	memset(u, 0, sizeof(*u));
	if (n > NET_URL_MAX)
		return "not a URL";
	sep = strstr(s, "://");
	if (!sep || sep == s)
		return "not a URL";
	for (const char *c = s; c < sep; c++)
		if (!isalpha((unsigned char)*c))
			return "not a URL";
	if ((size_t)(sep - s) == 5 && strncasecmp(s, "https", 5) == 0)
		u->https = 1;
	else if (!((size_t)(sep - s) == 4 && strncasecmp(s, "http", 4) == 0))
		u->https = -1;
	if (u->https < 0 || (scheme && (strcmp(scheme, "https") == 0) != u->https))
		return scheme && strcmp(scheme, "http") == 0 ? "URL scheme must be http"
							       : "URL scheme must be https";
	if (strpbrk(s, "?#"))
		return "URL must not have a query, fragment or zone ID";
	auth = sep + 3;
	end = auth + strcspn(auth, "/");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return "not a URL"; /* user information */
	colon = NULL;
	if (auth < end && auth[0] == '[') {
		const char *close = memchr(auth, ']', (size_t)(end - auth));
		if (!close)
			return "host is not a plain IPv6 address";
		if (close + 1 < end) {
			if (close[1] != ':')
				return "host is not a plain IPv6 address";
			colon = close + 1;
		}
	} else {
		colon = memchr(auth, ':', (size_t)(end - auth));
	}
	why = parse_host(u, auth, (size_t)((colon ? colon : end) - auth));
	if (why)
		return why;
	u->port = u->https ? 443 : 80;
	if (colon && (why = parse_port(u, colon + 1, (size_t)(end - colon - 1))) != NULL)
		return why;
	if (*end == '\0') {
		strcpy(u->path, "/");
		return NULL;
	}
	n = strlen(end);
	if (n > NET_URL_PATH_MAX)
		return "URL path must be 1..256 printable characters";
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)end[i]))
			return "URL path must be 1..256 printable characters";
	memcpy(u->path, end, n + 1);
	return NULL;
}

int net_url_format(char *out, size_t cap, const struct net_url *u)
{
	int n = snprintf(out, cap, "%s://%s%s%s:%u%s", u->https ? "https" : "http",
			 u->host_is_ip6 ? "[" : "", u->host, u->host_is_ip6 ? "]" : "",
			 (unsigned)u->port, u->path);

	return n >= 0 && (size_t)n < cap;
}
