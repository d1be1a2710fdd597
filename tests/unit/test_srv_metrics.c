/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server/srv_stats.c and srv_metrics.c: what a slot leaving the pipeline
 * counts (outcome by method, ack latency), the histograms' buckets and
 * sums, and the exposition the admin listener serves -- queue depths and
 * remediation attempts read from a real temporary store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "srv_listener.h"
#include "srv_metrics.h"
#include "srv_slot.h"
#include "test_store_fixture.h"

struct t {
	struct fx fx;
	struct srv_stats *stats;
	struct srv_queue pool, work, commit;
	struct srv_slot *slots;
	char *text;                /* the last render, NUL-terminated */
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	fx_open(&t->fx);
	t->stats = calloc(1, sizeof(*t->stats));
	t->slots = calloc(8, sizeof(*t->slots));
	assert_non_null(t->stats);
	assert_non_null(t->slots);
	assert_int_equal(srv_queue_init(&t->pool, 8, 1), MAYDAY_OK);
	assert_int_equal(srv_queue_init(&t->work, 8, 2), MAYDAY_OK);
	assert_int_equal(srv_queue_init(&t->commit, 8, 1), MAYDAY_OK);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	srv_queue_fini(&t->pool);
	srv_queue_fini(&t->work);
	srv_queue_fini(&t->commit);
	fx_close(&t->fx);
	free(t->text);
	free(t->slots);
	free(t->stats);
	free(t);
	return 0;
}

static const char *render(struct t *t, struct store *st)
{
	struct srv_metrics_src src = {.stats = t->stats, .pool = &t->pool, .work = &t->work,
				      .commit = &t->commit, .n_slots = 8};
	struct evbuffer *b = evbuffer_new();
	assert_non_null(b);
	assert_int_equal(srv_metrics_render(&src, st, b), MAYDAY_OK);
	size_t n = evbuffer_get_length(b);
	free(t->text);
	t->text = malloc(n + 1);
	assert_non_null(t->text);
	assert_int_equal(evbuffer_remove(b, t->text, n), (int)n);
	t->text[n] = '\0';
	evbuffer_free(b);
	return t->text;
}

/* The line is in the text, whole. */
static void has(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("no line '%s'", line);
}

static void lacks(const char *text, const char *part)
{
	if (strstr(text, part) != NULL)
		fail_msg("'%s' should not be there", part);
}

static struct srv_slot *slot(struct t *t, size_t i, uint32_t method, enum srv_verdict v)
{
	struct srv_slot *s = &t->slots[i];
	srv_slot_reset(s, NULL, method);
	s->verdict = v;
	return s;
}

