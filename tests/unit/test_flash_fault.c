/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the fault-injection flash backend: spec parsing, a power cut
 * at every counted operation of a replace, and bit flips on read. */
#define _GNU_SOURCE /* nftw */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "hal/flash_fault_spec.h"

#define OLD_LEN 5000
#define NEW_LEN 7001

struct fixture {
	char dir[PATH_MAX];
	uint8_t old_data[OLD_LEN];
	uint8_t new_data[NEW_LEN];
};

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

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	fmt(fx->dir, sizeof(fx->dir), "%s/mayday-fault-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	fill(fx->old_data, OLD_LEN, 10);
	fill(fx->new_data, NEW_LEN, 11);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Directory entries of PART on the host, other than . and .., or only the
 * HAL's temporaries if `tmp_only`. */
static int count_in(const struct fixture *fx, const char *part, bool tmp_only)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	fmt(path, sizeof(path), "%s/%s", fx->dir, part);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    (!tmp_only || strncmp(de->d_name, ".tmp-", 5) == 0))
			n++;
	closedir(d);
	return n;
}

static int count_entries(const struct fixture *fx, const char *part)
{
	return count_in(fx, part, false);
}

static void write_host(const struct fixture *fx, const char *part, const char *name,
		       const void *data, size_t len)
{
	struct hal_flash *f = NULL;

	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_flash()), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(f, part, name, data, len), MAYDAY_OK);
	hal_flash_close(f);
}

#define EIGHT_FLIPS "fault:flip=a/b@1,flip=a/b@2,flip=a/b@3,flip=a/b@4,flip=a/b@5,flip=a/b@6,flip=a/b@7,flip=a/b@8"

static void test_spec_parsing(void **state)
{
	static const char *const bad[] = {
		"fault:", "fault:cut", "fault:cut=", "fault:cut=-1", "fault:cut=+1", "fault:cut= 1",
		"fault:cut=1 ", "fault:cut=1x", "fault:cut=0x10", "fault:cut=1,cut=2", "fault:cut=1,",
		"fault:,cut=1", "fault:cut=18446744073709551616", "fault:cut=99999999999999999999999",
		"fault:flip=", "fault:flip=rot@1", "fault:flip=rot/x", "fault:flip=rot/x@",
		"fault:flip=/x@1", "fault:flip=rot/@1", "fault:flip=rot/../x@1", "fault:flip=../rot/x@1",
		"fault:flip=rot/a/b@1", "fault:flip=rot/x@1@2", "fault:flip=rot/x@-1",
		"fault:flip=rot/.tmp-x@1", "fault:bogus=1", "fault:CUT=1", "faulty", "fault;cut=1",
		EIGHT_FLIPS ",flip=a/b@9", "fault:torn,torn", "fault:torn=1", "fault:tor", "fault:TORN",
	};
	static const char *const good[] = {
		"fault", "fault:cut=3", "fault:cut=18446744073709551615", "fault:flip=rot/counters@0",
		"fault:flip=rot/x@0,flip=slot_a/y@9,cut=5", "fault:cut=007", "fault:torn",
		"fault:cut=2,torn",
		EIGHT_FLIPS,
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hal_flash *f = (void *)1;

		if (hal_flash_open(&f, fx->dir, bad[i]) != MAYDAY_E_INVALID)
			fail_msg("spec \"%s\" was not rejected", bad[i]);
		assert_null(f);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct hal_flash *f = NULL;

		if (hal_flash_open(&f, fx->dir, good[i]) != MAYDAY_OK)
			fail_msg("spec \"%s\" was rejected", good[i]);
		hal_flash_close(f);
	}
}

/* Returns 0 if PART/NAME as read through a fresh "host" handle holds the old
 * data, 1 if the new data; fails the test on anything else. */
