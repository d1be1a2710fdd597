/* SPDX-License-Identifier: Apache-2.0 */
/*
 * After the clock stopped: ack signatures, figures, the acked list.
 * Latency is first send to first ack (so it includes retransmissions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

size_t sim_verify_acks(const struct sim_fleet *f, struct sim_result *res, const uint8_t *arena,
		       EVP_PKEY *hems)
{
	size_t bad = 0, batch = 0, single = 0;
	for (size_t i = 0; i < f->n_msg; i++) {
		struct sim_result *r = &res[i];
		struct mayday_ack ack;
		struct mayday_diag diag;
		if (!r->acked)
			continue;
		if (r->ack_len == 0 ||
		    mayday_ack_verify_any(arena + i * SIM_ACK_SLOT, r->ack_len, hems, &ack, &diag) !=
			    MAYDAY_OK ||
		    strcmp(ack.device_id, f->dev[f->msg[i].dev].id) != 0 ||
		    ack.counter != f->msg[i].counter) {
			bad++;
			continue;
		}
		r->ack_ok = 1;
		if (mayday_ack_is_batch(arena + i * SIM_ACK_SLOT, r->ack_len))
			batch++;
		else
			single++;
	}
	printf("ack forms: batch=%zu single=%zu\n", batch, single);
	return bad;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1e6;
}

void sim_report(const struct sim_opts *o, const struct sim_fleet *f,
		const struct sim_result *res, double elapsed, size_t bad_acks)
{
	size_t sent = 0, acked = 0, stored = 0, unverified = 0, rejected = 0, lost = 0, retx = 0;
	uint64_t *lat = malloc((f->n_msg + 1) * sizeof(*lat));
	size_t nl = 0;
	for (size_t i = 0; i < f->n_msg; i++) {
		const struct sim_result *r = &res[i];
		if (!r->sent)
			continue;
		sent++;
		retx += r->tries - 1u;
		if (!r->acked) {
			lost++;
			continue;
		}
		acked++;
		stored += r->status == MAYDAY_ACK_STORED;
		unverified += r->status == MAYDAY_ACK_STORED_UNVERIFIED;
		rejected += r->status == MAYDAY_ACK_REJECTED;
		if (lat != NULL)
			lat[nl++] = r->ack_ns - r->first_ns;
	}
	if (lat != NULL)
		qsort(lat, nl, sizeof(*lat), cmp_u64);
	printf("mode=%s devices=%u sent=%zu retransmits=%zu acked=%zu stored=%zu unverified=%zu "
	       "rejected=%zu lost=%zu bad_acks=%zu\n",
	       o->mode, f->n_dev, sent, retx, acked, stored, unverified, rejected, lost, bad_acks);
	printf("elapsed=%.3f s  stored indications/s=%.1f  acked/s=%.1f\n", elapsed,
	       elapsed > 0 ? (double)stored / elapsed : 0.0,
	       elapsed > 0 ? (double)acked / elapsed : 0.0);
	if (lat != NULL)
		printf("latency ms: p50=%.2f p90=%.2f p99=%.2f max=%.2f\n", pct(lat, nl, 0.5),
		       pct(lat, nl, 0.9), pct(lat, nl, 0.99), nl ? (double)lat[nl - 1] / 1e6 : 0.0);
	free(lat);
}

int sim_write_acked(const char *path, const struct sim_fleet *f, const struct sim_result *res)
{
	FILE *out = fopen(path, "w");
	if (out == NULL) {
		perror(path);
		return -1;
	}
	for (size_t i = 0; i < f->n_msg; i++) {
		if (res[i].acked)
			fprintf(out, "%s,%llu,%u,%llu\n", f->dev[f->msg[i].dev].id,
				(unsigned long long)f->msg[i].counter, res[i].status,
				(unsigned long long)res[i].incident);
	}
	return fclose(out) == 0 ? 0 : -1;
}

int sim_record_ack(const struct sim_fleet *f, struct sim_result *res, uint8_t *arena, size_t m,
		   const uint8_t *buf, size_t len, uint64_t now)
{
	struct mayday_ack ack;
	struct mayday_diag diag;
	if (mayday_ack_peek(buf, len, &ack, &diag) != MAYDAY_OK ||
	    sim_fleet_lookup(f, ack.device_id, ack.counter) != (long)m)
		return -1;
	struct sim_result *r = &res[m];
	r->acked = 1;
	r->lost = 0;
	r->ack_ns = now;
	r->status = ack.status;
	r->incident = ack.incident_id;
	if (len <= SIM_ACK_SLOT) {
		memcpy(arena + m * SIM_ACK_SLOT, buf, len);
		r->ack_len = (uint16_t)len;
	}
	return 0;
}
