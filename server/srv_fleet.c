/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fleet anomaly sweeper (srv_fleet.h), a srv_sweeper thread like the
 * silence sweeper; the rules read wall-clock time, which is what
 * received_at is stored in. The component name in the log line is device
 * text (authenticated, yet any bytes a compromised device chose), so it
 * is logged with every byte outside printable ASCII as '?': it can neither
 * break the log line nor drive a terminal.
 */
#include "srv_fleet.h"

#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "srv_sweeper.h"
#include "store.h"
#include "store_ingest.h"   /* store_errmsg */

struct srv_fleet {
	const struct srv_config *cfg;
	unsigned period_s;
	struct srv_sweeper *sweeper;
};

static struct log_limit lim_store;

unsigned srv_fleet_period_s(const struct srv_config *cfg)
{
	unsigned least = 0;
	for (unsigned i = 0; i < cfg->fleet_n_classes; i++) {
		unsigned v = cfg->fleet_classes[i].window;
		if (least == 0 || v < least)
			least = v;
	}
	if (least == 0)
		return 0;
	least /= 4;
	return least < 1 ? 1 : least > 60 ? 60 : least;
}

static void printable(const char *in, char *out, size_t cap)
{
	size_t i = 0;
	for (; in[i] != '\0' && i + 1 < cap; i++)
		out[i] = in[i] > ' ' && in[i] <= '~' ? in[i] : '?';
	out[i] = '\0';
}

enum mayday_err srv_fleet_sweep(struct store *st, const struct srv_config *cfg, int64_t now)
{
	struct store_fleet_anomaly found[SRV_FLEET_BATCH];
	enum mayday_err first = MAYDAY_OK;
	for (unsigned i = 0; i < cfg->fleet_n_classes; i++) {
		struct store_fleet_rule r = {
			.product_class = cfg->fleet_classes[i].product_class,
			.devices = cfg->fleet_classes[i].devices,
			.window_s = cfg->fleet_classes[i].window,
			.auto_pause = cfg->fleet_classes[i].pause,
		};
		size_t n = 0;
		enum mayday_err err = store_fleet_anomalies(st, &r, now, found, SRV_FLEET_BATCH, &n);
		if (err != MAYDAY_OK) {
			if (first == MAYDAY_OK)
				first = err;
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			char comp[MAYDAY_NAME_MAX + 1];
			printable(found[k].component, comp, sizeof(comp));
			log_notice("fleet: anomaly %lld: %llu devices of class %s report failed "
				   "component %s within %us (threshold %u)%s", (long long)found[k].id,
				   (unsigned long long)found[k].devices, found[k].product_class,
				   comp, cfg->fleet_classes[i].window,
				   cfg->fleet_classes[i].devices,
				   found[k].paused ? "; remediation of the class paused" : "");
		}
	}
	return first;
}

static void sweep(struct store *st, void *ctx)
{
	struct srv_fleet *f = ctx;
	enum mayday_err err = srv_fleet_sweep(st, f->cfg, (int64_t)time(NULL));
	if (err != MAYDAY_OK)
		log_limited(&lim_store, "fleet: anomaly sweep failed: %s (%s); again in %us",
			    mayday_strerror(err), store_errmsg(st), f->period_s);
}

enum mayday_err srv_fleet_new(struct srv_fleet **out, const struct srv_config *cfg)
{
	*out = NULL;
	unsigned period = srv_fleet_period_s(cfg);
	if (period == 0)
		return MAYDAY_OK;
	struct srv_fleet *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return MAYDAY_E_NOMEM;
	f->cfg = cfg;
	f->period_s = period;
	enum mayday_err err = srv_sweeper_new(cfg->db, period, sweep, f, &f->sweeper);
	if (err != MAYDAY_OK) {
		free(f);
		return err;
	}
	*out = f;
	return MAYDAY_OK;
}

enum mayday_err srv_fleet_start(struct srv_fleet *f)
{
	if (f == NULL)
		return MAYDAY_OK;
	enum mayday_err err = srv_sweeper_start(f->sweeper);
	if (err != MAYDAY_OK)
		return err;
	log_info("fleet: anomaly rules for %u product classes; evaluated every %us",
		 f->cfg->fleet_n_classes, f->period_s);
	return MAYDAY_OK;
}

void srv_fleet_stop(struct srv_fleet *f)
{
	if (f != NULL)
		srv_sweeper_stop(f->sweeper);
}

void srv_fleet_free(struct srv_fleet *f)
{
	if (f == NULL)
		return;
	srv_sweeper_free(f->sweeper);
	free(f);
}
