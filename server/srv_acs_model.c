/* SPDX-License-Identifier: Apache-2.0 */
/* The CPE's data-model root and the remediation parameters under it (srv_acs_model.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_acs_model.h"

static const char *const leaves[SRV_ACS_P__COUNT] = {
	[SRV_ACS_P_SOFTWARE_VERSION] = "DeviceInfo.SoftwareVersion",
	[SRV_ACS_P_FREE_SPACE] = "DeviceInfo.X_" SRV_ACS_VENDOR_OUI "_FreeSpace",
	[SRV_ACS_P_MAX_IMAGE_SIZE] = "DeviceInfo.X_" SRV_ACS_VENDOR_OUI "_MaxImageSize",
	[SRV_ACS_P_DCF_VERSION] = "DeviceInfo.X_" SRV_ACS_VENDOR_OUI "_DCFVersion",
};

const char *srv_acs_model_root(const struct cwmp_inform *inf)
{
	const size_t n = strlen(SRV_ACS_ROOT_IGD);
	for (uint32_t i = 0; i < inf->n_params && i < CWMP_PARAMS_MAX; i++)
		if (strncmp(inf->params[i].name, SRV_ACS_ROOT_IGD, n) == 0)
			return SRV_ACS_ROOT_IGD;
	return SRV_ACS_ROOT_DEVICE;
}

bool srv_acs_model_vendor(const struct cwmp_inform *inf)
{
	return strcmp(inf->oui, SRV_ACS_VENDOR_OUI) == 0;
}

void srv_acs_model_name(const char *root, enum srv_acs_leaf leaf, char out[CWMP_STR256_MAX + 1])
{
	snprintf(out, CWMP_STR256_MAX + 1, "%s%s", root,
		 (unsigned)leaf < SRV_ACS_P__COUNT ? leaves[leaf] : "");
}

void srv_acs_model_gpv(const char *root, bool vendor, struct cwmp_gpv *g)
{
	memset(g, 0, sizeof(*g));
	for (int k = 0; k < (vendor ? SRV_ACS_P__COUNT : SRV_ACS_P_SOFTWARE_VERSION + 1); k++)
		srv_acs_model_name(root, (enum srv_acs_leaf)k, g->names[g->n_names++]);
}

const char *srv_acs_model_text(const struct cwmp_gpv_response *r, const char *root,
			       enum srv_acs_leaf leaf)
{
	char name[CWMP_STR256_MAX + 1];
	srv_acs_model_name(root, leaf, name);
	for (uint32_t i = 0; i < r->n_params && i < CWMP_PARAMS_MAX; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return r->params[i].value;
	return NULL;
}

bool srv_acs_model_u64(const struct cwmp_gpv_response *r, const char *root,
		       enum srv_acs_leaf leaf, uint64_t *v)
{
	const char *txt = srv_acs_model_text(r, root, leaf);
	char *end = NULL;
	if (txt == NULL || txt[0] < '0' || txt[0] > '9')
		return false;
	errno = 0;
	unsigned long long x = strtoull(txt, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return false;
	*v = x;
	return true;
}