static void test_outcomes(void **state)
{
	struct t *t = *state;
	uint64_t now = srv_stats_now_ns();
	struct srv_slot *s;

	s = slot(t, 0, MAYDAY_TRANSPORT_PLAIN_UDP, SRV_STORE);   /* stored, acked 3 ms later */
	s->committed = 1;
	s->rec.outcome = STORE_NEW;
	s->rec.trust = STORE_TRUST_SIGNED;
	s->ack_len = 100;
	s->received_ns = now - 3000000;
	srv_stats_finished(t->stats, s, now);
	s = slot(t, 1, MAYDAY_TRANSPORT_PLAIN_HTTP, SRV_STORE);  /* unverified, acked 2 s later */
	s->committed = 1;
	s->rec.outcome = STORE_NEW;
	s->rec.trust = STORE_TRUST_UNVERIFIED;
	s->ack_len = 100;
	s->received_ns = now - 2000000000u;
	srv_stats_finished(t->stats, s, now);
	s = slot(t, 2, MAYDAY_TRANSPORT_TLS, SRV_STORE);         /* conflict: REJECTED */
	s->committed = 1;
	s->rec.outcome = STORE_CONFLICT;
	s->ack_len = 100;
	s->received_ns = now;
	srv_stats_finished(t->stats, s, now);
	s = slot(t, 3, MAYDAY_TRANSPORT_PSK, SRV_STORE);         /* window replay: no answer */
	s->committed = 1;
	s->rec.outcome = STORE_REPLAY;
	srv_stats_finished(t->stats, s, now);
	s = slot(t, 4, MAYDAY_TRANSPORT_IPSEC, SRV_STORE);       /* the batch failed */
	srv_stats_finished(t->stats, s, now);
	srv_stats_finished(t->stats, slot(t, 5, MAYDAY_TRANSPORT_PLAIN_HTTP, SRV_DROP_LIMITED),
			   now);
	srv_stats_finished(t->stats, slot(t, 6, MAYDAY_TRANSPORT_PSK, SRV_DROP_KEY), now);
	srv_stats_finished(t->stats, slot(t, 7, MAYDAY_TRANSPORT_PLAIN_UDP, SRV_DROP_MALFORMED),
			   now);
	s = slot(t, 2, MAYDAY_TRANSPORT_PLAIN_HTTP, SRV_STORE);  /* below the device's highest */
	s->committed = 1;                                        /* counter: stale, REJECTED */
	s->rec.outcome = STORE_STALE;
	s->rec.trust = STORE_TRUST_SIGNED;
	srv_stats_finished(t->stats, s, now);

	const char *m = render(t, NULL);
	has(m, "maydayd_indications_total{method=\"plain-udp\",outcome=\"stored\"} 1");
	has(m, "maydayd_indications_total{method=\"plain-udp\",outcome=\"malformed\"} 1");
	has(m, "maydayd_indications_total{method=\"plain-udp\",outcome=\"duplicate\"} 0");
	has(m, "maydayd_indications_total{method=\"plain-http\",outcome=\"stored-unverified\"} 1");
	has(m, "maydayd_indications_total{method=\"plain-http\",outcome=\"rate-limited\"} 1");
	has(m, "maydayd_indications_total{method=\"tls\",outcome=\"rejected\"} 1");
	has(m, "maydayd_indications_total{method=\"plain-http\",outcome=\"stale\"} 1");
	has(m, "maydayd_indications_total{method=\"tls\",outcome=\"stale\"} 0");
	has(m, "maydayd_indications_total{method=\"psk\",outcome=\"replay\"} 1");
	has(m, "maydayd_indications_total{method=\"psk\",outcome=\"bad-key\"} 1");
	has(m, "maydayd_indications_total{method=\"ipsec\",outcome=\"not-stored\"} 1");
	/* Three acks: 3 ms, 2 s and 0; the unanswered ones are not observed. */
	has(m, "maydayd_ingest_to_ack_seconds_bucket{le=\"0.0001\"} 1");
	has(m, "maydayd_ingest_to_ack_seconds_bucket{le=\"0.0025\"} 1");
	has(m, "maydayd_ingest_to_ack_seconds_bucket{le=\"0.005\"} 2");
	has(m, "maydayd_ingest_to_ack_seconds_bucket{le=\"1\"} 2");
	has(m, "maydayd_ingest_to_ack_seconds_bucket{le=\"2.5\"} 3");
	has(m, "maydayd_ingest_to_ack_seconds_bucket{le=\"+Inf\"} 3");
	has(m, "maydayd_ingest_to_ack_seconds_count 3");
	has(m, "maydayd_ingest_to_ack_seconds_sum 2.003");
	lacks(m, "maydayd_remediation_attempts");   /* no store given */
}

static void test_histograms(void **state)
{
	struct t *t = *state;
	static const uint64_t rows[] = {1, 3, 1000, 1001};
	for (size_t i = 0; i < 4; i++)
		srv_stats_observe(t->stats, SRV_HIST_BATCH_ROWS, rows[i]);
	srv_stats_observe(t->stats, SRV_HIST_COMMIT, 100000);       /* on the first bound */
	srv_stats_observe(t->stats, SRV_HIST_COMMIT, 20000000000u); /* beyond the last */
	const char *m = render(t, NULL);
	has(m, "# TYPE maydayd_store_commit_batch_rows histogram");
	has(m, "maydayd_store_commit_batch_rows_bucket{le=\"1\"} 1");
	has(m, "maydayd_store_commit_batch_rows_bucket{le=\"2\"} 1");
	has(m, "maydayd_store_commit_batch_rows_bucket{le=\"4\"} 2");
	has(m, "maydayd_store_commit_batch_rows_bucket{le=\"512\"} 2");
	has(m, "maydayd_store_commit_batch_rows_bucket{le=\"1000\"} 3");
	has(m, "maydayd_store_commit_batch_rows_bucket{le=\"+Inf\"} 4");
	has(m, "maydayd_store_commit_batch_rows_sum 2005");
	has(m, "maydayd_store_commit_batch_rows_count 4");
	has(m, "maydayd_store_commit_seconds_bucket{le=\"0.0001\"} 1");
	has(m, "maydayd_store_commit_seconds_bucket{le=\"10\"} 1");
	has(m, "maydayd_store_commit_seconds_bucket{le=\"+Inf\"} 2");
	has(m, "maydayd_store_commit_seconds_sum 20.0001");
	has(m, "maydayd_store_commit_seconds_count 2");
}

