/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl bundle upload CLASS FILE: PUT /v1/classes/{class}/bundle, the
 * bytes of FILE as they are (an admin's). maydayd checks the bundle's
 * signature (its [acs] vendor_key), that it is for CLASS and that its
 * version is above zero before it replaces the class's golden bundle
 * (durably); anything else is refused (exit 1) and the old bundle stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define BUNDLE_FILE_MAX (1024u << 20)   /* maydayd's [acs] bundle_max bounds it further */

int ctl_bundle(struct ctl *c, int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[1], "upload") != 0)
		return ctl_usage(c, "expected: bundle upload CLASS FILE");
	const char *cls = argv[2], *path = argv[3];
	struct ctl_url u;
	struct ctl_answer a;
	char *data = NULL;
	size_t len = 0;
	int rc;
	ctl_url_init(&u, "/v1/classes");
	ctl_url_seg(&u, cls);
	ctl_url_lit(&u, "/bundle");
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK ||
	    (rc = ctl_read_file(c, path, BUNDLE_FILE_MAX, &data, &len)) != CTL_OK)
		return rc;
	if (len == 0) {
		free(data);
		return ctl_usage(c, "%s is empty", path);
	}
	rc = ctl_call(c, "PUT", u.s, data, len, "application/octet-stream", 0, &a);
	free(data);
	if (rc != CTL_OK)
		return rc == CTL_USAGE ? CTL_FAIL : rc;   /* a refused bundle: the file's fault */
	if (c->json) {
		rc = ctl_json_print(json_incref(a.json));
	} else {
		const char *sha = ctl_jstr(a.json, "sha256");
		ctl_line("golden bundle of class %s: version %lld, %lld bytes, sha256 %s", cls,
			 ctl_jint(a.json, "version"), ctl_jint(a.json, "size"), sha ? sha : "-");
	}
	ctl_answer_clear(&a);
	return rc;
}
