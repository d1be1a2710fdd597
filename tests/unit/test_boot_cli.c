/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-boot and mayday-normal as programs: --dry-run lines, exit codes,
 * and real starts (fexecve of the measured copy) of normal code and of a
 * stand-in DCF (/bin/echo, which prints the arguments it was given) with the
 * evidence it is handed; the device credentials' descriptor (--creds-fd)
 * given to verified normal code only; a verified entry whose exec fails
 * after the credentials were released is a halt (23), not a DCF run. Paths of the two programs come from argv.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "boot_attach.h"
#include "boot_fixture.h"
#include "boot_state.h"
#include "boot_verify.h"
#include "exit_codes.h"
#include "mayday/evidence.h"
#include "mayday/keys.h"
#include "rot.h"

static const char *boot_prog;
static const char *normal_prog;

/* Run argv, capture stdout into out (NUL-terminated); return exit status. */
static int run(char *const argv[], char *out, size_t cap)
{
	int pfd[2], status = 0;
	size_t len = 0;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], out + len, cap - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int boot(struct fx *fx, const char *extra1, const char *extra2, char *out, size_t cap)
{
	char *argv[] = { (char *)boot_prog, "--device", fx->dir, (char *)extra1, (char *)extra2,
			 NULL };

	return run(argv, out, cap);
}

/* Replace component `name` of PART with the host file `path`, re-signing `m`. */
static void install_host_file(struct fx *fx, const char *part, struct mayday_manifest *m,
			      const char *name, const char *path)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 64u << 20, len;
	uint8_t *buf = malloc(cap);
	struct mayday_trv *t = NULL;

	assert_non_null(fp);
	assert_non_null(buf);
	len = fread(buf, 1, cap, fp);
	assert_true(len > 0 && len < cap);
	fclose(fp);
	fx_write(fx, part, name, buf, len);
	for (uint32_t i = 0; i < m->n_trv; i++)
		if (strcmp(m->trv[i].name, name) == 0)
			t = &m->trv[i];
	assert_non_null(t);
	t->size = len;
	mayday_sha256(buf, len, t->digest);
	fx_manifest_install(fx, part, m, fx->vendor);
	free(buf);
}

static void test_dry_run_lines(void **state)
{
	struct fx *fx = *state;
	char out[4096];
	size_t len = 0;

	assert_int_equal(boot(fx, "--dry-run", NULL, out, sizeof out), 0);
	assert_string_equal(out, "decision: normal slot=a\n");

	fx_write(fx, HAL_PART_SLOT_A, "config.db", "x", 1);
	assert_int_equal(boot(fx, "--dry-run", NULL, out, sizeof out), 0);
	assert_string_equal(out, "decision: dcf reason=component-mismatch slot=a failed=1\n");
	/* A dry run writes nothing. */
	assert_null(fx_read(fx, HAL_PART_STATE, BOOT_STATE_NAME, &len));
	assert_null(fx_read(fx, HAL_PART_RUN, "evidence.cbor", &len));

	fx_write(fx, HAL_PART_DCF, "dcf.conf", "x", 1);
	assert_int_equal(boot(fx, "--dry-run", NULL, out, sizeof out), 0);
	assert_string_equal(out, "decision: halt code=21 reason=dcf-invalid\n");
}

static void test_usage_errors(void **state)
{
	struct fx *fx = *state;
	char out[4096];
	char *none[] = { (char *)boot_prog, NULL };
	char *normal_bad[] = { (char *)normal_prog, "--device", fx->dir, "--slot", "c", NULL };

	assert_int_equal(run(none, out, sizeof out), MAYDAY_EXIT_HALT_INTERNAL);
	assert_int_equal(boot(fx, "--bogus", NULL, out, sizeof out), MAYDAY_EXIT_HALT_INTERNAL);
	assert_int_equal(boot(fx, "--flash", "nonsense-backend", out, sizeof out),
			 MAYDAY_EXIT_HALT_INTERNAL);
	assert_int_equal(run(normal_bad, out, sizeof out), MAYDAY_EXIT_NORMAL_FAILED);
	assert_string_equal(out, "");
}

