/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated fleet: device keys in memory, enrolment through the store
 * API (what mayday-provision does), and indications signed ahead of the
 * timed phase on `threads` threads into one arena (no per-message malloc).
 * Device IDs are "<prefix>-<index>" so a lookup from an ack is a parse,
 * not a search.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mayday/keys.h"
#include "sim.h"
#include "store.h"

#define MSG_MAX 1024    /* a simulated indication is ~350 bytes */

int sim_fleet_make(struct sim_fleet *f, const struct sim_opts *o)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->prefix, sizeof(f->prefix), "%s", o->prefix);
	f->dev = calloc(o->devices, sizeof(*f->dev));
	if (f->dev == NULL)
		return -1;
	f->n_dev = o->devices;
	for (uint32_t i = 0; i < f->n_dev; i++) {
		snprintf(f->dev[i].id, sizeof(f->dev[i].id), "%s-%06u", f->prefix, i);
		if (mayday_key_generate(&f->dev[i].key) != MAYDAY_OK) {
			fprintf(stderr, "mayday-sim: key generation failed\n");
			return -1;
		}
	}
	return 0;
}

int sim_fleet_enrol(const struct sim_fleet *f, const char *db)
{
	struct store *st = NULL;
	char pem[1024];
	size_t len;
	enum mayday_err err = store_open(&st, db);
	if (err != MAYDAY_OK) {
		fprintf(stderr, "mayday-sim: store %s: %s\n", db, mayday_strerror(err));
		return -1;
	}
	for (uint32_t i = 0; i < f->n_dev && err == MAYDAY_OK; i++) {
		err = mayday_key_public_to_pem(f->dev[i].key, pem, sizeof(pem), &len);
		if (err == MAYDAY_OK)
			err = store_enrol(st, f->dev[i].id, "sim-femto", pem);
	}
	if (err != MAYDAY_OK)
		fprintf(stderr, "mayday-sim: enrolment: %s\n", mayday_strerror(err));
	store_close(st);
	return err == MAYDAY_OK ? 0 : -1;
}

struct sign_job {
	struct sim_fleet *f;
	size_t from, to;
	uint64_t time;
	int failed;
};

static void fill(struct mayday_indication *ind, const struct sim_device *d, uint64_t counter,
		 uint64_t t, uint32_t transport)
{
	memset(ind, 0, sizeof(*ind));
	snprintf(ind->device_id, sizeof(ind->device_id), "%s", d->id);
	ind->counter = counter;
	ind->time = t;
	snprintf(ind->dcf_version, sizeof(ind->dcf_version), "sim-0.1");
	ind->transport = transport ? transport : MAYDAY_TRANSPORT_PLAIN_UDP;
	ind->free_space = 64u << 20;
	ind->max_image_size = 256u << 20;
	struct mayday_evidence *ev = &ind->evidence;
	ev->reason = MAYDAY_REASON_COMPONENT_MISMATCH;
	snprintf(ev->image_version, sizeof(ev->image_version), "1.0.%llu",
		 (unsigned long long)(counter % 7));
	ev->manifest_rollback = 3;
	ev->slot = 0;
	ev->boot_attempts = 1;
	ev->n_failed = 1;
	struct mayday_component_evidence *c = &ev->failed[0];
	snprintf(c->name, sizeof(c->name), "rootfs.img");
	c->flags = MAYDAY_COMP_DIGEST_MISMATCH;
	c->expected_size = c->measured_size = 1u << 20;
	mayday_sha256(d->id, strlen(d->id), c->expected);
	mayday_sha256(&counter, sizeof(counter), c->measured);
}

static void *sign_main(void *arg)
{
	struct sign_job *j = arg;
	struct sim_fleet *f = j->f;
	struct mayday_indication ind;
	for (size_t i = j->from; i < j->to && !j->failed; i++) {
		struct sim_msg *m = &f->msg[i];
		const struct sim_device *d = &f->dev[m->dev];
		struct mayday_signer signer;
		size_t len = 0;
		fill(&ind, d, m->counter, j->time, f->transport);
		ind.claims = f->claims;
		ind.ack_forms = f->ack_forms;
		if (mayday_signer_from_pkey(&signer, d->key, NULL, 0) != MAYDAY_OK ||
		    mayday_indication_sign(&ind, &signer, m->buf, MSG_MAX, &len) != MAYDAY_OK)
			j->failed = 1;
		m->len = (uint32_t)len;
	}
	return NULL;
}

int sim_fleet_sign(struct sim_fleet *f, size_t count, uint64_t time_delta, uint32_t threads)
{
	if (f->msg == NULL) {
		f->msg = calloc(count, sizeof(*f->msg));
		f->arena = malloc(count * MSG_MAX);
		if (f->msg == NULL || f->arena == NULL)
			return -1;
		f->n_msg = count;
	}
	for (size_t i = 0; i < count; i++) {
		f->msg[i].buf = f->arena + i * MSG_MAX;
		f->msg[i].dev = (uint32_t)(i % f->n_dev);
		f->msg[i].counter = i / f->n_dev + 1;
	}
	if (threads < 1)
		threads = 1;
	if (threads > 16)
		threads = 16;
	pthread_t th[16];
	struct sign_job jobs[16];
	uint64_t now = (uint64_t)time(NULL) + time_delta;
	int rc = 0;
	for (uint32_t t = 0; t < threads; t++) {
		jobs[t] = (struct sign_job){f, count * t / threads, count * (t + 1) / threads, now, 0};
		if (pthread_create(&th[t], NULL, sign_main, &jobs[t]) != 0) {
			sign_main(&jobs[t]);
			th[t] = 0;
		}
	}
	for (uint32_t t = 0; t < threads; t++) {
		if (th[t])
			pthread_join(th[t], NULL);
		rc |= jobs[t].failed;
	}
	if (rc)
		fprintf(stderr, "mayday-sim: signing failed\n");
	return rc ? -1 : 0;
}

void sim_fleet_free(struct sim_fleet *f)
{
	for (uint32_t i = 0; f->dev != NULL && i < f->n_dev; i++) {
		EVP_PKEY_free(f->dev[i].key);
		X509_free(f->dev[i].cert);
		if (f->psk != NULL)
			mayday_psk_keys_wipe(&f->psk[i]);
	}
	free(f->dev);
	free(f->psk);
	free(f->sealed);
	free(f->msg);
	free(f->arena);
	memset(f, 0, sizeof(*f));
}

long sim_fleet_lookup(const struct sim_fleet *f, const char *device_id, uint64_t counter)
{
	size_t pl = strlen(f->prefix);
	if (strncmp(device_id, f->prefix, pl) != 0 || device_id[pl] != '-')
		return -1;
	char *end;
	unsigned long d = strtoul(device_id + pl + 1, &end, 10);
	if (*end != '\0' || d >= f->n_dev || counter == 0)
		return -1;
	size_t idx = (size_t)(counter - 1) * f->n_dev + d;
	if (idx >= f->n_msg || counter - 1 > f->n_msg)
		return -1;
	return (long)idx;
}
