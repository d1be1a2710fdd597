/*
 * mayday-normal: the stand-in for the femtocell's normal code. It does what
 * real normal code must do for the secure start-up loop: find out who and
 * what it is (device ID from the RoT, image version from its slot's
 * verified manifest) and, once it knows it works (--confirm), confirm its
 * slot so a pending update becomes the active image and the anti-rollback
 * counter advances.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "boot_confirm.h"
#include "log.h"
#include "boot_state.h"
#include "boot_verify.h"
#include "exit_codes.h"
#include "flash.h"
#include "rot.h"

struct opts {
	const char *device;
	const char *flash_spec;
	const char *rot_spec;
	const char *slot;
	int confirm;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mayday-normal --device DIR --slot a|b [--flash SPEC] [--rot SPEC] [--confirm]\n"
		"  --device DIR   the device (its flash directory)\n"
		"  --slot a|b     the slot this image was started from\n"
		"  --flash SPEC   flash backend (default: $MAYDAY_FLASH or \"host\")\n"
		"  --rot SPEC     RoT backend (default: $MAYDAY_ROT or \"file\")\n"
		"  --confirm      confirm the slot: a pending image becomes the active one and\n"
		"                 the anti-rollback counter advances to its manifest's value\n"
		"Exit status: %d healthy, %d failed.\n",
		MAYDAY_EXIT_NORMAL_OK, MAYDAY_EXIT_NORMAL_FAILED);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "slot", required_argument, NULL, 's' },
		{ "flash", required_argument, NULL, 'f' },
		{ "rot", required_argument, NULL, 'r' },
		{ "confirm", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
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
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->device || !o->slot) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	struct mayday_manifest *m = NULL;
	EVP_PKEY *vendor = NULL;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	uint8_t slot = BOOT_SLOT_A;
	enum mayday_err rc;
	int code = MAYDAY_EXIT_NORMAL_FAILED;

	log_init("mayday-normal", 0);
	if (parse(argc, argv, &o) != 0)
		return MAYDAY_EXIT_NORMAL_FAILED;
	if (boot_state_parse_slot(o.slot, &slot) != MAYDAY_OK) {
		log_info("--slot must be a or b, not \"%s\"", o.slot);
		return MAYDAY_EXIT_NORMAL_FAILED;
	}
	m = calloc(1, sizeof *m);
	if (!m) {
		log_info("out of memory");
		goto out;
	}
	rc = hal_flash_open(&f, o.device, o.flash_spec);
	if (rc == MAYDAY_OK)
		rc = hal_rot_open(&rot, o.rot_spec, f);
	if (rc == MAYDAY_OK)
		rc = hal_rot_device_id(rot, id);
	if (rc != MAYDAY_OK) {
		log_info("cannot open the device %s: %s", o.device, mayday_strerror(rc));
		goto out;
	}
	if (o.confirm) {
		/* Verifies the manifest itself before anything is written. */
		rc = boot_confirm(f, rot, slot, m);
	} else {
		rc = hal_rot_anchor(rot, HAL_ROT_ANCHOR_VENDOR, &vendor);
		if (rc == MAYDAY_OK)
			rc = boot_verify_manifest(f, boot_state_slot_part(slot), vendor,
						  MAYDAY_MANIFEST_IMAGE, m);
	}
	if (rc != MAYDAY_OK) {
		log_info("slot %s: %s failed: %s", boot_state_slot_name(slot),
			 o.confirm ? "confirmation" : "reading the manifest", mayday_strerror(rc));
		goto out;
	}
	printf("mayday-normal: device %s running image %s from slot %s\n", id, m->image_version,
	       boot_state_slot_name(slot));
	code = fflush(stdout) == 0 ? MAYDAY_EXIT_NORMAL_OK : MAYDAY_EXIT_NORMAL_FAILED;
out:
	EVP_PKEY_free(vendor);
	hal_rot_close(rot);
	hal_flash_close(f);
	free(m);
	return code;
}
