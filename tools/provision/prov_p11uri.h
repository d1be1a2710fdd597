/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 URIs (RFC 7512) naming the vendor key, as `--key pkcs11:...`:
 *
 *   pkcs11:token=LABEL;object=LABEL;id=%01?pin-source=/run/pin&module-path=/usr/lib/x.so
 *
 * Path attributes (';'-separated): token, manufacturer, serial, model (match
 * the token), slot-id, object (CKA_LABEL), id (CKA_ID, bytes), type (only
 * "private"). Query attributes ('&'-separated): pin-value, pin-source (a file
 * whose first line is the PIN; "file:" URIs too), module-path. Values are
 * percent-decoded; a decoded NUL, a repeated or unknown attribute, a value
 * longer than its field or a bad %-escape is rejected: a URI that means
 * something other than what it seems to must not pick a key. The URI comes
 * from the command line, but a script may build it from a file, so it is
 * parsed with the care of hostile input (fuzz_prov_p11uri).
 */
#ifndef MAYDAY_PROV_P11URI_H
#define MAYDAY_PROV_P11URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

#define PROV_P11URI_MAX       2048  /* bytes of URI accepted */
#define PROV_P11URI_LABEL_MAX 255   /* object label, bytes */
#define PROV_P11URI_ID_MAX    64    /* CKA_ID, bytes */
#define PROV_P11URI_PIN_MAX   255
#define PROV_P11URI_PATH_MAX  1024

struct prov_p11uri {
	/* Token fields compare with CK_TOKEN_INFO's blank-padded ones; "" = any. */
	char token[33], manufacturer[33], serial[17], model[17];
	bool has_slot_id;
	uint64_t slot_id;
	char object[PROV_P11URI_LABEL_MAX + 1];  /* "" = any label */
	uint8_t id[PROV_P11URI_ID_MAX];
	size_t id_len;
	bool has_id;
	bool has_pin;                             /* pin-value given */
	char pin[PROV_P11URI_PIN_MAX + 1];        /* wiped by prov_p11uri_wipe */
	char pin_source[PROV_P11URI_PATH_MAX + 1];
	char module_path[PROV_P11URI_PATH_MAX + 1];
};

/* Parses `uri` ("pkcs11:" ...) into *out. On error returns MAYDAY_E_INVALID
 * and points *why at a static description (and *at at its byte offset). */
MAYDAY_NODISCARD enum mayday_err prov_p11uri_parse(const char *uri, struct prov_p11uri *out,
						   const char **why, size_t *at);
/* Wipes the PIN (and everything else) held in *u. */
void prov_p11uri_wipe(struct prov_p11uri *u);

#endif
