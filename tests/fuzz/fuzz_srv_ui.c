/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dashboard's file answers (srv_ui.h) on hostile requests: the input is
 *   <method> '\n' <path> '\n' <If-None-Match...>
 * (a missing part is empty; no If-None-Match line: none sent). Whatever
 * comes, the answer is one of 200/301/304/404/405, a 200 or 304 names an
 * embedded file and a 301 only ever moves /ui to /ui/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srv_ui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PART_MAX 4096

/* The next '\n'-ended part of the input into out (NUL-terminated, NULs in
 * it end the string early, as a C header value would); false at the end. */
static int part(const uint8_t **p, const uint8_t *end, char *out)
{
	size_t n = 0;
	if (*p >= end)
		return 0;
	while (*p < end && **p != '\n') {
		if (n < PART_MAX)
			out[n++] = (char)**p;
		(*p)++;
	}
	if (*p < end)
		(*p)++;
	out[n] = '\0';
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char method[PART_MAX + 1], path[PART_MAX + 1], inm[PART_MAX + 1];
	const uint8_t *p = data, *end = data + size;
	struct srv_ui_answer a;
	if (!part(&p, end, method))
		return 0;
	if (!part(&p, end, path) || !srv_ui_owns(path))
		return 0;
	int has_inm = part(&p, end, inm);
	srv_ui_answer(method, path, has_inm ? inm : NULL, &a);
	switch (a.status) {
	case 200:
	case 304:
		if (a.asset == NULL || a.asset->path == NULL)
			abort();
		if (a.body && (a.status != 200 || strcmp(method, "GET") != 0))
			abort();
		break;
	case 301:
		if (strcmp(path, "/ui") != 0 || strcmp(a.location, "/ui/") != 0)
			abort();
		break;
	case 404:
	case 405:
		if (a.asset != NULL && a.status == 405)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}
