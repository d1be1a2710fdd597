/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the flash HAL (host backend): names, bounds, atomic replace,
 * streaming, temporaries, operation counting. */
#define _GNU_SOURCE /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal_specs.h"
#include "hal/flash.h"

struct fixture {
	char dir[PATH_MAX];
	struct hal_flash *f;
};

/* snprintf that must not truncate */
__attribute__((format(printf, 3, 4))) static void fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	fmt(fx->dir, sizeof(fx->dir), "%s/mayday-flash-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(hal_flash_open(&fx->f, fx->dir, hal_specs_flash()), MAYDAY_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	hal_flash_close(fx->f);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void host_path(const struct fixture *fx, const char *part, const char *name, char *out,
		      size_t cap)
{
	fmt(out, cap, "%s/%s/%s", fx->dir, part, name);
}

static void put_host_file(const struct fixture *fx, const char *part, const char *name,
			  const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	host_path(fx, part, name, path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Number of directory entries (other than . and ..) in PART on the host. */
static int count_entries(const struct fixture *fx, const char *part, const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	fmt(path, sizeof(path), "%s/%s", fx->dir, part);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (prefix == NULL || strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static void test_round_trip(void **state)
{
	struct fixture *fx = *state;
	uint8_t a[1000], b[37], out[2000];
	size_t len = 0;

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_SLOT_A, "comp", a, sizeof(a)),
			 MAYDAY_OK);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_A, "comp", out, sizeof(out), &len),
			 MAYDAY_OK);
	assert_int_equal(len, sizeof(a));
	assert_memory_equal(out, a, sizeof(a));

	/* Overwrite with a shorter file: nothing of the old one remains. */
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_SLOT_A, "comp", b, sizeof(b)),
			 MAYDAY_OK);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_A, "comp", out, sizeof(out), &len),
			 MAYDAY_OK);
	assert_int_equal(len, sizeof(b));
	assert_memory_equal(out, b, sizeof(b));

	/* Empty file, and a read into a buffer of exactly the right size. */
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_STATE, "empty", NULL, 0), MAYDAY_OK);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_STATE, "empty", out, sizeof(out), &len),
			 MAYDAY_OK);
	assert_int_equal(len, 0);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_A, "comp", out, sizeof(b), &len),
			 MAYDAY_OK);
	assert_int_equal(len, sizeof(b));

	/* A partition outside the standard set is created on first use. */
	assert_int_equal(hal_flash_write_atomic(fx->f, "extra", "x", "hello", 5), MAYDAY_OK);
	assert_int_equal(hal_flash_read(fx->f, "extra", "x", out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "hello", 5);
}

static void test_toobig_notfound(void **state)
{
	struct fixture *fx = *state;
	uint8_t data[100], out[100];
	struct hal_flash_reader *r = (void *)1;
	uint64_t size;
	size_t len = 123;

	fill(data, sizeof(data), 3);
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_STATE, "conf", data, sizeof(data)),
			 MAYDAY_OK);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_STATE, "conf", out, 99, &len),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(len, 0);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_STATE, "conf", out, 0, &len), MAYDAY_E_TOOBIG);

	assert_int_equal(hal_flash_read(fx->f, HAL_PART_STATE, "absent", out, sizeof(out), &len),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(hal_flash_remove(fx->f, HAL_PART_STATE, "absent"), MAYDAY_E_NOTFOUND);
	assert_int_equal(hal_flash_reader_open(fx->f, HAL_PART_STATE, "absent", &r, &size),
			 MAYDAY_E_NOTFOUND);
	assert_null(r);

	assert_int_equal(hal_flash_remove(fx->f, HAL_PART_STATE, "conf"), MAYDAY_OK);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_STATE, "conf", out, sizeof(out), &len),
			 MAYDAY_E_NOTFOUND);
}

static enum mayday_err count_cb(void *ctx, const char *name, uint64_t size)
{
	(void)name;
	(void)size;
	(*(int *)ctx)++;
	return MAYDAY_OK;
}

