/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayd's configuration file (INI, parsed with inih). Documented with
 * every key, default and bound in docs/maydayd.conf.example.
 *
 * Strict: unknown sections or keys, duplicate keys, missing required keys
 * ([server] db, hems_key), values out of bounds, lines longer than
 * SRV_CONFIG_LINE_MAX and NUL bytes are rejected with the line number; a
 * listener without what it needs ([https] cert/key/ca, [ipsec] vici, [psk]
 * needs [server] psk_kek) or no
 * listener at all is rejected after parsing. The caller owns the struct;
 * nothing is global.
 *
 * One listener per distress method, each on when its `listen` has an
 * address: [udp] (plain UDP; on by default at 127.0.0.1:7701), [http]
 * (plain HTTP), [https] (TLS 1.3 with client certificates), [psk] (sealed
 * UDP datagrams), [ipsec] (UDP on the SeGW's inner side). "none" turns a
 * listener off.
 *
 * [silence] default and class.NAME (one key per product class, at most
 * SRV_SILENCE_CLASSES_MAX) say how long a device may stay silent before it
 * is unreachable (srv_silence.h).
 *
 * [events] (srv_events.h): webhook_1..webhook_4 (http:// URLs; needs
 * secret_file, the HMAC key, a secret file like the others), syslog = yes
 * logs every event once, retry_min_ms/retry_max_ms bound the backoff.
 *
 * [ves] (srv_events.h, srv_ves.h): collector (an http:// URL ending in
 * /eventListener/v7) gets the outbox's faults as VES 7.2 events; batch > 1
 * posts up to that many at once to its /eventBatch; username and
 * password_file (a secret file) add HTTP Basic authentication;
 * reporting_entity names maydayd in them (default: the host name).
 * [api] (srv_api_listen.h): the operators' API on a UNIX socket (on by
 * default at SRV_API_SOCKET_DEFAULT, "off" turns it off) and on a TCP
 * management listener (off unless listen is given), which needs tls_cert
 * and tls_key on an address other than loopback.
 *
 * [admin] listen is the metrics endpoint (srv_admin.h): off unless given,
 * and refused on an address other than loopback (127.0.0.0/8, ::1) unless
 * allow_non_loopback = yes says the operator means it.
 */
#ifndef MAYDAY_SRV_CONFIG_H
#define MAYDAY_SRV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mayday/error.h"
#include "mayday/limits.h"
#include "srv_ike.h"

#define SRV_CONFIG_MAX        65536  /* bytes of the file */
#define SRV_CONFIG_LINE_MAX   190    /* inih's line buffer is 200 */
#define SRV_CONFIG_VALUE_MAX  160
#define SRV_ADDR_TEXT_MAX     64     /* "[IPv6]:port" */

#define SRV_USER_MAX      32         /* a login name, as useradd allows */
#define SRV_WORKERS_MAX   64
#define SRV_HTTP_THREADS_MAX 16   /* [server] http_threads, at most */
#define SRV_QUEUE_MIN     64
#define SRV_QUEUE_MAX     65536
#define SRV_BATCH_MAX     1000
#define SRV_RCVBUF_MAX    (64u << 20)
#define SRV_RATE_MAX      1000000u   /* per second */
#define SRV_SOURCES_MAX   (1u << 20)
#define SRV_HTTP_TIMEOUT_MAX 3600    /* seconds */
#define SRV_HTTP_CONNS_MAX   65536
#define SRV_HTTP_HEADER_MIN  1024
#define SRV_HTTP_HEADER_MAX  65536
#define SRV_HTTP_DEADLINE_MIN_MS 100      /* request and handshake deadlines */
#define SRV_HTTP_DEADLINE_MAX_MS 3600000
#define SRV_IKE_TTL_MAX      60000   /* ms */
#define SRV_ACS_IN_FLIGHT_MAX 65536
#define SRV_ACS_WINDOW_MIN    60        /* seconds */
#define SRV_ACS_WINDOW_MAX    604800    /* a week */
#define SRV_ACS_ATTEMPTS_MAX  100
#define SRV_ACS_PAUSE_MAX     1000      /* pause_after_failures */
/* [silence]: three periodic Informs of an hour (TR-069's usual
 * PeriodicInformInterval) missed make a device unreachable. */
#define SRV_SILENCE_DEFAULT     10800u
#define SRV_SILENCE_MAX         31536000u  /* a year */
#define SRV_SILENCE_CLASSES_MAX 16u        /* = STORE_SILENCE_CLASSES_MAX */
#define SRV_SILENCE_CLASS_PREFIX "class."
#define SRV_FLEET_DEVICES_MAX   10000000u  /* [fleet] N */
#define SRV_ACS_WAIT_MAX       86400   /* a day */
#define SRV_EVENTS_WEBHOOKS_MAX 4      /* [events] webhook_1 .. webhook_4 */
#define SRV_EVENTS_RETRY_MIN_MS 10
#define SRV_EVENTS_RETRY_MAX_MS 3600000  /* an hour */
#define SRV_VES_BATCH_MAX       100    /* [ves] batch */
#define SRV_VES_NAME_MAX        64     /* [ves] username, reporting_entity */
#define SRV_API_SOCKET_DEFAULT "/run/mayday/maydayd.sock"
#define SRV_API_SOCKET_MAX     107         /* sun_path less its NUL */
#define SRV_API_BUNDLE_MIN     1024u
#define SRV_API_BUNDLE_MAX     (1u << 30)  /* 1 GiB */

