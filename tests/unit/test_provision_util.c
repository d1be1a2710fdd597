/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the mayday-provision tests (see test_provision_util.h). */
#include "test_provision_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mayday/keys.h"

extern char **environ;

static int spawn(const char *out, const char *arg, va_list ap)
{
	const char *argv[64];
	int argc = 0, status = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid;

	argv[argc++] = PROVISION_BIN;
	for (const char *a = arg; a && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = a;
	argv[argc] = NULL;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out,
							  O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
	assert_int_equal(posix_spawn(&pid, PROVISION_BIN, &fa, NULL, (char *const *)argv, environ),
			 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int tp_provision(const char *arg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, arg);
	rc = spawn("/dev/null", arg, ap);
	va_end(ap);
	return rc;
}

int tp_provision_to(const char *out, const char *arg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, arg);
	rc = spawn(out, arg, ap);
	va_end(ap);
	return rc;
}

void tp_path(char *out, const char *dir, const char *part, const char *name)
{
	int n = part ? snprintf(out, TP_PATH_MAX, "%s/%s/%s", dir, part, name)
		     : snprintf(out, TP_PATH_MAX, "%s/%s", dir, name);
	assert_true(n > 0 && n < TP_PATH_MAX);
}

uint8_t *tp_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void tp_digest(const char *path, uint8_t digest[MAYDAY_DIGEST_LEN], uint64_t *size)
{
	size_t len = 0;
	uint8_t *buf = tp_read(path, &len);

	assert_non_null(buf);
	mayday_sha256(buf, len, digest);
	*size = len;
	free(buf);
}

enum mayday_err tp_manifest(const char *dev, const char *part, EVP_PKEY *vendor_pub,
			    struct mayday_manifest *m)
{
	char path[TP_PATH_MAX];
	size_t len = 0;
	struct mayday_diag diag;
	uint8_t *buf;
	enum mayday_err rc;

	tp_path(path, dev, part, "manifest.cose");
	buf = tp_read(path, &len);
	if (!buf)
		return MAYDAY_E_NOTFOUND;
	rc = mayday_manifest_verify(buf, len, vendor_pub, m, &diag);
	free(buf);
	return rc;
}

int tp_trv_matches(const char *dev, const char *part, const struct mayday_trv *t)
{
	char path[TP_PATH_MAX];
	uint8_t digest[MAYDAY_DIGEST_LEN];
	uint64_t size = 0;

	tp_path(path, dev, part, t->name);
	tp_digest(path, digest, &size);
	return size == t->size && memcmp(digest, t->digest, MAYDAY_DIGEST_LEN) == 0;
}

void tp_world_init(struct tp_world *w, int with_pki, int with_device)
{
	const char *tmp = getenv("TMPDIR");
	static const char normal[] = "#!/bin/sh\necho normal code\nexit 0\n";
	FILE *f;

	memset(w, 0, sizeof(*w));
	snprintf(w->root, sizeof(w->root), "%s/prov-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(w->root));
	tp_path(w->pki, w->root, NULL, "pki");
	tp_path(w->dev, w->root, NULL, "dev");
	tp_path(w->normal, w->root, NULL, "normal.bin");
	f = fopen(w->normal, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(normal, 1, sizeof(normal) - 1, f), sizeof(normal) - 1);
	fclose(f);
	if (!with_pki)
		return;
	assert_int_equal(tp_provision("init", "--pki", w->pki, NULL), 0);
	char path[TP_PATH_MAX];
	tp_path(path, w->pki, NULL, "vendor.pub.pem");
	assert_int_equal(mayday_key_load_public(path, &w->vendor_pub), MAYDAY_OK);
	if (!with_device)
		return;
	assert_int_equal(tp_provision("device", "--pki", w->pki, "--out", w->dev,
				      "--id", TP_DEVICE_ID, "--class", TP_CLASS,
				      "--hems", "udp:127.0.0.1:7701", "--dcf-bin", DCF_BIN,
				      "--normal-bin", w->normal, "--components", "3",
				      "--component-size", "5000", "--image-version", "2.1.0",
				      "--rollback", "3", NULL), 0);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tp_world_free(struct tp_world *w)
{
	EVP_PKEY_free(w->vendor_pub);
	w->vendor_pub = NULL;
	nftw(w->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
