/*
 * maydayd's configuration file (INI, parsed with inih). Documented with
 * every key, default and bound in docs/maydayd.conf.example.
 *
 * Strict: unknown sections or keys, duplicate keys, missing required keys
 * ([server] db, hems_key), values out of bounds, lines longer than
 * SRV_CONFIG_LINE_MAX and NUL bytes are rejected with the line number.
 * The caller owns the struct; nothing is global.
 */
#ifndef MAYDAY_SRV_CONFIG_H
#define MAYDAY_SRV_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mayday/error.h"

#define SRV_CONFIG_MAX        65536  /* bytes of the file */
#define SRV_CONFIG_LINE_MAX   190    /* inih's line buffer is 200 */
#define SRV_CONFIG_VALUE_MAX  160
#define SRV_ADDR_TEXT_MAX     64     /* "[IPv6]:port" */

#define SRV_WORKERS_MAX   64
#define SRV_QUEUE_MIN     64
#define SRV_QUEUE_MAX     65536
#define SRV_BATCH_MAX     1000
#define SRV_RCVBUF_MAX    (64u << 20)
#define SRV_RATE_MAX      1000000u   /* per second */
#define SRV_SOURCES_MAX   (1u << 20)

struct srv_config {
	/* [server] */
	char db[SRV_CONFIG_VALUE_MAX + 1];        /* store spec, e.g. sqlite:/var/lib/mayday/hems.db */
	char hems_key[SRV_CONFIG_VALUE_MAX + 1];  /* PEM P-256 private key signing the acks */
	unsigned workers;                         /* verify/ack threads, 1..64, default 2 */
	unsigned queue;                           /* datagram slots in flight, default 2048 */
	unsigned batch;                           /* rows per transaction, 1..1000, default 256 */
	/* [udp] */
	struct sockaddr_storage udp_listen;       /* default 127.0.0.1:7701; port 0 = ephemeral */
	socklen_t udp_listen_len;
	char udp_listen_text[SRV_ADDR_TEXT_MAX + 1];
	unsigned rcvbuf;                          /* SO_RCVBUF bytes, default 4 MiB */
	/* [limits] */
	unsigned max_datagram;                    /* 1..MAYDAY_INDICATION_MAX, default MAYDAY_INDICATION_MAX */
	unsigned unverified_per_source;           /* unverified rows stored per second per source IP */
	unsigned unverified_per_source_burst;
	unsigned unverified_global;               /* ... from all sources together */
	unsigned unverified_global_burst;
	unsigned sources;                         /* source IPs tracked by the limiter */
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

/* Numeric "IPv4:port" or "[IPv6]:port" into a sockaddr. */
MAYDAY_NODISCARD enum mayday_err srv_config_parse_addr(const char *text,
						       struct sockaddr_storage *ss,
						       socklen_t *len);

#endif
