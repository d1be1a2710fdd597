/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl enrol --device ID --class C --pubkey FILE: (re-)enrol a device.
 * maydayctl enrol --from RECORD: the same from an enrolment record
 * (docs/protocol.md §14), sent as it is for the API to check everything it
 * says and open its PSK (sealed under maydayd's KEK, or in clear) before
 * the store is written. Both are POST /v1/devices; enrolling the same
 * device with the same key again changes nothing.
 *
 * With -d STORE the API runs here, and a record's PSK needs the KEK the
 * store's PSKs are sealed under: --psk-kek KEK (maydayd's [server] psk_kek).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ctl.h"

#define PEM_MAX 4096      /* a P-256 public key's PEM is under 200 bytes */
#define RECORD_MAX 4096   /* enrol_rec.h's ENROL_REC_MAX: the API's bound too */

static int done(struct ctl *c, struct ctl_answer *a, const char *id, const char *cls, bool psk)
{
	int rc;
	if (c->json) {
		rc = ctl_json_print(json_incref(a->json));
	} else {
		const char *aid = ctl_jstr(a->json, "device_id"), *acls = ctl_jstr(a->json,
										  "product_class");
		ctl_line("enrolled %s (class %s%s)", aid ? aid : id, acls ? acls : cls,
			 psk ? ", with its PSK" : "");
		rc = CTL_OK;
	}
	ctl_answer_clear(a);
	return rc;
}

static int enrol_from(struct ctl *c, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	json_error_t e;
	struct ctl_answer a;
	int rc = ctl_read_file(c, path, RECORD_MAX, &text, &len);
	if (rc != CTL_OK)
		return rc;
	json_t *rec = json_loadb(text, len, 0, &e);
	if (!json_is_object(rec)) {
		rc = ctl_error(c, CTL_FAIL, "bad_request", "%s: not an enrolment record: %s", path,
			       rec ? "not a JSON object" : e.text);
		goto out;
	}
	bool psk = json_object_get(rec, "psk") != NULL;
	if (psk && c->target.db != NULL && c->target.psk_kek == NULL) {
		rc = ctl_usage(c, "%s carries a PSK: give --psk-kek (the file maydayd's [server] "
			       "psk_kek names) with -d", path);
		goto out;
	}
	rc = ctl_call(c, "POST", "/v1/devices", text, len, "application/json", 0, &a);
	if (rc == CTL_USAGE)
		rc = CTL_FAIL;   /* a refused record is the file's fault, not the command line's */
	if (rc == CTL_OK)
		rc = done(c, &a, ctl_jstr(rec, "device_id"), ctl_jstr(rec, "product_class"), psk);
out:
	json_decref(rec);
	OPENSSL_clear_free(text, len + 1);
	return rc;
}

int ctl_enrol(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'},
		{"class", required_argument, NULL, 'c'},
		{"pubkey", required_argument, NULL, 'k'},
		{"from", required_argument, NULL, 'f'},
		{"psk-kek", required_argument, NULL, 'K'},
		{NULL, 0, NULL, 0},
	};
	const char *id = NULL, *cls = NULL, *key = NULL, *from = NULL;
	char *pem = NULL;
	size_t len = 0;
	int o, rc;
	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': id = optarg; break;
		case 'c': cls = optarg; break;
		case 'k': key = optarg; break;
		case 'f': from = optarg; break;
		case 'K': c->target.psk_kek = optarg; break;
		default: return ctl_bad_option(c, argv);
		}
	}
	if (from != NULL && id == NULL && cls == NULL && key == NULL && optind == argc)
		return enrol_from(c, from);
	if (id == NULL || cls == NULL || key == NULL || from != NULL || optind != argc)
		return ctl_usage(c, "needs --device ID --class CLASS --pubkey FILE, or --from RECORD");
	if ((rc = ctl_read_file(c, key, PEM_MAX, &pem, &len)) != CTL_OK)
		return rc;
	json_t *body = json_pack("{s:s,s:s,s:s}", "device_id", id, "product_class", cls,
				 "public_key_pem", pem);
	free(pem);
	if (body == NULL)   /* not UTF-8: no PEM file is */
		return ctl_error(c, CTL_FAIL, "bad_request", "%s: not a PEM P-256 public key", key);
	struct ctl_answer a;
	if ((rc = ctl_call_json(c, "POST", "/v1/devices", body, 0, &a)) != CTL_OK)
		return rc;
	return done(c, &a, id, cls, false);
}
