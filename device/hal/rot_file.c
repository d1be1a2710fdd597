/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "file" RoT backend: the RoT's secure storage is the HAL_PART_ROT partition
 * of the flash HAL (so flash fault injection reaches it too).
 *
 *   device_id         the device ID, printable ASCII, no newline (one
 *                     trailing "\n" is tolerated on read)
 *   distress.key.pem  the distress signing key, PKCS#8 PEM, P-256, unencrypted
 *   distress.pub.pem  its public half as provisioned, PEM; optional: a RoT
 *                     provisioned before this item existed has none
 *   vendor.pub.pem    trust anchor: vendor image/DCF signing key, P-256
 *   hems.pub.pem      trust anchor: H(e)MS acknowledgement key, P-256
 *   counters          the monotonic counters record (rot_counters.h)
 *   psk, psk_kid      optional, both or neither: the PSK method's key, exactly
 *                     MAYDAY_PSK_LEN raw bytes, and its key identifier,
 *                     MAYDAY_PSK_KID_MIN..MAX raw bytes
 *   seal.key          optional: the seal secret, ROT_SEAL_SECRET_LEN raw bytes
 *   device-creds.sealed  optional: normal code's device credentials, sealed
 *                     (rot_seal.h) to the register value of a verified
 *                     start-up
 *
 * Open loads and checks every item its role may use (rot.h, "Roles"), so a
 * RoT that opened is complete for that role; a missing or damaged item
 * fails the open and the TrE halts. The DCF role never reads seal.key or
 * device-creds.sealed; the normal role never reads the distress key or the
 * PSK. That is the file backend's model of the split: whoever can read the
 * partition's files directly can read everything, which a TPM backend (the
 * credentials a sealed object with a PCR policy, docs/rot.md) does not
 * allow. The sealed blob is read at hal_rot_unseal_creds only, by the TRE
 * role, and its key exists only while the register holds the policy value.
 *
 * The distress key is checked twice: pairwise (rot_keys.c: its scalar and
 * the public point stored with it agree) and against distress.pub.pem, the
 * public key it was provisioned with (which the H(e)MS enrolled and the
 * DCF certificate certifies). The second check catches what the first
 * cannot: a private key item that carries no public point, or one replaced
 * whole by another valid key. One flipped bit in the scalar fails both, and
 * the open with MAYDAY_E_KEY: a device whose distress key is damaged could
 * never be heard (every indication would fail verification), so that is a
 * TrE failure, found at start-up (device/boot/README.md). Without
 * distress.pub.pem (the older layout; both layouts open) only the pairwise
 * check runs. The item is written right after the private key, so an
 * interrupted re-provisioning can leave a new key beside the old public
 * one: that RoT does not open; provision the device again.
 *
 * The PSK items are raw bytes whose only structure is their length, so a length check is
 * their whole decoder. A device without them is a device provisioned
 * without the PSK method, not a damaged one. Counters are
 * not cached: each counter call reads the record, checks it, and an update
 * replaces the whole record with hal_flash_write_atomic, so after a power cut
 * the record holds the old value or the new one. A damaged record is an
 * error, never a silent reset to zero (that would move counters backwards).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "mayday/keys.h"
#include "rot_backend.h"
#include "rot_counters.h"
#include "rot_device_id.h"
#include "rot_keys.h"
#include "rot_seal.h"

#define ROT_DEVICE_ID "device_id"
#define ROT_KEY       "distress.key.pem"
#define ROT_KEY_PUB   "distress.pub.pem"
#define ROT_VENDOR    "vendor.pub.pem"
#define ROT_HEMS      "hems.pub.pem"
#define ROT_COUNTERS  "counters"
#define ROT_PSK       "psk"
#define ROT_PSK_KID   "psk_kid"
#define ROT_SEAL_KEY  "seal.key"
#define ROT_CREDS     ROT_SEAL_BLOB_ITEM

#define ROT_PEM_MAX   ROT_KEYS_PEM_MAX /* a P-256 key in PEM is a few hundred bytes */

