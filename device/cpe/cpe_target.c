/* SPDX-License-Identifier: Apache-2.0 */
/* URL to address, by the rule of cpe_target.h: no lookups, only what is known. */
#include "cpe_target.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

const char *cpe_target_find(const char *url, const struct cpe_server *srv,
			    struct cpe_target *t)
{
	unsigned char a[16];
	const char *why;

	memset(t, 0, sizeof(*t));
	if (strncasecmp(url, "https://", 8) != 0)
		return "not an https:// URL";
	why = net_url_parse(url, "https", &t->url);
	if (why)
		return why;
	if (t->url.host_is_ip) {
		strcpy(t->addr, t->url.host); /* an address fits NET_URL_ADDR_MAX */
		return NULL;
	}
	if (!srv || !srv->name || !srv->name[0] || !srv->addr ||
	    strcasecmp(srv->name, t->url.host) != 0 || strlen(srv->addr) > NET_URL_ADDR_MAX ||
	    (inet_pton(AF_INET, srv->addr, a) != 1 && inet_pton(AF_INET6, srv->addr, a) != 1))
		return "names a host the device has no address for (it resolves no names)";
	strcpy(t->addr, srv->addr);
	return NULL;
}