static void test_invalid_names(void **state)
{
	static const char *const bad[] = {
		"../x", "a/b", "", ".", "..", "/abs", ".tmp-1-1-x", "sp ace", "tab\t", "new\nline",
		"x\x80y",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 bytes */
	};
	struct fixture *fx = *state;
	struct hal_flash_writer *w = (void *)1;
	struct hal_flash_reader *r = (void *)1;
	char path[PATH_MAX];
	uint8_t buf[16];
	uint64_t size;
	size_t len;
	int n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *b = bad[i];

		assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_STATE, b, "x", 1),
				 MAYDAY_E_INVALID);
		assert_int_equal(hal_flash_write_atomic(fx->f, b, "name", "x", 1), MAYDAY_E_INVALID);
		assert_int_equal(hal_flash_read(fx->f, HAL_PART_STATE, b, buf, sizeof(buf), &len),
				 MAYDAY_E_INVALID);
		assert_int_equal(hal_flash_read(fx->f, b, "name", buf, sizeof(buf), &len),
				 MAYDAY_E_INVALID);
		assert_int_equal(hal_flash_remove(fx->f, HAL_PART_STATE, b), MAYDAY_E_INVALID);
		assert_int_equal(hal_flash_path(fx->f, HAL_PART_STATE, b, path, sizeof(path)),
				 MAYDAY_E_INVALID);
		assert_int_equal(hal_flash_list(fx->f, b, count_cb, &n), MAYDAY_E_INVALID);
		assert_int_equal(hal_flash_reader_open(fx->f, HAL_PART_STATE, b, &r, &size),
				 MAYDAY_E_INVALID);
		assert_null(r);
		assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_STATE, b, &w),
				 MAYDAY_E_INVALID);
		assert_null(w);
	}
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_STATE, NULL, "x", 1),
			 MAYDAY_E_INVALID);
	assert_int_equal(n, 0);
	/* Nothing was written, inside the partition or next to it. */
	assert_int_equal(count_entries(fx, HAL_PART_STATE, NULL), 0);
	fmt(path, sizeof(path), "%s/x", fx->dir);
	assert_int_not_equal(access(path, F_OK), 0);
	fmt(path, sizeof(path), "%s/name", fx->dir);
	assert_int_not_equal(access(path, F_OK), 0);

	/* The longest valid name works. */
	assert_int_equal(hal_flash_write_atomic(
				 fx->f, HAL_PART_STATE,
				 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x", 1),
			 MAYDAY_OK);
}

static void test_regular_files_only(void **state)
{
	struct fixture *fx = *state;
	char target[PATH_MAX], link[PATH_MAX], sub[PATH_MAX], fifo[PATH_MAX];
	struct hal_flash_reader *r = NULL;
	uint8_t buf[64];
	uint64_t size;
	size_t len;

	put_host_file(fx, HAL_PART_SLOT_B, "real", "real data");
	host_path(fx, HAL_PART_SLOT_B, "real", target, sizeof(target));
	host_path(fx, HAL_PART_SLOT_B, "link", link, sizeof(link));
	host_path(fx, HAL_PART_SLOT_B, "sub", sub, sizeof(sub));
	host_path(fx, HAL_PART_SLOT_B, "fifo", fifo, sizeof(fifo));
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_B, "real", buf, sizeof(buf), &len),
			 MAYDAY_OK);
	assert_int_equal(len, 9);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_B, "link", buf, sizeof(buf), &len),
			 MAYDAY_E_IO);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_B, "sub", buf, sizeof(buf), &len),
			 MAYDAY_E_IO);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_B, "fifo", buf, sizeof(buf), &len),
			 MAYDAY_E_IO);
	assert_int_equal(hal_flash_reader_open(fx->f, HAL_PART_SLOT_B, "link", &r, &size),
			 MAYDAY_E_IO);
	assert_null(r);
}

