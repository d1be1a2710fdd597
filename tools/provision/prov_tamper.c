/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tamper`: make a device fail exactly one check, for demos and tests.
 *
 *   component  invert one byte (the middle one) of a designated component of
 *              slot A: its digest no longer matches its TRV
 *   trv        re-sign slot A's manifest with the real vendor key, with one
 *              component's TRV describing different contents (its bytes with
 *              the middle one inverted): the code was "updated" without its
 *              TRVs, so the manifest verifies but the component does not
 *   dcf        invert one byte of the DCF executable copy: the DCF partition
 *              fails verification (the TrE halts; it cannot report)
 *   rot        invert one byte of the RoT counters record (the message
 *              counter's low byte): its check fails and the RoT is unusable
 *
 * Alterations go through the flash HAL like every other device write, on a
 * provisioning handle (hal_flash_open_provisioning): the tamperer has
 * provisioning's access, which is what an attacker with the medium has.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hal/flash.h"
#include "mayday/manifest.h"
#include "prov_args.h"
#include "prov_cmd.h"
#include "prov_flash.h"
#include "prov_log.h"
#include "prov_key.h"

#define MANIFEST_NAME "manifest.cose"
#define DCF_PROGRAM   "mayday-dcf"
/* The file RoT's counters record and the offset of the message counter's
 * low byte in it (device/hal/rot_file.c: big-endian u64 at offset 8). */
#define ROT_COUNTERS       "counters"
#define ROT_COUNTER_BYTE   15

struct tamper_args {
	const char *device, *what, *name, *pki, *key, *pkcs11_module;
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-provision tamper --device DEVDIR --what component|trv|dcf|rot\n"
		"         [--name NAME] [--pki DIR] [--key PATH|pkcs11:URI [--pkcs11-module SO]]\n"
		"  component  flip a byte of a designated component of slot A (NAME, default\n"
		"             the first designated one)\n"
		"  trv        re-sign slot A's manifest (vendor key: --key, else --pki's) with\n"
		"             the TRV of NAME describing different contents\n"
		"  dcf        flip a byte of the DCF executable\n"
		"  rot        corrupt the RoT counters record\n");
}

/* Slot A's manifest claims, without verification (component) or verified
 * with the vendor key (trv, which re-signs it). */
static enum mayday_err read_manifest(struct hal_flash *f, EVP_PKEY *vendor,
				     struct mayday_manifest *m)
{
	uint8_t buf[MAYDAY_MANIFEST_MAX];
	size_t len = 0;
	struct mayday_diag diag = { 0 };
	struct mayday_cose_sign1 msg;
	enum mayday_err rc;

	rc = hal_flash_read(f, HAL_PART_SLOT_A, MANIFEST_NAME, buf, sizeof(buf), &len);
	if (rc == MAYDAY_OK && vendor)
		rc = mayday_manifest_verify(buf, len, vendor, m, &diag);
	else if (rc == MAYDAY_OK) {
		rc = mayday_cose_sign1_decode(buf, len, sizeof(buf), &msg, &diag);
		if (rc == MAYDAY_OK)
			rc = mayday_manifest_decode_claims(msg.payload, msg.payload_len, m, &diag);
	}
	if (rc != MAYDAY_OK)
		prov_log_error("cannot read %s/%s: %s%s%s", HAL_PART_SLOT_A, MANIFEST_NAME,
			       mayday_strerror(rc), diag.what ? ": " : "",
			       diag.what ? diag.what : "");
	return rc;
}

/* NAME, or the first designated component. */
static struct mayday_trv *pick(struct mayday_manifest *m, const char *name)
{
	for (uint32_t i = 0; i < m->n_trv; i++)
		if (name ? strcmp(m->trv[i].name, name) == 0 : m->trv[i].designated)
			return &m->trv[i];
	if (name)
		prov_log_error("slot A's manifest lists no component \"%s\"", name);
	else
		prov_log_error("slot A's manifest lists no designated component");
	return NULL;
}

static int tamper_component(struct hal_flash *f, const struct tamper_args *a)
{
	struct mayday_manifest m;
	struct mayday_trv *t;
	enum mayday_err rc;

	if (read_manifest(f, NULL, &m) != MAYDAY_OK || !(t = pick(&m, a->name)))
		return 0;
	if (t->size == 0) {
		prov_log_error("%s is empty: no byte to flip", t->name);
		return 0;
	}
	rc = prov_flash_flip(f, HAL_PART_SLOT_A, t->name, t->size / 2);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot alter %s/%s: %s", HAL_PART_SLOT_A, t->name,
			       mayday_strerror(rc));
		return 0;
	}
	prov_log_info("flipped byte %" PRIu64 " of %s/%s%s", t->size / 2, HAL_PART_SLOT_A,
		      t->name, t->designated ? "" : " (not designated)");
	return 1;
}

static int tamper_trv(struct hal_flash *f, const struct tamper_args *a)
{
	struct prov_key vendor;
	struct mayday_manifest m;
	struct mayday_trv *t;
	uint8_t buf[MAYDAY_MANIFEST_MAX];
	size_t len = 0;
	uint64_t size = 0;
	enum mayday_err rc;
	int ok = 0;

	if (!a->pki && !a->key) {
		prov_log_error("--what trv needs --pki or --key (the vendor key re-signs the manifest)");
		return 0;
	}
	if (prov_key_open(&vendor, a->key, a->pki, a->pkcs11_module) != MAYDAY_OK)
		goto out;
	if (read_manifest(f, vendor.pub, &m) != MAYDAY_OK || !(t = pick(&m, a->name)))
		goto out;
	if (t->size == 0) {
		prov_log_error("%s is empty: no other contents to describe", t->name);
		goto out;
	}
	rc = prov_flash_digest(f, HAL_PART_SLOT_A, t->name, t->size / 2, t->digest, &size);
	if (rc == MAYDAY_OK && size != t->size)
		rc = MAYDAY_E_MISMATCH;
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot measure %s/%s against its TRV: %s", HAL_PART_SLOT_A, t->name,
			       mayday_strerror(rc));
		goto out;
	}
	rc = mayday_manifest_sign(&m, &vendor.signer, buf, sizeof(buf), &len);
	if (rc == MAYDAY_OK)
		rc = hal_flash_write_atomic(f, HAL_PART_SLOT_A, MANIFEST_NAME, buf, len);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot re-sign %s/%s: %s", HAL_PART_SLOT_A, MANIFEST_NAME,
			       mayday_strerror(rc));
		goto out;
	}
	prov_log_info("re-signed %s/%s: the TRV of %s no longer describes its contents",
		      HAL_PART_SLOT_A, MANIFEST_NAME, t->name);
	ok = 1;
out:
	prov_key_close(&vendor);
	return ok;
}

static int flip_file(struct hal_flash *f, const char *part, const char *name, int middle,
		     uint64_t at)
{
	uint8_t digest[MAYDAY_DIGEST_LEN];
	uint64_t size = 0;
	enum mayday_err rc = MAYDAY_OK;

	if (middle) {
		rc = prov_flash_digest(f, part, name, PROV_NO_FLIP, digest, &size);
		if (rc == MAYDAY_OK && size == 0)
			rc = MAYDAY_E_INVALID;
		at = size / 2;
	}
	if (rc == MAYDAY_OK)
		rc = prov_flash_flip(f, part, name, at);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot alter %s/%s: %s", part, name, mayday_strerror(rc));
		return 0;
	}
	prov_log_info("flipped byte %" PRIu64 " of %s/%s", at, part, name);
	return 1;
}

int prov_tamper_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "what", required_argument, NULL, 'w' },
		{ "name", required_argument, NULL, 'n' },
		{ "pki", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "pkcs11-module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tamper_args a = { 0 };
	struct hal_flash *f = NULL;
	enum mayday_err rc;
	int c, ok = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': a.device = optarg; break;
		case 'w': a.what = optarg; break;
		case 'n': a.name = optarg; break;
		case 'p': a.pki = optarg; break;
		case 'k':
			if (!prov_key_arg_once("--key", &a.key, optarg))
				return PROV_EXIT_USAGE;
			break;
		case 'm':
			if (!prov_key_arg_once("--pkcs11-module", &a.pkcs11_module, optarg))
				return PROV_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return PROV_EXIT_OK;
		default: usage(stderr); return PROV_EXIT_USAGE;
		}
	}
	if (!a.device || !a.what || optind != argc) {
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	if (strcmp(a.what, "component") != 0 && strcmp(a.what, "trv") != 0 &&
	    strcmp(a.what, "dcf") != 0 && strcmp(a.what, "rot") != 0) {
		prov_log_error("--what must be component, trv, dcf or rot, not \"%s\"", a.what);
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	if (a.name && !prov_args_name("name", a.name, MAYDAY_NAME_MAX))
		return PROV_EXIT_USAGE;
	rc = hal_flash_open_provisioning(&f, a.device, "host");
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot open the device %s: %s", a.device, mayday_strerror(rc));
		return PROV_EXIT_ERROR;
	}
	if (strcmp(a.what, "component") == 0)
		ok = tamper_component(f, &a);
	else if (strcmp(a.what, "trv") == 0)
		ok = tamper_trv(f, &a);
	else if (strcmp(a.what, "dcf") == 0)
		ok = flip_file(f, HAL_PART_DCF, DCF_PROGRAM, 1, 0);
	else
		ok = flip_file(f, HAL_PART_ROT, ROT_COUNTERS, 0, ROT_COUNTER_BYTE);
	hal_flash_close(f);
	return ok ? PROV_EXIT_OK : PROV_EXIT_ERROR;
}
