/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the RoT HAL: the interface every RoT backend implements.
 * rot.c checks the arguments and the role once; a backend may assume
 * `which` is in range, every pointer is valid, and a call comes only in a
 * role that may make it (rot.h, "Roles").
 */
#ifndef MAYDAY_HAL_ROT_BACKEND_H
#define MAYDAY_HAL_ROT_BACKEND_H

#include "rot.h"

struct hal_rot_ops {
	const char *name; /* the spec's backend name */
	/* Validates everything `role` may use before it succeeds, and loads
	 * nothing else (rot.h, "Roles"). `arg` is the spec after "NAME:" (NULL
	 * for a spec without ':'; borrowed, only during the call); a backend
	 * that takes none refuses one with MAYDAY_E_INVALID. `flash` is
	 * borrowed. */
	enum mayday_err (*open)(void **state, const char *arg, struct hal_flash *flash,
				enum hal_rot_role role);
	void (*close)(void *state); /* wipes key material */
	enum mayday_err (*device_id)(void *state, char out[MAYDAY_DEVICE_ID_MAX + 1]);
	enum mayday_err (*signer)(void *state, struct mayday_signer *out);
	/* the distress key's public half as provisioned; *out the caller's */
	enum mayday_err (*distress_public)(void *state, EVP_PKEY **out);
	enum mayday_err (*anchor)(void *state, enum hal_rot_anchor which, EVP_PKEY **out);
	enum mayday_err (*tls_key)(void *state, EVP_PKEY **out); /* optional (NULL) */
	/* NORMAL role; optional (NULL: MAYDAY_E_UNSUPPORTED). The device
	 * credentials' key, when the backend holds it (rot.h). */
	enum mayday_err (*creds_tls_key)(void *state, EVP_PKEY **out);
	/* optional (NULL); derives inside the backend, the PSK stays there */
	enum mayday_err (*psk_keys)(void *state, struct mayday_psk_keys *out);
	/* TRE role. The register starts at zeros with the open (a TPM: the
	 * PCR reset at power-on); extend is reg = SHA-256(reg || event). */
	enum mayday_err (*extend)(void *state, const uint8_t event[HAL_ROT_REG_LEN]);
	/* TRE role; optional (NULL: MAYDAY_E_UNSUPPORTED). Releases the
	 * credentials only while the register holds the sealing policy value. */
	enum mayday_err (*unseal_creds)(void *state, uint8_t *out, size_t cap, size_t *len);
	enum mayday_err (*counter_read)(void *state, enum hal_rot_counter which, uint64_t *value);
	enum mayday_err (*counter_next)(void *state, enum hal_rot_counter which, uint64_t *value);
	enum mayday_err (*counter_advance)(void *state, enum hal_rot_counter which, uint64_t to);
};

extern const struct hal_rot_ops hal_rot_file_ops;
/* Not in the spec table: hal_rot_open_agent (rot_agent.h) makes its state. */
extern const struct hal_rot_ops hal_rot_remote_ops;

/* A handle over a backend state made outside hal_rot_open_role (the remote
 * backend's, already open in `role`). Takes `state` (closed with ops->close
 * on failure). */
MAYDAY_NODISCARD enum mayday_err hal_rot_adopt(struct hal_rot **out,
					       const struct hal_rot_ops *ops, void *state,
					       enum hal_rot_role role);
/* rot_tpm2.c, in mayday_hal_tpm2 only (rot.c: a weak reference there). */
extern const struct hal_rot_ops hal_rot_tpm2_ops;

#endif
