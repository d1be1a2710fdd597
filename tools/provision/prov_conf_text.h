/* SPDX-License-Identifier: Apache-2.0 */
/* The text of a device's dcf.conf, composed from command-line values and
 * checked with the DCF's own parser before anything is written. */
#ifndef MAYDAY_PROV_CONF_TEXT_H
#define MAYDAY_PROV_CONF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/limits.h"

/* DCF partition files that dcf.conf's [tls] section names. */
#define PROV_DCF_CA_NAME   "operator-ca.pem"  /* trust anchor for the H(e)MS server */
#define PROV_DCF_CERT_NAME "dcf-cert.pem"     /* the device's client certificate */

/* What goes into dcf.conf. Strings are borrowed command-line values; NULL
 * leaves the key (or the whole section) out. */
struct prov_conf {
	const char *device_id;        /* named in the header comment */
	const char *version;          /* [dcf] version */
	const char *product_class;
	uint64_t max_image_size;
	/* [hems] methods; NULL: every method given an endpoint, in the order
	 * tls, ipsec, psk, plain-udp, plain-http. */
	const char *methods;
	const char *tls_url;
	const char *tls_server_name;
	const uint8_t *tls_pin;       /* MAYDAY_DIGEST_LEN bytes, or NULL */
	const char *http_url;
	const char *udp;              /* ADDRESS:PORT */
	const char *psk;
	const char *ipsec_endpoint;
	const char *ipsec_vici;
	const char *ipsec_child;
	/* The DCF partition's own IKE daemon (prov_ipsec.h): daemon = partition
	 * and these plugin lists, instead of ipsec_vici. */
	const char *ipsec_plugins;
	const char *ipsec_swanctl_plugins;
};

/* Compose the text into out (cap bytes; DCF_CONFIG_MAX is enough). 1 if the
 * DCF accepts it; otherwise 0, with the reason logged once (naming the
 * offending option where one is to blame). */
int prov_conf_text_build(const struct prov_conf *c, char *out, size_t cap, size_t *len);

#endif
