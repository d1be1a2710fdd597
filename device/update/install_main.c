/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-install: install a signed bundle from a file into a device's
 * inactive slot, as the DCF will from an HTTPS download (simulation and
 * tests). The device's product class and maximum image size come from its
 * DCF partition's dcf.conf unless given on the command line.
 *
 * Exit status: MAYDAY_EXIT_REBOOT (13) when the image is installed and its
 * slot pending: the device must now reboot (the harness runs mayday-boot);
 * 1 when the bundle was refused or the install failed (one line
 * "mayday-install: fault CODE NAME: DETAIL" on stdout, CODE being the
 * TR-069 fault code); 2 on usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "boot_state.h"
#include "dcf_config.h"
#include "exit_codes.h"
#include "flash.h"
#include "log.h"
#include "mayday_version.h"
#include "rot.h"
#include "update_install.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

struct opts {
	const char *device, *bundle, *flash_spec, *rot_spec, *product_class;
	uint64_t max_size;
	int have_max;
	unsigned tries;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mayday-install --device DIR --bundle FILE [--flash SPEC] [--rot SPEC]\n"
		"         [--class CLASS] [--max-size BYTES] [--tries N]\n"
		"       mayday-install --help | --version\n"
		"Install a signed bundle into the device's inactive slot and mark it pending.\n"
		"  --class, --max-size   default: the device's dcf.conf ([dcf] product_class,\n"
		"                        max_image_size)\n"
		"  --tries N             start-ups of the new slot before it is given up (1..16,\n"
		"                        default %d)\n"
		"Exit status: %d installed, reboot now; %d refused or failed (the TR-069 fault\n"
		"code is printed); %d usage.\n",
		UPDATE_TRIES_DEFAULT, MAYDAY_EXIT_REBOOT, EXIT_REFUSED, EXIT_USAGE);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return 0;
	*out = v;
	return 1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "flash", required_argument, NULL, 'f' },
		{ "rot", required_argument, NULL, 'r' },
		{ "class", required_argument, NULL, 'c' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "tries", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v = 0;
	int c;

	o->tries = UPDATE_TRIES_DEFAULT;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->device = optarg; break;
		case 'b': o->bundle = optarg; break;
		case 'f': o->flash_spec = optarg; break;
		case 'r': o->rot_spec = optarg; break;
		case 'c': o->product_class = optarg; break;
		case 'm':
			if (!parse_u64(optarg, UINT64_MAX, &o->max_size)) {
				log_warnx("--max-size: not a number of bytes: %s", optarg);
				return 0;
			}
			o->have_max = 1;
			break;
		case 't':
			if (!parse_u64(optarg, 16, &v) || v < 1) {
				log_warnx("--tries: expected 1..16: %s", optarg);
				return 0;
			}
			o->tries = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			exit(fflush(stdout) == 0 ? 0 : EXIT_REFUSED);
		case 'V':
			fputs(MAYDAY_VERSION_LINE("mayday-install"), stdout);
			exit(fflush(stdout) == 0 ? 0 : EXIT_REFUSED);
		default:
			return 0;
		}
	}
	if (optind != argc || !o->device || !o->bundle) {
		log_warnx("--device and --bundle are required");
		return 0;
	}
	if (o->product_class && strlen(o->product_class) > MAYDAY_CLASS_MAX) {
		log_warnx("--class: at most %d bytes", MAYDAY_CLASS_MAX);
		return 0;
	}
	return 1;
}

/* Fill what the command line left open from dcf.conf. */
static int device_params(struct hal_flash *f, const struct opts *o, struct dcf_config *cfg,
			 struct update_params *p)
{
	struct dcf_config_error err = { NULL, "" };
	enum mayday_err rc;

	p->tries = (uint8_t)o->tries;
	p->product_class = o->product_class;
	p->max_image_size = o->max_size;
	if (o->product_class && o->have_max)
		return 1;
	rc = dcf_config_load(f, cfg, &err);
	if (rc != MAYDAY_OK) {
		log_warnx("device's dcf.conf: %s%s%s%s", mayday_strerror(rc),
			  err.what ? ": " : "", err.what ? err.what : "", err.key);
		return 0;
	}
	if (!o->product_class)
		p->product_class = cfg->product_class;
	if (!o->have_max)
		p->max_image_size = cfg->max_image_size;
	return 1;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	struct dcf_config *cfg = NULL;
	struct update_params p = { 0 }; /* before_pending: none */
	struct update_result *res = NULL;
	FILE *in = NULL;
	enum mayday_err rc;
	int code = EXIT_REFUSED;

	log_init("mayday-install", 0);
	/* SHA-256 and the manifest's ECDSA verify need nothing from the host's
	 * openssl.cnf, nor error strings (as mayday-boot, boot_main.c says why). */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
				NULL) != 1) {
		log_warnx("OpenSSL initialisation failed");
		return EXIT_REFUSED;
	}
	if (!parse(argc, argv, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cfg = calloc(1, sizeof *cfg);
	res = calloc(1, sizeof *res);
	if (!cfg || !res) {
		log_warnx("out of memory");
		goto out;
	}
	in = fopen(o.bundle, "rb");
	if (!in) {
		log_warn("%s", o.bundle);
		goto out;
	}
	rc = hal_flash_open(&f, o.device, o.flash_spec);
	/* The vendor anchor and the anti-rollback counter are all it needs:
	 * normal code's role, which never loads the distress key. */
	if (rc == MAYDAY_OK)
		rc = hal_rot_open_role(&rot, o.rot_spec, f, HAL_ROT_ROLE_NORMAL);
	if (rc != MAYDAY_OK) {
		log_warnx("device %s: %s", o.device, mayday_strerror(rc));
		goto out;
	}
	if (!device_params(f, &o, cfg, &p))
		goto out;
	if (update_install(f, rot, &p, update_read_file, in, res) != UPDATE_OK) {
		printf("mayday-install: fault %u %s: %s\n", update_fault_code(res->status),
		       update_status_name(res->status), res->detail);
		goto out;
	}
	printf("mayday-install: installed image %s (anti-rollback %" PRIu64 ") into slot %s, "
	       "pending; reboot\n", res->manifest.image_version, res->manifest.rollback,
	       boot_state_slot_name(res->slot));
	code = MAYDAY_EXIT_REBOOT;
out:
	if (in)
		fclose(in);
	hal_rot_close(rot);
	hal_flash_close(f);
	free(cfg);
	free(res);
	fflush(stdout);
	return code;
}