struct rot_file {
	struct hal_flash *flash;                 /* borrowed */
	EVP_PKEY *key;                           /* distress key */
	EVP_PKEY *key_pub;                       /* its public half as provisioned */
	EVP_PKEY *anchor[HAL_ROT_ANCHOR__COUNT];
	size_t id_len;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	int has_psk;
	uint8_t psk[MAYDAY_PSK_LEN];             /* wiped on close */
	uint8_t psk_kid[MAYDAY_PSK_KID_MAX];
	size_t psk_kid_len;
	int has_seal;                            /* TRE role, seal.key present */
	uint8_t seal[ROT_SEAL_SECRET_LEN];       /* wiped on close */
	uint8_t reg[HAL_ROT_REG_LEN];            /* the measurement register */
};

/* A stored item that does not fit its bound is damaged, not "too big". */
static enum mayday_err read_item(struct hal_flash *flash, const char *name, uint8_t *buf,
				 size_t cap, size_t *len)
{
	enum mayday_err err = hal_flash_read(flash, HAL_PART_ROT, name, buf, cap, len);

	return err == MAYDAY_E_TOOBIG ? MAYDAY_E_MALFORMED : err;
}

static enum mayday_err ctr_load(struct hal_flash *flash, uint64_t value[HAL_ROT_COUNTER__COUNT])
{
	uint8_t rec[ROT_COUNTERS_RECORD_LEN];
	size_t len;
	enum mayday_err err = read_item(flash, ROT_COUNTERS, rec, sizeof(rec), &len);

	return err != MAYDAY_OK ? err : rot_counters_decode(rec, len, value);
}

static enum mayday_err ctr_store(struct hal_flash *flash,
				 const uint64_t value[HAL_ROT_COUNTER__COUNT])
{
	uint8_t rec[ROT_COUNTERS_RECORD_LEN];

	rot_counters_encode(value, rec);
	return hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_COUNTERS, rec, sizeof(rec));
}

static enum mayday_err load_private(struct hal_flash *flash, EVP_PKEY **out)
{
	uint8_t pem[ROT_PEM_MAX];
	size_t len = 0;
	enum mayday_err err = read_item(flash, ROT_KEY, pem, sizeof(pem), &len);

	if (err == MAYDAY_OK)
		err = rot_keys_private_decode(pem, len, out);
	OPENSSL_cleanse(pem, sizeof(pem));
	return err;
}

static enum mayday_err load_public(struct hal_flash *flash, const char *name, EVP_PKEY **out)
{
	uint8_t pem[ROT_PEM_MAX];
	size_t len;
	enum mayday_err err = read_item(flash, name, pem, sizeof(pem), &len);

	return err != MAYDAY_OK ? err : rot_keys_public_decode(pem, len, out);
}

/* The provisioned public key, or for a RoT of the older layout (none
 * stored) the public half of the loaded key; the key must match it. */
static enum mayday_err load_key_public(struct rot_file *st)
{
	char pem[ROT_PEM_MAX];
	size_t len;
	enum mayday_err err = load_public(st->flash, ROT_KEY_PUB, &st->key_pub);

	if (err == MAYDAY_E_NOTFOUND) {
		err = mayday_key_public_to_pem(st->key, pem, sizeof(pem), &len);
		if (err == MAYDAY_OK)
			err = rot_keys_public_decode((const uint8_t *)pem, len, &st->key_pub);
		return err;
	}
	if (err == MAYDAY_OK && EVP_PKEY_eq(st->key, st->key_pub) != 1)
		err = MAYDAY_E_KEY; /* not the key the network enrolled */
	return err;
}

static enum mayday_err load_device_id(struct rot_file *st)
{
	uint8_t buf[MAYDAY_DEVICE_ID_MAX + 1];
	size_t len;
	enum mayday_err err = read_item(st->flash, ROT_DEVICE_ID, buf, sizeof(buf), &len);

	return err != MAYDAY_OK ? err : rot_device_id_decode(buf, len, st->id, &st->id_len);
}

/* Both PSK items or neither; each exactly its size. */
static enum mayday_err load_psk(struct rot_file *st)
{
	size_t psk_len = 0;
	enum mayday_err kid_err = read_item(st->flash, ROT_PSK_KID, st->psk_kid,
					    sizeof(st->psk_kid), &st->psk_kid_len);
	enum mayday_err psk_err = read_item(st->flash, ROT_PSK, st->psk, sizeof(st->psk),
					    &psk_len);
	enum mayday_err err = MAYDAY_OK;

