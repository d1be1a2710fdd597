/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF program as a function: everything mayday-dcf does between parsing
 * its command line and exiting, so tests drive it in-process.
 *
 * It reads only the RoT (device ID, distress key, H(e)MS anchor, message
 * counter), its own partition (dcf.conf) and the TrE's evidence in the run
 * partition; nothing of the normal-code slots. Remediation (dcf_remediate.h),
 * which only an authenticated acknowledgement of a verified and stored
 * indication starts, writes the inactive
 * slot, the boot state and the remediation record; it reads no slot either.
 */
#ifndef MAYDAY_DCF_RUN_H
#define MAYDAY_DCF_RUN_H

#include <stdint.h>

#include "dcf_session.h"

struct dcf_run_opts {
	const char *device_dir;     /* required */
	const char *evidence_name;  /* in HAL_PART_RUN; NULL: DCF_EVIDENCE_DEFAULT_NAME */
	const char *flash_spec;     /* NULL: the HAL's default (MAYDAY_FLASH or "host") */
	const char *rot_spec;       /* NULL: the HAL's default ($MAYDAY_ROT or "file") */
	uint32_t deadline_ms;       /* 0: [retry] deadline_ms from dcf.conf */
};

/* Returns an enum mayday_exit (MAYDAY_EXIT_DCF_*, or MAYDAY_EXIT_REBOOT once a
 * remediated image is pending); fills *stats (may be NULL).
 * The HTTP(S) transports need no global set-up (mayday_net, OpenSSL's
 * own initialisation). */
int dcf_run(const struct dcf_run_opts *opts, struct dcf_stats *stats);

#endif