static int old_or_new(const struct fixture *fx, const char *part, const char *name)
{
	static uint8_t buf[NEW_LEN + OLD_LEN];
	struct hal_flash *f = NULL;
	size_t len = 0;
	int which = -1;

	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_flash()), MAYDAY_OK);
	assert_int_equal(hal_flash_read(f, part, name, buf, sizeof(buf), &len), MAYDAY_OK);
	if (len == OLD_LEN && memcmp(buf, fx->old_data, OLD_LEN) == 0)
		which = 0;
	else if (len == NEW_LEN && memcmp(buf, fx->new_data, NEW_LEN) == 0)
		which = 1;
	hal_flash_close(f);
	if (which < 0)
		fail_msg("%s/%s holds neither the old nor the new contents (%zu bytes)", part, name,
			 len);
	/* Reopening removed what the cut left. */
	assert_int_equal(count_in(fx, part, true), 0);
	return which;
}

typedef enum mayday_err (*replace_fn)(struct hal_flash *f, const struct fixture *fx);

static enum mayday_err replace_atomic(struct hal_flash *f, const struct fixture *fx)
{
	return hal_flash_write_atomic(f, HAL_PART_SLOT_A, "comp", fx->new_data, NEW_LEN);
}

/* The new data in uneven pieces through a streaming writer. */
static enum mayday_err replace_streaming(struct hal_flash *f, const struct fixture *fx)
{
	struct hal_flash_writer *w = NULL;
	enum mayday_err err = hal_flash_writer_open(f, HAL_PART_SLOT_A, "comp", &w);
	size_t off = 0;

	if (err != MAYDAY_OK)
		return err;
	while (off < NEW_LEN) {
		size_t n = NEW_LEN - off < 1500 ? NEW_LEN - off : 1500;

		err = hal_flash_writer_write(w, fx->new_data + off, n);
		if (err != MAYDAY_OK) {
			hal_flash_writer_abort(w);
			return err;
		}
		off += n;
	}
	return hal_flash_writer_commit(w);
}

/* Count the counted operations of a clean replace, then cut power after
 * each of them in turn: the file must always read as old or new. */
static void cut_everywhere(const struct fixture *fx, replace_fn replace, uint64_t expect_ops,
			   uint64_t first_new)
{
	struct hal_flash *f = NULL;
	uint64_t total;
	int seen[2] = { 0, 0 };

	write_host(fx, HAL_PART_SLOT_A, "comp", fx->old_data, OLD_LEN);
	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_fault(NULL)), MAYDAY_OK);
	assert_int_equal(replace(f, fx), MAYDAY_OK);
	total = hal_flash_ops_count(f);
	hal_flash_close(f);
	assert_int_equal(total, expect_ops);
	assert_int_equal(old_or_new(fx, HAL_PART_SLOT_A, "comp"), 1);

	for (uint64_t n = 1; n <= total; n++) {
		char spec[64];
		uint8_t probe[8];
		size_t len;
		int which;

		write_host(fx, HAL_PART_SLOT_A, "comp", fx->old_data, OLD_LEN);
		fmt(spec, sizeof(spec), "%s", hal_specs_fault("cut=%llu", (unsigned long long)n));
		assert_int_equal(hal_flash_open(&f, fx->dir, spec), MAYDAY_OK);
		/* The cut lets operation N complete, so only a cut after the last
		 * operation lets the call itself succeed. */
		assert_int_equal(replace(f, fx), n == total ? MAYDAY_OK : MAYDAY_E_POWER);
		assert_int_equal(hal_flash_ops_count(f), n);
		/* The device is off: nothing works any more. */
		assert_int_equal(hal_flash_read(f, HAL_PART_SLOT_A, "comp", probe, sizeof(probe), &len),
				 MAYDAY_E_POWER);
		hal_flash_close(f);

		which = old_or_new(fx, HAL_PART_SLOT_A, "comp");
		assert_int_equal(count_entries(fx, HAL_PART_SLOT_A), 1); /* nothing beside it */
		/* Before the rename the old file stands, from it on the new one. */
		assert_int_equal(which, n >= first_new ? 1 : 0);
		seen[which]++;
	}
	assert_true(seen[0] > 0 && seen[1] > 0);
}

