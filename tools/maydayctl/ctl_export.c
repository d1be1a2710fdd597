/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl export DEVICE [--psk-kek KEK [--plaintext-psk]] [--out FILE]:
 * the device's enrolment record (docs/protocol.md §14) on stdout or into
 * FILE (mode 0600, written durably). The PSK is in the record only when
 * the store's KEK is given, and then sealed under that KEK; in clear only
 * with --plaintext-psk, for an H(e)MS that shares no KEK with this one.
 * Without --psk-kek a device's PSK is left out, and stderr says so.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ctl.h"
#include "enrol_rec.h"
#include "mayday/file.h"
#include "mayday/kek.h"
#include "mayday/keys.h"
#include "store_ingest.h"

static bool unhex(const char *s, uint8_t *out, size_t *len)
{
	size_t n = strlen(s);

	if (n % 2 != 0 || n / 2 > MAYDAY_PSK_KID_MAX)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return true;
}

/* The device's PSK from the store (opened with kek_path) into the record. */
static enum mayday_err add_psk(struct ctl *c, const struct store_device_row *dev,
			       const char *kek_path, bool plaintext, struct enrol_rec *r)
{
	uint8_t kid[MAYDAY_PSK_KID_MAX], kek[MAYDAY_KEK_LEN];
	size_t kid_len = 0;
	struct store_psk p;
	enum mayday_err err;

	memset(&p, 0, sizeof(p));
	if (!unhex(dev->psk_kid_hex, kid, &kid_len))
		return MAYDAY_E_MALFORMED;
	err = store_psk_kek(c->st, kek_path);
	if (err == MAYDAY_OK)
		err = store_psk_get(c->st, kid, kid_len, &p);
	if (err == MAYDAY_OK && strcmp(p.device_id, dev->id) != 0)
		err = MAYDAY_E_MISMATCH;
	if (err == MAYDAY_OK && !plaintext)
		err = mayday_kek_load(kek_path, kek);
	if (err == MAYDAY_OK)
		err = enrol_rec_put_psk(r, kid, kid_len, p.psk, plaintext ? NULL : kek);
	OPENSSL_cleanse(kek, sizeof(kek));
	store_psk_wipe(&p);
	return err;
}

int ctl_export(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"psk-kek", required_argument, NULL, 'K'},
		{"plaintext-psk", no_argument, NULL, 'P'},
		{"out", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	const char *kek = NULL, *out = NULL;
	bool plaintext = false;
	struct store_device_row dev;
	struct enrol_rec r;
	char pem[STORE_PEM_MAX + 1];
	char *text = NULL;
	size_t len = 0;
	EVP_PKEY *key = NULL;
	int o, rc = CTL_FAIL;

	/* 0, not 1: glibc then starts afresh, in permuting order (main's
	 * getopt stopped at the command word), so options may follow DEVICE. */
	optind = 0;
	while ((o = getopt_long(argc, argv, "K:Po:j", opts, NULL)) != -1) {
		switch (o) {
		case 'K': kek = optarg; break;
		case 'P': plaintext = true; break;
		case 'o': out = optarg; break;
		case 'j': break;   /* the record is JSON anyway */
		default: return CTL_USAGE;
		}
	}
	if (optind + 1 != argc || (plaintext && kek == NULL)) {
		fprintf(stderr, "maydayctl export: needs one DEVICE (and --psk-kek with "
				"--plaintext-psk)\n");
		return CTL_USAGE;
	}
	const char *id = argv[optind];
	memset(&r, 0, sizeof(r));
	enum mayday_err err = store_get_device(c->st, id, &dev);
	if (err == MAYDAY_E_NOTFOUND || err == MAYDAY_E_INVALID) {
		fprintf(stderr, "maydayctl: device '%s' is not enrolled\n", id);
		return CTL_NOTFOUND;
	}
	if (err == MAYDAY_OK)
		err = store_device_key(c->st, id, pem, sizeof(pem), &len);
	if (err != MAYDAY_OK)
		return ctl_store_fail(c, "exporting", err);
	snprintf(r.device_id, sizeof(r.device_id), "%s", dev.id);
	snprintf(r.product_class, sizeof(r.product_class), "%s", dev.product_class);
	err = mayday_key_public_from_pem((const uint8_t *)pem, len, &key);
	if (err == MAYDAY_OK)
		err = enrol_rec_set_key(&r, key);
	EVP_PKEY_free(key);
	if (err != MAYDAY_OK) {
		fprintf(stderr, "maydayctl export: the key enrolled for %s is unusable: %s\n", id,
			mayday_strerror(err));
		goto done;
	}
	if (dev.psk_kid_hex[0] != '\0' && kek == NULL) {
		fprintf(stderr, "maydayctl export: %s has a PSK, left out of the record (give "
				"--psk-kek to include it sealed)\n", id);
	} else if (dev.psk_kid_hex[0] != '\0' &&
		   (err = add_psk(c, &dev, kek, plaintext, &r)) != MAYDAY_OK) {
		fprintf(stderr, "maydayctl export: cannot read the PSK of %s with %s: %s\n", id,
			kek, mayday_strerror(err));
		goto done;
	}
	if ((err = enrol_rec_format(&r, &text, &len)) != MAYDAY_OK) {
		fprintf(stderr, "maydayctl export: %s: %s\n", id, mayday_strerror(err));
		goto done;
	}
	if (plaintext)
		fprintf(stderr, "maydayctl export: the record holds the PSK of %s in clear: "
				"keep it secret, delete it once imported\n", id);
	if (out != NULL) {
		err = mayday_file_write_durable(out, text, len, 0600);
		if (err != MAYDAY_OK) {
			fprintf(stderr, "maydayctl export: cannot write %s: %s\n", out,
				mayday_strerror(err));
			goto done;
		}
	} else if (fwrite(text, 1, len, stdout) != len) {
		goto done;
	}
	rc = CTL_OK;
done:
	if (text != NULL)
		OPENSSL_clear_free(text, len + 1);
	enrol_rec_wipe(&r);
	return rc;
}
