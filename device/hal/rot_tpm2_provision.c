/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning of the tpm2 RoT backend (rot.h, hal_rot_tpm2_provision).
 * Interface fixed first; the body follows.
 */
#include "log.h"
#include "rot.h"

enum mayday_err hal_rot_tpm2_provision(const struct hal_rot_tpm2_provision_args *args,
				       EVP_PKEY **distress_pub)
{
	if (distress_pub != NULL)
		*distress_pub = NULL;
	if (args == NULL || distress_pub == NULL)
		return MAYDAY_E_INVALID;
	return MAYDAY_E_UNSUPPORTED;
}
