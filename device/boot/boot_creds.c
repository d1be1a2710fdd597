/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Measurement and hand-over of the device credentials (see boot_creds.h).
 * The plaintext exists in this process only between the unseal and the
 * memfd write, in one buffer wiped right after.
 */
#include "boot_creds.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "log.h"

enum mayday_err boot_creds_measure(struct hal_rot *rot, EVP_PKEY *vendor,
				   const struct boot_decision *d)
{
	uint8_t ev[HAL_ROT_REG_LEN];

	if (d->action != BOOT_START_NORMAL || hal_rot_event_verified(vendor, ev) != MAYDAY_OK)
		hal_rot_event_failed(d->action == BOOT_START_DCF ? d->evidence.reason : 0, ev);
	return hal_rot_extend(rot, ev);
}

/* buf[0..len) into a memfd sealed against every change, offset 0. */
static enum mayday_err memfd_put(const uint8_t *buf, size_t len, int *out)
{
	int fd = memfd_create("mayday-device-creds", MFD_ALLOW_SEALING);
	size_t off = 0;

	if (fd < 0)
		return MAYDAY_E_IO;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
		goto fail;
	*out = fd;
	return MAYDAY_OK;
fail:
	close(fd);
	return MAYDAY_E_IO;
}

enum mayday_err boot_creds_handoff(struct hal_rot *rot, const struct boot_decision *d, int *fd,
				   bool *capped)
{
	uint8_t ev[HAL_ROT_REG_LEN];
	uint8_t *buf;
	size_t len = 0;
	enum mayday_err rc, cap;

	*fd = -1;
	*capped = d->action != BOOT_START_NORMAL;
	if (d->action != BOOT_START_NORMAL)
		return MAYDAY_OK;
	buf = malloc(HAL_ROT_CREDS_MAX);
	if (buf == NULL) {
		/* still capped: the register must not stay at the verified value */
		hal_rot_event_released(ev);
		*capped = hal_rot_extend(rot, ev) == MAYDAY_OK;
		return MAYDAY_E_NOMEM;
	}
	rc = hal_rot_unseal_creds(rot, buf, HAL_ROT_CREDS_MAX, &len);
	hal_rot_event_released(ev);
	cap = hal_rot_extend(rot, ev);
	*capped = cap == MAYDAY_OK;
	if (rc == MAYDAY_OK && cap != MAYDAY_OK)
		rc = cap; /* never hand over what this handle could unseal again */
	if (rc == MAYDAY_OK)
		rc = memfd_put(buf, len, fd);
	OPENSSL_cleanse(buf, HAL_ROT_CREDS_MAX);
	free(buf);
	return rc;
}