struct listing {
	int n;
	int seen_a, seen_b;
	uint64_t size_a, size_b;
	int bad;
};

static enum mayday_err list_cb(void *ctx, const char *name, uint64_t size)
{
	struct listing *l = ctx;

	l->n++;
	if (strcmp(name, "a") == 0) {
		l->seen_a++;
		l->size_a = size;
	} else if (strcmp(name, "b") == 0) {
		l->seen_b++;
		l->size_b = size;
	} else {
		l->bad++;
	}
	return MAYDAY_OK;
}

static enum mayday_err stop_cb(void *ctx, const char *name, uint64_t size)
{
	(void)name;
	(void)size;
	(*(int *)ctx)++;
	return MAYDAY_E_MISMATCH;
}

static void test_list_skips_temporaries(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash_writer *w = NULL;
	struct listing l = { 0 };
	char path[PATH_MAX];
	int calls = 0;

	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_SLOT_A, "a", "12345", 5), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_SLOT_A, "b", "1", 1), MAYDAY_OK);
	/* What a power cut leaves, an open writer's temporary, and non-files. */
	put_host_file(fx, HAL_PART_SLOT_A, ".tmp-99-1-a", "stale");
	assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_SLOT_A, "c", &w), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_write(w, "partial", 7), MAYDAY_OK);
	host_path(fx, HAL_PART_SLOT_A, "dir", path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	host_path(fx, HAL_PART_SLOT_A, "lnk", path, sizeof(path));
	assert_int_equal(symlink("a", path), 0);
	put_host_file(fx, HAL_PART_SLOT_A, "bad name", "x");

	assert_int_equal(hal_flash_list(fx->f, HAL_PART_SLOT_A, list_cb, &l), MAYDAY_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.seen_a, 1);
	assert_int_equal(l.seen_b, 1);
	assert_int_equal(l.size_a, 5);
	assert_int_equal(l.size_b, 1);
	assert_int_equal(l.bad, 0);

	/* The callback's error stops the walk and is returned. */
	assert_int_equal(hal_flash_list(fx->f, HAL_PART_SLOT_A, stop_cb, &calls),
			 MAYDAY_E_MISMATCH);
	assert_int_equal(calls, 1);
	hal_flash_writer_abort(w);

	/* An empty partition lists nothing. */
	calls = 0;
	assert_int_equal(hal_flash_list(fx->f, HAL_PART_RUN, stop_cb, &calls), MAYDAY_OK);
	assert_int_equal(calls, 0);
}

static void test_host_stale_temporaries_cleaned(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX], extra[PATH_MAX];
	uint8_t buf[16];
	size_t len;

	hal_flash_close(fx->f);
	fx->f = NULL;
	put_host_file(fx, HAL_PART_STATE, ".tmp-1-1-boot", "half");
	put_host_file(fx, HAL_PART_STATE, ".tmp-2-7-other", "half");
	put_host_file(fx, HAL_PART_STATE, "boot", "kept");
	put_host_file(fx, HAL_PART_ROT, ".tmp-3-1-counters", "x");
	fmt(extra, sizeof(extra), "%s/extra", fx->dir);
	assert_int_equal(mkdir(extra, 0700), 0);
	put_host_file(fx, "extra", ".tmp-4-1-y", "x");
	assert_int_equal(count_entries(fx, HAL_PART_STATE, ".tmp-"), 2);

	put_host_file(fx, HAL_PART_SLOT_A, ".tmp-5-1-comp", "x");
	/* Opening the device opens no partition: each is opened, and swept,
	 * when the handle first uses it. */
	assert_int_equal(hal_flash_open(&fx->f, fx->dir, "host"), MAYDAY_OK);
	assert_int_equal(count_entries(fx, HAL_PART_STATE, ".tmp-"), 2);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_STATE, "boot", buf, sizeof(buf), &len),
			 MAYDAY_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "kept", 4);
	assert_int_equal(count_entries(fx, HAL_PART_STATE, ".tmp-"), 0);
	assert_int_equal(count_entries(fx, HAL_PART_STATE, NULL), 1);
	host_path(fx, HAL_PART_STATE, "boot", path, sizeof(path));
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(count_entries(fx, HAL_PART_ROT, ".tmp-"), 1);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_ROT, "counters", buf, sizeof(buf), &len),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(count_entries(fx, HAL_PART_ROT, ".tmp-"), 0);
	/* A partition the handle never used is never touched. */
	assert_int_equal(count_entries(fx, HAL_PART_SLOT_A, ".tmp-"), 1);

	/* A non-standard partition is cleaned when it is first used. */
	assert_int_equal(count_entries(fx, "extra", ".tmp-"), 1);
	assert_int_equal(hal_flash_read(fx->f, "extra", "y", buf, sizeof(buf), &len),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(count_entries(fx, "extra", ".tmp-"), 0);
}