static void test_starts_normal_code(void **state)
{
	struct fx *fx = *state;
	char out[4096];

	install_host_file(fx, HAL_PART_SLOT_A, &fx->slot[BOOT_SLOT_A], "mayday-normal",
			  normal_prog);
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), MAYDAY_EXIT_NORMAL_OK);
	assert_string_equal(out, "mayday-normal: device " FX_DEVICE_ID
				 " running image 1.0 from slot a\n");
	/* --flash is passed on. */
	assert_int_equal(boot(fx, "--flash", "host", out, sizeof out), MAYDAY_EXIT_NORMAL_OK);
	assert_string_equal(out, "mayday-normal: device " FX_DEVICE_ID
				 " running image 1.0 from slot a\n");
}

static void test_starts_dcf_with_evidence(void **state)
{
	struct fx *fx = *state;
	struct mayday_evidence ev;
	struct mayday_diag diag = { 0, NULL };
	char out[8192], want[8192];
	uint8_t *buf;
	size_t len = 0;

	install_host_file(fx, HAL_PART_DCF, &fx->dcf, BOOT_DCF_ENTRY, "/bin/echo");
	fx_write(fx, HAL_PART_SLOT_A, "config.db", "changed", 7);
	assert_int_equal(boot(fx, "--flash", "host", out, sizeof out), 0);
	snprintf(want, sizeof want, "--device %s --evidence evidence.cbor --flash host\n", fx->dir);
	assert_string_equal(out, want);

	buf = fx_read(fx, HAL_PART_RUN, "evidence.cbor", &len);
	assert_non_null(buf);
	assert_int_equal(mayday_evidence_decode(buf, len, &ev, &diag), MAYDAY_OK);
	free(buf);
	assert_int_equal(ev.reason, MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_int_equal(ev.slot, BOOT_SLOT_A);
	assert_string_equal(ev.image_version, "1.0");
	assert_int_equal(ev.boot_attempts, 1);
	assert_int_equal(ev.n_failed, 1);
	assert_string_equal(ev.failed[0].name, "config.db");
	assert_int_equal(ev.failed[0].measured_size, 7);

	/* Without --flash, none is passed on. */
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), 0);
	snprintf(want, sizeof want, "--device %s --evidence evidence.cbor\n", fx->dir);
	assert_string_equal(out, want);
}

/* A verified start-up passes normal code --creds-fd (the stand-in,
 * /bin/echo, prints it); a failed one starts the DCF without it. */
static void test_creds_fd_only_for_verified(void **state)
{
	struct fx *fx = *state;
	static const char creds[] = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n";
	char out[8192], want[8192];
	int fd = -1;

	assert_int_equal(hal_rot_file_provision_creds(fx->flash, fx->vendor,
						      (const uint8_t *)creds, sizeof(creds) - 1),
			 MAYDAY_OK);
	install_host_file(fx, HAL_PART_SLOT_A, &fx->slot[BOOT_SLOT_A], "mayday-normal",
			  "/bin/echo");
	install_host_file(fx, HAL_PART_DCF, &fx->dcf, BOOT_DCF_ENTRY, "/bin/echo");
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), 0);
	snprintf(want, sizeof want, "--device %s --slot a --creds-fd ", fx->dir);
	assert_int_equal(strncmp(out, want, strlen(want)), 0);
	assert_int_equal(sscanf(out + strlen(want), "%d", &fd), 1);
	assert_true(fd >= 3);

	fx_write(fx, HAL_PART_SLOT_A, "config.db", "changed", 7);
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), 0);
	snprintf(want, sizeof want, "--device %s --evidence evidence.cbor\n", fx->dir);
	assert_string_equal(out, want);
}