static void test_cut_atomic_overwrite(void **state)
{
	/* write, fsync, rename, fsync(dir): the rename is operation 3 */
	cut_everywhere(*state, replace_atomic, 4, 3);
}

static void test_cut_streaming_overwrite(void **state)
{
	/* 5 writes of <= 1500 bytes, fsync, rename (op 7), fsync(dir) */
	cut_everywhere(*state, replace_streaming, 8, 7);
}

/* Three files replaced through writers committed together. */
#define N_COMMIT 3
static const char *const commit_names[N_COMMIT] = { "c0", "c1", "c2" };

static enum mayday_err replace_together(struct hal_flash *f, const struct fixture *fx)
{
	struct hal_flash_writer *w[N_COMMIT] = { NULL };
	enum mayday_err err = MAYDAY_OK;
	size_t n = 0;

	for (; n < N_COMMIT && err == MAYDAY_OK; n++) {
		err = hal_flash_writer_open(f, HAL_PART_SLOT_A, commit_names[n], &w[n]);
		if (err == MAYDAY_OK)
			err = hal_flash_writer_write(w[n], fx->new_data, NEW_LEN);
		if (err == MAYDAY_OK)
			hal_flash_writer_flush_start(w[n]);
	}
	if (err == MAYDAY_OK)
		return hal_flash_writers_commit(w, N_COMMIT);
	for (size_t i = 0; i < n; i++)
		hal_flash_writer_abort(w[i]);
	return err;
}

/* A cut anywhere in a joint commit: a file is old or new, never anything
 * else, and the files turn new one by one, in order, at their renames. */
static void test_cut_writers_commit(void **state)
{
	const struct fixture *fx = *state;
	/* 3 writes, then 3 fsyncs, 3 renames (ops 7..9), one fsync(dir) */
	const uint64_t total = 10, first_rename = 7;

	for (uint64_t n = 1; n <= total; n++) {
		struct hal_flash *f = NULL;
		char spec[64];

		for (size_t i = 0; i < N_COMMIT; i++)
			write_host(fx, HAL_PART_SLOT_A, commit_names[i], fx->old_data, OLD_LEN);
		fmt(spec, sizeof(spec), "%s", hal_specs_fault("cut=%llu", (unsigned long long)n));
		assert_int_equal(hal_flash_open(&f, fx->dir, spec), MAYDAY_OK);
		assert_int_equal(replace_together(f, fx), n == total ? MAYDAY_OK : MAYDAY_E_POWER);
		assert_int_equal(hal_flash_ops_count(f), n);
		hal_flash_close(f);
		for (size_t i = 0; i < N_COMMIT; i++)
			assert_int_equal(old_or_new(fx, HAL_PART_SLOT_A, commit_names[i]),
					 n >= first_rename + i ? 1 : 0);
		assert_int_equal(count_entries(fx, HAL_PART_SLOT_A), N_COMMIT);
	}
}

static enum mayday_err count_cb(void *ctx, const char *name, uint64_t size)
{
	(void)name;
	(void)size;
	(*(int *)ctx)++;
	return MAYDAY_OK;
}