static void test_host_open_creates_layout(void **state)
{
	static const char *const parts[] = {
		HAL_PART_ROT, HAL_PART_DCF, HAL_PART_SLOT_A, HAL_PART_SLOT_B, HAL_PART_STATE, HAL_PART_RUN,
	};
	struct fixture *fx = *state;
	struct hal_flash *g = NULL;
	char dev[PATH_MAX], path[PATH_MAX];
	struct stat st;

	fmt(dev, sizeof(dev), "%s/newdev", fx->dir);
	assert_int_equal(hal_flash_open(&g, dev, "host"), MAYDAY_OK);
	assert_string_equal(hal_flash_device_dir(g), dev);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		fmt(path, sizeof(path), "%s/%s", dev, parts[i]);
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	/* Creating each partition made its directory entry durable. */
	assert_int_equal(hal_flash_ops_count(g), 6);
	hal_flash_close(g);

	/* A second open of the same device changes nothing. */
	assert_int_equal(hal_flash_open(&g, dev, "host"), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(g), 0);
	hal_flash_close(g);

	/* Only one level is created; unknown backends are refused. */
	fmt(dev, sizeof(dev), "%s/no/such", fx->dir);
	assert_int_equal(hal_flash_open(&g, dev, "host"), MAYDAY_E_NOTFOUND);
	assert_null(g);
	assert_int_equal(hal_flash_open(&g, fx->dir, "nand"), MAYDAY_E_INVALID);
	assert_int_equal(hal_flash_open(&g, fx->dir, "host:x"), MAYDAY_E_INVALID);
	assert_int_equal(hal_flash_open(&g, fx->dir, ""), MAYDAY_E_INVALID);
	assert_int_equal(hal_flash_open(&g, "", "host"), MAYDAY_E_INVALID);
	assert_null(g);
	hal_flash_close(NULL);
}

/* Counts the regular files of PART and sums their bytes. */
struct tally {
	int n;
	uint64_t bytes;
};

static enum mayday_err tally_cb(void *ctx, const char *name, uint64_t size)
{
	struct tally *t = ctx;

	(void)name;
	t->n++;
	t->bytes += size;
	return MAYDAY_OK;
}

/* The DCF partition changes only through a provisioning handle; a device
 * handle (the boot, normal code, installer, DCF) reads it and nothing more. */