static void test_halts(void **state)
{
	struct fx *fx = *state;
	char out[4096];

	fx_write(fx, HAL_PART_DCF, BOOT_DCF_ENTRY, "x", 1);
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), MAYDAY_EXIT_HALT_DCF);
	assert_string_equal(out, "");
	assert_int_equal(boot(fx, "--flash", "fault:cut=0", out, sizeof out),
			 MAYDAY_EXIT_HALT_INTERNAL);
	fx_dcf_install(fx);
	fx_remove(fx, HAL_PART_ROT, "device_id");
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), MAYDAY_EXIT_HALT_ROT);
	assert_string_equal(out, "");
}

/* The distress key damaged as it is read (the flash fault backend's
 * flip=PART/NAME@BIT): the case of one base64 letter of the scalar's part of
 * the PEM inverted, which changes scalar bits and nothing else. mayday-boot
 * halts with 20 and says why, starts nothing, at every place tried. */
static void test_damaged_distress_key(void **state)
{
	static const char header[] = "-----BEGIN PRIVATE KEY-----\n";
	struct fx *fx = *state;
	char out[4096], spec[128];
	size_t len = 0;
	uint8_t *pem = fx_read(fx, HAL_PART_ROT, "distress.key.pem", &len);
	int tried = 0;

	assert_non_null(pem);
	assert_true(len > sizeof header && memcmp(pem, header, sizeof header - 1) == 0);
	install_host_file(fx, HAL_PART_SLOT_A, &fx->slot[BOOT_SLOT_A], "mayday-normal",
			  normal_prog);
	/* Base64 characters 49..63 of the first line encode DER bytes 36..47:
	 * inside the 32-byte scalar of a PKCS#8 P-256 key (bytes 36..67). */
	for (size_t c = 49; c <= 63 && tried < 4; c++) {
		size_t at = sizeof header - 1 + c;
		uint8_t ch = pem[at];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
			continue; /* inverting bit 5 of a letter gives another letter */
		snprintf(spec, sizeof spec, "fault:flip=rot/distress.key.pem@%zu", at * 8 + 5);
		char *argv[] = { (char *)boot_prog, "--device", fx->dir, "--dry-run", "--flash",
				 spec, NULL };
		assert_int_equal(run(argv, out, sizeof out), 0);
		assert_string_equal(out, "decision: halt code=20 reason=rot-key-invalid\n");
		char *real[] = { (char *)boot_prog, "--device", fx->dir, "--flash", spec, NULL };
		assert_int_equal(run(real, out, sizeof out), MAYDAY_EXIT_HALT_ROT);
		assert_string_equal(out, ""); /* nothing started */
		tried++;
	}
	assert_true(tried >= 2);
	/* The same key read intact: normal code starts. */
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), MAYDAY_EXIT_NORMAL_OK);
	free(pem);
}

/* A slot on trial: normal code started from it confirms it (the stand-in's
 * self-test is getting that far); --no-confirm leaves the trial running. */
static void test_pending_slot_started_and_confirmed(void **state)
{
	struct fx *fx = *state;
	char *no_confirm[] = { (char *)normal_prog, "--device", fx->dir, "--slot", "b",
			       "--no-confirm", NULL };
	struct boot_state st;
	char out[4096];

	fx_slot_install(fx, BOOT_SLOT_B, "2.0", 5);
	install_host_file(fx, HAL_PART_SLOT_B, &fx->slot[BOOT_SLOT_B], "mayday-normal",
			  normal_prog);
	assert_int_equal(boot_state_mark_pending(fx->flash, BOOT_SLOT_B, 2), MAYDAY_OK);
	assert_int_equal(run(no_confirm, out, sizeof out), MAYDAY_EXIT_NORMAL_OK);
	assert_string_equal(out, "mayday-normal: device " FX_DEVICE_ID
				 " running image 2.0 from slot b\n");
	fx_state_get(fx, &st);
	assert_int_equal(st.pending, BOOT_SLOT_B);
	assert_int_equal(st.tries_left, 2);
	assert_int_equal(fx_rollback_counter(fx), 0);

	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), MAYDAY_EXIT_NORMAL_OK);
	assert_string_equal(out, "mayday-normal: device " FX_DEVICE_ID
				 " running image 2.0 from slot b (confirmed)\n");
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_B);
	assert_int_equal(st.pending, BOOT_SLOT_NONE);
	assert_int_equal(fx_rollback_counter(fx), 5);
}