static void test_power_off_touches_nothing(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash_reader *r = NULL;
	struct hal_flash_writer *w = NULL;
	struct hal_flash *f = NULL;
	uint8_t buf[16];
	char path[PATH_MAX];
	uint64_t size;
	size_t len;
	int n = 0;

	write_host(fx, HAL_PART_STATE, "keep", "keep", 4);
	/* One replace (4 operations), then the power goes. */
	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_fault("cut=4")), MAYDAY_OK);
	assert_int_equal(hal_flash_reader_open(f, HAL_PART_STATE, "keep", &r, &size), MAYDAY_OK);
	assert_int_equal(hal_flash_writer_open(f, HAL_PART_STATE, "w", &w), MAYDAY_OK);
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_STATE, "s", "abc", 3), MAYDAY_OK);
	assert_int_equal(hal_flash_ops_count(f), 4);

	assert_int_equal(hal_flash_read(f, HAL_PART_STATE, "keep", buf, sizeof(buf), &len),
			 MAYDAY_E_POWER);
	assert_int_equal(hal_flash_reader_read(r, buf, sizeof(buf), &len), MAYDAY_E_POWER);
	assert_int_equal(hal_flash_writer_write(w, "x", 1), MAYDAY_E_POWER);
	assert_int_equal(hal_flash_writer_write(w, "x", 1), MAYDAY_E_POWER);
	assert_int_equal(hal_flash_writer_commit(w), MAYDAY_E_POWER);
	assert_int_equal(hal_flash_write_atomic(f, HAL_PART_STATE, "new", "x", 1), MAYDAY_E_POWER);
	assert_int_equal(hal_flash_write_atomic(f, "newpart", "new", "x", 1), MAYDAY_E_POWER);
	assert_int_equal(hal_flash_remove(f, HAL_PART_STATE, "keep"), MAYDAY_E_POWER);
	assert_int_equal(hal_flash_list(f, HAL_PART_STATE, count_cb, &n), MAYDAY_E_POWER);
	assert_int_equal(hal_flash_path(f, HAL_PART_STATE, "keep", path, sizeof(path)),
			 MAYDAY_E_POWER);
	{
		struct hal_flash_reader *r2 = (void *)1;

		assert_int_equal(hal_flash_reader_open(f, HAL_PART_STATE, "keep", &r2, &size),
				 MAYDAY_E_POWER);
		assert_null(r2);
	}
	hal_flash_reader_close(r);
	assert_int_equal(hal_flash_writer_open(f, HAL_PART_STATE, "w2", &w), MAYDAY_E_POWER);
	assert_null(w);
	assert_int_equal(n, 0);
	assert_int_equal(hal_flash_ops_count(f), 4);
	hal_flash_close(f);

	/* On disk: "keep", "s", and the dead writer's temporary (what a real cut
	 * leaves); no new file, no new partition. */
	assert_int_equal(count_entries(fx, HAL_PART_STATE), 3);
	fmt(path, sizeof(path), "%s/newpart", fx->dir);
	assert_int_not_equal(access(path, F_OK), 0);

	/* Power back: the temporary is swept (on the first use of the
	 * partition), the data is intact. */
	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_flash()), MAYDAY_OK);
	assert_int_equal(hal_flash_read(f, HAL_PART_STATE, "keep", buf, sizeof(buf), &len),
			 MAYDAY_OK);
	assert_int_equal(count_entries(fx, HAL_PART_STATE), 2);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "keep", 4);
	assert_int_equal(hal_flash_read(f, HAL_PART_STATE, "s", buf, sizeof(buf), &len), MAYDAY_OK);
	assert_int_equal(len, 3);
	hal_flash_close(f);

	/* cut=0: never powered, so it cannot even open. */
	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_fault("cut=0")), MAYDAY_E_POWER);
	assert_null(f);
}

static void test_cut_during_open_sweep(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash *f = NULL;
	char path[PATH_MAX];
	uint8_t buf[8];
	size_t len;
	FILE *fp;

	/* Two stale temporaries in an existing layout: sweeping them (when the
	 * partition is first used) is unlink, unlink, fsync(dir). */
	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_flash()), MAYDAY_OK);
	hal_flash_close(f);
	f = NULL;
	for (int i = 0; i < 2; i++) {
		fmt(path, sizeof(path), "%s/%s/.tmp-1-%d-x", fx->dir, HAL_PART_RUN, i);
		fp = fopen(path, "w");
		assert_non_null(fp);
		assert_int_equal(fclose(fp), 0);
	}
	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_fault("cut=1")), MAYDAY_OK);
	assert_int_equal(hal_flash_read(f, HAL_PART_RUN, "x", buf, sizeof(buf), &len),
			 MAYDAY_E_POWER);
	hal_flash_close(f);
	f = NULL;
	assert_int_equal(count_entries(fx, HAL_PART_RUN), 1);
	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_fault(NULL)), MAYDAY_OK);
	assert_int_equal(hal_flash_read(f, HAL_PART_RUN, "x", buf, sizeof(buf), &len),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(count_entries(fx, HAL_PART_RUN), 0);
	hal_flash_close(f);
}

