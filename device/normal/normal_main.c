/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-normal: the stand-in for the femtocell's normal code. It does what
 * real normal code must do for the secure start-up loop: find out who and
 * what it is (device ID from the RoT, image version from its slot's
 * verified manifest); once it knows it works -- for the stand-in, having
 * got this far -- confirm a slot that is on trial, so the pending update
 * becomes the active image and the anti-rollback counter advances; then
 * attach to its network (normal_attach.h: a failure is recorded for the
 * TrE, which runs the DCF at the next start-up); then report how a
 * remediation left on record ended (normal_report.h): a success only if it
 * installed the image now running; and, given an ACS, send the periodic
 * Inform that tells the network it is alive (normal_inform.h), once or
 * every --inform-every seconds.
 *
 * Its RoT role is HAL_ROT_ROLE_NORMAL (no distress key, no PSK); its device
 * credentials are the ones mayday-boot handed over after a verified
 * start-up (--creds-fd, normal_creds.h; on a TPM the private key stays in
 * the TPM and comes from its RoT, hal_rot_creds_tls_key), its CWMP
 * settings its own (normal.conf in the state partition). It links no
 * dcf_* code.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot_confirm.h"
#include "boot_state.h"
#include "boot_verify.h"
#include "cwmp.h"
#include "exit_codes.h"
#include "flash.h"
#include "log.h"
#include "mayday_version.h"
#include "normal_attach.h"
#include "normal_creds.h"
#include "normal_inform.h"
#include "normal_report.h"
#include "rot.h"