/* A verified entry the kernel cannot execute (a #! script whose
 * interpreter does not exist: it matches its TRV, loads, and only fexecve
 * fails), after the credentials were released: exit 23, and neither normal
 * code nor the DCF (the stand-in /bin/echo would print) runs, no evidence
 * is written. The same on every backend (boot_main.c, exec_failed). */
static void test_exec_failure_after_release_halts(void **state)
{
	struct fx *fx = *state;
	static const char creds[] = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n";
	char script[] = "/tmp/mayday-boot-cli-XXXXXX";
	char out[4096];
	size_t len = 0;
	int fd = mkstemp(script);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/nonexistent/interpreter\n", 27), 27);
	close(fd);
	assert_int_equal(hal_rot_file_provision_creds(fx->flash, fx->vendor,
						      (const uint8_t *)creds, sizeof(creds) - 1),
			 MAYDAY_OK);
	install_host_file(fx, HAL_PART_SLOT_A, &fx->slot[BOOT_SLOT_A], "mayday-normal", script);
	install_host_file(fx, HAL_PART_DCF, &fx->dcf, BOOT_DCF_ENTRY, "/bin/echo");
	unlink(script);
	assert_int_equal(boot(fx, "--dry-run", NULL, out, sizeof out), 0);
	assert_string_equal(out, "decision: normal slot=a\n"); /* it verifies */
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), MAYDAY_EXIT_HALT_EXEC);
	assert_string_equal(out, "");
	assert_null(fx_read(fx, HAL_PART_RUN, "evidence.cbor", &len));
}

/* How the network hears of it (README.md, "Hand-over and exit status"):
 * normal code that armed the attach watch is counted before each start, so
 * after BOOT_ATTACH_CRASH_BOOTS halts the next start-up, from zero, starts
 * the DCF (the stand-in /bin/echo) with attach-failed, stage crash-loop. */
static void test_exec_failures_reach_the_crash_loop(void **state)
{
	struct fx *fx = *state;
	char script[] = "/tmp/mayday-boot-cli-XXXXXX";
	char out[8192], want[8192];
	int fd = mkstemp(script);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/nonexistent/interpreter\n", 27), 27);
	close(fd);
	install_host_file(fx, HAL_PART_SLOT_A, &fx->slot[BOOT_SLOT_A], "mayday-normal", script);
	install_host_file(fx, HAL_PART_DCF, &fx->dcf, BOOT_DCF_ENTRY, "/bin/echo");
	unlink(script);
	assert_int_equal(boot_attach_report_ok(fx->flash), MAYDAY_OK); /* the watch armed */
	for (int i = 0; i < BOOT_ATTACH_CRASH_BOOTS; i++) {
		assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), MAYDAY_EXIT_HALT_EXEC);
		assert_string_equal(out, "");
	}
	assert_int_equal(boot(fx, "--dry-run", NULL, out, sizeof out), 0);
	assert_string_equal(out, "decision: dcf reason=attach-failed slot=a stage=crash-loop "
				 "tries=3 episode=1\n");
	assert_int_equal(boot(fx, NULL, NULL, out, sizeof out), 0);
	snprintf(want, sizeof want, "--device %s --evidence evidence.cbor\n", fx->dir);
	assert_string_equal(out, want);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_dry_run_lines),
		T(test_usage_errors),
		T(test_starts_normal_code),
		T(test_starts_dcf_with_evidence),
		T(test_creds_fd_only_for_verified),
		T(test_halts),
		T(test_damaged_distress_key),
		T(test_pending_slot_started_and_confirmed),
		T(test_exec_failure_after_release_halts),
		T(test_exec_failures_reach_the_crash_loop),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s MAYDAY_BOOT MAYDAY_NORMAL\n", argv[0]);
		return 2;
	}
	boot_prog = argv[1];
	normal_prog = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