static void test_dcf_write_protected(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash *p = NULL, *g = NULL;
	struct hal_flash_writer *w = (void *)1;
	struct tally t = { 0, 0 };
	uint8_t out[16];
	size_t len = 0;
	uint64_t before;

	/* Provisioning writes, replaces and removes. */
	assert_int_equal(hal_flash_open_provisioning(&p, fx->dir, hal_specs_fault(NULL)), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(p, HAL_PART_DCF, "dcf.conf", "one", 3), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(p, HAL_PART_DCF, "gone", "x", 1), MAYDAY_OK);
	assert_int_equal(hal_flash_remove(p, HAL_PART_DCF, "gone"), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_open(p, HAL_PART_DCF, "ca.pem", &w), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_write(w, "pem", 3), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_commit(w), MAYDAY_OK);
	hal_flash_close(p);

	/* A device handle: every change is refused before the medium is touched. */
	assert_int_equal(hal_flash_open(&g, fx->dir, hal_specs_fault(NULL)), MAYDAY_OK);
	before = hal_flash_ops_count(g);
	assert_int_equal(hal_flash_write_atomic(g, HAL_PART_DCF, "dcf.conf", "two", 3),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_flash_write_atomic(g, HAL_PART_DCF, "new", "two", 3),
			 MAYDAY_E_INVALID);
	assert_int_equal(hal_flash_remove(g, HAL_PART_DCF, "dcf.conf"), MAYDAY_E_INVALID);
	w = (void *)1;
	assert_int_equal(hal_flash_writer_open(g, HAL_PART_DCF, "ca.pem", &w), MAYDAY_E_INVALID);
	assert_null(w);
	assert_int_equal(hal_flash_ops_count(g), before);
	/* Nothing changed: the same two files, the same bytes, no temporary. */
	assert_int_equal(hal_flash_read(g, HAL_PART_DCF, "dcf.conf", out, sizeof out, &len),
			 MAYDAY_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "one", 3);
	assert_int_equal(hal_flash_list(g, HAL_PART_DCF, tally_cb, &t), MAYDAY_OK);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.bytes, 6);
	assert_int_equal(count_entries(fx, HAL_PART_DCF, ".tmp-"), 0);
	assert_int_equal(count_entries(fx, HAL_PART_DCF, NULL), 2);
	/* Other partitions stay writable through the same handle. */
	assert_int_equal(hal_flash_write_atomic(g, HAL_PART_STATE, "s", "x", 1), MAYDAY_OK);
	hal_flash_close(g);

	/* A device handle leaves provisioning's debris in the DCF partition alone
	 * (it is a change there); the next provisioning open sweeps it. */
	put_host_file(fx, HAL_PART_DCF, ".tmp-1-1-dcf.conf", "half");
	assert_int_equal(hal_flash_open(&g, fx->dir, hal_specs_flash()), MAYDAY_OK);
	assert_int_equal(hal_flash_read(g, HAL_PART_DCF, "dcf.conf", out, sizeof(out), &len), MAYDAY_OK);
	hal_flash_close(g);
	assert_int_equal(count_entries(fx, HAL_PART_DCF, ".tmp-"), 1);
	assert_int_equal(hal_flash_open_provisioning(&p, fx->dir, hal_specs_flash()), MAYDAY_OK);
	assert_int_equal(hal_flash_read(p, HAL_PART_DCF, "dcf.conf", out, sizeof(out), &len), MAYDAY_OK);
	hal_flash_close(p);
	assert_int_equal(count_entries(fx, HAL_PART_DCF, ".tmp-"), 0);
}

static void test_host_env_spec(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash *g = NULL;

	assert_int_equal(setenv("MAYDAY_FLASH", "bogus", 1), 0);
	assert_int_equal(hal_flash_open(&g, fx->dir, NULL), MAYDAY_E_INVALID);
	assert_null(g);
	assert_int_equal(setenv("MAYDAY_FLASH", "fault:cut=0", 1), 0);
	assert_int_equal(hal_flash_open(&g, fx->dir, NULL), MAYDAY_E_POWER);
	assert_int_equal(unsetenv("MAYDAY_FLASH"), 0);
	assert_int_equal(hal_flash_open(&g, fx->dir, NULL), MAYDAY_OK);
	assert_non_null(g);
	hal_flash_close(g);
}

