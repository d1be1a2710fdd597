/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the API's JSON for the tables. The API is trusted to follow its
 * own shapes (docs/openapi.json), but a field missing or of another type
 * reads as absent here (NULL, 0, false, "-") rather than crashing a table:
 * an older or newer maydayd may have one field more or less.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

const char *ctl_jstr(const json_t *o, const char *key)
{
	const json_t *v = o ? json_object_get(o, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

long long ctl_jint(const json_t *o, const char *key)
{
	const json_t *v = o ? json_object_get(o, key) : NULL;
	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_string(v))   /* the indication counter: a decimal string */
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

bool ctl_jbool(const json_t *o, const char *key)
{
	return json_is_true(o ? json_object_get(o, key) : NULL);
}

int64_t ctl_jtime(const json_t *o, const char *key)
{
	const char *s = ctl_jstr(o, key);
	struct tm tm;
	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return 0;
	return (int64_t)timegm(&tm);
}

const char *ctl_jtime_str(const json_t *o, const char *key)
{
	const char *s = ctl_jstr(o, key);
	return s ? s : "-";
}

int ctl_read_file(struct ctl *c, const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	bool bad = false;
	if (f == NULL)
		return ctl_error(c, CTL_FAIL, "io", "%s: %s", path, strerror(errno));
	/* grown as it is read: a bound of a gigabyte costs only what the file holds */
	for (;;) {
		if (n == cap) {
			size_t want = cap ? cap * 2 : 65536;
			if (want > max + 1)
				want = max + 1;
			char *p = want > cap ? realloc(buf, want + 1) : NULL;
			if (p == NULL) {
				bad = true;
				break;
			}
			buf = p;
			cap = want;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0 || n > max)
			break;
	}
	bad = bad || ferror(f) || n > max;
	fclose(f);
	if (bad) {
		free(buf);
		return ctl_error(c, CTL_FAIL, "io", "%s: unreadable or larger than %zu bytes", path,
				 max);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return CTL_OK;
}
