/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_get STORE PATH [QUERY [RUNS]]: serves GET PATH?QUERY through the
 * API (api_handle, in-process, as a viewer) RUNS times (default 3) on the
 * store and prints the median time in milliseconds, the status and the
 * body's size; for bench/api_reads.sh. Opening the store creates it (with
 * the current schema) when missing, so the bench can fill it by SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct store *st = NULL;
	double ms[31];
	int runs = argc > 4 ? atoi(argv[4]) : 3, status = 0;
	size_t bytes = 0;
	if (argc < 3 || runs < 1 || runs > 31) {
		fprintf(stderr, "usage: api_get STORE PATH [QUERY [RUNS]]\n");
		return 2;
	}
	if (store_open(&st, argv[1]) != MAYDAY_OK) {
		fprintf(stderr, "api_get: cannot open %s\n", argv[1]);
		return 1;
	}
	struct api_config cfg = {.psk_kek = "", .bundle_dir = "", .vendor_key = "",
				 .acs_realm = "", .bundle_max = 0};
	struct api_ctx ctx = {.st = st, .cfg = &cfg};
	struct api_identity who = {.name = "bench", .role = API_ROLE_VIEWER};
	struct api_request rq = {.method = "GET", .path = argv[2],
				 .query = argc > 3 && argv[3][0] ? argv[3] : NULL, .who = &who,
				 .now = (int64_t)time(NULL)};
	for (int i = 0; i < runs; i++) {
		struct api_response rs;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (api_handle(&ctx, &rq, &rs) != MAYDAY_OK) {
			store_close(st);
			return 1;
		}
		char *text = json_dumps(rs.body, JSON_COMPACT);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		status = rs.status;
		bytes = text != NULL ? strlen(text) : 0;
		free(text);
		api_response_clear(&rs);
	}
	qsort(ms, (size_t)runs, sizeof(ms[0]), cmp);
	printf("%.1f %d %zu\n", ms[runs / 2], status, bytes);
	store_close(st);
	return status == 200 ? 0 : 1;
}
