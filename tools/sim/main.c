/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-sim: fleet simulator and load generator for maydayd.
 *
 *   mayday-sim --port P --hems-pub FILE --db sqlite:PATH [options]
 *
 * Modes (--mode):
 *   good       N devices send `count` signed indications within `duration`;
 *              prints stored indications/s, latency percentiles and "lost"
 *              (sent, never acked after all retries: must be 0). Exit 0 iff
 *              nothing was lost and every ack verified with the right status.
 *   replay     good, then the identical bytes again (expects the same acks),
 *              then different claims under the same counters (expects REJECTED).
 *   truncated  every strict prefix of one signed indication (expects no ack)
 *   oversized  a signed indication padded past MAYDAY_INDICATION_MAX (no ack)
 *   bitflip    one bit flipped in every byte of a signed indication; must
 *              never be acked as STORED (unverified records may be, by design)
 *   storm      --devices N enrolled (default 100,000), --distressed D of them
 *              (default 10%) power on in distress at random over --duration
 *              S (default 60) and each behaves as mayday-dcf over plain UDP
 *              (backoff with full jitter, signed busy answers honoured);
 *              ends when all are acknowledged or --bound S (default 600)
 *              passed; prints acknowledged/s, power-on-to-ack percentiles,
 *              retries per device, lost, and checks the store (--db) holds
 *              every acknowledged indication exactly once. --port may list
 *              up to 8 nodes (P1,P2,...): devices are spread over them.
 *              Loopback only; hard bounds in sim.h (SIM_STORM_*).
 * The devices are enrolled into --db first unless --no-enrol is given (then
 * good runs expect STORED_UNVERIFIED).
 *
 * Methods (--method; the modes above are for udp, the others run "good"):
 *   udp     signed indications as datagrams, a window of them outstanding
 *   tls     POST /v1/distress over a new mutual TLS 1.3 connection each, every
 *           device with its own certificate issued by --ca-cert/--ca-key
 *           (which also verifies the server's); --conns connections at once
 *   http    the same POST over plain HTTP; --per-conn N requests per
 *           keep-alive connection (default 1: a new connection each)
 *   psk     sealed datagrams (COSE_Encrypt0), a PSK enrolled per device
 *           (sealed in the store under --psk-kek, maydayd's psk_kek), one
 *           outstanding indication per device
 *   sqlite  no server: the batched SQLite insert ceiling into --db
 *           (--count rows, --batch rows per transaction, --duration)
 * --baseline (tls/http): the server is not maydayd (nginx answering 200):
 * the --count pre-signed bodies are sent round and round for --duration;
 * prints answered requests/s; nothing is enrolled, no ack is expected.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mayday/keys.h"
#include "mayday_version.h"
#include "sim.h"

/* To stdout when asked for (--help), else to stderr beside the error. */
static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-sim --port P --hems-pub FILE --db sqlite:PATH [options]\n"
		"       mayday-sim --help | --version\n"
		"  --host ADDR        server address (default 127.0.0.1; numeric)\n"
		"  --mode M           good|replay|truncated|oversized|bitflip|storm (default good)\n"
		"  --devices N        simulated devices (default 100)\n"
		"  --count N          indications to send at most (default 1000)\n"
		"  --duration S       stop sending new ones after S seconds (default 10)\n"
		"  --window W         outstanding indications, one per device at most (default 256)\n"
		"  --timeout-ms T     retransmit after T ms (default 500)\n"
		"  --retries R        retransmissions before 'lost' (default 10)\n"
		"  --threads T        signing threads before the run (default 2)\n"
		"  --linger-ms T      hostile modes: wait for acks (default 1000)\n"
		"  --prefix ID        device ID prefix (default sim<pid>)\n"
		"  --claims C         mayday1|eat: message version 1 or 2 (default mayday1)\n"
		"  --single-acks      do not ask for batch acks (no ack_forms claim), as a\n"
		"                     device that predates them (default: ask, as the DCF does)\n"
		"  --no-enrol         do not enrol the devices\n"
		"  --psk-kek FILE     psk: the KEK maydayd's psk_kek names (PSKs are sealed under it)\n"
		"  --acked FILE       write 'device,counter,status,incident' per acked indication\n"
		"  --method M         udp|tls|http|psk|sqlite (default udp)\n"
		"  --ca-cert F --ca-key F   tls: operator CA issuing device certificates\n"
		"  --conns N          tls/http: concurrent connections (default 32)\n"
		"  --per-conn N       http: requests per connection (default 1)\n"
		"  --baseline         tls/http: count any 200 (a server that is not maydayd)\n"
		"  --batch N          sqlite: rows per transaction (default 256)\n"
		"  storm mode (--mode storm; --port P[,P...] one port per node):\n"
		"  --distressed D     devices in distress (default devices / 10)\n"
		"  --bound S          end the storm S s after it began at the latest (default 600)\n"
		"  --initial-ms N --max-ms N --wait-max-s N   the DCF's [retry] (200, 300000, 3600);\n"
		"                     --timeout-ms is its attempt_timeout_ms (500)\n"
		"  --sockets N        UDP sockets (source ports) per node (default 16)\n"
		"  --seed N           the schedule's and the jitter's seed (default 1)\n");
}

