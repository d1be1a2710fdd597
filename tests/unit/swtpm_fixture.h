/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test fixture: a swtpm (software TPM 2.0) as a child of the test, on a
 * UNIX socket, with its state in a directory of its own under the test's
 * temporary directory, so tests never share a TPM.
 *
 * swtpm runs with --flags not-need-init,startup-clear: it powers on and
 * sends itself TPM2_Startup(CLEAR), so every start is a boot (PCRs zero,
 * transient objects and sessions gone; NV and persistent objects kept).
 *   swtpm_fixture_stop       an orderly power-off: TPM2_Shutdown(CLEAR),
 *                            then SIGTERM (swtpm saves its state)
 *   swtpm_fixture_power_cut  a power cut: SIGKILL, no TPM2_Shutdown (the
 *                            TPM sees an unorderly shutdown at next start)
 *   swtpm_fixture_restart    stop + start: a reboot
 * Every function returns 0 or -1 with a message on stderr. The TPM must
 * not be in use by the test (RoT closed) for an orderly stop: swtpm serves
 * one connection at a time; the shutdown gives up after 10 s and swtpm is
 * still stopped (-1). swtpm dies with the test (PR_SET_PDEATHSIG).
 *
 * A test calls swtpm_fixture_require() first: without swtpm on PATH it
 * exits 77 (CTest SKIP_RETURN_CODE) with a message saying so.
 */
#ifndef MAYDAY_TEST_SWTPM_FIXTURE_H
#define MAYDAY_TEST_SWTPM_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#define SWTPM_FIXTURE_SOCK_MAX 108 /* sun_path */
#define SWTPM_FIXTURE_DIR_MAX  80  /* leaves room for "/tpm.sock.ctrl" in sun_path */

struct swtpm_fixture {
	char dir[SWTPM_FIXTURE_DIR_MAX];  /* mkdtemp'd; removed by destroy */
	char state[PATH_MAX];             /* dir/state: swtpm's --tpmstate */
	char log[PATH_MAX];               /* dir/swtpm.log */
	char sock[SWTPM_FIXTURE_SOCK_MAX]; /* dir/tpm.sock (control: tpm.sock.ctrl) */
	char tcti[PATH_MAX];              /* "swtpm:path=<sock>" */
	char spec[PATH_MAX];              /* "tpm2:swtpm:path=<sock>", a RoT spec */
	pid_t pid;                        /* swtpm's pid while it runs, else 0 */
};

bool swtpm_fixture_available(void);
/* exit(77) with a message on stderr when swtpm is not installed. */
void swtpm_fixture_require(void);
/* A fresh directory $TMPDIR/mayday-swtpm-<name>-XXXXXX (TMPDIR default
 * /tmp) and the paths above; swtpm not started yet. */
int swtpm_fixture_init(struct swtpm_fixture *f, const char *name);
/* Starts swtpm on the existing state (none: a new TPM) and waits, up to
 * 30 s, until it answers a TPM2_GetRandom. */
int swtpm_fixture_start(struct swtpm_fixture *f);
int swtpm_fixture_stop(struct swtpm_fixture *f);
int swtpm_fixture_power_cut(struct swtpm_fixture *f);
int swtpm_fixture_restart(struct swtpm_fixture *f);
/* power_cut + start: a reboot after a power loss. */
int swtpm_fixture_restart_unclean(struct swtpm_fixture *f);
/* Kills swtpm if it runs and removes the directory. NULL-safe. */
void swtpm_fixture_destroy(struct swtpm_fixture *f);

#endif
