/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local transport (-d STORE): the API's own code (api_handle) run
 * in-process on the store file, for when maydayd is not running -- before
 * its first start, in a recovery, on a copy of the store. The caller is
 * "local:USER(uid)" with the admin role: whoever may open the file may do
 * anything to it anyway.
 *
 * maydayd is the store's only writer while it runs: a write here first
 * takes the store's writer lock without waiting (store_writer_try_lock, the
 * lock maydayd holds for its lifetime) and is refused while maydayd holds
 * it; reads need no lock (SQLite's WAL keeps them consistent beside a
 * writer). The store is never created here: a mistyped path must not
 * become an empty store.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "ctl_call.h"
#include "store.h"
#include "store_acs.h"
#include "store_api.h"

#define LOCAL_BUNDLE_MAX (256u << 20)

struct local_state {
	const char *db;
	struct store *st;
	int lock;                        /* the writer lock's handle, or -1 */
	bool locked;                     /* taken (at the first write) */
	struct api_config cfg;
	struct api_identity who;
};

static void local_close(void *state)
{
	struct local_state *s = state;
	if (s == NULL)
		return;
	store_close(s->st);
	store_writer_unlock(&s->lock);
	free(s);
}

static enum mayday_err local_open(const struct ctl_target *t, void **state, char *why, size_t cap)
{
	struct local_state *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return MAYDAY_E_NOMEM;
	s->db = t->db;
	s->lock = -1;
	enum mayday_err rc = store_open_ex(&s->st, t->db, 0, why, cap);
	if (rc != MAYDAY_OK) {
		char inner[CTL_WHY_MAX];
		snprintf(inner, sizeof(inner), "%s", why[0] ? why : mayday_strerror(rc));
		snprintf(why, cap, "cannot open store '%s': %s", t->db, inner);
		free(s);
		return rc;
	}
	s->cfg.psk_kek = t->psk_kek ? t->psk_kek : "";
	s->cfg.bundle_dir = "";      /* uploads go through maydayd, which knows its [acs] */
	s->cfg.vendor_key = "";
	s->cfg.acs_realm = STORE_ACS_REALM;
	s->cfg.bundle_max = LOCAL_BUNDLE_MAX;
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);
	snprintf(s->who.name, sizeof(s->who.name), "local:%.64s(%u)", pw ? pw->pw_name : "?",
		 (unsigned)uid);
	s->who.role = API_ROLE_ADMIN;
	*state = s;
	return MAYDAY_OK;
}

static enum mayday_err local_call(void *state, const struct ctl_request *r, struct ctl_answer *a,
				  char *why, size_t cap)
{
	struct local_state *s = state;
	char path[API_PATH_MAX + 1];
	struct api_response rs;
	enum mayday_err rc;

	memset(a, 0, sizeof(*a));
	if (strcmp(r->method, "GET") != 0 && s->lock < 0 && !s->locked) {
		/* DENIED: "maydayd is running: use the API (maydayctl without -d)" */
		rc = store_writer_try_lock(s->db, &s->lock, why, cap);
		if (rc != MAYDAY_OK)
			return rc;
		s->locked = true;   /* (a backend without a lock file leaves the handle -1) */
	}
	if (strlen(r->path) > API_PATH_MAX) {
		snprintf(why, cap, "request path longer than %u bytes", API_PATH_MAX);
		return MAYDAY_E_TOOBIG;
	}
	strcpy(path, r->path);
	char *q = strchr(path, '?');
	if (q != NULL)
		*q++ = '\0';
	struct api_request rq = {
		.method = r->method,
		.path = path,
		.query = q,
		.body = r->body,
		.body_len = r->body_len,
		.content_type = r->content_type,
		.who = &s->who,
		.now = (int64_t)time(NULL),
	};
	struct api_ctx ctx = {.st = s->st, .cfg = &s->cfg};
	rc = api_handle(&ctx, &rq, &rs);
	if (rc != MAYDAY_OK) {
		snprintf(why, cap, "the API could not build its answer: %s", mayday_strerror(rc));
		return rc;
	}
	a->status = rs.status;
	if (rs.body != NULL) {
		a->json = rs.body;
		rs.body = NULL;
		snprintf(a->type, sizeof(a->type), "application/json");
	} else if (rs.raw != NULL) {
		a->raw = rs.raw;
		a->raw_len = rs.raw_len;
		rs.raw = NULL;
		snprintf(a->type, sizeof(a->type), "%s", rs.raw_type ? rs.raw_type : "");
	}
	api_response_clear(&rs);
	return MAYDAY_OK;
}

const struct ctl_transport ctl_transport_local = {
	.name = "local",
	.open = local_open,
	.call = local_call,
	.close = local_close,
};
