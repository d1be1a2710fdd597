/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF's own configuration: dcf.conf in the DCF partition (INI, signed
 * with the partition by the vendor key, so the TrE has verified it before
 * the DCF starts; it is still parsed as hostile input).
 *
 *   [dcf]   version = 0.1.0 ; product_class = femto-a ; max_image_size = 268435456
 *   [hems]  methods = tls, plain-udp   (ordered, comma-separated, each at most once)
 *   [tls]   url = https://127.0.0.1:7443/v1/distress ; ca = operator-ca.pem ;
 *           cert = dcf-cert.pem ; server_name = hems.mayday.test ; pin_sha256 = HEX
 *   [http]  url = http://127.0.0.1:7080/v1/distress
 *   [udp]   endpoint = 127.0.0.1:7701   (numeric IPv4, or [IPv6]:port)
 *   [psk]   endpoint = 127.0.0.1:7702
 *   [ipsec] vici = /run/charon.vici ; child = distress ; endpoint = 10.9.0.1:7701 ;
 *           initiate_timeout_ms = 5000 ; daemon = partition (instead of vici) ;
 *           plugins = nonce openssl ... ; swanctl_plugins = pem x509 openssl
 *   [retry] initial_ms = 200 ; max_ms = 300000 ; attempt_timeout_ms = 500 ;
 *           deadline_ms = 0 (none) ; attempts_per_method = 4 ; reannounce_s = 0 ;
 *           reannounce_max = 24 ; wait_max_s = 3600
 *   [cwmp]  remediation = on ; ca = operator-ca.pem ; cert = dcf-cert.pem ;
 *           pin_sha256 = HEX ; timeout_ms = 10000 ; download_timeout_ms = 600000 ;
 *           boot_tries = 3      (ca and cert default to [tls]'s)
 *
 * docs/dcf.conf.example documents every key. Strict: unknown sections or
 * keys, duplicate keys, missing required keys, values out of their bounds,
 * lines longer than DCF_CONFIG_LINE_MAX and NUL bytes are all rejected. A
 * method is accepted only if this build has its transport (tx/dcf_tx.h) and
 * its section holds what that transport needs; sections of methods that are
 * not listed are checked but unused.
 */
#ifndef MAYDAY_DCF_CONFIG_H
#define MAYDAY_DCF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"

struct hal_flash;

#define DCF_CONFIG_NAME      "dcf.conf"
#define DCF_CONFIG_MAX       16384 /* bytes of dcf.conf (its commented example is over 8 KiB) */
#define DCF_CONFIG_LINE_MAX  160   /* characters per line, without the newline */
#define DCF_METHODS_MAX      5     /* every method of TR 33.820 §7.12.3, once each */
#define DCF_METHOD_NAME_MAX  15
#define DCF_HOST_MAX         45    /* textual IPv6 address */
#define DCF_HOSTNAME_MAX     253   /* DNS name (RFC 1035), or an address */
#define DCF_URL_PATH_MAX     128
#define DCF_VICI_PATH_MAX    107   /* sun_path of a Unix socket, without the NUL */
#define DCF_CHILD_MAX        64    /* strongSwan CHILD_SA name */
#define DCF_PLUGINS_MAX      255   /* [ipsec] plugins / swanctl_plugins, bytes */

/* Bounds of the numeric values (inclusive). */
#define DCF_MAX_IMAGE_SIZE_MAX  (UINT64_C(1) << 40)
#define DCF_INITIAL_MS_MIN      1u
#define DCF_INITIAL_MS_MAX      60000u
#define DCF_MAX_MS_MAX          3600000u
#define DCF_ATTEMPT_MS_MIN      10u
#define DCF_ATTEMPT_MS_MAX      60000u
#define DCF_DEADLINE_MS_MIN     10u
#define DCF_DEADLINE_MS_MAX     86400000u  /* one day; 0 is also allowed: no deadline */
#define DCF_WAIT_MAX_S_MAX      86400u     /* one day */
#define DCF_ATTEMPTS_MIN        1u
#define DCF_ATTEMPTS_MAX        100u
#define DCF_REANNOUNCE_S_MAX    86400u     /* one day */
#define DCF_REANNOUNCE_MAX_MAX  1000u
#define DCF_INITIATE_MS_MIN     100u
#define DCF_INITIATE_MS_MAX     60000u
#define DCF_CWMP_MS_MIN         100u
#define DCF_CWMP_MS_MAX         600000u    /* ten minutes per CWMP request */
#define DCF_DOWNLOAD_MS_MIN     1000u
#define DCF_DOWNLOAD_MS_MAX     86400000u  /* one day for a whole download */
#define DCF_BOOT_TRIES_MAX      16u        /* BOOT_STATE_TRIES_MAX */

struct dcf_endpoint {
	char host[DCF_HOST_MAX + 1];   /* numeric address, without brackets */
	uint16_t port;
	int set;                       /* 1 when configured */
};

/* An http:// or https:// URL, as parsed by net_url_parse and then
 * restricted: no user, password, query or fragment. */
struct dcf_url {
	char host[DCF_HOSTNAME_MAX + 1]; /* DNS name or numeric address (IPv6 without brackets) */
	int host_is_ip;                  /* 1 for an IPv4 or IPv6 address */
	int host_is_ip6;
	uint16_t port;                   /* explicit, or the scheme's default */
	char path[DCF_URL_PATH_MAX + 1]; /* starts with '/' */
	int set;
};

struct dcf_config {
	char version[MAYDAY_VERSION_STR_MAX + 1];
	char product_class[MAYDAY_CLASS_MAX + 1];
	uint64_t max_image_size;
	uint32_t claims;                 /* enum mayday_claims ([dcf] claims = mayday1 | eat):
					  * the message version the DCF signs; default
					  * mayday1 (version 1), which every receiver takes */
	unsigned n_methods;
	char methods[DCF_METHODS_MAX][DCF_METHOD_NAME_MAX + 1]; /* in the order to try */

	struct dcf_url tls_url;
	char tls_ca[MAYDAY_NAME_MAX + 1];       /* file in the DCF partition; "" if unset */
	char tls_cert[MAYDAY_NAME_MAX + 1];     /* file in the DCF partition; "" if unset */
	char tls_server_name[DCF_HOSTNAME_MAX + 1]; /* "" : the URL's host */
	int tls_pin_set;
	uint8_t tls_pin_sha256[MAYDAY_DIGEST_LEN];  /* SHA-256 of the server's SPKI (DER) */

	struct dcf_url http_url;
	struct dcf_endpoint udp_endpoint;
	struct dcf_endpoint psk_endpoint;

	char ipsec_vici[DCF_VICI_PATH_MAX + 1]; /* absolute path of charon's VICI socket */
	char ipsec_child[DCF_CHILD_MAX + 1];    /* CHILD_SA to initiate; default "distress" */
	struct dcf_endpoint ipsec_endpoint;     /* the H(e)MS, reached through the tunnel */
	uint32_t ipsec_initiate_timeout_ms;
	/* daemon = partition: the DCF starts the IKE daemon of its own partition
	 * (device/dcf/ipsec_daemon.h) and ipsec_vici is where that daemon's
	 * socket is, filled in by the DCF when it starts it; the plugin lists
	 * are the names (space-separated, [a-z0-9-]) that charon and swanctl
	 * load, in strongswan.conf's order, which the DCF preloads from the
	 * partition. Without it, ipsec_vici names a daemon already running. */
	int ipsec_daemon_partition;
	char ipsec_plugins[DCF_PLUGINS_MAX + 1];
	char ipsec_swanctl_plugins[DCF_PLUGINS_MAX + 1];

	uint32_t initial_ms;
	uint32_t max_ms;
	uint32_t attempt_timeout_ms;
	uint32_t deadline_ms;          /* 0: none, keep trying while powered */
	uint32_t attempts_per_method;  /* failed attempts (unanswered, rejected) per method */
	uint32_t reannounce_s;         /* 0: no re-announcement after an ack */
	uint32_t reannounce_max;       /* re-announcements per run (0: none) */
	uint32_t wait_max_s;           /* longest "wait" of an ack the DCF honours */

	/* Remediation (DESIGN §7): the CWMP session and download an
	 * authenticated REMEDIATE ack asks for. cwmp_ca / cwmp_cert are files of
	 * the DCF partition, [tls]'s when not given (with [tls]'s pin when the
	 * CA is [tls]'s and [cwmp] has no pin of its own); remediation is possible
	 * only when cwmp_enabled (remediation = on and both files named). */
	int cwmp_enabled;
	char cwmp_ca[MAYDAY_NAME_MAX + 1];
	char cwmp_cert[MAYDAY_NAME_MAX + 1];
	int cwmp_pin_set;
	uint8_t cwmp_pin_sha256[MAYDAY_DIGEST_LEN];
	uint32_t cwmp_timeout_ms;      /* per CWMP request */
	uint32_t download_timeout_ms;  /* the whole bundle download */
	uint32_t boot_tries;           /* start-ups of a new image before it is given up */
};

/* Why a configuration was rejected: `what` is static text, `key` names the
 * offending "section.key" (or is empty). */
struct dcf_config_error {
	const char *what;
	char key[64];
};

/* Parse `len` bytes of INI text into *cfg (filled by value; nothing to free).
 * MAYDAY_E_INVALID (with *err filled) on any rejection, MAYDAY_E_TOOBIG if the
 * text exceeds DCF_CONFIG_MAX. *cfg is unspecified on error. */
MAYDAY_NODISCARD enum mayday_err dcf_config_parse(const char *text, size_t len,
						  struct dcf_config *cfg,
						  struct dcf_config_error *err);

/* Read DCF_CONFIG_NAME from the DCF partition and parse it. */
MAYDAY_NODISCARD enum mayday_err dcf_config_load(struct hal_flash *flash, struct dcf_config *cfg,
						 struct dcf_config_error *err);

#endif
