/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the PostgreSQL backend: its remediation calls
 * (store_remed.h; store_pg_remed.c, store_pg_remed_class.c) and the
 * helpers the two files share.
 */
#ifndef MAYDAY_STORE_PG_REMED_H
#define MAYDAY_STORE_PG_REMED_H

#include "store_pg.h"

/* The columns of an attempt, in the order store_pg_remed_row reads them
 * (INTEGER columns cast to bigint: binary results are read as int8). */
#define STORE_PG_ATTEMPT_COLS                                                             \
	"SELECT id, incident_id, device_id, attempt::bigint, command_key, token,"         \
	" token_used::bigint, bundle, bundle_size, free_space, max_image_size, started_at," \
	" finished_at, result, fault_code, detail FROM remediation_attempts "

/* Row i of a STORE_PG_ATTEMPT_COLS result into a. */
void store_pg_remed_row(const PGresult *r, int i, struct store_remed_attempt *a);
/* Runs a listing of STORE_PG_ATTEMPT_COLS rows through cb (nonzero stops). */
enum mayday_err store_pg_remed_each(struct store_pg *p, const char *sql,
				    const struct store_pg_params *q, store_remed_cb cb,
				    void *ctx);
/* In an open transaction: the advisory lock of a product class, held until
 * it ends. Every write of remediation_class_events (the pause rule, a
 * resume, an operator's pause) takes it first and then reads the class's
 * newest event, so nodes writing one class's history go one at a time. */
enum mayday_err store_pg_remed_class_lock(struct store_pg *p, const char *product_class);

enum mayday_err store_pg_count_remed(struct store *st, struct store_remed_counts *out);
enum mayday_err store_pg_remed_status(struct store *st, const char *device_id,
				      struct store_remed_status *out);
enum mayday_err store_pg_remed_approve(struct store *st, const char *device_id, int64_t now);
enum mayday_err store_pg_remed_schedule(struct store *st, const char *device_id,
					bool need_approval, uint32_t max_attempts, int64_t now,
					bool *remediate);
enum mayday_err store_pg_remed_in_flight(struct store *st, int64_t since, uint32_t *n);
enum mayday_err store_pg_remed_begin(struct store *st, const char *device_id,
				     struct store_remed_attempt *a, int64_t since,
				     uint32_t max_in_flight, int64_t now);
enum mayday_err store_pg_remed_fail(struct store *st, const char *device_id,
				    const char *command_key, uint32_t fault_code,
				    const char *detail, uint32_t max_attempts, int64_t now,
				    bool *gave_up);
enum mayday_err store_pg_remed_installed(struct store *st, const char *device_id,
					 const char *command_key, int64_t now);
enum mayday_err store_pg_remed_recovered(struct store *st, const char *device_id,
					 const char *command_key, int64_t now);
enum mayday_err store_pg_remed_take_token(struct store *st, const char *token,
					  const char *device_id,
					  struct store_remed_attempt *out);
enum mayday_err store_pg_remed_list(struct store *st, const char *device_id,
				    store_remed_cb cb, void *ctx);

enum mayday_err store_pg_remed_class_paused(struct store *st, const char *product_class,
					    uint32_t n, int64_t now, bool *paused, bool *newly);
enum mayday_err store_pg_remed_class_resume(struct store *st, const char *product_class,
					    int64_t now, bool *was_paused);
enum mayday_err store_pg_remed_classes(struct store *st, store_remed_class_cb cb, void *ctx);
enum mayday_err store_pg_remed_class_failures(struct store *st, const char *product_class,
					      store_remed_cb cb, void *ctx);

#endif
