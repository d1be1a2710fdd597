/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl export DEVICE [--psk sealed|plaintext] [--out FILE]: the
 * device's enrolment record (docs/protocol.md §14; GET
 * /v1/devices/{device}/record, an admin's) on stdout or into FILE (mode
 * 0600, written durably: temp, fsync, rename, fsync the directory). The
 * PSK is in the record only when asked for: sealed under maydayd's KEK, or
 * in clear for an H(e)MS that shares no KEK with this one (stderr warns).
 * Without --psk a device's PSK is left out, and stderr says so.
 *
 * The spellings of before the API still work: --psk-kek KEK is --psk
 * sealed with that KEK (with -d, the KEK the API needs), --plaintext-psk is
 * --psk plaintext. With -d either needs --psk-kek.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ctl.h"
#include "mayday/file.h"

/* Does the device have a PSK? (GET /v1/devices/{device}: psk_kid) */
static int has_psk(struct ctl *c, const char *id, bool *psk)
{
	struct ctl_url u;
	struct ctl_answer a;
	int rc;
	ctl_url_init(&u, "/v1/devices");
	ctl_url_seg(&u, id);
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
	    (rc = ctl_call(c, "GET", u.s, NULL, 0, NULL, 0, &a)) != CTL_OK)
		return rc;
	*psk = ctl_jstr(a.json, "psk_kid") != NULL;
	ctl_answer_clear(&a);
	return CTL_OK;
}

int ctl_export(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"psk", required_argument, NULL, 'p'},
		{"psk-kek", required_argument, NULL, 'K'},
		{"plaintext-psk", no_argument, NULL, 'P'},
		{"out", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL, *psk = NULL;
	bool legacy_plain = false;
	char *text = NULL;
	size_t len = 0;
	int o, rc;

	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': psk = optarg; break;
		case 'K': c->target.psk_kek = optarg; break;
		case 'P': legacy_plain = true; break;
		case 'o': out = optarg; break;
		default: return ctl_bad_option(c, argv);
		}
	}
	if (optind + 1 != argc)
		return ctl_usage(c, "needs one DEVICE");
	if (legacy_plain && c->target.psk_kek == NULL)
		return ctl_usage(c, "--plaintext-psk needs --psk-kek");
	if (psk == NULL && (legacy_plain || c->target.psk_kek != NULL))
		psk = legacy_plain ? "plaintext" : "sealed";
	if (psk != NULL && strcmp(psk, "sealed") != 0 && strcmp(psk, "plaintext") != 0)
		return ctl_usage(c, "--psk '%s': want sealed or plaintext", psk);
	if (psk != NULL && c->target.db != NULL && c->target.psk_kek == NULL)
		return ctl_usage(c, "with -d, --psk needs --psk-kek (the file maydayd's [server] "
			       "psk_kek names)");
	const char *id = argv[optind];
	bool device_psk = false;
	if (psk == NULL && (rc = has_psk(c, id, &device_psk)) != CTL_OK)
		return rc;

	struct ctl_url u;
	struct ctl_answer a;
	ctl_url_init(&u, "/v1/devices");
	ctl_url_seg(&u, id);
	ctl_url_lit(&u, "/record");
	ctl_url_param(&u, "psk", psk);
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
	    (rc = ctl_call(c, "GET", u.s, NULL, 0, NULL, 0, &a)) != CTL_OK)
		return rc;
	if (a.json != NULL) {
		text = json_dumps(a.json, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		len = text ? strlen(text) : 0;
		if (text != NULL) {
			/* one more byte for the newline: jansson allocated len + 1 */
			char *t = OPENSSL_malloc(len + 2);
			if (t != NULL) {
				memcpy(t, text, len);
				t[len++] = '\n';
				t[len] = '\0';
			}
			OPENSSL_cleanse(text, strlen(text));
			free(text);
			text = t;
		}
	} else if (a.raw != NULL) {
		text = OPENSSL_malloc(a.raw_len + 1);
		if (text != NULL) {
			memcpy(text, a.raw, a.raw_len + 1);
			len = a.raw_len;
		}
		OPENSSL_cleanse(a.raw, a.raw_len);
	}
	ctl_answer_clear(&a);
	if (text == NULL)
		return ctl_error(c, CTL_FAIL, "internal", "the API's record for %s is empty or too "
			       "large for memory", id);
	if (device_psk)
		fprintf(stderr, "maydayctl export: %s has a PSK, left out of the record (give "
				"--psk sealed to include it sealed)\n", id);
	if (psk != NULL && strcmp(psk, "plaintext") == 0)
		fprintf(stderr, "maydayctl export: the record holds the PSK of %s in clear: "
				"keep it secret, delete it once imported\n", id);
	rc = CTL_OK;
	if (out != NULL) {
		enum mayday_err err = mayday_file_write_durable(out, text, len, 0600);
		if (err != MAYDAY_OK)
			rc = ctl_error(c, CTL_FAIL, "io", "cannot write %s: %s", out,
				       mayday_strerror(err));
	} else if (fwrite(text, 1, len, stdout) != len) {
		rc = CTL_FAIL;
	}
	OPENSSL_clear_free(text, len + 1);
	return rc;
}