static int parse_server(const char *host, const char *port, struct sim_opts *o)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&o->server;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&o->server;
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p == 0 || p > 65535)
		return -1;
	memset(&o->server, 0, sizeof(o->server));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		o->server_len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		o->server_len = sizeof(*a6);
	} else {
		return -1;
	}
	return 0;
}

/* "P" or "P1,P2,...": one address per port, all on `host`. */
static int parse_servers(const char *host, const char *ports, struct sim_opts *o)
{
	char buf[128], *save = NULL;
	if (strlen(ports) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", ports);
	o->n_servers = 0;
	for (char *p = strtok_r(buf, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		if (o->n_servers == SIM_NODES_MAX || parse_server(host, p, o) != 0)
			return -1;
		o->servers[o->n_servers] = o->server;
		o->server_lens[o->n_servers++] = o->server_len;
	}
	if (o->n_servers == 0)
		return -1;
	o->server = o->servers[0];
	o->server_len = o->server_lens[0];
	return 0;
}

/* The storm is a load on this machine's own daemon, never on a network. */
static int loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	return a->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

static size_t count_status(const struct sim_fleet *f, const struct sim_result *r, uint32_t st)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n_msg; i++)
		n += r[i].acked && r[i].ack_ok && r[i].status == st;
	return n;
}

/* One windowed run with the post-run checks; fills res. */
static int one_run(const struct sim_opts *o, struct sim_fleet *f, struct sim_result *res,
		   uint8_t *arena, EVP_PKEY *hems, size_t *lost, size_t *bad)
{
	double el;
	struct sim_tally tally;
	if (strcmp(o->method, "tls") == 0 || strcmp(o->method, "http") == 0)
		el = sim_http_run(o, f, res, arena, &tally);
	else if (strcmp(o->method, "psk") == 0)
		el = sim_psk_run(o, f, res, arena);
	else
		el = sim_run(o, f, res, arena);
	if (el < 0)
		return -1;
	*bad = sim_verify_acks(f, res, arena, hems);
	*lost = 0;
	for (size_t i = 0; i < f->n_msg; i++)
		*lost += res[i].sent && !res[i].acked;
	sim_report(o, f, res, el, *bad);
	return 0;
}

static int mode_good(const struct sim_opts *o, struct sim_fleet *f, EVP_PKEY *hems)
{
	size_t lost, bad;
	struct sim_result *res = calloc(f->n_msg, sizeof(*res));
	uint8_t *arena = malloc(f->n_msg * SIM_ACK_SLOT);
	int rc = 1;
	if (res == NULL || arena == NULL || one_run(o, f, res, arena, hems, &lost, &bad) != 0)
		goto out;
	uint32_t want = o->enrol ? MAYDAY_ACK_STORED : MAYDAY_ACK_STORED_UNVERIFIED;
	size_t acked = 0;
	for (size_t i = 0; i < f->n_msg; i++)
		acked += res[i].acked;
	size_t right = count_status(f, res, want);
	if (o->acked_path != NULL && sim_write_acked(o->acked_path, f, res) != 0)
		goto out;
	rc = (lost == 0 && bad == 0 && right == acked) ? 0 : 1;
	if (right != acked)
		printf("wrong_status=%zu\n", acked - right);
out:
	free(res);
	free(arena);
	return rc;
}