	if (kid_err == MAYDAY_E_NOTFOUND && psk_err == MAYDAY_E_NOTFOUND)
		goto out;
	if (kid_err == MAYDAY_E_NOTFOUND || psk_err == MAYDAY_E_NOTFOUND)
		err = MAYDAY_E_MALFORMED; /* half a PSK: provisioning did not finish */
	else if (kid_err != MAYDAY_OK)
		err = kid_err;
	else if (psk_err != MAYDAY_OK)
		err = psk_err;
	else if (psk_len != MAYDAY_PSK_LEN || st->psk_kid_len < MAYDAY_PSK_KID_MIN)
		err = MAYDAY_E_MALFORMED;
	else
		st->has_psk = 1;
out:
	if (!st->has_psk) {
		OPENSSL_cleanse(st->psk, sizeof(st->psk));
		st->psk_kid_len = 0;
	}
	return err;
}

/* TRE role: the seal secret, if the device was provisioned with credentials. */
static enum mayday_err load_seal(struct rot_file *st)
{
	size_t len = 0;
	enum mayday_err err = read_item(st->flash, ROT_SEAL_KEY, st->seal, sizeof(st->seal), &len);

	if (err == MAYDAY_E_NOTFOUND)
		return MAYDAY_OK;
	if (err == MAYDAY_OK && len != ROT_SEAL_SECRET_LEN)
		err = MAYDAY_E_MALFORMED;
	if (err != MAYDAY_OK)
		OPENSSL_cleanse(st->seal, sizeof(st->seal));
	st->has_seal = err == MAYDAY_OK;
	return err;
}

static void file_close(void *state)
{
	struct rot_file *st = state;

	if (st == NULL)
		return;
	/* EVP_PKEY_free clears the private scalar (BN_clear_free). */
	EVP_PKEY_free(st->key);
	EVP_PKEY_free(st->key_pub);
	for (unsigned i = 0; i < HAL_ROT_ANCHOR__COUNT; i++)
		EVP_PKEY_free(st->anchor[i]);
	OPENSSL_cleanse(st, sizeof(*st));
	free(st);
}

static enum mayday_err file_open(void **state, const char *arg, struct hal_flash *flash,
				 enum hal_rot_role role)
{
	uint64_t value[HAL_ROT_COUNTER__COUNT];
	struct rot_file *st = calloc(1, sizeof(*st));
	bool distress = role != HAL_ROT_ROLE_NORMAL;
	enum mayday_err err;

	if (arg != NULL) {
		free(st);
		return MAYDAY_E_INVALID; /* "file" takes no argument */
	}
	if (st == NULL)
		return MAYDAY_E_NOMEM;
	st->flash = flash;
	err = load_device_id(st);
	if (err == MAYDAY_OK && distress)
		err = load_private(flash, &st->key);
	if (err == MAYDAY_OK && distress)
		err = load_key_public(st);
	if (err == MAYDAY_OK)
		err = load_public(flash, ROT_VENDOR, &st->anchor[HAL_ROT_ANCHOR_VENDOR]);
	if (err == MAYDAY_OK)
		err = load_public(flash, ROT_HEMS, &st->anchor[HAL_ROT_ANCHOR_HEMS]);
	if (err == MAYDAY_OK)
		err = ctr_load(flash, value);
	if (err == MAYDAY_OK && distress)
		err = load_psk(st);
	if (err == MAYDAY_OK && role == HAL_ROT_ROLE_TRE)
		err = load_seal(st);
	if (err != MAYDAY_OK) {
		file_close(st);
		return err;
	}
	*state = st;
	return MAYDAY_OK;
}

static enum mayday_err file_device_id(void *state, char out[MAYDAY_DEVICE_ID_MAX + 1])
{
	const struct rot_file *st = state;

	memcpy(out, st->id, st->id_len + 1);
	return MAYDAY_OK;
}

static enum mayday_err file_signer(void *state, struct mayday_signer *out)
{
	struct rot_file *st = state;

	return mayday_signer_from_pkey(out, st->key, (const uint8_t *)st->id, st->id_len);
}

static enum mayday_err file_anchor(void *state, enum hal_rot_anchor which, EVP_PKEY **out)
{
	struct rot_file *st = state;

	if (EVP_PKEY_up_ref(st->anchor[which]) != 1)
		return MAYDAY_E_INTERNAL;
	*out = st->anchor[which];
	return MAYDAY_OK;
}

static enum mayday_err file_distress_public(void *state, EVP_PKEY **out)
{
	struct rot_file *st = state;

