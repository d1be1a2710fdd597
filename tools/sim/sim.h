/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-sim internals. A run has three phases:
 *   1. fleet: N device keys made in memory, enrolled into the store (or not,
 *      for "unknown device" runs), and every indication of the run signed
 *      in advance on all cores (sim_fleet.c);
 *   2. the timed phase: a window of outstanding indications over one UDP
 *      socket, identical retransmission on timeout, acks matched by
 *      (device, counter) on receipt (sim_run.c);
 *   3. checks after the clock stopped: every ack's ES256 signature against
 *      the H(e)MS public key, percentiles, the acked list (sim_report.c).
 * Signing before and verifying after the timed phase keeps the load
 * generator's own crypto from competing with the server it measures.
 */
#ifndef MAYDAY_SIM_H
#define MAYDAY_SIM_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "mayday/ack_batch.h"
#include "mayday/indication.h"
#include "mayday/psk.h"

/* Bytes kept per ack for the check after the run: a batch acknowledgement
 * (docs/protocol.md §7.2) of a 1024-leaf tree with the sim's short device
 * IDs and no kid is about 510 bytes. */
#define SIM_ACK_SLOT 640

/* Storm mode's hard bounds: whatever the options say, a storm stays a
 * bounded load on loopback. */
#define SIM_NODES_MAX          8
#define SIM_STORM_DEVICES_MAX  1000000u
#define SIM_STORM_DISTRESS_MAX 200000u
#define SIM_STORM_RAMP_MAX     3600.0   /* s over which the distressed power on */
#define SIM_STORM_BOUND_MAX    7200.0   /* s from the first power-on to the end */
#define SIM_STORM_SOCKETS_MAX  64u      /* per node */

struct sim_device {
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	EVP_PKEY *key;
	X509 *cert;             /* TLS method: issued by the operator CA, CN = id */
};

struct sim_msg {
	uint8_t *buf;           /* signed indication (into the fleet's arena) */
	uint32_t len;
	uint32_t dev;           /* index into the fleet */
	uint64_t counter;
};

struct sim_result {
	uint64_t first_ns, last_ns, ack_ns;
	uint16_t tries;
	uint8_t sent, acked, lost;  /* lost: given up; a late ack still counts as acked */
	uint32_t status;        /* enum mayday_ack_status */
	uint64_t incident;
	uint16_t ack_len;       /* 0: ack too big to keep, verified on receipt */
	uint8_t ack_ok;         /* signature checked (after the run) */
};

struct sim_fleet {
	struct sim_device *dev;
	uint32_t n_dev;
	struct sim_msg *msg;
	size_t n_msg;
	uint8_t *arena;
	size_t arena_len;
	struct mayday_psk_keys *psk;   /* PSK method: one per device, wiped on free */
	uint8_t *sealed;               /* PSK method: sealed copies msg[].buf points into */
	uint32_t transport;            /* the claim in every indication (0: plain UDP) */
	uint32_t claims;               /* enum mayday_claims: the message version signed */
	uint32_t ack_forms;            /* the indications' ack_forms claim (MAYDAY_ACK_FORM_*) */
	char prefix[32];
};

struct sim_opts {
	struct sockaddr_storage server;
	socklen_t server_len;
	const char *db;
	const char *hems_pub;
	const char *acked_path;
	const char *mode;
	const char *method;     /* udp|tls|http|psk|sqlite */
	const char *ca_cert, *ca_key;
	const char *psk_kek;    /* psk: the KEK the store seals PSKs under (maydayd's psk_kek) */
	uint32_t conns;         /* tls/http: concurrent connections (one thread each) */
	uint32_t per_conn;      /* http: requests per connection (keep-alive); tls: 1 */
	bool baseline;          /* tls/http: any 200 counts, no ack expected (nginx) */
	uint32_t devices;
	size_t count;
	double duration;
	uint32_t window;
	uint32_t timeout_ms;
	uint32_t retries;
	uint32_t threads;
	uint32_t linger_ms;
	bool enrol;
	char prefix[32];
	/* storm mode (sim_storm.c): `devices` enrolled, `distressed` of them
	 * powering on over `duration` s; every node of servers[] gets an equal
	 * share of them; the storm ends by `bound` s after it began. */
	uint32_t distressed;
	double bound;
	uint32_t initial_ms, max_ms, wait_max_s;   /* the DCF's [retry] */
	uint32_t sockets;                          /* per node */
	uint64_t seed;
	struct sockaddr_storage servers[SIM_NODES_MAX];
	socklen_t server_lens[SIM_NODES_MAX];
	uint32_t n_servers;
};

/* Fleet: keys, enrolment, pre-signed messages (`count` of them, spread
 * round-robin over the devices, counters from 1; `time_delta` is added to
 * every claim's time, so a second set with the same counters differs). */