/* tls/http against another server: completed POSTs per second. */
static int mode_baseline(const struct sim_opts *o, struct sim_fleet *f)
{
	struct sim_tally t;
	double el = sim_http_run(o, f, NULL, NULL, &t);
	if (el >= 0)
		printf("method=%s baseline bodies=%zu answered_200=%zu lost=%zu elapsed=%.3f s "
		       "requests/s=%.1f\n", o->method, f->n_msg, t.done, t.lost, el,
		       el > 0 ? (double)t.done / el : 0.0);
	return el >= 0 && t.lost == 0 && t.done > 0 ? 0 : 1;
}

static int mode_replay(const struct sim_opts *o, struct sim_fleet *f, EVP_PKEY *hems)
{
	size_t lost1, bad1, lost2, bad2, lost3, bad3, same = 0, n = f->n_msg;
	struct sim_result *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));
	uint8_t *arena = malloc(n * SIM_ACK_SLOT);
	int rc = 1;
	if (a == NULL || b == NULL || arena == NULL)
		goto out;
	printf("phase 1: original indications\n");
	if (one_run(o, f, a, arena, hems, &lost1, &bad1) != 0)
		goto out;
	printf("phase 2: identical retransmissions\n");
	if (one_run(o, f, b, arena, hems, &lost2, &bad2) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		same += a[i].acked && b[i].acked && a[i].status == b[i].status &&
			a[i].incident == b[i].incident && b[i].ack_ok;
	printf("phase 3: different claims under the same counters\n");
	if (sim_fleet_sign(f, n, 1, o->threads) != 0 ||
	    one_run(o, f, b, arena, hems, &lost3, &bad3) != 0)
		goto out;
	size_t rejected = count_status(f, b, MAYDAY_ACK_REJECTED);
	size_t stored1 = count_status(f, a, o->enrol ? MAYDAY_ACK_STORED
						     : MAYDAY_ACK_STORED_UNVERIFIED);
	printf("replay: first_stored=%zu/%zu identical_same_ack=%zu/%zu conflicts_rejected=%zu/%zu\n",
	       stored1, n, same, n, rejected, n);
	rc = (stored1 == n && same == n && rejected == n && !lost1 && !lost2 && !lost3 &&
	      !bad1 && !bad2 && !bad3) ? 0 : 1;
out:
	free(a);
	free(b);
	free(arena);
	return rc;
}

static int mode_hostile(const struct sim_opts *o, struct sim_fleet *f, EVP_PKEY *hems)
{
	const struct sim_msg *m = &f->msg[0];
	static const size_t big[] = {MAYDAY_INDICATION_MAX + 1, MAYDAY_INDICATION_MAX + 100,
				     2 * MAYDAY_INDICATION_MAX, 65000};
	size_t n = 0, cap = m->len + 8;
	uint8_t **dg = calloc(cap, sizeof(*dg));
	size_t *len = calloc(cap, sizeof(*len));
	struct sim_blast r;
	int rc = 1;
	if (dg == NULL || len == NULL)
		goto out;
	if (strcmp(o->mode, "truncated") == 0) {
		for (size_t l = 0; l < m->len; l++) {
			dg[n] = m->buf;   /* a prefix: no copy needed */
			len[n++] = l;
		}
	} else if (strcmp(o->mode, "oversized") == 0) {
		for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
			if ((dg[n] = calloc(1, big[i])) == NULL)
				goto out;
			memcpy(dg[n], m->buf, m->len);
			len[n++] = big[i];
		}
	} else {
		for (size_t i = 0; i < m->len; i++) {
			if ((dg[n] = malloc(m->len)) == NULL)
				goto out;
			memcpy(dg[n], m->buf, m->len);
			dg[n][i] ^= (uint8_t)(1u << (i % 8));
			len[n++] = m->len;
		}
	}
	FILE *ids = o->acked_path ? fopen(o->acked_path, "w") : NULL;
	if (sim_blast(o, dg, len, n, hems, &r, ids) != 0) {
		if (ids)
			fclose(ids);
		goto out;
	}
	if (ids)
		fclose(ids);
	printf("mode=%s datagrams=%zu sent=%zu acks=%zu stored=%zu unverified=%zu rejected=%zu "
	       "bad_acks=%zu\n", o->mode, n, r.sent, r.acks, r.stored, r.unverified, r.rejected,
	       r.bad_acks);
	if (strcmp(o->mode, "bitflip") == 0)
		rc = (r.stored == 0 && r.bad_acks == 0) ? 0 : 1;
	else
		rc = r.acks == 0 ? 0 : 1;
