/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes one envelope per message kind the project emits into DIR (for
 * cwmp_schema.sh, which validates each with xmllint), and with --seeds also
 * envelopes in other namespaces (fuzz seeds). Usage: cwmp_emit_samples DIR
 */
#include <stdio.h>
#include <string.h>

#include "cwmp_samples.h"

static int write_one(const char *dir, const char *name, const struct cwmp_msg *m)
{
	static char out[CWMP_ENVELOPE_MAX];
	char path[4096];
	size_t len;
	struct mayday_diag diag;

	if (cwmp_emit(m, out, sizeof(out), &len, &diag) != MAYDAY_OK) {
		fprintf(stderr, "cwmp_emit_samples: %s: %s\n", name, diag.what);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(out, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct cwmp_msg m;
	int rc = 0;

	if (argc != 2 && !(argc == 3 && strcmp(argv[2], "--seeds") == 0)) {
		fprintf(stderr, "usage: cwmp_emit_samples DIR [--seeds]\n");
		return 2;
	}
	cwmp_global_init();
	for (size_t i = 0; i < cwmp_sample_count; i++) {
		cwmp_sample(cwmp_sample_kinds[i], &m);
		rc |= write_one(argv[1], cwmp_kind_name(m.kind), &m);
		if (argc == 3) {
			char name[96];
			m.ns = CWMP_NS_1_0;
			snprintf(name, sizeof(name), "%s-1-0", cwmp_kind_name(m.kind));
			rc |= write_one(argv[1], name, &m);
		}
	}
	return rc;
}
