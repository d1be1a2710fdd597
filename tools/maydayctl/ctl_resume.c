/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl resume CLASS: an operator resumes remediation of a product
 * class that maydayd paused after failed attempts in a row ([acs]
 * pause_after_failures). Recorded with its time; only failures after it
 * count toward the next pause. Exit 3 if no device has that class.
 */
#include <stdio.h>
#include <time.h>

#include "ctl.h"
#include "store_remed.h"

int ctl_resume(struct ctl *c, int argc, char **argv)
{
	bool was_paused = false;
	if (argc != 2) {
		fprintf(stderr, "maydayctl resume: expected one CLASS\n");
		return CTL_USAGE;
	}
	enum mayday_err err = store_remed_class_resume(c->st, argv[1], (int64_t)time(NULL),
						       &was_paused);
	if (err == MAYDAY_E_NOTFOUND || err == MAYDAY_E_INVALID) {
		fprintf(stderr, "maydayctl: no device is enrolled with class '%s'\n", argv[1]);
		return CTL_NOTFOUND;
	}
	if (err != MAYDAY_OK)
		return ctl_store_fail(c, "resuming", err);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "product_class", json_string(argv[1]));
		json_object_set_new(o, "resumed", json_true());
		json_object_set_new(o, "was_paused", json_boolean(was_paused));
		return ctl_json_print(o);
	}
	ctl_line("remediation of class %s resumed%s", argv[1],
	       was_paused ? "" : " (it was not paused; its failure count starts again)");
	return CTL_OK;
}