	if (EVP_PKEY_up_ref(st->key_pub) != 1)
		return MAYDAY_E_INTERNAL;
	*out = st->key_pub;
	return MAYDAY_OK;
}

/* The TLS client key is the distress key: dcf-cert.pem certifies it. */
static enum mayday_err file_tls_key(void *state, EVP_PKEY **out)
{
	struct rot_file *st = state;

	if (EVP_PKEY_up_ref(st->key) != 1)
		return MAYDAY_E_INTERNAL;
	*out = st->key;
	return MAYDAY_OK;
}

static enum mayday_err file_psk_keys(void *state, struct mayday_psk_keys *out)
{
	struct rot_file *st = state;

	if (!st->has_psk)
		return MAYDAY_E_NOTFOUND;
	return mayday_psk_derive(st->psk, sizeof(st->psk), st->psk_kid, st->psk_kid_len, out);
}

static enum mayday_err file_extend(void *state, const uint8_t event[HAL_ROT_REG_LEN])
{
	struct rot_file *st = state;

	hal_rot_reg_extend(st->reg, event);
	return MAYDAY_OK;
}

static enum mayday_err file_unseal_creds(void *state, uint8_t *out, size_t cap, size_t *len)
{
	struct rot_file *st = state;
	uint8_t *blob;
	size_t blob_len = 0;
	enum mayday_err err;

	if (!st->has_seal)
		return MAYDAY_E_NOTFOUND;
	blob = malloc(ROT_SEAL_BLOB_MAX);
	if (blob == NULL)
		return MAYDAY_E_NOMEM;
	err = read_item(st->flash, ROT_CREDS, blob, ROT_SEAL_BLOB_MAX, &blob_len);
	if (err == MAYDAY_OK)
		err = rot_unseal(st->seal, st->reg, blob, blob_len, out, cap, len);
	free(blob); /* ciphertext: nothing to wipe */
	return err;
}

static enum mayday_err file_counter_read(void *state, enum hal_rot_counter which,
					 uint64_t *value)
{
	struct rot_file *st = state;
	uint64_t v[HAL_ROT_COUNTER__COUNT];
	enum mayday_err err = ctr_load(st->flash, v);

	if (err == MAYDAY_OK)
		*value = v[which];
	return err;
}

static enum mayday_err file_counter_next(void *state, enum hal_rot_counter which,
					 uint64_t *value)
{
	struct rot_file *st = state;
	uint64_t v[HAL_ROT_COUNTER__COUNT];
	enum mayday_err err = ctr_load(st->flash, v);

	if (err != MAYDAY_OK)
		return err;
	if (v[which] == UINT64_MAX)
		return MAYDAY_E_TOOBIG; /* exhausted: wrapping would go backwards */
	v[which]++;
	err = ctr_store(st->flash, v);
	if (err == MAYDAY_OK)
		*value = v[which];
	return err;
}

static enum mayday_err file_counter_advance(void *state, enum hal_rot_counter which, uint64_t to)
{
	struct rot_file *st = state;
	uint64_t v[HAL_ROT_COUNTER__COUNT];
	enum mayday_err err = ctr_load(st->flash, v);

	if (err != MAYDAY_OK)
		return err;
	if (to < v[which])
		return MAYDAY_E_ROLLBACK;
	if (to == v[which])
		return MAYDAY_OK;
	v[which] = to;
	return ctr_store(st->flash, v);
}

const struct hal_rot_ops hal_rot_file_ops = {
	.name = "file",
	.open = file_open,
	.close = file_close,
	.device_id = file_device_id,
	.signer = file_signer,
	.distress_public = file_distress_public,
	.anchor = file_anchor,
	.tls_key = file_tls_key,
	.psk_keys = file_psk_keys,
	.extend = file_extend,
	.unseal_creds = file_unseal_creds,
	.counter_read = file_counter_read,
	.counter_next = file_counter_next,
	.counter_advance = file_counter_advance,
};

static enum mayday_err write_private(struct hal_flash *flash, EVP_PKEY *key)
{
	enum mayday_err err = MAYDAY_E_KEY;
	/* secmem: OpenSSL clears the PEM text when the BIO is freed. */
	BIO *bio = BIO_new(BIO_s_secmem());
	char *pem = NULL;
	long len;

