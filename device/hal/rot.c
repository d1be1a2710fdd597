/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RoT HAL front end: picks the backend by name from `backends` and checks
 * arguments once, so each backend (rot_file.c, rot_tpm2*.c) only implements
 * storage.
 *
 * The spec is "NAME" or "NAME:ARG"; ARG (everything after the first ':')
 * goes to the backend's open ("tpm2:swtpm:path=/run/tpm.sock").
 *
 * The tpm2 backend is in a program exactly when the program links the
 * mayday_hal_tpm2 object library (device/hal/CMakeLists.txt,
 * mayday_link_rot_tpm2): it needs the shared tss2 libraries, which the
 * static mayday-boot and mayday-dcf cannot link (Debian ships no static
 * libtss2; docs/rot.md "TPM 2.0 backend"). Its table entry is therefore a
 * weak reference, NULL where the library is not linked; "tpm2" there is
 * MAYDAY_E_UNSUPPORTED with a log line, never an unknown name.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mayday/cose.h"
#include "rot_agent.h"
#include "rot_backend.h"

/* Weak: defined only in programs that link mayday_hal_tpm2 (above). */
extern const struct hal_rot_ops hal_rot_tpm2_ops __attribute__((weak));

struct hal_rot {
	const struct hal_rot_ops *ops;
	void *state;
	enum hal_rot_role role;
};

/* What a role may have beyond the device ID, anchors and counters. */
static bool has_distress(const struct hal_rot *rot)
{
	return rot->role == HAL_ROT_ROLE_TRE || rot->role == HAL_ROT_ROLE_DCF;
}

static const struct hal_rot_ops *const backends[] = {
	&hal_rot_file_ops,
	&hal_rot_tpm2_ops, /* NULL when not linked */
};

static const char *spec_or_default(const char *spec)
{
	if (spec == NULL) {
		spec = getenv("MAYDAY_ROT");
		if (spec == NULL || spec[0] == '\0')
			spec = "file";
	}
	return spec;
}

bool hal_rot_spec_linked(const char *spec)
{
	size_t n;

	spec = spec_or_default(spec);
	n = strcspn(spec, ":");
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i] != NULL && strlen(backends[i]->name) == n &&
		    strncmp(backends[i]->name, spec, n) == 0)
			return true;
	return false;
}

enum mayday_err hal_rot_adopt(struct hal_rot **out, const struct hal_rot_ops *ops, void *state,
			      enum hal_rot_role role)
{
	struct hal_rot *rot = calloc(1, sizeof(*rot));

	*out = NULL;
	if (rot == NULL) {
		ops->close(state);
		return MAYDAY_E_NOMEM;
	}
	rot->ops = ops;
	rot->state = state;
	rot->role = role;
	*out = rot;
	return MAYDAY_OK;
}

/* Backends a build may leave out, for a clear error instead of "unknown". */
static const char *const optional_backends[] = { "tpm2" };

enum mayday_err hal_rot_open(struct hal_rot **out, const char *spec, struct hal_flash *flash)
{
	return hal_rot_open_role(out, spec, flash, HAL_ROT_ROLE_DCF);
}

enum hal_rot_role hal_rot_role_of(const struct hal_rot *rot)
{
	return rot->role;
}

enum mayday_err hal_rot_open_role(struct hal_rot **out, const char *spec, struct hal_flash *flash,
				  enum hal_rot_role role)
{
	const struct hal_rot_ops *ops = NULL;
	struct hal_rot *rot;
	const char *arg;
	size_t name_len;
	enum mayday_err err;

	if (out == NULL)
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (flash == NULL || (role != HAL_ROT_ROLE_TRE && role != HAL_ROT_ROLE_DCF &&
			      role != HAL_ROT_ROLE_NORMAL))
		return MAYDAY_E_INVALID;
	spec = spec_or_default(spec);
	arg = strchr(spec, ':');
	name_len = arg != NULL ? (size_t)(arg - spec) : strlen(spec);
	if (arg != NULL)
		arg++;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i] != NULL && strlen(backends[i]->name) == name_len &&
		    strncmp(backends[i]->name, spec, name_len) == 0)
			ops = backends[i];
	if (ops == NULL) {
		for (size_t i = 0; i < sizeof(optional_backends) / sizeof(optional_backends[0]); i++)
			if (strlen(optional_backends[i]) == name_len &&
			    strncmp(optional_backends[i], spec, name_len) == 0) {
				log_warnx("rot: the %s backend is not linked into this program",
					  optional_backends[i]);
				return MAYDAY_E_UNSUPPORTED;
			}
		return MAYDAY_E_INVALID;
	}
	rot = calloc(1, sizeof(*rot));
	if (rot == NULL)
		return MAYDAY_E_NOMEM;
	rot->ops = ops;
	rot->role = role;
	err = ops->open(&rot->state, arg, flash, role);
	if (err != MAYDAY_OK) {
		free(rot);
		return err;
	}
	*out = rot;
	return MAYDAY_OK;
}

void hal_rot_close(struct hal_rot *rot)
{
	if (rot == NULL)
		return;
	rot->ops->close(rot->state);
	free(rot);
}

enum mayday_err hal_rot_device_id(struct hal_rot *rot, char out[MAYDAY_DEVICE_ID_MAX + 1])
{
	if (rot == NULL || out == NULL)
		return MAYDAY_E_INVALID;
	return rot->ops->device_id(rot->state, out);
}

enum mayday_err hal_rot_signer(struct hal_rot *rot, struct mayday_signer *out)
{
	if (rot == NULL || out == NULL)
		return MAYDAY_E_INVALID;
	if (!has_distress(rot))
		return MAYDAY_E_DENIED;
	return rot->ops->signer(rot->state, out);
}

