/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image directories (prov_image.h). inih reads image.ini's syntax; this file
 * adds the strictness: one [image] section, known keys only, each name a
 * safe single path component listed once, the entry among the components.
 * Every component is then opened without following symlinks and hashed as
 * read, so a TRV states the bytes the bundle writer will copy (which checks
 * them again as it copies: prov_bundle.c).
 */
#include "prov_image.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "prov_fs.h"
#include "prov_log.h"

struct ini_ctx {
	struct mayday_manifest *m;
	const char *error;   /* first problem found, and the item it is about */
	char item[2 * MAYDAY_NAME_MAX + 8];
	int have_entry;
};

static int fail(struct ini_ctx *c, const char *key, const char *value, const char *what)
{
	if (!c->error) {
		c->error = what;
		snprintf(c->item, sizeof c->item, "%.64s = %.64s", key, value);
	}
	return 0;
}

/* Debian's inih passes no line number: errors name the item instead. */
static int on_item(void *user, const char *section, const char *key, const char *value)
{
	struct ini_ctx *c = user;
	struct mayday_manifest *m = c->m;
	int designated;

	if (strcmp(section, "image") != 0)
		return fail(c, key, value, "only an [image] section is allowed");
	if (strlen(value) > MAYDAY_NAME_MAX || !mayday_name_is_safe(value))
		return fail(c, key, value, "a name must be 1..64 characters of [A-Za-z0-9._-]");
	if (strcmp(key, "entry") == 0) {
		if (c->have_entry)
			return fail(c, key, value, "entry is given twice");
		snprintf(m->entry, sizeof m->entry, "%s", value);
		c->have_entry = 1;
		return 1;
	}
	if (strcmp(key, "component") == 0)
		designated = 1;
	else if (strcmp(key, "optional") == 0)
		designated = 0;
	else
		return fail(c, key, value, "unknown key (entry, component and optional are known)");
	if (mayday_manifest_find(m, value))
		return fail(c, key, value, "this component is listed twice");
	if (m->n_trv >= MAYDAY_MAX_COMPONENTS)
		return fail(c, key, value, "more than 32 components");
	struct mayday_trv *t = &m->trv[m->n_trv++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", value);
	t->designated = designated;
	return 1;
}

int prov_image_open(const char *dir, const char *name, uint64_t *size)
{
	char path[PROV_PATH_MAX];
	struct stat st;
	int fd;

	if (prov_fs_join(path, sizeof path, dir, name) != MAYDAY_OK) {
		prov_log_error("path too long: %s/%s", dir, name);
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		prov_log_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		prov_log_error("%s is not a regular file", path);
		close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

/* Size and SHA-256 of DIR/t->name, as read to its end. */
static enum mayday_err hash_component(const char *dir, struct mayday_trv *t)
{
	uint8_t buf[64 * 1024];
	unsigned int dlen = 0;
	uint64_t size = 0, done = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	enum mayday_err rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
				     ? MAYDAY_OK : MAYDAY_E_INTERNAL;
	int fd = rc == MAYDAY_OK ? prov_image_open(dir, t->name, &size) : -1;
	ssize_t n;

	if (fd < 0 && rc == MAYDAY_OK)
		rc = MAYDAY_E_NOTFOUND; /* logged by prov_image_open */
	while (rc == MAYDAY_OK && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			prov_log_error("cannot read %s/%s: %s", dir, t->name, strerror(errno));
			rc = MAYDAY_E_IO;
		} else if (EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
			rc = MAYDAY_E_INTERNAL;
		} else {
			done += (uint64_t)n;
		}
	}
	if (rc == MAYDAY_OK && EVP_DigestFinal_ex(md, t->digest, &dlen) != 1)
		rc = MAYDAY_E_INTERNAL;
	if (rc == MAYDAY_OK && done != size) {
		prov_log_error("%s/%s changed while it was read", dir, t->name);
		rc = MAYDAY_E_MISMATCH;
	}
	t->size = done;
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(md);
	return rc;
}

/* inih reads a line of 200 bytes or more as several lines (the tail parsed
 * as a line of its own) and an indented line as the continuation of a value,
 * which it hands over as one more item: either way image.ini would list a
 * component a reader does not see. Both are refused before inih runs. 1 on
 * success, 0 with *line_no set. */
static int lines_plain(const char *s, int *line_no)
{
	int n = 1;

	for (const char *p = s; *p; n++) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		size_t i = 0;

		while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		if (len >= PROV_IMAGE_LINE_MAX || (i > 0 && i < len)) {
			*line_no = n;
			return 0;
		}
		p += len + (end ? 1 : 0);
	}
	return 1;
}

enum mayday_err prov_image_load(const char *dir, struct mayday_manifest *m)
{
	char path[PROV_PATH_MAX];
	uint8_t *text = NULL;
	size_t len = 0;
	struct ini_ctx c = { .m = m };
	enum mayday_err rc;

	m->kind = MAYDAY_MANIFEST_IMAGE;
	m->n_trv = 0;
	m->entry[0] = '\0';
	if (prov_fs_join(path, sizeof path, dir, PROV_IMAGE_INI) != MAYDAY_OK) {
		prov_log_error("--image: path too long: %s", dir);
		return MAYDAY_E_TOOBIG;
	}
	rc = prov_fs_read_all(path, PROV_IMAGE_INI_MAX, &text, &len);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot read %s: %s (at most %d bytes)", path, mayday_strerror(rc),
			       PROV_IMAGE_INI_MAX);
		return rc;
	}
	/* prov_fs_read_all's buffer is NUL-terminated only if we make it so. */
	char *s = malloc(len + 1);
	if (!s) {
		free(text);
		return MAYDAY_E_NOMEM;
	}
	memcpy(s, text, len);
	s[len] = '\0';
	free(text);
	int bad_line = 0;
	if (!memchr(s, '\0', len) && !lines_plain(s, &bad_line)) {
		prov_log_error("%s: line %d: longer than %d bytes or indented (neither is allowed)",
			       path, bad_line, PROV_IMAGE_LINE_MAX - 1);
		free(s);
		return MAYDAY_E_INVALID;
	}
	int perr = memchr(s, '\0', len) ? -2 : ini_parse_string(s, on_item, &c);
	free(s);
	if (c.error) {
		prov_log_error("%s: \"%s\": %s", path, c.item, c.error);
		return MAYDAY_E_INVALID;
	}
	if (perr != 0) {
		prov_log_error("%s: line %d: not INI syntax", path, perr > 0 ? perr : 0);
		return MAYDAY_E_INVALID;
	}
	if (m->n_trv == 0 || !c.have_entry || !mayday_manifest_find(m, m->entry)) {
		prov_log_error("%s: needs entry = NAME and at least that component listed", path);
		return MAYDAY_E_INVALID;
	}
	/* The installer's own rules: a bundle signed here must not be one every
	 * device refuses. */
	const char *why = NULL;
	if (mayday_image_manifest_check(m, &why) != MAYDAY_OK) {
		prov_log_error("%s: %s (entry = %s)", path, why, m->entry);
		return MAYDAY_E_INVALID;
	}
	for (uint32_t i = 0; i < m->n_trv; i++)
		if ((rc = hash_component(dir, &m->trv[i])) != MAYDAY_OK)
			return rc;
	return MAYDAY_OK;
}
