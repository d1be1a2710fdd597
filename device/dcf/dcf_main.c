/* SPDX-License-Identifier: Apache-2.0 */
/* mayday-dcf: command line only; the procedure is dcf_run(). */
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cwmp.h"
#include "log.h"
#include "dcf_config.h"
#include "dcf_run.h"
#include "exit_codes.h"
#include "mayday/build_record.h"
#include "mayday_build.h"
#include "mayday_version.h"

/* The build record (mayday/build_record.h): the commit and toolchain of this
 * executable, found in the file by mayday-provision -- which cannot run a
 * DCF built for another architecture -- and signed into the DCF manifest.
 * `used`: nothing refers to it; it is there to be read. */
__attribute__((used, section(".mayday_build"))) static const char dcf_build_record[] =
	MAYDAY_BUILD_RECORD_MAGIC "commit=" MAYDAY_BUILD_COMMIT " toolchain=" MAYDAY_BUILD_TOOLCHAIN;

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-dcf --device DIR [--evidence NAME] [--flash SPEC] [--rot SPEC]\n"
		"                 [--deadline-ms N]\n"
		"       mayday-dcf --help | --version\n"
		"\n"
		"Sends a signed distress indication to the H(e)MS named in DIR's DCF partition\n"
		"and retransmits it until it is acknowledged.\n"
		"  --device DIR       the device (its flash directory)\n"
		"  --evidence NAME    the TrE's evidence file in the run partition (evidence.cbor)\n"
		"  --flash SPEC       flash backend (default: $MAYDAY_FLASH or \"host\")\n"
		"  --rot SPEC         RoT backend (default: $MAYDAY_ROT or \"file\"); one this\n"
		"                     program does not link (tpm2 in the static DCF) through the\n"
		"                     partition's mayday-rot-agent\n"
		"  --deadline-ms N    give up an announcement after N ms (default: [retry]\n"
		"                     deadline_ms of dcf.conf)\n"
		"Only an authenticated acknowledgement saying the H(e)MS verified and stored\n"
		"the indication counts; stored-unverified, rejected or unauthenticated answers\n"
		"are failed attempts, and the DCF goes on (next method, backoff, retries).\n"
		"exit: %d acknowledged, %d no answer, %d answers but none verified and stored,\n"
		"      %d configuration or RoT unusable, %d remediated: a new image is pending,\n"
		"      reboot so secure start-up verifies it\n",
		MAYDAY_EXIT_DCF_ACKED, MAYDAY_EXIT_DCF_UNACKED, MAYDAY_EXIT_DCF_NOT_STORED,
		MAYDAY_EXIT_DCF_CONFIG, MAYDAY_EXIT_REBOOT);
}

/*
 * Time in UTC without the host's time-zone files: glibc reads /etc/localtime
 * (normal code's file system, parsed by libc) on the first time conversion,
 * even for gmtime_r, which OpenSSL calls to check certificates. With TZ a
 * POSIX rule and TZDIR no directory, its one look-up (/dev/null/UTC0) fails
 * without touching a file and the rule gives UTC. Set before anything runs
 * that may convert a time; inherited by what the DCF starts.
 */
static int dcf_utc_init(void)
{
	if (setenv("TZDIR", "/dev/null", 1) != 0 || setenv("TZ", "UTC0", 1) != 0)
		return -1;
	tzset();
	return 0;
}

/*
 * OpenSSL is initialised here, before any library may do it, and told not to
 * load a configuration file: the DCF reads nothing outside its partitions and
 * the RoT, and the host's openssl.cnf (normal code's file system) could name
 * providers or engines to load as shared objects. Initialisation is once per
 * process, so a later call asking for the configuration loads nothing.
 *
 * The random generators (the ECDSA nonce's, TLS's) are SP 800-90A
 * Hash_DRBG over SHA-256 rather than OpenSSL's default CTR_DRBG over
 * AES-256: the same 256-bit security strength, seeded from the same
 * source, but instantiating CTR_DRBG fetches a cipher, and OpenSSL 3's
 * first fetch of a cipher builds every cipher of the provider -- ~1.6 ms
 * of a plain-UDP run's 9 ms of CPU (docs/performance.md). SHA-256 is
 * built anyway for the signature. Set before anything draws a random byte.
 */
static int dcf_openssl_init(void)
{
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
		return -1;
	return RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256") == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "evidence", required_argument, NULL, 'e' },
		{ "flash", required_argument, NULL, 'f' },
		{ "rot", required_argument, NULL, 'r' },
		{ "deadline-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct dcf_run_opts opts = { 0 };
	int c;

	log_init("mayday-dcf", 0);
	if (dcf_utc_init() != 0) {
		log_warn("cannot set the time zone to UTC");
		return MAYDAY_EXIT_DCF_CONFIG;
	}
	if (dcf_openssl_init() != 0) {
		log_warnx("cannot initialise OpenSSL");
		return MAYDAY_EXIT_DCF_CONFIG;
	}
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opts.device_dir = optarg;
			break;
		case 'e':
			opts.evidence_name = optarg;
			break;
		case 'f':
			opts.flash_spec = optarg;
			break;
		case 'r':
			opts.rot_spec = optarg;
			break;
		case 't': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    v < DCF_DEADLINE_MS_MIN || v > DCF_DEADLINE_MS_MAX) {
				fprintf(stderr, "mayday-dcf: --deadline-ms must be %u..%u\n",
					DCF_DEADLINE_MS_MIN, DCF_DEADLINE_MS_MAX);
				return MAYDAY_EXIT_DCF_CONFIG;
			}
			opts.deadline_ms = (uint32_t)v;
			break;
		}
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : MAYDAY_EXIT_DCF_CONFIG;
		case 'V':
			fputs(MAYDAY_VERSION_LINE("mayday-dcf"), stdout);
			return fflush(stdout) == 0 ? 0 : MAYDAY_EXIT_DCF_CONFIG;
		default:
			usage(stderr);
			return MAYDAY_EXIT_DCF_CONFIG;
		}
	}
	if (!opts.device_dir || optind != argc) {
		usage(stderr);
		return MAYDAY_EXIT_DCF_CONFIG;
	}
	cwmp_global_init();
	int exit_code = dcf_run(&opts, NULL);
	return exit_code;
}