enum mayday_err hal_rot_distress_public(struct hal_rot *rot, EVP_PKEY **out)
{
	if (rot == NULL || out == NULL)
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (!has_distress(rot))
		return MAYDAY_E_DENIED;
	return rot->ops->distress_public(rot->state, out);
}

/* Through the same signer and COSE code the DCF signs its indications with,
 * so what passes here is what the H(e)MS will be able to verify. */
enum mayday_err hal_rot_self_test(struct hal_rot *rot)
{
	static const uint8_t payload[] = "mayday RoT distress key self-test";
	uint8_t msg[256];
	size_t len = 0;
	struct mayday_signer signer;
	struct mayday_cose_sign1 cose;
	struct mayday_diag diag;
	EVP_PKEY *pub = NULL;
	enum mayday_err err;

	if (rot == NULL)
		return MAYDAY_E_INVALID;
	err = hal_rot_signer(rot, &signer);
	if (err == MAYDAY_OK)
		err = hal_rot_distress_public(rot, &pub);
	if (err == MAYDAY_OK)
		err = mayday_cose_sign1_encode(&signer, payload, sizeof(payload) - 1, msg,
					       sizeof(msg), &len);
	if (err == MAYDAY_OK)
		err = mayday_cose_sign1_decode(msg, len, sizeof(msg), &cose, &diag);
	if (err == MAYDAY_OK) {
		err = mayday_cose_sign1_verify(&cose, pub);
		if (err == MAYDAY_E_SIGNATURE)
			err = MAYDAY_E_KEY;
	}
	EVP_PKEY_free(pub);
	return err;
}

enum mayday_err hal_rot_anchor(struct hal_rot *rot, enum hal_rot_anchor which, EVP_PKEY **out)
{
	if (rot == NULL || out == NULL || (unsigned)which >= HAL_ROT_ANCHOR__COUNT)
		return MAYDAY_E_INVALID;
	*out = NULL;
	return rot->ops->anchor(rot->state, which, out);
}

enum mayday_err hal_rot_tls_key(struct hal_rot *rot, EVP_PKEY **out)
{
	if (rot == NULL || out == NULL)
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (!has_distress(rot))
		return MAYDAY_E_DENIED;
	if (rot->ops->tls_key == NULL)
		return MAYDAY_E_UNSUPPORTED;
	return rot->ops->tls_key(rot->state, out);
}

enum mayday_err hal_rot_creds_tls_key(struct hal_rot *rot, EVP_PKEY **out)
{
	if (rot == NULL || out == NULL)
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (rot->role != HAL_ROT_ROLE_NORMAL)
		return MAYDAY_E_DENIED;
	if (rot->ops->creds_tls_key == NULL)
		return MAYDAY_E_UNSUPPORTED;
	return rot->ops->creds_tls_key(rot->state, out);
}

enum mayday_err hal_rot_psk_keys(struct hal_rot *rot, struct mayday_psk_keys *out)
{
	enum mayday_err err;

	if (out == NULL)
		return MAYDAY_E_INVALID;
	if (rot == NULL)
		err = MAYDAY_E_INVALID;
	else if (!has_distress(rot))
		err = MAYDAY_E_DENIED;
	else if (rot->ops->psk_keys == NULL)
		err = MAYDAY_E_UNSUPPORTED;
	else
		err = rot->ops->psk_keys(rot->state, out);
	/* Whatever a failing backend left there must not look like keys. */
	if (err != MAYDAY_OK)
		mayday_psk_keys_wipe(out);
	return err;
}

enum mayday_err hal_rot_extend(struct hal_rot *rot, const uint8_t event[HAL_ROT_REG_LEN])
{
	if (rot == NULL || event == NULL)
		return MAYDAY_E_INVALID;
	if (rot->role != HAL_ROT_ROLE_TRE)
		return MAYDAY_E_DENIED;
	return rot->ops->extend(rot->state, event);
}

enum mayday_err hal_rot_unseal_creds(struct hal_rot *rot, uint8_t *out, size_t cap, size_t *len)
{
	if (rot == NULL || out == NULL || len == NULL)
		return MAYDAY_E_INVALID;
	if (rot->role != HAL_ROT_ROLE_TRE)
		return MAYDAY_E_DENIED;
	if (rot->ops->unseal_creds == NULL)
		return MAYDAY_E_UNSUPPORTED;
	return rot->ops->unseal_creds(rot->state, out, cap, len);
}

enum mayday_err hal_rot_counter_read(struct hal_rot *rot, enum hal_rot_counter which,
				     uint64_t *value)
{
	if (rot == NULL || value == NULL || (unsigned)which >= HAL_ROT_COUNTER__COUNT)
		return MAYDAY_E_INVALID;
	return rot->ops->counter_read(rot->state, which, value);
}

enum mayday_err hal_rot_counter_next(struct hal_rot *rot, enum hal_rot_counter which,
				     uint64_t *value)
{
	if (rot == NULL || value == NULL || (unsigned)which >= HAL_ROT_COUNTER__COUNT)
		return MAYDAY_E_INVALID;
	return rot->ops->counter_next(rot->state, which, value);
}

enum mayday_err hal_rot_counter_advance(struct hal_rot *rot, enum hal_rot_counter which,
					uint64_t to)
{
	if (rot == NULL || (unsigned)which >= HAL_ROT_COUNTER__COUNT)
		return MAYDAY_E_INVALID;
	return rot->ops->counter_advance(rot->state, which, to);
}
