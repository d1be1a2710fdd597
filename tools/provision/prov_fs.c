/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host files of the PKI directory. Durable writes go through libmayday's
 * mayday_file_write_durable, so a crash leaves the old file or the new one.
 */
#include "prov_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum mayday_err prov_fs_join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return (n < 0 || (size_t)n >= cap) ? MAYDAY_E_TOOBIG : MAYDAY_OK;
}

enum mayday_err prov_fs_mkdirs(const char *dir, unsigned mode)
{
	char buf[PROV_PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return MAYDAY_E_INVALID;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return MAYDAY_E_IO;
		*p = c;
		if (c == '\0')
			break;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return MAYDAY_E_IO;
	if ((st.st_mode & 0777 & ~(mode_t)mode) != 0 && chmod(dir, st.st_mode & mode & 0777) != 0)
		return MAYDAY_E_IO;
	return MAYDAY_OK;
}

bool prov_fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool prov_fs_dir_nonempty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)) != NULL)
		found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return found;
}

enum mayday_err prov_fs_read_all(const char *path, size_t max, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0;
	enum mayday_err rc = MAYDAY_E_IO;

	if (!f)
		return errno == ENOENT ? MAYDAY_E_NOTFOUND : MAYDAY_E_IO;
	buf = malloc(max + 1);
	if (!buf) {
		rc = MAYDAY_E_NOMEM;
		goto out;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f))
		goto out;
	if (n > max) {
		rc = MAYDAY_E_TOOBIG;
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	rc = MAYDAY_OK;
out:
	if (buf)   /* what was read may be secret: not left in freed memory */
		explicit_bzero(buf, n);
	free(buf);
	fclose(f);
	return rc;
}

enum mayday_err prov_fs_sync_parent(const char *file_path)
{
	char dir[PROV_PATH_MAX];
	const char *slash = strrchr(file_path, '/');
	size_t n = slash ? (size_t)(slash - file_path) : 0;
	int fd, r;

	if (n >= sizeof dir)
		return MAYDAY_E_TOOBIG;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (n == 0)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)n, file_path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return MAYDAY_E_IO;
	r = fsync(fd);
	close(fd);
	return r == 0 ? MAYDAY_OK : MAYDAY_E_IO;
}
