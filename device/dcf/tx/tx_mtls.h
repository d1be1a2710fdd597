/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF's mutual-TLS credentials (net_tls.h), as the DCF partition holds
 * them: the CA bundle and the client certificate are files of the DCF
 * partition, which the TrE verified, and the key is the RoT's TLS key
 * handle (hal_rot_tls_key: never key bytes). Used by the "tls" transport
 * (tx_tls.c) and the DCF's remediation (dcf_remediate.c: the CWMP session
 * and the download).
 */
#ifndef MAYDAY_DCF_TX_MTLS_H
#define MAYDAY_DCF_TX_MTLS_H

#include <stdint.h>

#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/error.h"
#include "net_tls.h"

#define TX_MTLS_CA_MAX   16384 /* a few CA certificates in PEM */
#define TX_MTLS_CERT_MAX 8192  /* one P-256 certificate in PEM is under 1 KiB */

/* Reads the CA bundle `ca_name` and the client certificate `cert_name` from
 * the DCF partition, takes the RoT's TLS key and builds the credentials;
 * the certificate must certify that key (MAYDAY_E_KEY otherwise).
 * pin_sha256: NULL, or the server key's SPKI SHA-256 (copied). Failures are
 * logged once here, prefixed with `who` (static storage). Owned by the
 * caller until net_tls_free. */
MAYDAY_NODISCARD enum mayday_err tx_mtls_load(const char *who, struct hal_flash *flash,
					      struct hal_rot *rot, const char *ca_name,
					      const char *cert_name, const uint8_t *pin_sha256,
					      struct net_tls **out);

#endif