static void test_exposition(void **state)
{
	struct t *t = *state;
	struct srv_slot *s[3] = {&t->slots[0], &t->slots[1], &t->slots[2]};
	srv_queue_push(&t->pool, 0, s, 2);
	srv_queue_push(&t->work, SRV_LANE_VERIFY, s + 2, 1);
	srv_stats_add(&t->stats->tls_handshakes, 5);
	srv_stats_add(&t->stats->tls_failed, 2);
	srv_stats_add(&t->stats->tls_no_close_notify, 4);
	srv_stats_add(&t->stats->http_refused, 7);

	/* Attempts straight into the file (this connection does not enforce
	 * foreign keys): one in progress, two failed. */
	sqlite3 *db;
	char path[320];
	snprintf(path, sizeof(path), "%s/hems.db", t->fx.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO remediation_attempts (incident_id, device_id, attempt, command_key,"
		" token, bundle, bundle_size, free_space, max_image_size, started_at, result)"
		" VALUES (1, 'x', 1, 'k1', '', 'b', 1, 1, 1, 0, 'in_progress'),"
		" (1, 'x', 2, 'k2', '', 'b', 1, 1, 1, 0, 'failed'),"
		" (2, 'y', 1, 'k3', '', 'b', 1, 1, 1, 0, 'failed')", NULL, NULL, NULL), SQLITE_OK);
	/* Devices by state: two silent, one healthy. */
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO devices (id, product_class, pubkey_pem, state, state_since, enrolled_at)"
		" VALUES ('a', 'c', 'p', 'unreachable', 0, 0), ('b', 'c', 'p', 'healthy', 0, 0),"
		" ('d', 'c', 'p', 'unreachable', 0, 0)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	const char *m = render(t, t->fx.st);
	assert_true(strncmp(m, "# HELP maydayd_build_info ", 26) == 0);
	has(m, "# TYPE maydayd_build_info gauge");
	has(m, "maydayd_slots 8");
	has(m, "maydayd_queue_slots{queue=\"free\"} 2");
	has(m, "maydayd_queue_slots{queue=\"verify\"} 1");
	has(m, "maydayd_queue_slots{queue=\"commit\"} 0");
	has(m, "maydayd_queue_slots{queue=\"ack\"} 0");
	has(m, "maydayd_tls_handshakes_total{result=\"ok\"} 5");
	has(m, "maydayd_tls_handshakes_total{result=\"failed\"} 2");
	has(m, "maydayd_tls_closed_without_close_notify_total 4");
	has(m, "maydayd_http_requests_refused_total 7");
	has(m, "# TYPE maydayd_remediation_attempts gauge");
	has(m, "maydayd_remediation_attempts{result=\"in_progress\"} 1");
	has(m, "maydayd_remediation_attempts{result=\"failed\"} 2");
	has(m, "maydayd_remediation_attempts{result=\"recovered\"} 0");
	has(m, "# TYPE maydayd_devices gauge");
	has(m, "maydayd_devices{state=\"unreachable\"} 2");
	has(m, "maydayd_devices{state=\"healthy\"} 1");
	has(m, "maydayd_devices{state=\"in_distress\"} 0");
	has(m, "maydayd_devices{state=\"remediation_failed\"} 0");
	has(m, "maydayd_scrape_store_errors_total 0");
	/* Every counter family is a _total, and every family has HELP and TYPE. */
	for (const char *p = m; (p = strstr(p, "# TYPE ")) != NULL; p++) {
		char name[128], type[32];
		assert_int_equal(sscanf(p, "# TYPE %127s %31s", name, type), 2);
		assert_true(strncmp(name, "maydayd_", 8) == 0);
		if (strcmp(type, "counter") == 0)
			assert_non_null(strstr(name, "_total"));
		char help[160];
		snprintf(help, sizeof(help), "# HELP %s ", name);
		assert_non_null(strstr(m, help));
	}
	/* A store that cannot answer: the family is left out and counted. */
	fx_close(&t->fx);
	fx_open(&t->fx);
	snprintf(path, sizeof(path), "%s/hems.db", t->fx.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE remediation_attempts", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	m = render(t, t->fx.st);
	lacks(m, "maydayd_remediation_attempts");
	has(m, "maydayd_scrape_store_errors_total 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outcomes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histograms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exposition, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