static void test_flip(void **state)
{
	struct fixture *fx = *state;
	struct hal_flash_reader *r = NULL;
	struct hal_flash *f = NULL;
	uint8_t data[64], buf[64], expect[64];
	uint64_t size;
	size_t len, off;

	fill(data, sizeof(data), 12);
	write_host(fx, HAL_PART_ROT, "counters", data, sizeof(data));
	write_host(fx, HAL_PART_ROT, "other", data, sizeof(data));

	/* bit 13 = 0x20 of byte 1; bit 511 = 0x80 of byte 63; bit 512 is past the end */
	assert_int_equal(hal_flash_open(&f, fx->dir,
					 hal_specs_fault("flip=rot/counters@13,flip=rot/counters@511,"
							 "flip=rot/counters@512,flip=slot_a/counters@0")),
			 MAYDAY_OK);
	memcpy(expect, data, sizeof(data));
	expect[1] ^= 0x20;
	expect[63] ^= 0x80;
	assert_int_equal(hal_flash_read(f, HAL_PART_ROT, "counters", buf, sizeof(buf), &len),
			 MAYDAY_OK);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(buf, expect, sizeof(expect));
	assert_memory_not_equal(buf, data, sizeof(data));

	/* The same bits through a reader, one byte per read (offset bookkeeping). */
	assert_int_equal(hal_flash_reader_open(f, HAL_PART_ROT, "counters", &r, &size), MAYDAY_OK);
	assert_int_equal(size, sizeof(data));
	for (off = 0;; off++) {
		size_t n = 0;

		assert_int_equal(hal_flash_reader_read(r, buf + off, 1, &n), MAYDAY_OK);
		if (n == 0)
			break;
	}
	hal_flash_reader_close(r);
	assert_int_equal(off, sizeof(data));
	assert_memory_equal(buf, expect, sizeof(expect));

	/* Another file of the same partition is untouched. */
	assert_int_equal(hal_flash_read(f, HAL_PART_ROT, "other", buf, sizeof(buf), &len),
			 MAYDAY_OK);
	assert_memory_equal(buf, data, sizeof(data));
	/* Reads are not counted operations. */
	assert_int_equal(hal_flash_ops_count(f), 0);
	hal_flash_close(f);

	/* The flips were in the reads only: the stored file is unchanged. */
	assert_int_equal(hal_flash_open(&f, fx->dir, hal_specs_flash()), MAYDAY_OK);
	assert_int_equal(hal_flash_read(f, HAL_PART_ROT, "counters", buf, sizeof(buf), &len),
			 MAYDAY_OK);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(buf, data, sizeof(data));
	hal_flash_close(f);

	/* Two flips of the same bit cancel out. */
	assert_int_equal(hal_flash_open(&f, fx->dir,
					 hal_specs_fault("flip=rot/counters@5,flip=rot/counters@5")),
			 MAYDAY_OK);
	assert_int_equal(hal_flash_read(f, HAL_PART_ROT, "counters", buf, sizeof(buf), &len),
			 MAYDAY_OK);
	assert_memory_equal(buf, data, sizeof(data));
	hal_flash_close(f);
}

/* The option parser itself (device/hal/flash_fault_spec.h): what it reads
 * out of an accepted spec, and that a refused one leaves nothing behind. */
