/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Front end of store_api.h: arguments every backend would check are
 * checked here once, then the call goes through the backend's table.
 */
#include <string.h>

#include "store_backend.h"

/* An API token's public id: "mdt_" and lowercase hex, STORE_TOKEN_ID_LEN
 * bytes in all; a role: viewer, operator or admin. Checked here for every
 * backend. */
static bool token_id_ok(const char *id)
{
	if (strnlen(id, STORE_TOKEN_ID_LEN + 1) != STORE_TOKEN_ID_LEN || memcmp(id, "mdt_", 4) != 0)
		return false;
	for (size_t i = 4; i < STORE_TOKEN_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

static bool role_ok(const char *r)
{
	return strcmp(r, "viewer") == 0 || strcmp(r, "operator") == 0 || strcmp(r, "admin") == 0;
}

enum mayday_err store_token_create(struct store *st, const char *id, const char *name,
				   const char *role, const uint8_t sha256[32],
				   const char *created_by, int64_t now)
{
	if (id == NULL || name == NULL || role == NULL || sha256 == NULL || created_by == NULL ||
	    !token_id_ok(id) || !role_ok(role))
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, token_create, id, name, role, sha256, created_by, now);
}

enum mayday_err store_token_lookup(struct store *st, const char *id, uint8_t sha256[32],
				   char role[STORE_ROLE_MAX + 1],
				   char name[STORE_TOKEN_NAME_MAX + 1], bool *revoked)
{
	if (id == NULL || !token_id_ok(id))
		return MAYDAY_E_NOTFOUND;
	return STORE_CALL(st, token_lookup, id, sha256, role, name, revoked);
}

enum mayday_err store_token_touch(struct store *st, const char *id, int64_t now)
{
	if (id == NULL || !token_id_ok(id))
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, token_touch, id, now);
}

enum mayday_err store_token_revoke(struct store *st, const char *id, const char *by, int64_t now)
{
	if (id == NULL || by == NULL)
		return MAYDAY_E_INVALID;
	if (!token_id_ok(id))
		return MAYDAY_OK;   /* no such token: nothing to revoke */
	return STORE_CALL(st, token_revoke, id, by, now);
}

enum mayday_err store_token_list(struct store *st, store_token_cb cb, void *ctx)
{
	return STORE_CALL(st, token_list, cb, ctx);
}

enum mayday_err store_device_enrol_by(struct store *st, const char *device_id,
				      const char *product_class, const char *pubkey_pem,
				      const char *by, int64_t now, enum store_enrol_result *res)
{
	if (device_id == NULL || product_class == NULL || pubkey_pem == NULL || by == NULL)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, device_enrol_by, device_id, product_class, pubkey_pem, by, now, res);
}

enum mayday_err store_device_revoke(struct store *st, const char *device_id, const char *by,
				    const char *reason, int64_t now, bool *already)
{
	if (device_id == NULL || by == NULL)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, device_revoke, device_id, by, reason, now, already);
}

enum mayday_err store_device_pubkey(struct store *st, const char *device_id, char *pem,
				    size_t cap, size_t *len, int64_t *revoked_at,
				    char revoked_by[STORE_WHO_MAX + 1])
{
	if (device_id == NULL)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, device_pubkey, device_id, pem, cap, len, revoked_at, revoked_by);
}

enum mayday_err store_remed_approve_by(struct store *st, const char *device_id, const char *by,
				       int64_t now, int64_t *incident_id, bool *already)
{
	if (device_id == NULL || by == NULL)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, remed_approve_by, device_id, by, now, incident_id, already);
}

enum mayday_err store_remed_approval(struct store *st, int64_t incident_id,
				     char by[STORE_WHO_MAX + 1], int64_t *at)
{
	return STORE_CALL(st, remed_approval, incident_id, by, at);
}

enum mayday_err store_remed_class_pause(struct store *st, const char *product_class,
					const char *by, int64_t now, bool *already)
{
	if (product_class == NULL || by == NULL)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, remed_class_pause, product_class, by, now, already);
}

enum mayday_err store_remed_class_resume_by(struct store *st, const char *product_class,
					    const char *by, int64_t now, bool *was_paused)
{
	if (product_class == NULL || by == NULL)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, remed_class_resume_by, product_class, by, now, was_paused);
}

enum mayday_err store_operator_action(struct store *st, const char *identity, const char *action,
				      const char *target, const char *detail, int64_t now)
{
	if (identity == NULL || action == NULL || target == NULL)
		return MAYDAY_E_INVALID;
	return STORE_CALL(st, operator_action, identity, action, target, detail, now);
}

enum mayday_err store_operator_actions(struct store *st, const char *target, store_action_cb cb,
				       void *ctx)
{
	return STORE_CALL(st, operator_actions, target, cb, ctx);
}
