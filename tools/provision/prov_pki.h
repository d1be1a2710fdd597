/* SPDX-License-Identifier: Apache-2.0 */
/* The PKI directory made by `mayday-provision init`: its file names, and
 * loading its keys with one error message per failure. */
#ifndef MAYDAY_PROV_PKI_H
#define MAYDAY_PROV_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mayday/error.h"

#define PROV_PKI_VENDOR_KEY "vendor.key.pem"     /* signs manifests (P-256) */
#define PROV_PKI_VENDOR_PUB "vendor.pub.pem"
#define PROV_PKI_CA_KEY     "operator-ca.key.pem"
#define PROV_PKI_CA_CERT    "operator-ca.pem"
/* The H(e)MS has two keys, one per job, so the TLS server's key (used on
 * every handshake, loaded by the network-facing listener) is not the key
 * whose signature a device trusts to stand down or to be remediated. */
#define PROV_PKI_HEMS_KEY   "hems.key.pem"       /* maydayd hems_key: signs acknowledgements */
#define PROV_PKI_HEMS_PUB   "hems.pub.pem"       /* its public half: each device's RoT anchor */
#define PROV_PKI_TLS_KEY    "hems-tls.key.pem"   /* maydayd [https] key: the TLS server's */
#define PROV_PKI_TLS_CERT   "hems-tls.pem"       /* [https] cert, SAN PROV_HEMS_SAN */
#define PROV_PKI_CA_CRL     "operator-ca.crl.pem" /* [https] crl: revoked device certificates */
#define PROV_PKI_PSK_KEK    "psk.kek"            /* [server] psk_kek: seals PSKs in the store */
#define PROV_PKI_DEVICES    "devices"            /* devices/<ID>.pub.pem, devices/<ID>.pem */
#define PROV_CRL_DAYS       365                  /* nextUpdate of every CRL written */

#define PROV_HEMS_DNS "hems.mayday.test"
#define PROV_HEMS_SAN "DNS:" PROV_HEMS_DNS ",IP:127.0.0.1"

/* Load DIR/NAME; on failure logs "cannot load DIR/NAME: ..." once. */
MAYDAY_NODISCARD enum mayday_err prov_pki_load_private(const char *dir, const char *name,
						       EVP_PKEY **out);
MAYDAY_NODISCARD enum mayday_err prov_pki_load_public(const char *dir, const char *name,
						      EVP_PKEY **out);
MAYDAY_NODISCARD enum mayday_err prov_pki_load_cert(const char *dir, const char *name,
						    X509 **out);

#endif