static void test_spec_parse_values(void **state)
{
	static const char *const bad[] = {
		"", ",", "cut=1,,flip=a/b@1", "cut=000000000000000000001", /* 21 digits */
		"flip=a/b@18446744073709551616", "flip=a/b@1,cut=", "flip=a/b@1,flip=a/b",
		"flip=a/b@ 1", "flip=a@b/1", "flip=a/b/@1", "flip=a/.@1", "flip=../b@1",
		"flip=ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp/b@1",
		"cut=1\n", "Cut=1", "cut =1",
	};
	struct flash_fault_spec sp, untouched;
	char spec[512];

	(void)state;
	assert_int_equal(flash_fault_spec_parse(NULL, &sp), MAYDAY_OK);
	assert_false(sp.has_cut);
	assert_false(sp.torn);
	assert_int_equal(sp.n_flips, 0);
	assert_int_equal(flash_fault_spec_parse("torn,cut=2", &sp), MAYDAY_OK);
	assert_true(sp.torn && sp.has_cut && sp.cut == 2);

	assert_int_equal(flash_fault_spec_parse("cut=0", &sp), MAYDAY_OK);
	assert_true(sp.has_cut);
	assert_int_equal(sp.cut, 0);
	assert_int_equal(flash_fault_spec_parse("cut=00000000000000000042", &sp), MAYDAY_OK);
	assert_int_equal(sp.cut, 42);

	assert_int_equal(flash_fault_spec_parse("flip=rot/counters@13,cut=18446744073709551615,"
						"flip=slot_a/x.bin@18446744073709551615",
						&sp),
			 MAYDAY_OK);
	assert_true(sp.has_cut);
	assert_true(sp.cut == UINT64_MAX);
	assert_int_equal(sp.n_flips, 2);
	assert_string_equal(sp.flips[0].part, "rot");
	assert_string_equal(sp.flips[0].name, "counters");
	assert_int_equal(sp.flips[0].bit, 13);
	assert_string_equal(sp.flips[1].part, "slot_a");
	assert_string_equal(sp.flips[1].name, "x.bin");
	assert_true(sp.flips[1].bit == UINT64_MAX);

	/* Names of exactly HAL_FLASH_NAME_MAX bytes fit. */
	fmt(spec, sizeof(spec), "flip=%.*s/%.*s@7", HAL_FLASH_NAME_MAX,
	    "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp", HAL_FLASH_NAME_MAX,
	    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
	assert_int_equal(flash_fault_spec_parse(spec, &sp), MAYDAY_OK);
	assert_int_equal(strlen(sp.flips[0].part), HAL_FLASH_NAME_MAX);
	assert_int_equal(strlen(sp.flips[0].name), HAL_FLASH_NAME_MAX);
	assert_false(sp.has_cut);

	/* The limit of flips, in order. */
	assert_int_equal(flash_fault_spec_parse(&EIGHT_FLIPS[strlen("fault:")], &sp), MAYDAY_OK);
	assert_int_equal(sp.n_flips, FLASH_FAULT_SPEC_MAX_FLIPS);
	for (size_t i = 0; i < sp.n_flips; i++)
		assert_int_equal(sp.flips[i].bit, i + 1);

	memset(&untouched, 0x5a, sizeof(untouched));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(&sp, &untouched, sizeof(sp));
		if (flash_fault_spec_parse(bad[i], &sp) != MAYDAY_E_INVALID)
			fail_msg("options \"%s\" were not rejected", bad[i]);
		assert_memory_equal(&sp, &untouched, sizeof(sp));
	}
	/* A ninth flip is refused after eight good ones were read. */
	fmt(spec, sizeof(spec), "%s,flip=a/b@9", &EIGHT_FLIPS[strlen("fault:")]);
	memcpy(&sp, &untouched, sizeof(sp));
	assert_int_equal(flash_fault_spec_parse(spec, &sp), MAYDAY_E_INVALID);
	assert_memory_equal(&sp, &untouched, sizeof(sp));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spec_parsing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_atomic_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_streaming_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_writers_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_off_touches_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_during_open_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip, setup, teardown),
		cmocka_unit_test(test_spec_parse_values),
	};

	hal_specs_filter();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
