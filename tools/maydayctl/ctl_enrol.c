/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl enrol --device ID --class C --pubkey FILE: (re-)enrol a device.
 * maydayctl enrol --from RECORD [--psk-kek KEK]: the same from an enrolment
 * record (docs/protocol.md §14), with its PSK when it has one. Everything
 * the record says is checked -- and its PSK opened -- before the store is
 * written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ctl.h"
#include "enrol_rec.h"
#include "mayday/kek.h"
#include "store_ingest.h"

static int read_pem(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "maydayctl enrol: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(buf, 1, cap, f);
	int bad = ferror(f) || n == cap;
	fclose(f);
	if (bad) {
		fprintf(stderr, "maydayctl enrol: %s: unreadable or larger than %zu bytes\n", path,
			cap - 1);
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

/* The record's device, key and class, then its PSK (sealed in the store
 * under the KEK maydayd uses). */
static int enrol_from(struct ctl *c, const char *path, const char *kek_path)
{
	char text[ENROL_REC_MAX + 1], why[160], pem[STORE_PEM_MAX + 1];
	struct enrol_rec r;
	uint8_t kek[MAYDAY_KEK_LEN], psk[MAYDAY_PSK_LEN] = {0};
	size_t len = 0;
	int rc = CTL_FAIL;
	enum mayday_err err = enrol_rec_read_file(path, text, &len);

	if (err != MAYDAY_OK) {
		fprintf(stderr, "maydayctl enrol: %s: %s\n", path,
			err == MAYDAY_E_TOOBIG ? "larger than an enrolment record can be"
					       : mayday_strerror(err));
		return CTL_FAIL;
	}
	err = enrol_rec_parse(text, len, &r, why, sizeof(why));
	OPENSSL_cleanse(text, sizeof(text));
	if (err != MAYDAY_OK) {
		fprintf(stderr, "maydayctl enrol: %s: not an enrolment record: %s\n", path, why);
		return CTL_FAIL;
	}
	if (r.psk_form != ENROL_PSK_NONE && kek_path == NULL) {
		fprintf(stderr, "maydayctl enrol: %s carries a PSK: give --psk-kek (the file "
				"maydayd's [server] psk_kek names)\n", path);
		rc = CTL_USAGE;
		goto out;
	}
	if (r.psk_form != ENROL_PSK_NONE) {
		err = mayday_kek_load(kek_path, kek);
		if (err == MAYDAY_OK)
			err = enrol_rec_get_psk(&r, kek, psk);
		OPENSSL_cleanse(kek, sizeof(kek));
		if (err == MAYDAY_OK)
			err = store_psk_kek(c->st, kek_path);
		if (err != MAYDAY_OK) {
			fprintf(stderr, "maydayctl enrol: the PSK of %s does not open with %s, or "
					"that is not this store's KEK: %s\n", path, kek_path,
				mayday_strerror(err));
			goto out;
		}
	}
	if ((err = enrol_rec_key_pem(&r, pem, sizeof(pem), &len)) != MAYDAY_OK ||
	    (err = store_enrol(c->st, r.device_id, r.product_class, pem)) != MAYDAY_OK) {
		rc = ctl_store_fail(c, "enrolling", err);
		goto out;
	}
	if (r.psk_form != ENROL_PSK_NONE &&
	    (err = store_enrol_psk(c->st, r.device_id, r.psk_kid, r.psk_kid_len, psk,
				   sizeof(psk))) != MAYDAY_OK) {
		if (err == MAYDAY_E_MISMATCH)
			fprintf(stderr, "maydayctl enrol: %s enrolled, but its psk kid belongs to "
					"another device: PSK not enrolled\n", r.device_id);
		else
			ctl_store_fail(c, "enrolling the PSK", err);
		goto out;
	}
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "device_id", json_string(r.device_id));
		json_object_set_new(o, "product_class", json_string(r.product_class));
		json_object_set_new(o, "psk", json_boolean(r.psk_form != ENROL_PSK_NONE));
		json_object_set_new(o, "enrolled", json_true());
		rc = ctl_json_print(o);
	} else {
		ctl_line("enrolled %s (class %s%s)", r.device_id, r.product_class,
			 r.psk_form != ENROL_PSK_NONE ? ", with its PSK" : "");
		rc = CTL_OK;
	}
out:
	OPENSSL_cleanse(psk, sizeof(psk));
	enrol_rec_wipe(&r);
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
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	const char *id = NULL, *cls = NULL, *key = NULL, *from = NULL, *kek = NULL;
	char pem[STORE_PEM_MAX + 1];
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "d:c:k:f:K:j", opts, NULL)) != -1) {
		switch (o) {
		case 'd': id = optarg; break;
		case 'c': cls = optarg; break;
		case 'k': key = optarg; break;
		case 'f': from = optarg; break;
		case 'K': kek = optarg; break;
		case 'j': c->json = true; break;
		default: return CTL_USAGE;
		}
	}
	if (from != NULL && id == NULL && cls == NULL && key == NULL && optind == argc)
		return enrol_from(c, from, kek);
	if (id == NULL || cls == NULL || key == NULL || from != NULL || kek != NULL ||
	    optind != argc) {
		fprintf(stderr, "maydayctl enrol: needs --device ID --class CLASS --pubkey FILE, "
				"or --from RECORD [--psk-kek KEK]\n");
		return CTL_USAGE;
	}
	if (read_pem(key, pem, sizeof(pem)) != 0)
		return CTL_FAIL;
	enum mayday_err err = store_enrol(c->st, id, cls, pem);
	switch (err) {
	case MAYDAY_OK:
		break;
	case MAYDAY_E_INVALID:
		fprintf(stderr, "maydayctl enrol: device ID (1..%d) or class (1..%d) empty, too long "
				"or not printable ASCII without spaces\n",
			MAYDAY_DEVICE_ID_MAX, MAYDAY_CLASS_MAX);
		return CTL_USAGE;
	case MAYDAY_E_KEY:
		fprintf(stderr, "maydayctl enrol: %s: not a PEM P-256 public key\n", key);
		return CTL_FAIL;
	default:
		return ctl_store_fail(c, "enrolling", err);
	}
	if (c->json) {
		json_t *o2 = json_object();
		json_object_set_new(o2, "device_id", json_string(id));
		json_object_set_new(o2, "product_class", json_string(cls));
		json_object_set_new(o2, "enrolled", json_true());
		return ctl_json_print(o2);
	}
	ctl_line("enrolled %s (class %s)", id, cls);
	return CTL_OK;
}