int sim_fleet_make(struct sim_fleet *f, const struct sim_opts *o);
int sim_fleet_enrol(const struct sim_fleet *f, const char *db);
int sim_fleet_sign(struct sim_fleet *f, size_t count, uint64_t time_delta, uint32_t threads);
void sim_fleet_free(struct sim_fleet *f);
/* The message index an ack (device, counter) belongs to, or -1. */
long sim_fleet_lookup(const struct sim_fleet *f, const char *device_id, uint64_t counter);

/* Windowed run over msgs[0..n). Fills res[]; acks kept in ack_arena
 * (n * SIM_ACK_SLOT bytes). Returns elapsed seconds of the timed phase. */
double sim_run(const struct sim_opts *o, const struct sim_fleet *f, struct sim_result *res,
	       uint8_t *ack_arena);

/* Sends each datagram once, then listens linger_ms; counts acks by status.
 * `acked_ids` (may be NULL) receives "device counter status" lines. */
struct sim_blast {
	size_t sent, acks, stored, unverified, rejected, bad_acks;
};
int sim_blast(const struct sim_opts *o, uint8_t *const *dgram, const size_t *len, size_t n,
	      EVP_PKEY *hems, struct sim_blast *out, FILE *acked_ids);

/* UDP socket connected to the server. */
int sim_socket(const struct sim_opts *o);
uint64_t sim_now_ns(void);

/* Verifies every kept ack; returns how many failed. */
size_t sim_verify_acks(const struct sim_fleet *f, struct sim_result *res, const uint8_t *arena,
		       EVP_PKEY *hems);
void sim_report(const struct sim_opts *o, const struct sim_fleet *f,
		const struct sim_result *res, double elapsed, size_t bad_acks);
int sim_write_acked(const char *path, const struct sim_fleet *f, const struct sim_result *res);

/* Records the ack `buf` of message m received at `now` (claims decoded,
 * bytes kept for sim_verify_acks). Returns 0, or -1 if it is not m's. */
int sim_record_ack(const struct sim_fleet *f, struct sim_result *res, uint8_t *arena, size_t m,
		   const uint8_t *buf, size_t len, uint64_t now);

/* TLS/HTTP: certificates for every device (sim_pki.c); the run: `conns`
 * threads, each one blocking connection at a time (sim_http.c). */
int sim_pki_issue(struct sim_fleet *f, const char *ca_cert, const char *ca_key);
struct sim_tally {
	size_t done, lost;      /* baseline: requests answered 200, given up */
};
double sim_http_run(const struct sim_opts *o, const struct sim_fleet *f, struct sim_result *res,
		    uint8_t *ack_arena, struct sim_tally *tally);

/* PSK: a key per device, enrolled; every signed message sealed; the run:
 * one socket and one outstanding indication per device (sim_psk.c). */
int sim_psk_prepare(struct sim_fleet *f, const char *db, const char *kek, bool enrol);
double sim_psk_run(const struct sim_opts *o, const struct sim_fleet *f, struct sim_result *res,
		   uint8_t *ack_arena);

/* Storm (sim_storm_fleet.c, sim_storm.c): o->devices keys made on
 * o->threads threads and enrolled in one transaction per 10,000 (SQLite;
 * through store_enrol one by one for any other store); the first
 * o->distressed devices are f's devices and keep their keys, the others
 * are enrolled only. The run (docs/performance.md, "Storm"): each
 * distressed device powers on at a random moment of the ramp and then
 * behaves as mayday-dcf over plain UDP; afterwards every acknowledged
 * indication is looked up in the store. Exit status as main's. */
int sim_storm_fleet(struct sim_fleet *f, const struct sim_opts *o);
/* The storm's bulk enrolment into a PostgreSQL store (sim_storm_pg.c, built
 * with the PostgreSQL backend): n devices "PREFIX-NNNNNN", public key PEM i
 * at pem + i * pem_slot. 0 or -1 (reported). */
int sim_storm_enrol_pg(const char *uri, const char *prefix, const char *pem, size_t pem_slot,
		       uint32_t n);
int sim_storm(const struct sim_opts *o, struct sim_fleet *f, EVP_PKEY *hems);
/* Against the store after the run: counts per device of f (signed rows
 * under counter 1 whose payload digest is the one sent). */
struct sim_storm_check {
	size_t stored_once, missing, duplicates, mismatched, unverified, stored_unacked;
};
int sim_storm_check(const char *db, const struct sim_fleet *f, const struct sim_result *res,
		    struct sim_storm_check *out);

/* The SQLite ceiling: rows like maydayd's in batches (sim_sqlite.c). */
int sim_sqlite_ceiling(const char *path, size_t rows, uint32_t batch, double duration);

#endif
