/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The silence sweeper (srv_silence.h), a srv_sweeper thread. The sweeps
 * read wall-clock time, which is what last_seen is stored in.
 */
#include "srv_silence.h"

#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "srv_sweeper.h"
#include "store.h"

struct srv_silence {
	const struct srv_config *cfg;
	struct store_silence_rules rules;
	unsigned period_s;
	struct srv_sweeper *sweeper;
};

static struct log_limit lim_store;

void srv_silence_rules(const struct srv_config *cfg, struct store_silence_rules *r)
{
	r->default_s = cfg->silence_default;
	r->n_classes = cfg->silence_n_classes;
	for (unsigned i = 0; i < cfg->silence_n_classes && i < STORE_SILENCE_CLASSES_MAX; i++) {
		r->classes[i].product_class = cfg->silence_classes[i].product_class;
		r->classes[i].interval_s = cfg->silence_classes[i].interval;
	}
}

unsigned srv_silence_period_s(const struct srv_config *cfg)
{
	unsigned least = cfg->silence_default;
	for (unsigned i = 0; i < cfg->silence_n_classes; i++) {
		unsigned v = cfg->silence_classes[i].interval;
		if (v != 0 && (least == 0 || v < least))
			least = v;
	}
	if (least == 0)
		return 0;
	least /= 4;
	return least < 1 ? 1 : least > 60 ? 60 : least;
}

enum mayday_err srv_silence_sweep(struct store *st, const struct store_silence_rules *r,
				  int64_t now, size_t *moved)
{
	struct store_silent_row rows[SRV_SILENCE_BATCH]; /* ~32 KiB of the thread's stack */
	size_t total = 0;
	enum mayday_err err = MAYDAY_OK;
	for (unsigned round = 0; round < SRV_SILENCE_ROUNDS; round++) {
		size_t n = 0;
		err = store_silence_sweep(st, r, now, rows, SRV_SILENCE_BATCH, &n);
		if (err != MAYDAY_OK)
			break;
		for (size_t i = 0; i < n; i++)
			log_notice("silence: device %s (class %s) unreachable: not heard from for "
				   "%llds, was %s, incident %lld", rows[i].device_id,
				   rows[i].product_class, (long long)(now - rows[i].last_seen),
				   rows[i].from_state, (long long)rows[i].incident_id);
		total += n;
		if (n < SRV_SILENCE_BATCH)
			break;
	}
	if (moved != NULL)
		*moved = total;
	return err;
}

static void sweep(struct store *st, void *ctx)
{
	struct srv_silence *s = ctx;
	enum mayday_err err = srv_silence_sweep(st, &s->rules, (int64_t)time(NULL), NULL);
	if (err != MAYDAY_OK)
		log_limited(&lim_store, "silence: sweep failed: %s (%s); again in %us",
			    mayday_strerror(err), store_errmsg(st), s->period_s);
}

enum mayday_err srv_silence_new(struct srv_silence **out, const struct srv_config *cfg)
{
	*out = NULL;
	unsigned period = srv_silence_period_s(cfg);
	if (period == 0)
		return MAYDAY_OK;
	struct srv_silence *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return MAYDAY_E_NOMEM;
	s->cfg = cfg;
	s->period_s = period;
	srv_silence_rules(cfg, &s->rules);
	enum mayday_err err = srv_sweeper_new(cfg->db, period, sweep, s, &s->sweeper);
	if (err != MAYDAY_OK) {
		free(s);
		return err;
	}
	*out = s;
	return MAYDAY_OK;
}

enum mayday_err srv_silence_start(struct srv_silence *s)
{
	if (s == NULL)
		return MAYDAY_OK;
	enum mayday_err err = srv_sweeper_start(s->sweeper);
	if (err != MAYDAY_OK)
		return err;
	log_info("silence: devices unheard for %us (class overrides: %u) become unreachable; "
		 "swept every %us", s->cfg->silence_default, s->cfg->silence_n_classes,
		 s->period_s);
	return MAYDAY_OK;
}

void srv_silence_stop(struct srv_silence *s)
{
	if (s != NULL)
		srv_sweeper_stop(s->sweeper);
}

void srv_silence_free(struct srv_silence *s)
{
	if (s == NULL)
		return;
	srv_sweeper_free(s->sweeper);
	free(s);
}
