/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Built instead of the tpm2 backend when tss2 is not there (cmake/tpm2.cmake):
 * provisioning a TPM says so. hal_rot_tpm2_ops stays undefined, so rot.c
 * refuses "tpm2:..." at open (MAYDAY_E_UNSUPPORTED).
 */
#include "log.h"
#include "rot.h"

enum mayday_err hal_rot_tpm2_provision(const struct hal_rot_tpm2_provision_args *args,
				       EVP_PKEY **distress_pub)
{
	(void)args;
	if (distress_pub != NULL)
		*distress_pub = NULL;
	log_warnx("rot: this build has no tpm2 backend (MAYDAY_TPM2 off: libtss2-dev "
		  "missing, or turned off)");
	return MAYDAY_E_UNSUPPORTED;
}