static void test_path(void **state)
{
	struct fixture *fx = *state;
	char expect[PATH_MAX], out[PATH_MAX];

	fmt(expect, sizeof(expect), "%s/slot_a/entry", fx->dir);
	assert_int_equal(hal_flash_path(fx->f, HAL_PART_SLOT_A, "entry", out, sizeof(out)),
			 MAYDAY_OK);
	assert_string_equal(out, expect);
	assert_int_equal(hal_flash_path(fx->f, HAL_PART_SLOT_A, "entry", out, strlen(expect)),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(hal_flash_path(fx->f, HAL_PART_SLOT_A, "entry", out, strlen(expect) + 1),
			 MAYDAY_OK);
	assert_string_equal(out, expect);
}

#define BIG_LEN ((size_t)3 * 1024 * 1024 + 12345)

static void test_streaming(void **state)
{
	struct fixture *fx = *state;
	uint8_t *data = malloc(BIG_LEN), *back = malloc(BIG_LEN);
	struct hal_flash_writer *w = NULL;
	struct hal_flash_reader *r = NULL;
	uint8_t probe[8];
	uint64_t size = 0;
	size_t off = 0, len, step = 1;

	assert_non_null(data);
	assert_non_null(back);
	fill(data, BIG_LEN, 4);
	assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_SLOT_B, "image", &w), MAYDAY_OK);
	while (off < BIG_LEN) {
		size_t n = step < BIG_LEN - off ? step : BIG_LEN - off;

		assert_int_equal(hal_flash_writer_write(w, data + off, n), MAYDAY_OK);
		off += n;
		step = step * 3 + 1; /* uneven chunk sizes, 1 byte up to ~1 MiB */
		if (step > 1024 * 1024)
			step = 65536 + 7;
	}
	/* Nothing is visible under the name before commit. */
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_B, "image", probe, sizeof(probe), &len),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(hal_flash_writer_commit(w), MAYDAY_OK);
	assert_int_equal(count_entries(fx, HAL_PART_SLOT_B, ".tmp-"), 0);

	assert_int_equal(hal_flash_reader_open(fx->f, HAL_PART_SLOT_B, "image", &r, &size),
			 MAYDAY_OK);
	assert_int_equal(size, BIG_LEN);
	off = 0;
	for (;;) {
		size_t cap = BIG_LEN - off < 4096 + 7 ? BIG_LEN - off : 4096 + 7;
		size_t n = 99;

		if (cap == 0)
			cap = 1; /* ask past the end: must report end of file */
		assert_int_equal(hal_flash_reader_read(r, back + off, cap, &n), MAYDAY_OK);
		if (n == 0)
			break;
		off += n;
		assert_true(off <= BIG_LEN);
	}
	hal_flash_reader_close(r);
	hal_flash_reader_close(NULL);
	assert_int_equal(off, BIG_LEN);
	assert_memory_equal(back, data, BIG_LEN);
	free(data);
	free(back);
}

static void test_writer_abort(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash_writer *w = NULL;
	uint8_t buf[16];
	size_t len;

	assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_RUN, "new", &w), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_write(w, "abcdef", 6), MAYDAY_OK);
	assert_int_equal(count_entries(fx, HAL_PART_RUN, ".tmp-"), 1);
	hal_flash_writer_abort(w);
	assert_int_equal(count_entries(fx, HAL_PART_RUN, NULL), 0);

	/* Aborting a replace leaves the old file as it was. */
	assert_int_equal(hal_flash_write_atomic(fx->f, HAL_PART_RUN, "old", "old!", 4), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_RUN, "old", &w), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_write(w, "newer data", 10), MAYDAY_OK);
	hal_flash_writer_abort(w);
	assert_int_equal(hal_flash_read(fx->f, HAL_PART_RUN, "old", buf, sizeof(buf), &len),
			 MAYDAY_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "old!", 4);
	assert_int_equal(count_entries(fx, HAL_PART_RUN, NULL), 1);
	hal_flash_writer_abort(NULL);

	/* Two writers of the same name do not collide; the last commit wins. */
	{
		struct hal_flash_writer *w2 = NULL;

		assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_RUN, "old", &w), MAYDAY_OK);
		assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_RUN, "old", &w2), MAYDAY_OK);
		assert_int_equal(hal_flash_writer_write(w, "one", 3), MAYDAY_OK);
		assert_int_equal(hal_flash_writer_write(w2, "two", 3), MAYDAY_OK);
		assert_int_equal(hal_flash_writer_commit(w), MAYDAY_OK);
		assert_int_equal(hal_flash_writer_commit(w2), MAYDAY_OK);
		assert_int_equal(hal_flash_read(fx->f, HAL_PART_RUN, "old", buf, sizeof(buf), &len),
				 MAYDAY_OK);
		assert_int_equal(len, 3);
		assert_memory_equal(buf, "two", 3);
		assert_int_equal(count_entries(fx, HAL_PART_RUN, NULL), 1);
	}
}

