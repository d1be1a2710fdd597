/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading the DCF's TLS credentials (see tx_mtls.h): two bounded reads of
 * the DCF partition and the RoT's key handle, handed to net_tls_new.
 */
#include "tx_mtls.h"

#include <stdlib.h>

#include "log.h"

static enum mayday_err read_part_file(const char *who, struct hal_flash *flash, const char *name,
				      uint8_t *buf, size_t cap, size_t *len)
{
	enum mayday_err rc = hal_flash_read(flash, HAL_PART_DCF, name, buf, cap, len);

	if (rc != MAYDAY_OK)
		log_info("%s: cannot read %s/%s: %s", who, HAL_PART_DCF, name,
			 mayday_strerror(rc));
	return rc;
}

enum mayday_err tx_mtls_load(const char *who, struct hal_flash *flash, struct hal_rot *rot,
			     const char *ca_name, const char *cert_name, const uint8_t *pin_sha256,
			     struct net_tls **out)
{
	uint8_t *ca = malloc(TX_MTLS_CA_MAX), *cert = malloc(TX_MTLS_CERT_MAX);
	size_t ca_len = 0, cert_len = 0;
	EVP_PKEY *key = NULL;
	enum mayday_err rc = MAYDAY_E_NOMEM;

	*out = NULL;
	if (!ca || !cert) {
		log_info("%s: out of memory", who);
		goto out;
	}
	rc = read_part_file(who, flash, ca_name, ca, TX_MTLS_CA_MAX, &ca_len);
	if (rc == MAYDAY_OK)
		rc = read_part_file(who, flash, cert_name, cert, TX_MTLS_CERT_MAX, &cert_len);
	if (rc != MAYDAY_OK)
		goto out;
	rc = hal_rot_tls_key(rot, &key);
	if (rc != MAYDAY_OK) {
		log_info("%s: the RoT gives no TLS key: %s", who, mayday_strerror(rc));
		goto out;
	}
	/* takes the key; logs its own failures */
	rc = net_tls_new(who, key, (const char *)cert, cert_len, (const char *)ca, ca_len,
			 pin_sha256, out);
out:
	free(ca);
	free(cert);
	return rc;
}
