/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writer lock (store_api.h): an exclusive flock(2) on "<db>.writer",
 * beside the database. flock rather than fcntl locks: it belongs to the
 * open file, not to the process, so SQLite's own fcntl locks on the
 * database never interact with it, and it is released when the last
 * descriptor of it closes -- a crashed maydayd never leaves it behind.
 * The file is empty and mode 0644: a lock needs only read access, so a
 * maydayd running as its own user can take a lock file root created.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store_api.h"

#define RUNNING_MSG "maydayd is running: use the API (maydayctl without -d)"

/* The SQLite path of spec, or NULL for a spec of another backend (the
 * store front end's rule: a path, or "sqlite:PATH"). */
static const char *sqlite_path(const char *spec)
{
	const char *colon = strchr(spec, ':');
	if (spec[0] == '/' || spec[0] == '.' || colon == NULL)
		return spec;
	if ((size_t)(colon - spec) == 6 && memcmp(spec, "sqlite", 6) == 0)
		return colon + 1;
	return NULL;
}

static enum mayday_err take(const char *spec, int *handle, char *why, size_t why_cap,
			    bool offline)
{
	char path[4096];
	char none[1];
	if (why == NULL || why_cap == 0) {
		why = none;
		why_cap = sizeof(none);
	}
	why[0] = '\0';
	*handle = -1;
	if (spec == NULL || spec[0] == '\0') {
		snprintf(why, why_cap, "no store named");
		return MAYDAY_E_INVALID;
	}
	const char *db = sqlite_path(spec);
	if (db == NULL)
		return MAYDAY_OK;   /* a server database has its own writers' rules */
	int n = snprintf(path, sizeof(path), "%s.writer", db);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(why, why_cap, "%s: path too long", db);
		return MAYDAY_E_INVALID;
	}
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(why, why_cap, "cannot open the writer lock %s: %s", path, strerror(errno));
		return MAYDAY_E_IO;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		close(fd);
		if (e != EWOULDBLOCK) {
			snprintf(why, why_cap, "cannot lock %s: %s", path, strerror(e));
			return MAYDAY_E_IO;
		}
		if (offline)
			snprintf(why, why_cap, RUNNING_MSG " (it holds %s)", path);
		else
			snprintf(why, why_cap, "another maydayd (or an offline writer) is using the "
				 "store %s: it holds %s", db, path);
		return MAYDAY_E_DENIED;
	}
	*handle = fd;
	return MAYDAY_OK;
}

enum mayday_err store_writer_lock(const char *spec, int *handle, char *why, size_t why_cap)
{
	return take(spec, handle, why, why_cap, false);
}

enum mayday_err store_writer_try_lock(const char *spec, int *handle, char *why, size_t why_cap)
{
	return take(spec, handle, why, why_cap, true);
}

void store_writer_unlock(int *handle)
{
	if (handle != NULL && *handle >= 0) {
		(void)close(*handle);   /* closing the only descriptor releases the flock */
		*handle = -1;
	}
}
