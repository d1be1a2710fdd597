/* SPDX-License-Identifier: Apache-2.0 */
/* mayday-normal's attach settings: the input is split at NUL bytes into the
 * values of MAYDAY_SEGW, MAYDAY_ATTACH_TRIES, MAYDAY_ATTACH_TIMEOUT_S and
 * MAYDAY_ATTACH_INTERVAL_S. The parser never crashes, and what it accepts
 * is in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normal_attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *names[4] = { "MAYDAY_SEGW", "MAYDAY_ATTACH_TRIES", "MAYDAY_ATTACH_TIMEOUT_S",
				"MAYDAY_ATTACH_INTERVAL_S" };
static const char *values[4];

static const char *get(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return values[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	struct normal_attach_cfg c;
	char err[128];
	size_t at = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (int i = 0; i < 4; i++) {
		values[i] = at <= size ? buf + at : NULL;
		if (values[i])
			at += strlen(values[i]) + 1;
	}
	if (normal_attach_cfg_parse(&c, get, err, sizeof err) == MAYDAY_OK) {
		if (c.n_segw > NORMAL_ATTACH_SEGW_MAX || c.tries < 1 || c.tries > 1000 ||
		    c.timeout_s < 1 || c.timeout_s > 3600 || c.interval_s > 3600)
			abort();
		for (unsigned i = 0; i < c.n_segw; i++)
			if (c.segw[i].host[0] == '\0' || strlen(c.segw[i].host) > NORMAL_ATTACH_HOST_MAX ||
			    atoi(c.segw[i].port) < 1 || atoi(c.segw[i].port) > 65535)
				abort();
	} else if (err[0] == '\0') {
		abort();
	}
	free(buf);
	return 0;
}