out:
	if (strcmp(o->mode, "truncated") != 0)
		for (size_t i = 0; dg != NULL && i < n; i++)
			free(dg[i]);
	free(dg);
	free(len);
	return rc;
}

/* --mode storm: its own checks, fleet and run (sim_storm*.c). */
static int main_storm(struct sim_opts *o, const char *host, const char *port, bool devices_set,
		      bool duration_set, uint32_t claims, uint32_t ack_forms)
{
	struct sim_fleet f;
	EVP_PKEY *hems = NULL;
	int rc = 1;
	if (!devices_set)
		o->devices = 100000;
	if (!duration_set)
		o->duration = 60;
	if (o->distressed == 0)
		o->distressed = o->devices / 10 ? o->devices / 10 : 1;
	if (strcmp(o->method, "udp") != 0 || port == NULL || o->hems_pub == NULL ||
	    o->db == NULL || !o->enrol || o->devices == 0 ||
	    o->devices > SIM_STORM_DEVICES_MAX || o->distressed > o->devices ||
	    o->distressed > SIM_STORM_DISTRESS_MAX || !(o->duration >= 0) ||
	    o->duration > SIM_STORM_RAMP_MAX || !(o->bound > o->duration) ||
	    o->bound > SIM_STORM_BOUND_MAX || o->timeout_ms == 0 || o->timeout_ms > 60000 ||
	    o->initial_ms == 0 || o->max_ms < o->initial_ms || o->max_ms > 3600000 ||
	    o->wait_max_s == 0 || o->wait_max_s > 86400 || o->sockets == 0 ||
	    o->sockets > SIM_STORM_SOCKETS_MAX || o->prefix[0] == '\0' ||
	    parse_servers(host, port, o) != 0) {
		usage(stderr);
		return 2;
	}
	if (!loopback(&o->server)) {
		fprintf(stderr, "mayday-sim: storm: %s is not a loopback address\n", host);
		return 2;
	}
	if (mayday_key_load_public(o->hems_pub, &hems) != MAYDAY_OK) {
		fprintf(stderr, "mayday-sim: %s: not a P-256 public key\n", o->hems_pub);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	uint64_t t0 = sim_now_ns();
	if (sim_storm_fleet(&f, o) != 0)
		goto out;
	uint64_t t1 = sim_now_ns();
	f.claims = claims;
	f.ack_forms = ack_forms;
	f.transport = MAYDAY_TRANSPORT_PLAIN_UDP;
	if (sim_fleet_sign(&f, o->distressed, 0, o->threads) != 0)
		goto out;
	uint64_t t2 = sim_now_ns();
	fprintf(stderr, "mayday-sim: storm: %u devices made and enrolled in %.2f s, %zu "
		"indications signed in %.2f s\n", o->devices, (double)(t1 - t0) / 1e9, f.n_msg,
		(double)(t2 - t1) / 1e9);
	rc = sim_storm(o, &f, hems);
out:
	sim_fleet_free(&f);
	EVP_PKEY_free(hems);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'}, {"port", required_argument, NULL, 'p'},
		{"hems-pub", required_argument, NULL, 'k'}, {"db", required_argument, NULL, 'd'},
		{"mode", required_argument, NULL, 'm'}, {"devices", required_argument, NULL, 'n'},
		{"count", required_argument, NULL, 'c'}, {"duration", required_argument, NULL, 't'},
		{"window", required_argument, NULL, 'w'},
		{"timeout-ms", required_argument, NULL, 'T'},
		{"retries", required_argument, NULL, 'r'}, {"threads", required_argument, NULL, 'j'},
		{"linger-ms", required_argument, NULL, 'l'},
		{"prefix", required_argument, NULL, 'P'}, {"no-enrol", no_argument, NULL, 'N'},
		{"acked", required_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'},
		{"method", required_argument, NULL, 'M'}, {"ca-cert", required_argument, NULL, 'C'},
		{"ca-key", required_argument, NULL, 'K'}, {"conns", required_argument, NULL, 'o'},
		{"per-conn", required_argument, NULL, 'R'}, {"baseline", no_argument, NULL, 'B'},
		{"batch", required_argument, NULL, 'b'}, {"psk-kek", required_argument, NULL, 'E'},
		{"version", no_argument, NULL, 'V'}, {"claims", required_argument, NULL, 'A'},
		{"single-acks", no_argument, NULL, 'S'},
		{"distressed", required_argument, NULL, 'D'}, {"bound", required_argument, NULL, 'U'},
		{"initial-ms", required_argument, NULL, 'I'}, {"max-ms", required_argument, NULL, 'X'},
		{"wait-max-s", required_argument, NULL, 'W'},
		{"sockets", required_argument, NULL, 'O'}, {"seed", required_argument, NULL, 'Z'},
		{NULL, 0, NULL, 0},
	};
	struct sim_opts o = {.mode = "good", .devices = 100, .count = 1000, .duration = 10,
			     .window = 256, .timeout_ms = 500, .retries = 10, .threads = 2,
			     .linger_ms = 1000, .enrol = true, .method = "udp", .conns = 32,
			     .per_conn = 1, .bound = 600, .initial_ms = 200, .max_ms = 300000,
			     .wait_max_s = 3600, .sockets = 16, .seed = 1};
	bool devices_set = false, duration_set = false;
	uint32_t batch = 256;
	uint32_t claims = MAYDAY_CLAIMS_MAYDAY1;
	uint32_t ack_forms = MAYDAY_ACK_FORM_BATCH;
	const char *host = "127.0.0.1", *port = NULL;
	struct sim_fleet f;
	EVP_PKEY *hems = NULL;
	int c, rc = 2;
	snprintf(o.prefix, sizeof(o.prefix), "sim%ld", (long)getpid());
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'p': port = optarg; break;
		case 'k': o.hems_pub = optarg; break;
		case 'd': o.db = optarg; break;
		case 'm': o.mode = optarg; break;
		case 'n': o.devices = (uint32_t)strtoul(optarg, NULL, 10); devices_set = true; break;
		case 'c': o.count = strtoull(optarg, NULL, 10); break;
		case 't': o.duration = strtod(optarg, NULL); duration_set = true; break;
		case 'w': o.window = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'T': o.timeout_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': o.retries = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'j': o.threads = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': o.linger_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'P': snprintf(o.prefix, sizeof(o.prefix), "%s", optarg); break;
		case 'N': o.enrol = false; break;
		case 'a': o.acked_path = optarg; break;
		case 'M': o.method = optarg; break;
		case 'C': o.ca_cert = optarg; break;
		case 'K': o.ca_key = optarg; break;
		case 'o': o.conns = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'R': o.per_conn = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'B': o.baseline = true; o.enrol = false; break;
		case 'b': batch = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'E': o.psk_kek = optarg; break;
		case 'S': ack_forms = 0; break;
		case 'D': o.distressed = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'U': o.bound = strtod(optarg, NULL); break;
		case 'I': o.initial_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'X': o.max_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'W': o.wait_max_s = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'O': o.sockets = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'Z': o.seed = strtoull(optarg, NULL, 10); break;
		case 'A':
			if (strcmp(optarg, "eat") == 0)
				claims = MAYDAY_CLAIMS_EAT;
			else if (strcmp(optarg, "mayday1") != 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return fflush(stdout) == 0 ? 0 : 1;
		case 'V':
			fputs(MAYDAY_VERSION_LINE("mayday-sim"), stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(o.method, "sqlite") == 0) {
		if (optind != argc || o.db == NULL || o.count == 0 || o.duration <= 0) {
			usage(stderr);
			return 2;
		}
		const char *path = strncmp(o.db, "sqlite:", 7) == 0 ? o.db + 7 : o.db;
		return sim_sqlite_ceiling(path, o.count, batch, o.duration) == 0 ? 0 : 1;
	}
	if (strcmp(o.mode, "storm") == 0)
		return main_storm(&o, host, port, devices_set, duration_set, claims, ack_forms);
	bool tls = strcmp(o.method, "tls") == 0, http = strcmp(o.method, "http") == 0;
	bool psk = strcmp(o.method, "psk") == 0, udp = strcmp(o.method, "udp") == 0;
	if (tls)
		o.per_conn = 1;  /* each indication needs its own device's certificate */
	if (!tls && !http && !psk && !udp) {
		usage(stderr);
		return 2;
	}
	if ((!udp && strcmp(o.mode, "good") != 0) || (tls && (o.ca_cert == NULL ||
	    o.ca_key == NULL)) || (o.baseline && !tls && !http) || o.conns == 0 ||
	    o.per_conn == 0) {
		usage(stderr);
		return 2;
	}
	int hostile = strcmp(o.mode, "truncated") == 0 || strcmp(o.mode, "oversized") == 0 ||
		      strcmp(o.mode, "bitflip") == 0;
	int known = hostile || strcmp(o.mode, "good") == 0 || strcmp(o.mode, "replay") == 0;
	if (optind != argc || port == NULL || (o.hems_pub == NULL && !o.baseline) || !known ||
	    (o.enrol && o.db == NULL) || o.devices == 0 || o.devices > 1000000 || o.count == 0 ||
	    o.window == 0 || o.timeout_ms == 0 || o.duration <= 0 || o.prefix[0] == '\0' ||
	    parse_server(host, port, &o) != 0) {
		usage(stderr);
		return 2;
	}
	if (hostile) {
		o.devices = 1;
		o.count = 1;
	}
	if (o.count < o.devices)
		o.devices = (uint32_t)o.count;
	if (!o.baseline && mayday_key_load_public(o.hems_pub, &hems) != MAYDAY_OK) {
		fprintf(stderr, "mayday-sim: %s: not a P-256 public key\n", o.hems_pub);
		return 2;
	}
	rc = 1;
	signal(SIGPIPE, SIG_IGN);   /* a server closing mid-request is an error return */
	uint64_t t0 = sim_now_ns();
	if (sim_fleet_make(&f, &o) != 0 || (o.enrol && sim_fleet_enrol(&f, o.db) != 0))
		goto out;
	if (tls && sim_pki_issue(&f, o.ca_cert, o.ca_key) != 0)
		goto out;
	uint64_t t1 = sim_now_ns();
	f.claims = claims;
	f.ack_forms = ack_forms;
	f.transport = tls ? MAYDAY_TRANSPORT_TLS : http ? MAYDAY_TRANSPORT_PLAIN_HTTP
		    : psk ? MAYDAY_TRANSPORT_PSK : MAYDAY_TRANSPORT_PLAIN_UDP;
	if (sim_fleet_sign(&f, o.count, 0, o.threads) != 0 ||
	    (psk && sim_psk_prepare(&f, o.db, o.psk_kek, o.enrol) != 0))
		goto out;
	uint64_t t2 = sim_now_ns();
	fprintf(stderr, "mayday-sim: %u devices %s in %.2f s, %zu indications signed in %.2f s\n",
		f.n_dev, o.enrol ? "made and enrolled" : "made", (double)(t1 - t0) / 1e9, f.n_msg,
		(double)(t2 - t1) / 1e9);
	if (o.baseline)
		rc = mode_baseline(&o, &f);
	else if (hostile)
		rc = mode_hostile(&o, &f, hems);
	else if (strcmp(o.mode, "replay") == 0)
		rc = mode_replay(&o, &f, hems);
	else
		rc = mode_good(&o, &f, hems);
out:
	sim_fleet_free(&f);
	EVP_PKEY_free(hems);
	return rc;
}
