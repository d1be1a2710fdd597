/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rendering only: no state of its own. Label
 * sets are written in full (every method with every outcome, zeros
 * included), so a series exists from the first scrape and a rate over it
 * never starts in the middle. Label values are fixed strings of ours, so
 * nothing needs escaping.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "mayday/indication.h"
#include "mayday_version.h"
#include "srv_listener.h"
#include "srv_metrics.h"
#include "store_query.h"
#include "store_silence.h"


static const uint32_t methods[] = {MAYDAY_TRANSPORT_PLAIN_UDP, MAYDAY_TRANSPORT_PLAIN_HTTP,
				   MAYDAY_TRANSPORT_TLS, MAYDAY_TRANSPORT_IPSEC,
				   MAYDAY_TRANSPORT_PSK};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static struct log_limit lim_store;

struct out {
	struct evbuffer *buf;
	int failed;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!o->failed && evbuffer_add_vprintf(o->buf, fmt, ap) < 0)
		o->failed = 1;
	va_end(ap);
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP maydayd_%s %s\n# TYPE maydayd_%s %s\n", name, help, name, type);
}

static void one(struct out *o, const char *name, const char *type, const char *help,
		uint64_t v)
{
	family(o, name, type, help);
	put(o, "maydayd_%s %llu\n", name, (unsigned long long)v);
}

static void hist(struct out *o, const struct srv_hist_spec *spec, struct srv_hist *h)
{
	uint64_t cum = 0;
	family(o, spec->name, "histogram", spec->help);
	for (unsigned i = 0; i <= spec->n_bounds; i++) {
		cum += srv_stats_get(&h->bucket[i]);
		if (i < spec->n_bounds)
			put(o, "maydayd_%s_bucket{le=\"%g\"} %llu\n", spec->name,
			    (double)spec->bounds[i] / spec->scale, (unsigned long long)cum);
		else
			put(o, "maydayd_%s_bucket{le=\"+Inf\"} %llu\n", spec->name,
			    (unsigned long long)cum);
	}
	if (spec->scale == 1.0)
		put(o, "maydayd_%s_sum %llu\n", spec->name,
		    (unsigned long long)srv_stats_get(&h->sum));
	else
		put(o, "maydayd_%s_sum %.9g\n", spec->name,
		    (double)srv_stats_get(&h->sum) / spec->scale);
	put(o, "maydayd_%s_count %llu\n", spec->name, (unsigned long long)cum);
}

static void indications(struct out *o, struct srv_stats *st)
{
	family(o, "indications_received_total", "counter",
	       "Indications taken in (datagrams read, requests accepted into a slot), by method.");
	for (size_t m = 0; m < N_METHODS; m++)
		put(o, "maydayd_indications_received_total{method=\"%s\"} %llu\n",
		    mayday_transport_name(methods[m]),
		    (unsigned long long)srv_stats_get(&st->received_by[methods[m]]));
	family(o, "indications_total", "counter",
	       "Indications by method and what became of them, counted once each when they "
	       "leave the pipeline (answered or dropped).");
	for (size_t m = 0; m < N_METHODS; m++)
		for (unsigned k = 0; k < SRV_OUTCOMES; k++)
			put(o, "maydayd_indications_total{method=\"%s\",outcome=\"%s\"} %llu\n",
			    mayday_transport_name(methods[m]), srv_stats_outcome_name(k),
			    (unsigned long long)srv_stats_get(&st->outcome[methods[m]][k]));
	family(o, "indication_versions_total", "counter",
	       "Well-formed indications by message version: 1 mayday claims, 2 EAT claims.");
	for (unsigned v = 1; v <= 2; v++)
		put(o, "maydayd_indication_versions_total{version=\"%u\"} %llu\n", v,
		    (unsigned long long)srv_stats_get(&st->msg_version[v]));
	family(o, "verifications_total", "counter",
	       "Signature checks of well-formed indications, by result.");
	put(o, "maydayd_verifications_total{result=\"signed\"} %llu\n",
	    (unsigned long long)srv_stats_get(&st->verified));
	put(o, "maydayd_verifications_total{result=\"unknown-device\"} %llu\n",
	    (unsigned long long)srv_stats_get(&st->unknown_device));
	put(o, "maydayd_verifications_total{result=\"bad-signature\"} %llu\n",
	    (unsigned long long)srv_stats_get(&st->bad_signature));
	one(o, "acks_sent_total", "counter", "Answers carrying a signed ack that were sent.",
	    srv_stats_get(&st->acks_sent));
	one(o, "ack_errors_total", "counter", "Acks that could not be signed, sealed or sent.",
	    srv_stats_get(&st->ack_errors));
	one(o, "store_errors_total", "counter",
	    "Store lookups and batches that failed (indications dropped, not acked).",
	    srv_stats_get(&st->store_errors));
	family(o, "psk_drops_total", "counter", "PSK datagrams dropped, by reason.");
	put(o, "maydayd_psk_drops_total{reason=\"unknown-kid\"} %llu\n",
	    (unsigned long long)srv_stats_get(&st->psk_unknown_kid));
	put(o, "maydayd_psk_drops_total{reason=\"bad-seal\"} %llu\n",
	    (unsigned long long)srv_stats_get(&st->psk_bad_seal));
	put(o, "maydayd_psk_drops_total{reason=\"replay\"} %llu\n",
	    (unsigned long long)srv_stats_get(&st->psk_replays));
	one(o, "ipsec_identity_lookups_failed_total", "counter",
	    "IPsec indications whose inner address had no IKE identity at the SeGW.",
	    srv_stats_get(&st->ike_lookup_failed));
}

