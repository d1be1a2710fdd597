/*
 * The incident store: devices, indications, incidents. Backends by name
 * ("sqlite:PATH"; PostgreSQL later). Only the calls other parts need are
 * declared here; the daemon's ingest calls live in store_ingest.h.
 */
#ifndef MAYDAY_STORE_H
#define MAYDAY_STORE_H

#include "mayday/error.h"

struct store;

/* Creates the schema if missing. Caller owns *out. */
MAYDAY_NODISCARD enum mayday_err store_open(struct store **out, const char *spec);
void store_close(struct store *st); /* NULL-safe */

/* Enrol (or re-enrol) a device: its ID, product class and distress public key (PEM). */
MAYDAY_NODISCARD enum mayday_err store_enrol(struct store *st, const char *device_id,
					     const char *product_class, const char *pubkey_pem);

#endif
