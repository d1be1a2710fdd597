/* SPDX-License-Identifier: Apache-2.0 */
/* Remediation policy: the bundle lookup by product class, the scheduling
 * decision made inside the ingest batch, and the pause of a class after
 * failures in a row (srv_acs_policy.h). */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_bundle.h"
#include "log.h"
#include "mayday/keys.h"
#include "srv_acs_policy.h"
#include "srv_config.h"
#include "store_remed.h"

void srv_acs_policy_from_config(struct srv_acs_policy *pol, const struct srv_config *cfg)
{
	pol->acs_url = cfg->acs_url;
	pol->bundle_dir = cfg->acs_bundle_dir;
	pol->need_approval = strcmp(cfg->acs_policy, "approve") == 0;
	pol->max_attempts = cfg->acs_max_attempts;
	pol->max_in_flight = cfg->acs_max_in_flight;
	pol->download_window_s = cfg->acs_download_window;
	pol->pause_after_failures = cfg->acs_pause_after_failures;
	pol->wait_s = cfg->acs_wait_s;
	pol->http_auth = cfg->acs_http_auth != 0;
	pol->vendor_key = cfg->acs_vendor_key;
}

/* A class names a file in bundle_dir: no path separators, no dot files. */
static bool class_ok(const char *c)
{
	if (c[0] == '\0' || c[0] == '.')
		return false;
	for (; *c; c++) {
		if (*c == '/' || *c <= ' ' || *c > '~')
			return false;
	}
	return true;
}

/* Verdicts of api_bundle_check per file version (device, inode, size,
 * mtime), so a bundle is read whole once per change, not per remediation.
 * A handful of classes: a small table, the oldest entry replaced. */
#define VERDICTS 32
static struct verdict {
	char path[512];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool ok;
	unsigned long used;
} verdicts[VERDICTS];
static unsigned long verdict_tick;
static pthread_mutex_t verdict_mu = PTHREAD_MUTEX_INITIALIZER;

static bool same_version(const struct verdict *v, const char *path, const struct stat *sb)
{
	return v->used != 0 && strcmp(v->path, path) == 0 && v->dev == sb->st_dev &&
	       v->ino == sb->st_ino && v->size == sb->st_size &&
	       v->mtime.tv_sec == sb->st_mtim.tv_sec && v->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

/* The check itself, logged: true when the bundle may be offered. */
static bool check(const struct srv_acs_policy *pol, const char *product_class, const char *path,
		  bool quiet_ok)
{
	struct api_bundle_info info;
	char why[256];
	EVP_PKEY *vendor = NULL;
	enum mayday_err err = mayday_key_load_public(pol->vendor_key, &vendor);
	if (err != MAYDAY_OK) {
		log_warnx("cwmp: [acs] vendor_key %s: %s: bundle %s not offered", pol->vendor_key,
			  mayday_strerror(err), path);
		return false;
	}
	err = api_bundle_check_file(path, vendor, product_class, &info, why, sizeof(why));
	EVP_PKEY_free(vendor);
	if (err != MAYDAY_OK) {
		log_warnx("cwmp: bundle %s refused, not offered to class %s: %s", path,
			  product_class, why);
		return false;
	}
	if (!quiet_ok)
		log_info("cwmp: bundle %s checked: class %s, version %llu (%s), %llu bytes, "
			 "sha256 %s", path, product_class, (unsigned long long)info.version,
			 info.image_version, (unsigned long long)info.size, info.sha256);
	return true;
}

static bool verified(const struct srv_acs_policy *pol, const char *product_class,
		     const char *path, const struct stat *sb)
{
	struct verdict *v = NULL, *oldest = &verdicts[0];
	bool ok;
	pthread_mutex_lock(&verdict_mu);
	for (size_t i = 0; i < VERDICTS; i++) {
		if (same_version(&verdicts[i], path, sb)) {
			v = &verdicts[i];
			v->used = ++verdict_tick;
			ok = v->ok;
			pthread_mutex_unlock(&verdict_mu);
			return ok;
		}
		if (verdicts[i].used < oldest->used)
			oldest = &verdicts[i];
	}
	pthread_mutex_unlock(&verdict_mu);
	/* Outside the lock: reading a large bundle must not stall the others.
	 * Two threads may both check a new version; both get the same answer. */
	ok = check(pol, product_class, path, false);
	pthread_mutex_lock(&verdict_mu);
	if (strlen(path) < sizeof(oldest->path)) {
		snprintf(oldest->path, sizeof(oldest->path), "%s", path);
		oldest->dev = sb->st_dev;
		oldest->ino = sb->st_ino;
		oldest->size = sb->st_size;
		oldest->mtime = sb->st_mtim;
		oldest->ok = ok;
		oldest->used = ++verdict_tick;
	}
	pthread_mutex_unlock(&verdict_mu);
	return ok;
}

enum mayday_err srv_acs_policy_bundle(const struct srv_acs_policy *pol, const char *product_class,
				      char *path, size_t cap, uint64_t *size)
{
	struct stat sb;
	*size = 0;
	if (!class_ok(product_class))
		return MAYDAY_E_INVALID;
	int n = snprintf(path, cap, "%s/%s.bundle", pol->bundle_dir, product_class);
	if (n < 0 || (size_t)n >= cap)
		return MAYDAY_E_INVALID;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || access(path, R_OK) != 0)
		return MAYDAY_E_NOTFOUND;
	if (pol->vendor_key != NULL && pol->vendor_key[0] && !verified(pol, product_class, path, &sb))
		return MAYDAY_E_INVALID;
	*size = (uint64_t)sb.st_size;
	return MAYDAY_OK;
}