static void transport(struct out *o, struct srv_stats *st)
{
	one(o, "http_requests_refused_total", "counter",
	    "HTTP(S) requests answered 4xx before taking a slot (path, method, type, size).",
	    srv_stats_get(&st->http_refused));
	one(o, "http_requests_busy_total", "counter",
	    "HTTP(S) requests answered 503 for want of a free slot or while stopping.",
	    srv_stats_get(&st->http_busy));
	one(o, "http_connections_evicted_total", "counter",
	    "HTTP(S) connections closed without a complete request: for a newer one at the "
	    "global or per-source cap, or past a deadline.",
	    srv_stats_get(&st->http_evicted));
	one(o, "http_deadlines_missed_total", "counter",
	    "Of those, connections that missed http_request_timeout_ms or "
	    "tls_handshake_timeout_ms.",
	    srv_stats_get(&st->http_deadlines));
	family(o, "tls_handshakes_total", "counter",
	       "TLS handshakes on the https listener: ok once per connection, failed when we "
	       "ended one with a fatal alert.");
	put(o, "maydayd_tls_handshakes_total{result=\"ok\"} %llu\n",
	    (unsigned long long)srv_stats_get(&st->tls_handshakes));
	put(o, "maydayd_tls_handshakes_total{result=\"failed\"} %llu\n",
	    (unsigned long long)srv_stats_get(&st->tls_failed));
	one(o, "tls_closed_without_close_notify_total", "counter",
	    "TLS connections the peer closed after the handshake without close_notify (not "
	    "an error).", srv_stats_get(&st->tls_no_close_notify));
	one(o, "tls_errors_total", "counter",
	    "TLS connections ended by another fatal alert after the handshake.",
	    srv_stats_get(&st->tls_errors));
}

static void queues(struct out *o, const struct srv_metrics_src *src)
{
	one(o, "slots", "gauge", "Indication slots in existence ([server] queue).",
	    src->n_slots);
	family(o, "queue_slots", "gauge",
	       "Slots by where they wait: free, verify (received), commit (verified), ack "
	       "(committed, to answer). The rest are in a thread's hands.");
	put(o, "maydayd_queue_slots{queue=\"free\"} %zu\n", srv_queue_count(src->pool));
	put(o, "maydayd_queue_slots{queue=\"verify\"} %zu\n",
	    srv_queue_lane_count(src->work, SRV_LANE_VERIFY));
	put(o, "maydayd_queue_slots{queue=\"commit\"} %zu\n", srv_queue_count(src->commit));
	put(o, "maydayd_queue_slots{queue=\"ack\"} %zu\n",
	    srv_queue_lane_count(src->work, SRV_LANE_ACK));
}

static void remediation(struct out *o, struct srv_stats *stats, struct store *st)
{
	struct store_remed_counts c;
	if (st == NULL)
		return;
	enum mayday_err err = store_count_remed(st, &c);
	if (err != MAYDAY_OK) {
		srv_stats_add(&stats->scrape_store_errors, 1);
		log_limited(&lim_store, "metrics: remediation attempts not read: %s (%s)",
			    mayday_strerror(err), store_errmsg(st));
		return;
	}
	family(o, "remediation_attempts", "gauge",
	       "Remediation attempts in the store, by result (in_progress until the device "
	       "reports).");
	put(o, "maydayd_remediation_attempts{result=\"in_progress\"} %llu\n",
	    (unsigned long long)c.in_progress);
	put(o, "maydayd_remediation_attempts{result=\"installed\"} %llu\n",
	    (unsigned long long)c.installed);
	put(o, "maydayd_remediation_attempts{result=\"recovered\"} %llu\n",
	    (unsigned long long)c.recovered);
	put(o, "maydayd_remediation_attempts{result=\"failed\"} %llu\n",
	    (unsigned long long)c.failed);
}

/* One grouped read of devices per scrape, like the attempts above: every
 * state is written, zeros included. */
static void devices(struct out *o, struct srv_stats *stats, struct store *st)
{
	struct store_state_counts c;
	if (st == NULL)
		return;
	enum mayday_err err = store_count_states(st, &c);
	if (err != MAYDAY_OK) {
		srv_stats_add(&stats->scrape_store_errors, 1);
		log_limited(&lim_store, "metrics: device states not read: %s (%s)",
			    mayday_strerror(err), store_errmsg(st));
		return;
	}
	family(o, "devices", "gauge",
	       "Enrolled devices by state (unreachable: not heard from within [silence]).");
	for (unsigned s = 0; s < STORE_STATE__COUNT; s++)
		put(o, "maydayd_devices{state=\"%s\"} %llu\n", store_state_name(s),
		    (unsigned long long)c.n[s]);
}

enum mayday_err srv_metrics_render(const struct srv_metrics_src *src, struct store *st,
				   struct evbuffer *out)
{
	struct out o = {.buf = out};
	struct srv_stats *stats = src->stats;
	family(&o, "build_info", "gauge", "Always 1; the version is a label.");
	put(&o, "maydayd_build_info{version=\"%s\"} 1\n", MAYDAY_VERSION);
	indications(&o, stats);
	for (unsigned h = 0; h < SRV_HISTS; h++)
		hist(&o, &srv_stats_hist[h], &stats->hist[h]);
	transport(&o, stats);
	queues(&o, src);
	remediation(&o, stats, st);
	devices(&o, stats, st);
	one(&o, "scrape_store_errors_total", "counter",
	    "Scrapes whose store read failed (the remediation or devices family was left out).",
	    srv_stats_get(&stats->scrape_store_errors));
	return o.failed ? MAYDAY_E_NOMEM : MAYDAY_OK;
}
