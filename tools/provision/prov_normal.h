/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Normal code's part of a new device (docs/rot.md, "Device credentials"):
 * a fresh P-256 device key, distinct from the distress key, with a device
 * certificate from the operator CA (CN = the device ID, OU =
 * MAYDAY_DEVICE_CERT_OU), sealed with the operator CA certificate into the
 * RoT (hal_rot_file_provision_creds: released only in a verified
 * start-up), and normal code's own settings, state/normal.conf
 * (device/normal/normal_config.h). With a RoT that makes the key itself
 * (the tpm2 backend) the key never exists here: the certificate is issued
 * for its public half and the sealed bundle holds no private key.
 */
#ifndef MAYDAY_PROV_NORMAL_H
#define MAYDAY_PROV_NORMAL_H

#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hal/flash.h"
#include "mayday/error.h"

struct prov_normal {
	const char *device_id;
	X509 *ca_cert;            /* the operator CA: issues, and vouches for the ACS */
	EVP_PKEY *ca_key;
	EVP_PKEY *vendor_pub;     /* the sealing policy is bound to it */
	const uint8_t *pin;       /* NULL, or the ACS key's SPKI SHA-256 */
	uint64_t max_image_size;
	const char *dcf_version;
	int cert_days;
	/* Where the device key is made: NULL, here, a software key sealed
	 * with its certificate and the CA by the file backend's
	 * hal_rot_file_provision_creds(f, vendor_pub, ...); else in the RoT:
	 * this provisions it (the tpm2 backend: the whole TPM, prov_device.c),
	 * getting the bundle to seal from prov_normal_chain for the key's
	 * public half. */
	enum mayday_err (*rot_key)(void *ctx, const struct prov_normal *p);
	void *rot_key_ctx;
};

/* The bundle for a key the RoT holds: the device certificate for `pub`
 * (borrowed), then the CA certificate, PEM, no private key; *pem malloc'd
 * (the caller's). */
MAYDAY_NODISCARD enum mayday_err prov_normal_chain(const struct prov_normal *p, EVP_PKEY *pub,
						   uint8_t **pem, size_t *len);

/* Writes both through `f` (a provisioning handle whose RoT is already
 * provisioned); 1 on success, else 0 with the failure logged once. All
 * borrowed; a software private key exists only in memory here (wiped) and
 * sealed in the RoT. */
int prov_normal_make(struct hal_flash *f, const struct prov_normal *p);

#endif