struct opts {
	const char *device;
	const char *flash_spec;
	const char *rot_spec;
	const char *slot;
	int confirm;
	int no_confirm;
	const char *inform_url;   /* NULL: no periodic Inform */
	unsigned inform_every_s;  /* 0: once */
	int creds_fd;             /* -1: no device credentials handed over */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mayday-normal --device DIR --slot a|b [--flash SPEC] [--rot SPEC]\n"
		"         [--confirm | --no-confirm] [--inform URL [--inform-every SECONDS]]\n"
		"         [--creds-fd N]\n"
		"       mayday-normal --help | --version\n"
		"  --device DIR   the device (its flash directory)\n"
		"  --slot a|b     the slot this image was started from\n"
		"  --flash SPEC   flash backend (default: $MAYDAY_FLASH or \"host\")\n"
		"  --rot SPEC     RoT backend (default: $MAYDAY_ROT or \"file\")\n"
		"  --confirm      confirm the slot even if it is not on trial (the anti-rollback\n"
		"                 counter advances to its manifest's value); a slot on trial is\n"
		"                 always confirmed: the pending image becomes the active one\n"
		"  --no-confirm   confirm nothing (an image that never proves itself: secure\n"
		"                 start-up gives it up once its tries are spent)\n"
		"  --inform URL   send the ACS at URL (https://HOST:PORT/cwmp) a periodic Inform\n"
		"                 (2 PERIODIC), so the network knows the device is alive\n"
		"                 (default: $MAYDAY_ACS_URL; none without it)\n"
		"  --inform-every SECONDS  and again every SECONDS (1..86400) until stopped\n"
		"                 (default: $MAYDAY_INFORM_EVERY; once without it)\n"
		"  --creds-fd N   the device credentials mayday-boot hands over after a\n"
		"                 verified start-up (an inherited descriptor); without them\n"
		"                 there is no CWMP session (no Inform, no report)\n"
		"Once its slot is the active one it attaches to the SeGW named by $MAYDAY_SEGW\n"
		"(see mayday-normal(8), ENVIRONMENT; a failure is recorded, and the next\n"
		"start-up runs the DCF), then a remediation left on record is reported to\n"
		"the ACS (1 BOOT, 7 TRANSFER COMPLETE, M Download): fault 0 if it installed\n"
		"this very image (slot and manifest), else the fault it ended with.\n"
		"Exit status: %d healthy, %d failed.\n",
		MAYDAY_EXIT_NORMAL_OK, MAYDAY_EXIT_NORMAL_FAILED);
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "slot", required_argument, NULL, 's' },
		{ "flash", required_argument, NULL, 'f' },
		{ "rot", required_argument, NULL, 'r' },
		{ "confirm", no_argument, NULL, 'c' },
		{ "no-confirm", no_argument, NULL, 'n' },
		{ "inform", required_argument, NULL, 'i' },
		{ "inform-every", required_argument, NULL, 'e' },
		{ "creds-fd", required_argument, NULL, 'C' },
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
		case 's':
			o->slot = optarg;
			break;
		case 'f':
			o->flash_spec = optarg;
			break;
		case 'r':
			o->rot_spec = optarg;
			break;
		case 'c':
			o->confirm = 1;
			break;
		case 'n':
			o->no_confirm = 1;
			break;
		case 'i':
			o->inform_url = optarg;
			break;
		case 'e': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || v < 1 || v > 86400) {
				log_info("--inform-every must be 1..86400 seconds, not \"%s\"", optarg);
				return -1;
			}
			o->inform_every_s = (unsigned)v;
			break;
		}
		case 'C': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || v < 3 || v > 65535) {
				log_info("--creds-fd must be a descriptor number 3..65535, not \"%s\"",
					 optarg);
				return -1;
			}
			o->creds_fd = (int)v;
			break;
		}
		case 'h':
			usage(stdout);
			exit(fflush(stdout) == 0 ? MAYDAY_EXIT_NORMAL_OK : MAYDAY_EXIT_NORMAL_FAILED);
		case 'V':
			fputs(MAYDAY_VERSION_LINE("mayday-normal"), stdout);
			exit(fflush(stdout) == 0 ? MAYDAY_EXIT_NORMAL_OK : MAYDAY_EXIT_NORMAL_FAILED);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->inform_url == NULL && getenv("MAYDAY_ACS_URL") && getenv("MAYDAY_ACS_URL")[0])
		o->inform_url = getenv("MAYDAY_ACS_URL");
	/* mayday-boot starts normal code with a fixed command line: a running
	 * device's period comes from the environment, like its ACS URL. */
	const char *every = getenv("MAYDAY_INFORM_EVERY");
	if (o->inform_every_s == 0 && every && every[0]) {
		char *end;
		unsigned long v = strtoul(every, &end, 10);
		if (*every < '0' || *every > '9' || *end != '\0' || v < 1 || v > 86400) {
			log_info("MAYDAY_INFORM_EVERY must be 1..86400 seconds, not \"%.32s\"", every);
			return -1;
		}
		o->inform_every_s = (unsigned)v;
	}
	if (optind != argc || !o->device || !o->slot || (o->confirm && o->no_confirm) ||
	    (o->inform_every_s && !o->inform_url)) {
		usage(stderr);
		return -1;
	}
	if (o->inform_url && strncmp(o->inform_url, "https://", 8) != 0) {
		log_info("--inform must be an https:// URL, not \"%.64s\"", o->inform_url);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .creds_fd = -1 };
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	struct normal_creds creds = { 0 };
	struct mayday_manifest *m = NULL;
	EVP_PKEY *vendor = NULL;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	uint8_t slot = BOOT_SLOT_A;
	enum mayday_err rc;
	int code = MAYDAY_EXIT_NORMAL_FAILED;

	log_init("mayday-normal", 0);
	if (parse(argc, argv, &o) != 0)
		return MAYDAY_EXIT_NORMAL_FAILED;
	/* First, so no child of ours inherits the descriptor. */
	if (o.creds_fd >= 0) {
		rc = normal_creds_read(o.creds_fd, &creds);
		if (rc != MAYDAY_OK)
			log_info("device credentials (--creds-fd %d) unusable: %s", o.creds_fd,
				 mayday_strerror(rc));
		else
			log_info("device credentials handed over by the TrE");
	}
	cwmp_global_init();
	struct normal_attach_cfg acfg;
	char aerr[128];
	if (normal_attach_cfg_parse(&acfg, env_get, aerr, sizeof aerr) != MAYDAY_OK) {
		log_info("%s", aerr);
		goto out;
	}
	if (boot_state_parse_slot(o.slot, &slot) != MAYDAY_OK) {
		log_info("--slot must be a or b, not \"%s\"", o.slot);
		goto out;
	}
	m = calloc(1, sizeof *m);
	if (!m) {
		log_info("out of memory");
		goto out;
	}
	rc = hal_flash_open(&f, o.device, o.flash_spec);
	if (rc == MAYDAY_OK)
		rc = hal_rot_open_role(&rot, o.rot_spec, f, HAL_ROT_ROLE_NORMAL);
	if (rc == MAYDAY_OK)
		rc = hal_rot_device_id(rot, id);
	if (rc != MAYDAY_OK) {
		log_info("cannot open the device %s: %s", o.device, mayday_strerror(rc));
		goto out;
	}
	if (creds.cert_pem != NULL && creds.key == NULL) {
		/* the bundle had no private key: the RoT holds it (normal_creds.h) */
		rc = normal_creds_rot_key(&creds, rot);
		if (rc != MAYDAY_OK) {
			/* once, here: running on without device credentials, as
			 * when none were handed over (no CWMP session) */
			log_info("device credentials: the RoT's key for them %s (%s); running "
				 "without device credentials",
				 rc == MAYDAY_E_DENIED ? "does not sign in this state" : "unusable",
				 mayday_strerror(rc));
			normal_creds_free(&creds);
		} else {
			log_info("device credentials: the private key is the RoT's");
		}
	}
	bool confirm = o.confirm, active = false;
	if (!o.no_confirm && !confirm) {
		struct boot_state st;
		struct mayday_diag diag;
		rc = boot_state_load(f, &st, NULL, &diag);
		if (rc != MAYDAY_OK) {
			log_info("boot state unreadable: %s", mayday_strerror(rc));
			goto out;
		}
		confirm = st.pending == slot;
		active = st.active == slot;
	}
	if (confirm) {
		/* Verifies the manifest itself before anything is written. */
		rc = boot_confirm(f, rot, slot, m);
		active = rc == MAYDAY_OK;
	} else {
		rc = hal_rot_anchor(rot, HAL_ROT_ANCHOR_VENDOR, &vendor);
		if (rc == MAYDAY_OK)
			rc = boot_verify_manifest(f, boot_state_slot_part(slot), vendor,
						  MAYDAY_MANIFEST_IMAGE, m);
	}
	if (rc != MAYDAY_OK) {
		log_info("slot %s: %s failed: %s", boot_state_slot_name(slot),
			 confirm ? "confirmation" : "reading the manifest", mayday_strerror(rc));
		goto out;
	}
	printf("mayday-normal: device %s running image %s from slot %s%s\n", id, m->image_version,
	       boot_state_slot_name(slot), confirm ? " (confirmed)" : "");
	bool attached = !active || normal_attach_run(f, &acfg, id);
	const struct normal_cwmp me = {
		.flash = f,
		.creds = creds.key != NULL ? &creds : NULL,
		.device_id = id,
		.image_version = m->image_version,
		.product_class = m->product_class,
	};
	if (active && attached)
		/* logged; the record stays and is reported at the next start */
		(void)normal_report_run(&me, slot);
	code = fflush(stdout) == 0 && attached ? MAYDAY_EXIT_NORMAL_OK : MAYDAY_EXIT_NORMAL_FAILED;
	/* Alive: a failed Inform is logged and tried again next period; it
	 * never makes the running image unhealthy. A device that could not
	 * attach is not alive to its network, and says nothing. */
	while (attached && o.inform_url != NULL) {
		(void)normal_inform_run(&me, o.inform_url);
		if (o.inform_every_s == 0)
			break;
		sleep(o.inform_every_s);
	}
out:
	normal_creds_free(&creds);
	EVP_PKEY_free(vendor);
	hal_rot_close(rot);
	hal_flash_close(f);
	free(m);
	return code;
}
