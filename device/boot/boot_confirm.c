/* SPDX-License-Identifier: Apache-2.0 */
/* Slot confirmation (contract and ordering argument in boot_confirm.h). */
#include <stdlib.h>

#include "boot_confirm.h"
#include "log.h"
#include "boot_state.h"
#include "boot_verify.h"

enum mayday_err boot_confirm(struct hal_flash *f, struct hal_rot *rot, uint8_t slot,
			     struct mayday_manifest *m_out)
{
	struct mayday_manifest *m = calloc(1, sizeof *m);
	struct mayday_diag diag = { 0, "" };
	EVP_PKEY *vendor = NULL;
	struct boot_state st;
	uint64_t counter = 0;
	enum mayday_err rc;

	if (!m) {
		rc = MAYDAY_E_NOMEM;
		goto out;
	}
	rc = boot_state_load(f, &st, NULL, &diag);
	if (rc != MAYDAY_OK) {
		log_info("confirm: boot state unusable: %s", mayday_strerror(rc));
		goto out;
	}
	if (slot != st.pending && slot != st.active) {
		log_info("confirm: slot %s is neither active nor pending",
			 boot_state_slot_name(slot));
		rc = MAYDAY_E_INVALID;
		goto out;
	}
	rc = hal_rot_anchor(rot, HAL_ROT_ANCHOR_VENDOR, &vendor);
	if (rc == MAYDAY_OK)
		rc = hal_rot_counter_read(rot, HAL_ROT_COUNTER_ROLLBACK, &counter);
	if (rc != MAYDAY_OK) {
		log_info("confirm: rot: %s", mayday_strerror(rc));
		goto out;
	}
	rc = boot_verify_manifest(f, boot_state_slot_part(slot), vendor, MAYDAY_MANIFEST_IMAGE, m);
	if (rc != MAYDAY_OK)
		goto out;
	if (m->rollback < counter) {
		log_info("confirm: slot %s manifest anti-rollback %llu is below the RoT's %llu",
			 boot_state_slot_name(slot), (unsigned long long)m->rollback,
			 (unsigned long long)counter);
		rc = MAYDAY_E_ROLLBACK;
		goto out;
	}
	if (slot == st.pending) {
		st.active = slot;
		st.pending = BOOT_SLOT_NONE;
		st.tries_left = 0;
		st.attempts = 0;
		rc = boot_state_store(f, &st);
		if (rc != MAYDAY_OK) {
			log_info("confirm: boot state write failed: %s", mayday_strerror(rc));
			goto out;
		}
		log_info("confirm: slot %s is now the active slot", boot_state_slot_name(slot));
	}
	if (m->rollback > counter) {
		rc = hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, m->rollback);
		if (rc != MAYDAY_OK) {
			log_info("confirm: raising the anti-rollback counter: %s",
				 mayday_strerror(rc));
			goto out;
		}
		log_info("confirm: anti-rollback counter raised from %llu to %llu",
			 (unsigned long long)counter, (unsigned long long)m->rollback);
	}
	if (m_out)
		*m_out = *m;
out:
	EVP_PKEY_free(vendor);
	free(m);
	return rc;
}
