/*
 * "file" RoT backend: the RoT's secure storage is the HAL_PART_ROT partition
 * of the flash HAL (so flash fault injection reaches it too).
 *
 *   device_id         the device ID, printable ASCII, no newline (one
 *                     trailing "\n" is tolerated on read)
 *   distress.key.pem  the distress signing key, PKCS#8 PEM, P-256, unencrypted
 *   vendor.pub.pem    trust anchor: vendor image/DCF signing key, P-256
 *   hems.pub.pem      trust anchor: H(e)MS acknowledgement key, P-256
 *   counters          the monotonic counters record (layout below)
 *
 * Open loads and checks every item, so a RoT that opened is complete; a
 * missing or damaged item fails the open and the TrE halts. Counters are
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

#include "mayday/keys.h"
#include "rot_backend.h"

#define ROT_DEVICE_ID "device_id"
#define ROT_KEY       "distress.key.pem"
#define ROT_VENDOR    "vendor.pub.pem"
#define ROT_HEMS      "hems.pub.pem"
#define ROT_COUNTERS  "counters"

#define ROT_PEM_MAX   4096 /* a P-256 key in PEM is a few hundred bytes */

/*
 * The counters record, HAL_PART_ROT/"counters", exactly CTR_RECORD_LEN bytes,
 * integers big-endian:
 *   offset  size
 *        0     4  magic "MDYC"
 *        4     2  format version, CTR_VERSION
 *        6     2  reserved, zero
 *        8     8  counter HAL_ROT_COUNTER_MESSAGE
 *       16     8  counter HAL_ROT_COUNTER_ROLLBACK
 *       24     8  check: the first 8 bytes of SHA-256 over bytes 0..23
 * Any other length, magic, reserved value or check is MAYDAY_E_MALFORMED;
 * another version is MAYDAY_E_UNSUPPORTED.
 */
#define CTR_MAGIC        "MDYC"
#define CTR_VERSION      1u
#define CTR_OFF_VERSION  4
#define CTR_OFF_RESERVED 6
#define CTR_OFF_COUNTERS 8
#define CTR_OFF_CHECK    (CTR_OFF_COUNTERS + 8 * HAL_ROT_COUNTER__COUNT)
#define CTR_CHECK_LEN    8
#define CTR_RECORD_LEN   (CTR_OFF_CHECK + CTR_CHECK_LEN)
_Static_assert(CTR_RECORD_LEN == 32, "counters record layout is pinned at 32 bytes");
_Static_assert(sizeof(CTR_MAGIC) - 1 == CTR_OFF_VERSION, "magic fills bytes 0..3");

struct rot_file {
	struct hal_flash *flash;                 /* borrowed */
	EVP_PKEY *key;                           /* distress key */
	EVP_PKEY *anchor[HAL_ROT_ANCHOR__COUNT];
	size_t id_len;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
};

static void put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static void ctr_encode(const uint64_t value[HAL_ROT_COUNTER__COUNT], uint8_t rec[CTR_RECORD_LEN])
{
	uint8_t digest[MAYDAY_DIGEST_LEN];

	memcpy(rec, CTR_MAGIC, CTR_OFF_VERSION);
	put_be(rec + CTR_OFF_VERSION, CTR_VERSION, 2);
	put_be(rec + CTR_OFF_RESERVED, 0, 2);
	for (unsigned i = 0; i < HAL_ROT_COUNTER__COUNT; i++)
		put_be(rec + CTR_OFF_COUNTERS + 8 * i, value[i], 8);
	mayday_sha256(rec, CTR_OFF_CHECK, digest);
	memcpy(rec + CTR_OFF_CHECK, digest, CTR_CHECK_LEN);
}

static enum mayday_err ctr_decode(const uint8_t *rec, size_t len,
				  uint64_t value[HAL_ROT_COUNTER__COUNT])
{
	uint8_t digest[MAYDAY_DIGEST_LEN];

	if (len != CTR_RECORD_LEN || memcmp(rec, CTR_MAGIC, CTR_OFF_VERSION) != 0)
		return MAYDAY_E_MALFORMED;
	mayday_sha256(rec, CTR_OFF_CHECK, digest);
	if (!mayday_ct_equal(digest, rec + CTR_OFF_CHECK, CTR_CHECK_LEN))
		return MAYDAY_E_MALFORMED;
	if (get_be(rec + CTR_OFF_VERSION, 2) != CTR_VERSION)
		return MAYDAY_E_UNSUPPORTED;
	if (get_be(rec + CTR_OFF_RESERVED, 2) != 0)
		return MAYDAY_E_MALFORMED;
	for (unsigned i = 0; i < HAL_ROT_COUNTER__COUNT; i++)
		value[i] = get_be(rec + CTR_OFF_COUNTERS + 8 * i, 8);
	return MAYDAY_OK;
}

/* A stored item that does not fit its bound is damaged, not "too big". */
static enum mayday_err read_item(struct hal_flash *flash, const char *name, uint8_t *buf,
				 size_t cap, size_t *len)
{
	enum mayday_err err = hal_flash_read(flash, HAL_PART_ROT, name, buf, cap, len);

	return err == MAYDAY_E_TOOBIG ? MAYDAY_E_MALFORMED : err;
}