	if (bio == NULL)
		return MAYDAY_E_NOMEM;
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1)
		goto out;
	len = BIO_get_mem_data(bio, &pem);
	if (len <= 0 || len > ROT_PEM_MAX)
		goto out;
	err = hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_KEY, pem, (size_t)len);
out:
	BIO_free(bio);
	return err;
}

static enum mayday_err write_public(struct hal_flash *flash, const char *name, EVP_PKEY *key)
{
	char pem[ROT_PEM_MAX];
	size_t len;
	enum mayday_err err = mayday_key_public_to_pem(key, pem, sizeof(pem), &len);

	return err != MAYDAY_OK ? err : hal_flash_write_atomic(flash, HAL_PART_ROT, name, pem, len);
}

enum mayday_err hal_rot_file_provision(struct hal_flash *flash, const char *device_id,
				       EVP_PKEY *distress_key, EVP_PKEY *vendor_pub,
				       EVP_PKEY *hems_pub)
{
	const uint64_t zero[HAL_ROT_COUNTER__COUNT] = { 0 };
	enum mayday_err err;
	size_t id_len;

	if (flash == NULL || device_id == NULL || distress_key == NULL || vendor_pub == NULL ||
	    hems_pub == NULL)
		return MAYDAY_E_INVALID;
	id_len = strnlen(device_id, MAYDAY_DEVICE_ID_MAX + 1);
	if (!rot_device_id_ok(device_id, id_len))
		return MAYDAY_E_INVALID;
	if (!rot_keys_is_p256(distress_key) || !rot_keys_is_p256(vendor_pub) ||
	    !rot_keys_is_p256(hems_pub))
		return MAYDAY_E_KEY;
	err = hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_DEVICE_ID, device_id, id_len);
	if (err == MAYDAY_OK)
		err = write_private(flash, distress_key);
	if (err == MAYDAY_OK)
		err = write_public(flash, ROT_KEY_PUB, distress_key);
	if (err == MAYDAY_OK)
		err = write_public(flash, ROT_VENDOR, vendor_pub);
	if (err == MAYDAY_OK)
		err = write_public(flash, ROT_HEMS, hems_pub);
	if (err == MAYDAY_OK)
		err = ctr_store(flash, zero);
	return err;
}

enum mayday_err hal_rot_file_provision_psk(struct hal_flash *flash,
					   const uint8_t psk[MAYDAY_PSK_LEN], const uint8_t *kid,
					   size_t kid_len)
{
	enum mayday_err err;

	if (flash == NULL || psk == NULL || kid == NULL || kid_len < MAYDAY_PSK_KID_MIN ||
	    kid_len > MAYDAY_PSK_KID_MAX)
		return MAYDAY_E_INVALID;
	/* The kid first: interrupted before the PSK, a first provisioning leaves
	 * half a PSK, which open rejects, rather than a PSK nobody can name. */
	err = hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_PSK_KID, kid, kid_len);
	if (err == MAYDAY_OK)
		err = hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_PSK, psk, MAYDAY_PSK_LEN);
	return err;
}

enum mayday_err hal_rot_file_provision_creds(struct hal_flash *flash, EVP_PKEY *vendor_pub,
					     const uint8_t *plain, size_t len)
{
	uint8_t secret[ROT_SEAL_SECRET_LEN], policy[HAL_ROT_REG_LEN];
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	enum mayday_err err;

	if (flash == NULL || vendor_pub == NULL || plain == NULL || len == 0 ||
	    len > HAL_ROT_CREDS_MAX)
		return MAYDAY_E_INVALID;
	blob = malloc(ROT_SEAL_BLOB_MAX);
	if (blob == NULL)
		return MAYDAY_E_NOMEM;
	err = hal_rot_policy_verified(vendor_pub, policy);
	if (err == MAYDAY_OK && RAND_priv_bytes(secret, sizeof(secret)) != 1)
		err = MAYDAY_E_INTERNAL;
	if (err == MAYDAY_OK)
		err = rot_seal(secret, policy, plain, len, blob, ROT_SEAL_BLOB_MAX, &blob_len);
	if (err == MAYDAY_OK)
		err = hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_SEAL_KEY, secret,
					     sizeof(secret));
	if (err == MAYDAY_OK)
		err = hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_CREDS, blob, blob_len);
	OPENSSL_cleanse(secret, sizeof(secret));
	free(blob);
	return err;
}
