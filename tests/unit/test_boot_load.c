/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading for execution: the memfd holds exactly the measured bytes, is
 * sealed, runs, and a file changed after verification is caught.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "boot_fixture.h"
#include "boot_load.h"
#include "boot_measure.h"
#include "mayday/keys.h"

struct ctx {
	struct fx *fx;
	struct boot_measure *m;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);

	assert_non_null(c);
	fx_setup(state);
	c->fx = *state;
	assert_int_equal(boot_measure_new(&c->m), MAYDAY_OK);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	boot_measure_free(c->m);
	*state = c->fx;
	fx_teardown(state);
	free(c);
	return 0;
}

static const struct mayday_trv *entry_trv(struct fx *fx)
{
	return mayday_manifest_find(&fx->slot[BOOT_SLOT_A], "mayday-normal");
}

static void test_loaded_copy_is_exact_and_sealed(void **state)
{
	struct ctx *c = *state;
	struct mayday_component_evidence ev;
	uint8_t want[8192], got[8192];
	size_t len = fx_component_content("1.0", "mayday-normal", want, sizeof want);
	struct stat sb;
	int fd = -1, seals;

	assert_int_equal(boot_load_component(c->m, c->fx->flash, HAL_PART_SLOT_A,
					     entry_trv(c->fx), &fd, &ev),
			 MAYDAY_OK);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_size, len);
	assert_int_equal(pread(fd, got, sizeof got, 0), len);
	assert_memory_equal(got, want, len);
	seals = fcntl(fd, F_GET_SEALS);
	assert_true(seals & F_SEAL_WRITE);
	assert_true(seals & F_SEAL_SEAL);
	assert_int_equal(pwrite(fd, "x", 1, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fd, 1), -1);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

static void test_changed_after_verification(void **state)
{
	struct ctx *c = *state;
	struct mayday_component_evidence ev;
	uint8_t measured[MAYDAY_DIGEST_LEN];
	int fd = -1;

	fx_write(c->fx, HAL_PART_SLOT_A, "mayday-normal", "swapped in", 10);
	mayday_sha256("swapped in", 10, measured);
	assert_int_equal(boot_load_component(c->m, c->fx->flash, HAL_PART_SLOT_A,
					     entry_trv(c->fx), &fd, &ev),
			 MAYDAY_E_MISMATCH);
	assert_int_equal(fd, -1);
	assert_string_equal(ev.name, "mayday-normal");
	assert_int_equal(ev.flags, MAYDAY_COMP_SIZE_MISMATCH | MAYDAY_COMP_DIGEST_MISMATCH);
	assert_int_equal(ev.measured_size, 10);
	assert_memory_equal(ev.measured, measured, sizeof measured);
	assert_memory_equal(ev.expected, entry_trv(c->fx)->digest, MAYDAY_DIGEST_LEN);

	fx_remove(c->fx, HAL_PART_SLOT_A, "mayday-normal");
	assert_int_equal(boot_load_component(c->m, c->fx->flash, HAL_PART_SLOT_A,
					     entry_trv(c->fx), &fd, &ev),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(ev.flags, MAYDAY_COMP_MISSING);
	assert_int_equal(fd, -1);
}

/* Put a host program into slot A as "prog" and return its TRV. */
static void install_host_program(struct fx *fx, const char *path, struct mayday_trv *t)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = malloc(4u << 20);
	struct mayday_manifest m;
	size_t len;

	assert_non_null(fp);
	assert_non_null(buf);
	len = fread(buf, 1, 4u << 20, fp);
	assert_true(len > 0 && len < (4u << 20));
	fclose(fp);
	fx_write(fx, HAL_PART_SLOT_A, "prog", buf, len);
	fx_manifest_init(&m, MAYDAY_MANIFEST_IMAGE, "x", 1, "prog");
	fx_manifest_add(&m, "prog", buf, len, true);
	*t = m.trv[0];
	free(buf);
}

static int run_loaded(struct ctx *c, const struct mayday_trv *t)
{
	struct mayday_component_evidence ev;
	char *argv[] = { "prog", NULL };
	char *envp[] = { NULL };
	int fd = -1, status = 0;
	pid_t pid;

	assert_int_equal(boot_load_component(c->m, c->fx->flash, HAL_PART_SLOT_A, t, &fd, &ev),
			 MAYDAY_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fexecve(fd, argv, envp);
		_exit(99);
	}
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_loaded_copy_runs(void **state)
{
	struct ctx *c = *state;
	struct mayday_trv t;

	/* Exit status 1 from `false` proves the loaded bytes ran (a failed
	 * fexecve would exit 99). */
	install_host_program(c->fx, "/bin/false", &t);
	assert_int_equal(run_loaded(c, &t), 1);
	install_host_program(c->fx, "/bin/true", &t);
	assert_int_equal(run_loaded(c, &t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loaded_copy_is_exact_and_sealed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_changed_after_verification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loaded_copy_runs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
