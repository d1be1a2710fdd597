/* An ack counts only when signed by the RoT's H(e)MS anchor and bound to the
 * exact (device, counter) in flight: a replayed ack of an earlier indication
 * or another device's ack never ends the distress procedure. */
#include "dcf_ack.h"

#include <string.h>

enum mayday_err dcf_ack_check(const uint8_t *msg, size_t len, EVP_PKEY *hems_pub,
			      const char *device_id, uint64_t counter, struct mayday_ack *ack,
			      struct mayday_diag *diag)
{
	enum mayday_err rc;

	diag->offset = 0;
	diag->what = NULL;
	rc = mayday_ack_verify(msg, len, hems_pub, ack, diag);
	if (rc != MAYDAY_OK)
		return rc;
	if (strcmp(ack->device_id, device_id) != 0 || ack->counter != counter)
		return MAYDAY_E_MISMATCH;
	return MAYDAY_OK;
}
