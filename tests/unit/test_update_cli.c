/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-install as a program: exit codes, and constant memory -- the peak
 * RSS of installing a 64 MiB image is not larger than that of a 16 MiB one
 * (beyond a small allowance for allocator noise). The image is streamed into
 * the bundle file here too, so the test itself stays small.
 * argv[1]: the mayday-install executable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "exit_codes.h"
#include "mayday/bundle.h"
#include "mayday/cose.h"
#include "test_update_fixture.h"

#define MIB (1024u * 1024u)

static const char *prog;

/* Deterministic bytes of the big component, in chunks. */
static void fill(uint32_t *x, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 17;
		*x ^= *x << 5;
		buf[i] = (uint8_t)*x;
	}
}

/* bundle file: "mayday-normal" (small) and "radio.bin" of `size` bytes. */
static void write_bundle(struct fx *fx, const char *path, uint64_t size)
{
	struct mayday_manifest m;
	struct mayday_signer signer;
	uint8_t signed_m[MAYDAY_MANIFEST_MAX], hdr[MAYDAY_BUNDLE_HEADER_LEN], small[1024];
	size_t signed_len = 0, small_len;
	uint8_t *buf = malloc(MIB);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct mayday_trv *t;
	uint32_t x = 12345;
	FILE *out;

	assert_non_null(buf);
	assert_non_null(md);
	fx_manifest_init(&m, MAYDAY_MANIFEST_IMAGE, "big", 1, "mayday-normal");
	small_len = fx_component_content("big", "mayday-normal", small, sizeof small);
	fx_manifest_add(&m, "mayday-normal", small, small_len, true);
	t = &m.trv[m.n_trv++];
	snprintf(t->name, sizeof t->name, "radio.bin");
	t->size = size;
	t->designated = true;
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	for (uint64_t done = 0; done < size; done += MIB) {
		fill(&x, buf, MIB);
		assert_int_equal(EVP_DigestUpdate(md, buf, MIB), 1);
	}
	assert_int_equal(EVP_DigestFinal_ex(md, t->digest, NULL), 1);
	assert_int_equal(mayday_signer_from_pkey(&signer, fx->vendor, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(&m, &signer, signed_m, sizeof signed_m, &signed_len),
			 MAYDAY_OK);
	assert_int_equal(mayday_bundle_header_encode(signed_len, hdr), MAYDAY_OK);
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(hdr, 1, sizeof hdr, out), sizeof hdr);
	assert_int_equal(fwrite(signed_m, 1, signed_len, out), signed_len);
	assert_int_equal(fwrite(small, 1, small_len, out), small_len);
	x = 12345;
	for (uint64_t done = 0; done < size; done += MIB) {
		fill(&x, buf, MIB);
		assert_int_equal(fwrite(buf, 1, MIB, out), MIB);
	}
	assert_int_equal(fclose(out), 0);
	EVP_MD_CTX_free(md);
	free(buf);
}

/* Run mayday-install; returns its exit status, *rss_kib its peak RSS. */
static int run(struct fx *fx, const char *bundle, const char *cls, long *rss_kib)
{
	struct rusage ru;
	int status = 0;
	pid_t pid;

	fx_reopen(fx, "host"); /* no open handle writes while the child runs */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execl(prog, prog, "--device", fx->dir, "--bundle", bundle, "--class", cls,
		      "--max-size", "1099511627776", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(wait4(pid, &status, 0, &ru), pid);
	assert_true(WIFEXITED(status));
	*rss_kib = ru.ru_maxrss;
	return WEXITSTATUS(status);
}

static void test_exit_codes_and_memory(void **state)
{
	struct fx *fx = *state;
	char small[4200], big[4200];
	long rss_small = 0, rss_big = 0, rss_refused = 0;
	struct boot_state st;
	uint64_t size = 0;
	struct hal_flash_reader *r = NULL;

	snprintf(small, sizeof small, "%s/small.mdyb", fx->dir);
	snprintf(big, sizeof big, "%s/big.mdyb", fx->dir);
	write_bundle(fx, small, 16 * MIB);
	write_bundle(fx, big, 64 * MIB);

	assert_int_equal(run(fx, small, "femto-other", &rss_refused), 1);
	assert_int_equal(run(fx, small, TU_CLASS, &rss_small), MAYDAY_EXIT_REBOOT);
	assert_int_equal(run(fx, big, TU_CLASS, &rss_big), MAYDAY_EXIT_REBOOT);

	assert_int_equal(hal_flash_reader_open(fx->flash, HAL_PART_SLOT_B, "radio.bin", &r, &size),
			 MAYDAY_OK);
	hal_flash_reader_close(r);
	assert_true(size == 64 * MIB);
	fx_state_get(fx, &st);
	assert_int_equal(st.pending, BOOT_SLOT_B);
	print_message("peak RSS: refused %ld KiB, 16 MiB image %ld KiB, 64 MiB image %ld KiB\n",
		      rss_refused, rss_small, rss_big);
	/* 48 MiB more image may cost at most 2 MiB more memory. */
	assert_true(rss_big <= rss_small + 2048);
	unlink(small);
	unlink(big);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exit_codes_and_memory, fx_setup, fx_teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s MAYDAY-INSTALL\n", argv[0]);
		return 2;
	}
	prog = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
