/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-boot: the TrE's secure start-up on the host.
 *
 * boot_decide() reaches the decision; this file carries it out. A chosen
 * program is loaded into a sealed memfd while measured again (boot_load.h)
 * and started from that memfd with fexecve, so what runs is what was
 * measured. Residual risk on the host: shared libraries a dynamically linked
 * program loads from the host file system are outside the measurement (they
 * belong to the host "firmware", not to the device partitions; this program
 * and the DCF are static with MAYDAY_DCF_STATIC), and whoever can ptrace this
 * process can change anything; a real TrE loads into protected memory.
 *
 * The order for a verified start-up (docs/rot.md, "What the TrE does on a
 * failed start"): decide, with the register still all zeros; load and
 * measure normal code's entry into its memfd; only then extend the outcome
 * (verified), unseal the device credentials and extend released
 * (boot_creds_handoff, --creds-fd N for normal code only), close the RoT
 * handle, and fexecve the copy already loaded. So an entry that changed
 * since it was verified, or is gone or unreadable, becomes distress
 * (COMPONENT_MISMATCH/MISSING, NORMAL_START_FAILED) BEFORE anything was
 * extended: the register records failed(reason) from zero, the DCF's own
 * state, and the credentials were never unsealed. Only the fexecve itself
 * can fail after released: then the register is moved on with
 * failed(NORMAL_START_FAILED) and the TrE halts (MAYDAY_EXIT_HALT_EXEC);
 * the DCF is not started in that power cycle, since no state reachable from
 * normal code's may unlock the DCF's keys. A DCF that cannot be started is
 * a halt too. In every halt the exit code is the only record, nothing is
 * claimed to the network.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "boot_creds.h"
#include "boot_decide.h"
#include "boot_start.h"
#include "log.h"
#include "boot_state.h"
#include "boot_verify.h"
#include "exit_codes.h"
#include "flash.h"
#include "mayday/evidence.h"
#include "mayday_version.h"

#define EVIDENCE_NAME "evidence.cbor"   /* in HAL_PART_RUN, read by mayday-dcf --evidence */

struct opts {
	const char *device;
	const char *flash_spec;  /* NULL: the HAL's default ($MAYDAY_FLASH or "host") */
	const char *rot_spec;    /* NULL: the HAL's default ($MAYDAY_ROT or "file") */
	const char *tre_dir;     /* NULL: DEVICE/tre, the TrE's copy of mayday-rot-agent */
	int dry_run;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mayday-boot --device DIR [--flash SPEC] [--rot SPEC] [--tre DIR] [--dry-run]\n"
		"       mayday-boot --help | --version\n"
		"Secure start-up: verify the DCF partition and the normal-code slots against\n"
		"their signed manifests, then start normal code, the distress communication\n"
		"function, or halt.\n"
		"  --device DIR   the device (its flash directory)\n"
		"  --flash SPEC   flash backend (default: $MAYDAY_FLASH or \"host\")\n"
		"  --rot SPEC     RoT backend (default: $MAYDAY_ROT or \"file\"), passed on\n"
		"                 to the program it starts\n"
		"  --tre DIR      the TrE's mayday-rot-agent, its loader and libraries, for a\n"
		"                 backend this program does not link (default: DEVICE/tre)\n"
		"  --dry-run      print the decision as one line and exit 0; write nothing\n"
		"Exit status: that of the started program, or %d (RoT), %d (DCF partition),\n"
		"%d (usage or internal), %d (verified normal code could not be executed\n"
		"after its credentials were released) when the TrE halts.\n",
		MAYDAY_EXIT_HALT_ROT, MAYDAY_EXIT_HALT_DCF, MAYDAY_EXIT_HALT_INTERNAL,
		MAYDAY_EXIT_HALT_EXEC);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "flash", required_argument, NULL, 'f' },
		{ "rot", required_argument, NULL, 'r' },
		{ "tre", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->device = optarg;
			break;
		case 'f':
			o->flash_spec = optarg;
			break;
		case 'r':
			o->rot_spec = optarg;
			break;
		case 't':
			o->tre_dir = optarg;
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case 'h':
			usage(stdout);
			exit(fflush(stdout) == 0 ? 0 : MAYDAY_EXIT_HALT_INTERNAL);
		case 'V':
			fputs(MAYDAY_VERSION_LINE("mayday-boot"), stdout);
			exit(fflush(stdout) == 0 ? 0 : MAYDAY_EXIT_HALT_INTERNAL);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->device) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* fexecve the loaded copy `fd` as `path` with `args` after argv[0]. Returns
 * only on failure, fd closed. Closes the flash first (the child opens its
 * own), so *f is reopened for the caller's fallback (NULL if that fails). */
