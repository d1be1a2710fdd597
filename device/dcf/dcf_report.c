/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building the indication. Everything it reports is read here, once, into
 * plain values; building and signing are then pure with respect to the
 * device, so a retransmission can reuse the exact signed bytes.
 */
#include "dcf_report.h"

#include <string.h>

#include "dcf_config.h"
#include "hal/flash.h"
#include "mayday/ack_batch.h"
#include "mayday/manifest.h"

void dcf_report_default_evidence(struct mayday_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->reason = MAYDAY_REASON_NO_BOOTABLE_SLOT;
}

enum mayday_err dcf_report_load_evidence(struct hal_flash *flash, const char *name,
					 struct mayday_evidence *ev, struct mayday_diag *diag)
{
	uint8_t buf[MAYDAY_EVIDENCE_MAX];
	size_t len = 0;
	enum mayday_err rc;

	diag->offset = 0;
	diag->what = NULL;
	if (!mayday_name_is_safe(name)) {
		rc = MAYDAY_E_INVALID;
		goto fail;
	}
	rc = hal_flash_read(flash, HAL_PART_RUN, name, buf, sizeof(buf), &len);
	if (rc != MAYDAY_OK)
		goto fail;
	rc = mayday_evidence_decode(buf, len, ev, diag);
	if (rc != MAYDAY_OK)
		goto fail;
	return MAYDAY_OK;
fail:
	dcf_report_default_evidence(ev);
	return rc;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return 0;
	memcpy(dst, src, n + 1);
	return 1;
}

enum mayday_err dcf_report_build(const struct dcf_report_input *in, struct mayday_indication *ind)
{
	memset(ind, 0, sizeof(*ind));
	if (!copy_str(ind->device_id, sizeof(ind->device_id), in->device_id) ||
	    !copy_str(ind->dcf_version, sizeof(ind->dcf_version), in->cfg->version))
		return MAYDAY_E_INVALID;
	ind->counter = in->counter;
	ind->time = in->time;
	ind->transport = in->transport;
	ind->free_space = in->free_space;
	ind->max_image_size = in->cfg->max_image_size;
	ind->claims = in->cfg->claims;
	/* dcf_ack_check takes the batch form as well as the single one, so
	 * the H(e)MS may answer with either (docs/protocol.md §7.2). */
	ind->ack_forms = MAYDAY_ACK_FORM_BATCH;
	ind->evidence = *in->ev;
	return MAYDAY_OK;
}

enum mayday_err dcf_report_sign(const struct mayday_indication *ind,
				const struct mayday_signer *signer, uint8_t *out, size_t cap,
				size_t *len)
{
	return mayday_indication_sign(ind, signer, out, cap, len);
}
