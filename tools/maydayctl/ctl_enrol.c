/* SPDX-License-Identifier: Apache-2.0 */
/* maydayctl enrol --device ID --class C --pubkey FILE: (re-)enrol a device. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
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

int ctl_enrol(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'},
		{"class", required_argument, NULL, 'c'},
		{"pubkey", required_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	const char *id = NULL, *cls = NULL, *key = NULL;
	char pem[STORE_PEM_MAX + 1];
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "d:c:k:j", opts, NULL)) != -1) {
		switch (o) {
		case 'd': id = optarg; break;
		case 'c': cls = optarg; break;
		case 'k': key = optarg; break;
		case 'j': c->json = true; break;
		default: return CTL_USAGE;
		}
	}
	if (id == NULL || cls == NULL || key == NULL || optind != argc) {
		fprintf(stderr, "maydayctl enrol: needs --device ID --class CLASS --pubkey FILE\n");
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