static enum mayday_err exec_loaded(struct hal_flash **f, const struct opts *o, const char *path,
				   int fd, const char *const *args)
{
	char *argv[12];
	size_t n = 0;
	enum mayday_err rc;

	argv[n++] = (char *)path;
	for (size_t i = 0; args[i] && n < sizeof argv / sizeof argv[0] - 1; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	log_info("exec %s (measured copy)", path);
	fflush(NULL);
	hal_flash_close(*f);
	*f = NULL;
	fexecve(fd, argv, environ);
	log_info("exec %s failed: %m", path);
	close(fd);
	rc = hal_flash_open(f, o->device, o->flash_spec);
	return rc == MAYDAY_OK ? MAYDAY_E_IO : rc;
}

/* Start PART/trv->name from a measured copy with `args` after argv[0].
 * Returns only on failure (see exec_loaded). */
static enum mayday_err start(struct hal_flash **f, const struct opts *o, const char *part,
			     const struct mayday_trv *trv, const char *const *args,
			     struct mayday_component_evidence *ev)
{
	char path[4096];
	enum mayday_err rc;
	int fd = -1;

	rc = boot_start_load(*f, part, trv, path, sizeof path, &fd, ev);
	if (rc != MAYDAY_OK)
		return rc;
	return exec_loaded(f, o, path, fd, args);
}

/* Hand the evidence to the DCF. A stale file from an earlier start-up must
 * never be sent as if it were this one's. */
static enum mayday_err write_evidence(struct hal_flash *f, const struct mayday_evidence *ev)
{
	uint8_t buf[MAYDAY_EVIDENCE_MAX];
	size_t len = 0;
	enum mayday_err rc, rm;

	rc = mayday_evidence_encode(ev, buf, sizeof buf, &len);
	if (rc == MAYDAY_OK)
		rc = hal_flash_write_atomic(f, HAL_PART_RUN, EVIDENCE_NAME, buf, len);
	if (rc == MAYDAY_OK)
		return MAYDAY_OK;
	log_info("evidence: cannot write %s/%s: %s", HAL_PART_RUN, EVIDENCE_NAME,
		 mayday_strerror(rc));
	rm = hal_flash_remove(f, HAL_PART_RUN, EVIDENCE_NAME);
	if (rm != MAYDAY_OK && rm != MAYDAY_E_NOTFOUND)
		return rm;
	/* The DCF still reports distress, without the details. */
	return MAYDAY_OK;
}

/* The flash and RoT specs the TrE was given, passed on to the program it
 * starts (args has room for four more and the terminating NULL). */
static void add_spec_args(const struct opts *o, const char **args, size_t *n)
{
	if (o->flash_spec) {
		args[(*n)++] = "--flash";
		args[(*n)++] = o->flash_spec;
	}
	if (o->rot_spec) {
		args[(*n)++] = "--rot";
		args[(*n)++] = o->rot_spec;
	}
	args[*n] = NULL;
}

/* The DCF opens the RoT the TrE was given (it starts the partition's own
 * agent when it does not link the backend, dcf_run.c). */
static int run_dcf(struct hal_flash **f, const struct opts *o, struct boot_decision *d)
{
	const char *args[9] = { "--device", o->device, "--evidence", EVIDENCE_NAME };
	size_t n = 4;
	struct mayday_component_evidence ev;
	enum mayday_err rc;

	add_spec_args(o, args, &n);
	rc = write_evidence(*f, &d->evidence);
	if (rc != MAYDAY_OK) {
		log_info("halt: cannot clear stale evidence: %s", mayday_strerror(rc));
		return MAYDAY_EXIT_HALT_INTERNAL;
	}
	rc = start(f, o, HAL_PART_DCF, &d->dcf_entry, args, &ev);
	log_info("halt: the DCF could not be started: %s", mayday_strerror(rc));
	return rc == MAYDAY_E_POWER ? MAYDAY_EXIT_HALT_INTERNAL : MAYDAY_EXIT_HALT_DCF;
}

/* fexecve failed after the credentials were released: the register holds
 * normal code's state, E(E(0, verified), released), in which a TPM signs
 * with the device credentials' key. Move it on with failed(NORMAL_START_
 * FAILED) through a new TrE handle (the old one was closed before the exec,
 * so normal code could not inherit it) and halt. The DCF is not started in
 * this power cycle: no state reachable from normal code's may unlock the
 * DCF's keys (normal code could reach it itself), so it could not be heard
 * here; the next start-up, from zero, reports through the attach watch
 * (README.md, "Hand-over and exit status"). Same rule for every backend. */
static int exec_failed(struct hal_flash **f, const struct opts *o,
		       const struct hal_rot_agent_cmd *agent)
{
	struct hal_rot *rot = NULL;
	uint8_t ev[HAL_ROT_REG_LEN];
	enum mayday_err rc = MAYDAY_E_IO;

	if (*f != NULL)
		rc = hal_rot_open_via(&rot, o->rot_spec, *f, HAL_ROT_ROLE_TRE, agent);
	if (rc == MAYDAY_OK) {
		hal_rot_event_failed(MAYDAY_REASON_NORMAL_START_FAILED, ev);
		rc = hal_rot_extend(rot, ev);
	}
	hal_rot_close(rot);
	if (rc != MAYDAY_OK) {
		log_info("halt: code %d (rot-invalid): normal code could not be executed, and "
			 "the register could not be moved off normal code's state: %s",
			 MAYDAY_EXIT_HALT_ROT, mayday_strerror(rc));
		return MAYDAY_EXIT_HALT_ROT;
	}
	log_info("halt: code %d (exec-failed): normal code could not be executed after the "
		 "credentials were released; the register records the failure; the DCF is "
		 "not started in this power cycle", MAYDAY_EXIT_HALT_EXEC);
	return MAYDAY_EXIT_HALT_EXEC;
}

/* The entry is loaded (and measured) first, with the register still at
 * zero (boot_start.h); only then is the outcome extended, the credentials
 * unsealed (boot_creds.h) and the loaded copy executed. Without
 * credentials normal code still starts (it verified), and cannot
 * authenticate as the device. The RoT handle is closed before the exec. */
static int run_normal(struct hal_flash **f, const struct opts *o, struct boot_decision *d,
		      struct hal_rot **rot, const struct hal_rot_agent_cmd *agent)
{
	char path[4096], fd_arg[16];
	const char *args[11] = { "--device", o->device, "--slot", boot_state_slot_name(d->slot) };
	size_t n = 4;
	enum mayday_err rc;
	int entry = -1, creds = -1;
	bool capped = true; /* without a handle, nothing extended the verified value */

	if (boot_start_load_normal(*f, rot, d, path, sizeof path, &entry) != MAYDAY_OK) {
		if (d->action == BOOT_HALT)
			return d->halt_code;
		hal_rot_close(*rot); /* nothing of the TrE's handle goes on */
		*rot = NULL;
		return run_dcf(f, o, d);
	}
	rc = *rot ? boot_creds_handoff(*rot, d, &creds, &capped) : MAYDAY_E_NOTFOUND;
	hal_rot_close(*rot);
	*rot = NULL;
	if (!capped) {
		/* the register may still hold the verified value: normal code could
		 * unseal the credentials itself (a TPM's PCR outlives the handle) */
		log_info("halt: code %d (rot-invalid): the register could not be closed "
			 "after the credentials; normal code is not started",
			 MAYDAY_EXIT_HALT_ROT);
		close(entry);
		return MAYDAY_EXIT_HALT_ROT;
	}
	if (rc != MAYDAY_OK)
		log_info("normal code starts without device credentials: %s",
			 mayday_strerror(rc));
	if (creds >= 0) {
		snprintf(fd_arg, sizeof fd_arg, "%d", creds);
		args[n++] = "--creds-fd";
		args[n++] = fd_arg;
	}
	add_spec_args(o, args, &n);
	(void)exec_loaded(f, o, path, entry, args);
	if (creds >= 0)
		close(creds); /* not started: nothing else may inherit them */
	return exec_failed(f, o, agent);
}

/*
 * OpenSSL is initialised here, before anything may do it implicitly, with
 * only what the TrE uses: no configuration file (the host's openssl.cnf
 * belongs to no verified partition and could name providers or engines to
 * load as shared objects) and no error strings (the TrE never prints an
 * OpenSSL error queue). Together ~1.5 ms of CPU per start-up here
 * (docs/performance.md). Initialisation is once per process: nothing later
 * can load either. The random generator (the self-test signature's nonce)
 * is Hash_DRBG over SHA-256, as in the DCF (dcf_main.c says why): ~1 ms
 * less than CTR_DRBG, whose cipher fetch builds every cipher.
 */
static int boot_openssl_init(void)
{
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
				NULL) != 1)
		return -1;
	return RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256") == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct hal_flash *f = NULL;
	struct boot_decision *d = NULL;
	struct hal_rot *rot = NULL;
	char line[160], tre[4096];
	enum mayday_err rc;
	int code = MAYDAY_EXIT_HALT_INTERNAL;

	log_init("mayday-boot", 0);
	if (parse(argc, argv, &o) != 0)
		return MAYDAY_EXIT_HALT_INTERNAL;
	if (boot_openssl_init() != 0) {
		log_info("halt: cannot initialise OpenSSL");
		goto out;
	}
	rc = hal_flash_open(&f, o.device, o.flash_spec);
	if (rc != MAYDAY_OK) {
		log_info("halt: cannot open the flash of %s: %s", o.device, mayday_strerror(rc));
		goto out;
	}
	d = calloc(1, sizeof *d);
	if (!d) {
		log_info("halt: out of memory");
		goto out;
	}
	if (!o.tre_dir) {
		int n = snprintf(tre, sizeof tre, "%s/tre", o.device);
		if (n < 0 || (size_t)n >= sizeof tre) {
			log_info("halt: device path too long");
			goto out;
		}
		o.tre_dir = tre;
	}
	struct hal_rot_agent_cmd agent = { .dir = o.tre_dir, .from_dir = true,
					   .device_dir = o.device, .flash_spec = o.flash_spec };
	boot_decide_rot(f, o.rot_spec, &agent, !o.dry_run, d, &rot);
	/* A start of normal code is measured once its entry is loaded
	 * (run_normal); any other outcome now. */
	if (o.dry_run || d->action != BOOT_START_NORMAL)
		boot_decide_measure(&rot, d);
	boot_decide_summary(d, line, sizeof line);
	if (o.dry_run) {
		printf("%s\n", line);
		code = fflush(stdout) == 0 ? 0 : MAYDAY_EXIT_HALT_INTERNAL;
		goto out;
	}
	log_info("%s", line);
	switch (d->action) {
	case BOOT_START_NORMAL:
		code = run_normal(&f, &o, d, &rot, &agent);
		break;
	case BOOT_START_DCF:
		hal_rot_close(rot); /* nothing of the TrE's handle goes on */
		rot = NULL;
		code = run_dcf(&f, &o, d);
		break;
	case BOOT_HALT:
	default:
		code = d->halt_code;
		break;
	}
out:
	hal_rot_close(rot);
	free(d);
	hal_flash_close(f);
	return code;
}