/* A listener's address; len 0 when the listener is off. */
struct srv_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[SRV_ADDR_TEXT_MAX + 1];         /* as configured; "" when off */
};

struct srv_config {
	/* [server] */
	char db[SRV_CONFIG_VALUE_MAX + 1];        /* store spec, e.g. sqlite:/var/lib/mayday/hems.db */
	char hems_key[SRV_CONFIG_VALUE_MAX + 1];  /* PEM P-256 private key signing the acks */
	char psk_kek[SRV_CONFIG_VALUE_MAX + 1];   /* KEK sealing PSKs in the store; needed by [psk] */
	unsigned workers;                         /* verify/ack threads, 1..64, default 2 */
	unsigned http_threads;                    /* event-loop threads per HTTP(S) listener,
						     1..SRV_HTTP_THREADS_MAX, default: online
						     CPUs (at most that) */
	unsigned queue;                           /* datagram slots in flight, default 2048 */
	unsigned batch;                           /* rows per transaction, 1..1000, default 256 */
	char ack_batch[4];                        /* [ack] batch: "on" (default): batch acks
						   * (docs/protocol.md §7.2) for devices that
						   * ask; "off": one signature per ack */
	char user[SRV_USER_MAX + 1];              /* started as root: become this user; "" stay */
	char log[SRV_CONFIG_VALUE_MAX + 1];       /* stderr, syslog or /path; "" = stderr in the
						     foreground, syslog when detached */
	/* [udp] */
	struct srv_addr udp_listen;               /* default 127.0.0.1:7701; port 0 = ephemeral */
	unsigned rcvbuf;                          /* SO_RCVBUF bytes of every UDP listener, default 4 MiB */
	/* [http] */
	struct srv_addr http_listen;              /* default off */
	/* [https] */
	struct srv_addr https_listen;             /* default off */
	char https_cert[SRV_CONFIG_VALUE_MAX + 1];  /* PEM server certificate (chain) */
	char https_key[SRV_CONFIG_VALUE_MAX + 1];   /* PEM private key of the certificate */
	char https_ca[SRV_CONFIG_VALUE_MAX + 1];    /* PEM operator CA: devices' client certificates */
	char https_crl[SRV_CONFIG_VALUE_MAX + 1];   /* PEM CRL of that CA; "" none; re-read on reload */
	/* [psk] */
	struct srv_addr psk_listen;               /* default off */
	/* [ipsec] */
	struct srv_addr ipsec_listen;             /* default off; an inner address behind the SeGW */
	char ipsec_vici[SRV_CONFIG_VALUE_MAX + 1];  /* the SeGW charon's VICI socket, absolute */
	char ipsec_conn[SRV_IKE_CONN_MAX + 1]; /* only IKE SAs of this connection; "" any */
	unsigned ipsec_timeout_ms;                /* per VICI lookup, default 1000 */
	unsigned ipsec_identity_ttl_ms;           /* cached inner address -> identity, default 1000 */
	/* [acs] remediation (issue 4): on when url is set; needs [https] */
	char acs_url[SRV_CONFIG_VALUE_MAX + 1];     /* https://HOST:PORT/cwmp, what acks advertise */
	char acs_policy[SRV_CONFIG_VALUE_MAX + 1];  /* "auto" (default) or "approve" */
	unsigned acs_max_in_flight;               /* downloads in progress at once, default 16 */
	unsigned acs_download_window;             /* s an attempt counts as in flight, default 3600 */
	unsigned acs_max_attempts;                /* failed attempts before remediation_failed, default 3 */
	unsigned acs_pause_after_failures;        /* failures in a row pausing a class; 0 off, default 5 */
	unsigned acs_wait_s;                      /* "wait" acks: announce again after s, default 300 */
	char acs_bundle_dir[SRV_CONFIG_VALUE_MAX + 1]; /* golden bundles <product_class>.bundle */
	char acs_vendor_key[SRV_CONFIG_VALUE_MAX + 1]; /* PEM public key the bundles must verify
							* under; "" none (bundles unchecked) */
	unsigned acs_http_auth;                   /* 1: CPEs without a client certificate may
	                                             log in by HTTP Digest/Basic; default 0 */
	/* [limits] */
	unsigned max_datagram;                    /* 1..MAYDAY_INDICATION_MAX, default MAYDAY_INDICATION_MAX */
	unsigned unverified_per_source;           /* unverified rows stored per second per source IP */
	unsigned unverified_per_source_burst;
	unsigned unverified_global;               /* ... from all sources together */
	unsigned unverified_global_burst;
	unsigned sources;                         /* source IPs tracked by the limiter */
	unsigned http_timeout;                    /* seconds a connection may idle or take, default 10 */
	unsigned http_connections;                /* open HTTP(S) connections per listener, default 1024 */
	unsigned http_header_max;                 /* bytes of request line and headers, default 8192 */
	unsigned http_request_timeout_ms;         /* a request's headers and body from its first byte, default 5000 */
	unsigned tls_handshake_timeout_ms;        /* accept to the first request byte over TLS, default 5000 */
	unsigned http_connections_per_source;     /* open connections per source IP and listener, default 256 */
	unsigned bad_signature_burst;             /* failed verifications of a device or source before the guard, default 5 */
	unsigned bad_signature_rate;              /* ... regained per second, default 1 */
	unsigned bad_signature_probes;            /* verifications per second of a failing device from new sources, default 10 */
	/* [admin] */
	struct srv_addr admin_listen;             /* GET /metrics; default off */
	char admin_allow_non_loopback[4];         /* "yes" or "no" (default) */
	/* [api] (srv_api_listen.h) */
	char api_socket[SRV_API_SOCKET_MAX + 1];  /* absolute path; "" off ("off"/"none") */
	bool api_socket_given;                    /* set in the file, not the default */
	char api_socket_role[16];                 /* viewer, operator (default) or admin */
	struct srv_addr api_listen;               /* the management listener; default off */
	char api_tls_cert[SRV_CONFIG_VALUE_MAX + 1];  /* PEM; "" plain HTTP (loopback only) */
	char api_tls_key[SRV_CONFIG_VALUE_MAX + 1];
	char api_client_ca[SRV_CONFIG_VALUE_MAX + 1]; /* PEM CA of operator certificates; "" none */
	unsigned api_bundle_max;                  /* bytes of a bundle upload, default 64 MiB */
	unsigned api_timeout;                     /* s a connection may live, default 60 */
	unsigned api_connections;                 /* open connections per listener, default 32 */
	/* [silence] (srv_silence.h): seconds without authenticated contact
	 * before a device is unreachable; 0 never */
	unsigned silence_default;                 /* every class not listed, default 10800 */
	unsigned silence_n_classes;               /* class.NAME keys given */
	struct {
		char product_class[MAYDAY_CLASS_MAX + 1];
		unsigned interval;
	} silence_classes[SRV_SILENCE_CLASSES_MAX];
	/* [events] (srv_events.h): the outbox's consumers; off unless given */
	char events_webhook[SRV_EVENTS_WEBHOOKS_MAX][SRV_CONFIG_VALUE_MAX + 1]; /* "" none */
	char events_secret_file[SRV_CONFIG_VALUE_MAX + 1]; /* HMAC-SHA256 key, 0600 */
	char events_syslog[4];                    /* "yes" or "no" (default) */
	unsigned events_retry_min_ms;             /* first retry after, default 500 */
	unsigned events_retry_max_ms;             /* backoff doubles up to, default 60000 */
	/* [ves] (srv_ves.h): faults to a VES collector; off unless collector is
	 * given. Retries as [events] says. */
	char ves_collector[SRV_CONFIG_VALUE_MAX + 1]; /* http://HOST:PORT/.../eventListener/v7 */
	unsigned ves_batch;                       /* events per POST, 1..100, default 1 */
	char ves_username[SRV_VES_NAME_MAX + 1];  /* HTTP Basic; "" none */
	char ves_password_file[SRV_CONFIG_VALUE_MAX + 1]; /* its password, a secret file */
	char ves_reporting_entity[SRV_VES_NAME_MAX + 1]; /* "" = the host name */
	/* [fleet] (srv_fleet.h): class.NAME = N/T [pause], the fleet anomaly
	 * rule of a product class; none by default */
	unsigned fleet_n_classes;
	struct {
		char product_class[MAYDAY_CLASS_MAX + 1];
		unsigned devices;                 /* N: 1..SRV_FLEET_DEVICES_MAX */
		unsigned window;                  /* T seconds: 1..SRV_SILENCE_MAX */
		bool pause;                       /* pause the class's remediation */
	} fleet_classes[SRV_SILENCE_CLASSES_MAX];
};

/* Defaults for everything optional; db and hems_key empty. */
void srv_config_defaults(struct srv_config *cfg);

/* Parse INI text (NUL-terminated, len bytes before the NUL). On error,
 * MAYDAY_E_INVALID and a message ("line N: ...") in err. */
MAYDAY_NODISCARD enum mayday_err srv_config_parse(const char *text, size_t len,
						  struct srv_config *cfg, char *err,
						  size_t err_cap);
/* Read (at most SRV_CONFIG_MAX bytes) and parse a file. */
MAYDAY_NODISCARD enum mayday_err srv_config_load(const char *path, struct srv_config *cfg,
						 char *err, size_t err_cap);

/* Numeric "IPv4:port" or "[IPv6]:port" into a sockaddr. ("none" is the
 * config file's business, not this function's.) */
MAYDAY_NODISCARD enum mayday_err srv_config_parse_addr(const char *text,
						       struct sockaddr_storage *ss,
						       socklen_t *len);

#endif