static enum mayday_err ctr_load(struct hal_flash *flash, uint64_t value[HAL_ROT_COUNTER__COUNT])
{
	uint8_t rec[CTR_RECORD_LEN];
	size_t len;
	enum mayday_err err = read_item(flash, ROT_COUNTERS, rec, sizeof(rec), &len);

	return err != MAYDAY_OK ? err : ctr_decode(rec, len, value);
}

static enum mayday_err ctr_store(struct hal_flash *flash,
				 const uint64_t value[HAL_ROT_COUNTER__COUNT])
{
	uint8_t rec[CTR_RECORD_LEN];

	ctr_encode(value, rec);
	return hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_COUNTERS, rec, sizeof(rec));
}

/* The ID is used as the COSE kid, so it must fit one (MAYDAY_KID_MAX), and
 * printable ASCII keeps it safe in logs, file names and URLs. */
static bool device_id_ok(const char *id, size_t len)
{
	if (len == 0 || len > MAYDAY_KID_MAX || len > MAYDAY_DEVICE_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (id[i] < 0x21 || id[i] > 0x7e)
			return false;
	return true;
}

static bool is_p256(EVP_PKEY *key)
{
	char group[32];

	return EVP_PKEY_is_a(key, "EC") &&
	       EVP_PKEY_get_group_name(key, group, sizeof(group), NULL) == 1 &&
	       strcmp(group, "prime256v1") == 0;
}

/* Never prompt: a key in the RoT is not passphrase-protected. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

static enum mayday_err load_private(struct hal_flash *flash, EVP_PKEY **out)
{
	uint8_t pem[ROT_PEM_MAX];
	enum mayday_err err;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;
	size_t len = 0;

	err = read_item(flash, ROT_KEY, pem, sizeof(pem), &len);
	if (err != MAYDAY_OK)
		goto out;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		err = MAYDAY_E_NOMEM;
		goto out;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (key == NULL || !is_p256(key)) {
		err = MAYDAY_E_KEY;
		goto out;
	}
	*out = key;
	key = NULL;
out:
	EVP_PKEY_free(key);
	BIO_free(bio);
	OPENSSL_cleanse(pem, sizeof(pem));
	return err;
}

static enum mayday_err load_public(struct hal_flash *flash, const char *name, EVP_PKEY **out)
{
	uint8_t pem[ROT_PEM_MAX];
	size_t len;
	enum mayday_err err = read_item(flash, name, pem, sizeof(pem), &len);

	if (err == MAYDAY_OK)
		err = mayday_key_public_from_pem(pem, len, out);
	if (err == MAYDAY_OK && !is_p256(*out)) {
		EVP_PKEY_free(*out);
		*out = NULL;
		err = MAYDAY_E_KEY;
	}
	return err;
}

static enum mayday_err load_device_id(struct rot_file *st)
{
	uint8_t buf[MAYDAY_DEVICE_ID_MAX + 1];
	size_t len;
	enum mayday_err err = read_item(st->flash, ROT_DEVICE_ID, buf, sizeof(buf), &len);

	if (err != MAYDAY_OK)
		return err;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (!device_id_ok((const char *)buf, len))
		return MAYDAY_E_MALFORMED;
	memcpy(st->id, buf, len);
	st->id[len] = '\0';
	st->id_len = len;
	return MAYDAY_OK;
}

static void file_close(void *state)
{
	struct rot_file *st = state;

	if (st == NULL)
		return;
	/* EVP_PKEY_free clears the private scalar (BN_clear_free). */
	EVP_PKEY_free(st->key);
	for (unsigned i = 0; i < HAL_ROT_ANCHOR__COUNT; i++)
		EVP_PKEY_free(st->anchor[i]);
	OPENSSL_cleanse(st, sizeof(*st));
	free(st);
}

static enum mayday_err file_open(void **state, struct hal_flash *flash)
{
	uint64_t value[HAL_ROT_COUNTER__COUNT];
	struct rot_file *st = calloc(1, sizeof(*st));
	enum mayday_err err;

	if (st == NULL)
		return MAYDAY_E_NOMEM;
	st->flash = flash;
	err = load_device_id(st);
	if (err == MAYDAY_OK)
		err = load_private(flash, &st->key);
	if (err == MAYDAY_OK)
		err = load_public(flash, ROT_VENDOR, &st->anchor[HAL_ROT_ANCHOR_VENDOR]);
	if (err == MAYDAY_OK)
		err = load_public(flash, ROT_HEMS, &st->anchor[HAL_ROT_ANCHOR_HEMS]);
	if (err == MAYDAY_OK)
		err = ctr_load(flash, value);
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
	.anchor = file_anchor,
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
	if (!device_id_ok(device_id, id_len))
		return MAYDAY_E_INVALID;
	if (!is_p256(distress_key) || !is_p256(vendor_pub) || !is_p256(hems_pub))
		return MAYDAY_E_KEY;
	err = hal_flash_write_atomic(flash, HAL_PART_ROT, ROT_DEVICE_ID, device_id, id_len);
	if (err == MAYDAY_OK)
		err = write_private(flash, distress_key);
	if (err == MAYDAY_OK)
		err = write_public(flash, ROT_VENDOR, vendor_pub);
	if (err == MAYDAY_OK)
		err = write_public(flash, ROT_HEMS, hems_pub);
	if (err == MAYDAY_OK)
		err = ctr_store(flash, zero);
	return err;
}