/* Writers committed together: nothing is named before the commit; then
 * every file is; writers of two partitions are refused, and then nothing
 * is named and no temporary is left. */
static void test_writers_commit(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash_writer *w[3] = { NULL };
	static const char *const names[3] = { "a", "b", "c" };
	uint8_t buf[16];
	size_t len;

	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_SLOT_B, names[i], &w[i]),
				 MAYDAY_OK);
		assert_int_equal(hal_flash_writer_write(w[i], names[i], 1), MAYDAY_OK);
		hal_flash_writer_flush_start(w[i]);
	}
	assert_int_equal(count_entries(fx, HAL_PART_SLOT_B, NULL), 3);
	assert_int_equal(count_entries(fx, HAL_PART_SLOT_B, ".tmp-"), 3);
	assert_int_equal(hal_flash_writers_commit(w, 3), MAYDAY_OK);
	for (size_t i = 0; i < 3; i++) {
		assert_null(w[i]);
		assert_int_equal(hal_flash_read(fx->f, HAL_PART_SLOT_B, names[i], buf, sizeof(buf),
						&len), MAYDAY_OK);
		assert_int_equal(len, 1);
		assert_memory_equal(buf, names[i], 1);
	}
	assert_int_equal(count_entries(fx, HAL_PART_SLOT_B, ".tmp-"), 0);
	assert_int_equal(hal_flash_writers_commit(w, 0), MAYDAY_OK);

	/* A rename that fails (a non-empty directory holds the second name):
	 * the commit fails, the first file is named and whole, no temporary is
	 * left behind. */
	{
		char path[PATH_MAX];

		fmt(path, sizeof(path), "%s/%s/b", fx->dir, HAL_PART_RUN);
		assert_int_equal(mkdir(path, 0700), 0);
		put_host_file(fx, HAL_PART_RUN, "b/keep", "k");
		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_RUN, names[i], &w[i]),
					 MAYDAY_OK);
			assert_int_equal(hal_flash_writer_write(w[i], names[i], 1), MAYDAY_OK);
		}
		assert_int_not_equal(hal_flash_writers_commit(w, 3), MAYDAY_OK);
		assert_int_equal(hal_flash_read(fx->f, HAL_PART_RUN, "a", buf, sizeof(buf), &len),
				 MAYDAY_OK);
		assert_int_equal(len, 1);
		assert_int_equal(count_entries(fx, HAL_PART_RUN, ".tmp-"), 0);
		assert_int_equal(count_entries(fx, HAL_PART_RUN, NULL), 2); /* "a" and the directory */
		fmt(path, sizeof(path), "%s/%s/b/keep", fx->dir, HAL_PART_RUN);
		assert_int_equal(unlink(path), 0);
		fmt(path, sizeof(path), "%s/%s/b", fx->dir, HAL_PART_RUN);
		assert_int_equal(rmdir(path), 0);
		assert_int_equal(hal_flash_remove(fx->f, HAL_PART_RUN, "a"), MAYDAY_OK);
	}

	assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_RUN, "x", &w[0]), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_open(fx->f, HAL_PART_STATE, "y", &w[1]), MAYDAY_OK);
	assert_int_equal(hal_flash_writers_commit(w, 2), MAYDAY_E_INVALID);
	assert_null(w[0]);
	assert_null(w[1]);
	assert_int_equal(count_entries(fx, HAL_PART_RUN, NULL), 0);
	assert_int_equal(count_entries(fx, HAL_PART_STATE, NULL), 0);
}

