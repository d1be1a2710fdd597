/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the CPE connects for a URL it was given (the ACS URL of an
 * acknowledgement, the URL of a CWMP Download). The device resolves no
 * names (net_conn.h: the DCF is static and must not load NSS), so:
 *   - a URL whose host is an IP address is connected to that address, and
 *     the server's certificate must carry it as an iPAddress;
 *   - a URL whose host is a DNS name is accepted only when the name is the
 *     ACS's configured name (struct cpe_server; the DCF: dcf.conf [tls]
 *     server_name, the ACS sharing the H(e)MS's HTTPS listener), and is
 *     connected to the address configured with it; the certificate must
 *     carry the name (also sent as SNI);
 *   - any other name is refused, before anything is sent.
 * The URL itself must be https:// and pass net_url_parse.
 */
#ifndef MAYDAY_CPE_TARGET_H
#define MAYDAY_CPE_TARGET_H

#include "mayday/error.h"
#include "net_url.h"

/* The ACS as the device knows it; borrowed. */
struct cpe_server {
	const char *name;   /* DNS name URLs may use for it; NULL or "": none */
	const char *addr;   /* its numeric address; NULL: names are refused */
};

struct cpe_target {
	struct net_url url;                  /* host: the name or address verified */
	char addr[NET_URL_ADDR_MAX + 1];     /* the address connected to */
};

/* Maps `url` as above. NULL on success, else why not (static text):
 * "not an https:// URL", net_url_parse's reasons, or "names a host the
 * device has no address for (it resolves no names)". */
const char *cpe_target_find(const char *url, const struct cpe_server *srv,
			    struct cpe_target *t);

#endif