/* A remediation the ACS would hold off on if the device came now (the
 * checks of srv_acs_session): better tell the device to wait. Only for an
 * incident not yet started (an attempt in progress holds its own slot).
 * Inside the batch a class's pause is seen once recorded; recording it is
 * left to the ACS (a failed check here means "not held back"). */
/* The run of failed attempts that pauses a class. With the rule off
 * (pause_after_failures 0) a pause recorded otherwise -- by a fleet anomaly
 * rule with "pause" (srv_fleet.h) -- still holds: no run reaches
 * UINT32_MAX, and a class whose newest history row is a pause is paused
 * whatever n. */
static uint32_t pause_run(const struct srv_acs_policy *pol)
{
	return pol->pause_after_failures > 0 ? pol->pause_after_failures : UINT32_MAX;
}

static bool held_back(const struct srv_acs_policy *pol, struct store *st,
		      const struct store_remed_status *rs, int64_t now)
{
	bool paused = false, newly = false;
	uint32_t n = 0;
	if (strcmp(rs->state, "in_distress") != 0 && strcmp(rs->state, "remediation_scheduled") != 0)
		return false;
	if (store_remed_class_paused(st, rs->product_class, pause_run(pol), now, &paused,
				     &newly) == MAYDAY_OK && paused)
		return true;
	return store_remed_in_flight(st, now - (int64_t)pol->download_window_s, &n) == MAYDAY_OK &&
	       n >= pol->max_in_flight;
}

enum mayday_err srv_acs_policy_apply(const struct srv_acs_policy *pol, struct store *st,
				     const char *device_id, int64_t now, bool *remediate, bool *pending)
{
	struct store_remed_status rs;
	char path[STORE_BUNDLE_MAX + 1];
	uint64_t size;
	*remediate = false;
	*pending = false;
	if (!srv_acs_policy_on(pol))
		return MAYDAY_OK;
	enum mayday_err err = store_remed_status(st, device_id, &rs);
	if (err != MAYDAY_OK)
		return err == MAYDAY_E_NOTFOUND ? MAYDAY_OK : err;
	if (srv_acs_policy_bundle(pol, rs.product_class, path, sizeof(path), &size) != MAYDAY_OK)
		return MAYDAY_OK;
	err = store_remed_schedule(st, device_id, pol->need_approval, pol->max_attempts, now,
				   remediate);
	/* Read before scheduling: an in_distress incident with attempts left
	 * that only the approval holds back. */
	if (err == MAYDAY_OK && *remediate && held_back(pol, st, &rs, now)) {
		*remediate = false;
		*pending = true;
	}
	if (err == MAYDAY_OK && !*remediate && pol->need_approval && !rs.approved &&
	    rs.failures < pol->max_attempts && rs.incident_id != 0 && rs.last_signed &&
	    strcmp(rs.state, "in_distress") == 0)
		*pending = true;
	return err;
}

bool srv_acs_policy_paused(const struct srv_acs_policy *pol, struct store *st,
			   const char *product_class, int64_t now)
{
	static struct log_limit lim_store;
	bool paused = false, newly = false;
	enum mayday_err err = store_remed_class_paused(st, product_class, pause_run(pol), now,
						       &paused, &newly);
	if (err != MAYDAY_OK) {
		log_limited(&lim_store, "cwmp: pause state of class %.32s: %s", product_class,
			    mayday_strerror(err));
		return true;
	}
	if (newly)
		log_warnx("cwmp: remediation of class %s paused after %u failed attempts in a row;"
			  " resume with maydayctl resume %s", product_class,
			  pol->pause_after_failures, product_class);
	return paused;
}

enum mayday_err srv_acs_policy_check_bundles(const struct srv_acs_policy *pol, char *why,
					     size_t why_cap)
{
	char klass[MAYDAY_CLASS_MAX + 1], path[4096];
	EVP_PKEY *vendor = NULL;
	uint64_t size = 0;
	struct dirent *de;
	unsigned n = 0;
	if (!srv_acs_policy_on(pol) || pol->bundle_dir == NULL || !pol->bundle_dir[0])
		return MAYDAY_OK;
	if (pol->vendor_key == NULL || !pol->vendor_key[0]) {
		log_warnx("cwmp: no [acs] vendor_key: the golden bundles in %s are offered "
			  "unchecked", pol->bundle_dir);
		return MAYDAY_OK;
	}
	enum mayday_err err = mayday_key_load_public(pol->vendor_key, &vendor);
	EVP_PKEY_free(vendor);
	if (err != MAYDAY_OK) {
		snprintf(why, why_cap, "[acs] vendor_key %s: %s", pol->vendor_key,
			 mayday_strerror(err));
		return MAYDAY_E_KEY;
	}
	DIR *d = opendir(pol->bundle_dir);
	if (d == NULL) {
		log_warn("cwmp: [acs] bundle_dir %s", pol->bundle_dir);
		return MAYDAY_OK;   /* no bundle is offered; the directory may come later */
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 7 || len - 7 > MAYDAY_CLASS_MAX ||
		    strcmp(de->d_name + len - 7, ".bundle") != 0)
			continue;
		memcpy(klass, de->d_name, len - 7);
		klass[len - 7] = '\0';
		/* srv_acs_policy_bundle checks, logs and keeps the verdict */
		if (srv_acs_policy_bundle(pol, klass, path, sizeof(path), &size) == MAYDAY_OK)
			n++;
	}
	closedir(d);
	log_info("cwmp: %u golden bundle(s) in %s passed the check", n, pol->bundle_dir);
	return MAYDAY_OK;
}
