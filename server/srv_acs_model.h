/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The data model the ACS reads from a CPE (issue 12, docs/cwmp.md
 * "Parameters"): its root is the one its Inform's ParameterList names --
 * "InternetGatewayDevice." (TR-098) if any name starts with it, else
 * "Device." (TR-181, and a CPE that names nothing). What remediation asks
 * is <root>DeviceInfo.SoftwareVersion, which both models define; the
 * vendor extras X_<OUI>_FreeSpace, _MaxImageSize and _DCFVersion (TR-106
 * vendor parameters of the mayday OUI) only of a CPE whose DeviceId OUI is
 * that OUI, since no other vendor's device can have them. A CPE that
 * announces no sizes gets the Download unchecked and may refuse it.
 * Pure functions on decoded messages.
 */
#ifndef MAYDAY_SRV_ACS_MODEL_H
#define MAYDAY_SRV_ACS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "cwmp.h"

#define SRV_ACS_VENDOR_OUI "A1B2C3"
#define SRV_ACS_ROOT_IGD    "InternetGatewayDevice."
#define SRV_ACS_ROOT_DEVICE "Device."

enum srv_acs_leaf {
	SRV_ACS_P_SOFTWARE_VERSION = 0,
	SRV_ACS_P_FREE_SPACE,      /* vendor */
	SRV_ACS_P_MAX_IMAGE_SIZE,  /* vendor */
	SRV_ACS_P_DCF_VERSION,     /* vendor */
	SRV_ACS_P__COUNT
};

/* SRV_ACS_ROOT_IGD or SRV_ACS_ROOT_DEVICE (static strings). */
const char *srv_acs_model_root(const struct cwmp_inform *inf);
/* Whether the CPE may have the vendor parameters (its OUI is ours). */
bool srv_acs_model_vendor(const struct cwmp_inform *inf);
/* The full name of a parameter under root into out[CWMP_STR256_MAX + 1]. */
void srv_acs_model_name(const char *root, enum srv_acs_leaf leaf,
			char out[CWMP_STR256_MAX + 1]);
/* The GetParameterValues of remediation into *g: the standard names, and
 * the vendor ones when `vendor`. */
void srv_acs_model_gpv(const char *root, bool vendor, struct cwmp_gpv *g);
/* A decimal unsigned value of leaf under root in r; false if absent or
 * not a plain decimal number. */
bool srv_acs_model_u64(const struct cwmp_gpv_response *r, const char *root,
		       enum srv_acs_leaf leaf, uint64_t *v);
/* The text of leaf under root in r, or NULL. */
const char *srv_acs_model_text(const struct cwmp_gpv_response *r, const char *root,
			       enum srv_acs_leaf leaf);

#endif