/* The counted operations of a known sequence, for both counting backends. */
static void check_ops_count(struct hal_flash *f)
{
	struct hal_flash_writer *w = NULL;
	uint64_t c0 = hal_flash_ops_count(f);
	uint8_t buf[64];
	size_t len;

	/* write + fsync + rename + fsync(dir) */
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_STATE, "s", "abc", 3), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(f), c0 + 4);
	/* reads and lists change nothing and are not counted */
	assert_int_equal(hal_flash_read(f, HAL_PART_STATE, "s", buf, sizeof(buf), &len), MAYDAY_OK);
	assert_int_equal(hal_flash_list(f, HAL_PART_STATE, count_cb, &(int){ 0 }), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(f), c0 + 4);
	/* an empty file: no data write */
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_STATE, "e", NULL, 0), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(f), c0 + 7);
	/* unlink + fsync(dir) */
	assert_int_equal(hal_flash_remove(f, HAL_PART_STATE, "e"), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(f), c0 + 9);
	/* three writes, then fsync + rename + fsync(dir) */
	assert_int_equal(hal_flash_writer_open(f, HAL_PART_STATE, "w", &w), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_write(w, "1", 1), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_write(w, "22", 2), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_write(w, "", 0), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_write(w, "333", 3), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(f), c0 + 12);
	assert_int_equal(hal_flash_writer_commit(w), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(f), c0 + 15);
	/* abort: one unlink of the temporary */
	assert_int_equal(hal_flash_writer_open(f, HAL_PART_STATE, "w", &w), MAYDAY_OK);
	hal_flash_writer_abort(w);
	assert_int_equal(hal_flash_ops_count(f), c0 + 16);
	/* a large file: its writeback is started as it grows (a hint), which
	 * is no counted operation: two writes, then the commit's three */
	{
		uint8_t *big = calloc(1, HAL_FLASH_WRITEBACK_CHUNK);
		struct hal_flash_reader *r = NULL;
		uint64_t size = 0;

		assert_non_null(big);
		assert_int_equal(hal_flash_writer_open(f, HAL_PART_STATE, "big", &w), MAYDAY_OK);
		assert_int_equal(hal_flash_writer_write(w, big, HAL_FLASH_WRITEBACK_CHUNK), MAYDAY_OK);
		assert_int_equal(hal_flash_writer_write(w, big, HAL_FLASH_WRITEBACK_CHUNK), MAYDAY_OK);
		assert_int_equal(hal_flash_ops_count(f), c0 + 18);
		assert_int_equal(hal_flash_writer_commit(w), MAYDAY_OK);
		assert_int_equal(hal_flash_ops_count(f), c0 + 21);
		assert_int_equal(hal_flash_reader_open(f, HAL_PART_STATE, "big", &r, &size), MAYDAY_OK);
		assert_int_equal(size, 2 * (uint64_t)HAL_FLASH_WRITEBACK_CHUNK);
		hal_flash_reader_close(r);
		assert_int_equal(hal_flash_remove(f, HAL_PART_STATE, "big"), MAYDAY_OK);
		free(big);
	}
}

static void test_ops_count(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash *g = NULL;

	check_ops_count(fx->f);
	assert_int_equal(hal_flash_open(&g, fx->dir, hal_specs_fault(NULL)), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(g), 0);
	check_ops_count(g);
	hal_flash_close(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_toobig_notfound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regular_files_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_skips_temporaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_stale_temporaries_cleaned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_open_creates_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_env_spec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dcf_write_protected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_streaming, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writers_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ops_count, setup, teardown),
	};

	hal_specs_filter();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
