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
#define PROV_PKI_HEMS_KEY   "hems.key.pem"       /* maydayd: signs acks, TLS server key */
#define PROV_PKI_HEMS_CERT  "hems.pem"
#define PROV_PKI_HEMS_PUB   "hems.pub.pem"
#define PROV_PKI_DEVICES    "devices"            /* devices/<ID>.pub.pem, devices/<ID>.pem */

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
