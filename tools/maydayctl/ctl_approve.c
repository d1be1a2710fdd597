/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl approve DEVICE: operator approval of remediation for the
 * device's open incident ([acs] policy = approve). The device is told to
 * remediate with the acknowledgement of its next signed indication.
 */
#include <stdio.h>
#include <time.h>

#include "ctl.h"
#include "store_remed.h"

int ctl_approve(struct ctl *c, int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "maydayctl approve: expected one DEVICE\n");
		return CTL_USAGE;
	}
	enum mayday_err err = store_remed_approve(c->st, argv[1], (int64_t)time(NULL));
	if (err == MAYDAY_E_NOTFOUND) {
		fprintf(stderr, "maydayctl: device '%s' is not enrolled or has no open incident\n",
			argv[1]);
		return CTL_NOTFOUND;
	}
	if (err != MAYDAY_OK)
		return ctl_store_fail(c, "approving", err);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "device_id", json_string(argv[1]));
		json_object_set_new(o, "approved", json_true());
		return ctl_json_print(o);
	}
	ctl_line("remediation approved for %s", argv[1]);
	return CTL_OK;
}
