/*
 * Fault-injection flash backend: the host primitives, plus a power switch
 * and bit flips.
 *
 * Spec (after "fault"): nothing, or ':' and a comma-separated list of
 *   cut=N               power is lost right after the N-th counted
 *                       operation: that operation completes, every later
 *                       call (read or write) fails with MAYDAY_E_POWER and
 *                       touches nothing. cut=0: the device never has power.
 *                       Without cut= the backend only counts.
 *   flip=PART/NAME@BIT  bit BIT of PART/NAME (bit 0 = least significant bit
 *                       of byte 0, bit 8 = LSB of byte 1) is inverted in the
 *                       data as read; the file itself is not changed.
 *                       Repeatable, up to FAULT_MAX_FLIPS times.
 * Parsing is strict: unknown keys, a repeated cut=, empty items, signs,
 * spaces or numbers that overflow 64 bits are MAYDAY_E_INVALID.
 */
#include <stdlib.h>
#include <string.h>

#include "flash_backend.h"

#define FAULT_MAX_FLIPS 8

struct fault_flip {
	char part[HAL_FLASH_NAME_MAX + 1];
	char name[HAL_FLASH_NAME_MAX + 1];
	uint64_t bit;
};

struct fault_state {
	bool has_cut;
	uint64_t cut;
	size_t n_flips;
	struct fault_flip flips[FAULT_MAX_FLIPS];
};

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Copies s[0..len) into out (HAL_FLASH_NAME_MAX + 1 bytes) if it is a valid name. */
static bool take_name(const char *s, size_t len, char out[HAL_FLASH_NAME_MAX + 1])
{
	if (len == 0 || len > HAL_FLASH_NAME_MAX)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return hal_flash_name_ok(out);
}

static bool parse_flip(struct fault_state *st, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	const char *at = memchr(s, '@', len);
	struct fault_flip *fl;

	if (st->n_flips == FAULT_MAX_FLIPS || slash == NULL || at == NULL || at < slash)
		return false;
	fl = &st->flips[st->n_flips];
	if (!take_name(s, (size_t)(slash - s), fl->part) ||
	    !take_name(slash + 1, (size_t)(at - slash - 1), fl->name) ||
	    !parse_u64(at + 1, len - (size_t)(at + 1 - s), &fl->bit))
		return false;
	st->n_flips++;
	return true;
}

static bool parse_item(struct fault_state *st, const char *s, size_t len)
{
	if (len > 4 && memcmp(s, "cut=", 4) == 0) {
		if (st->has_cut)
			return false;
		st->has_cut = true;
		return parse_u64(s + 4, len - 4, &st->cut);
	}
	if (len > 5 && memcmp(s, "flip=", 5) == 0)
		return parse_flip(st, s + 5, len - 5);
	return false;
}

static enum mayday_err fault_init(struct hal_flash *f, const char *args)
{
	struct fault_state *st = calloc(1, sizeof(*st));
	const char *p = args;

	if (st == NULL)
		return MAYDAY_E_NOMEM;
	while (p != NULL) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (!parse_item(st, p, len)) {
			free(st);
			return MAYDAY_E_INVALID;
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	f->backend = st;
	return MAYDAY_OK;
}

static void fault_fini(struct hal_flash *f)
{
	free(f->backend);
	f->backend = NULL;
}

static enum mayday_err fault_powered(const struct hal_flash *f)
{
	const struct fault_state *st = f->backend;

	return st->has_cut && f->ops_count >= st->cut ? MAYDAY_E_POWER : MAYDAY_OK;
}

static enum mayday_err fault_read(struct hal_flash *f, int fd, const char *part, const char *name,
				  uint64_t off, uint8_t *buf, size_t cap, size_t *n)
{
	const struct fault_state *st = f->backend;
	enum mayday_err err = fault_powered(f);

	if (err == MAYDAY_OK)
		err = hal_flash_host_ops.read(f, fd, part, name, off, buf, cap, n);
	if (err != MAYDAY_OK)
		return err;
	for (size_t i = 0; i < st->n_flips; i++) {
		const struct fault_flip *fl = &st->flips[i];
		uint64_t byte = fl->bit / 8;

		if (byte >= off && byte - off < *n && strcmp(fl->part, part) == 0 &&
		    strcmp(fl->name, name) == 0)
			buf[byte - off] ^= (uint8_t)(1u << (fl->bit % 8));
	}
	return MAYDAY_OK;
}

static enum mayday_err fault_write(struct hal_flash *f, int fd, const uint8_t *buf, size_t len,
				   size_t *n)
{
	enum mayday_err err = fault_powered(f);

	return err != MAYDAY_OK ? err : hal_flash_host_ops.write(f, fd, buf, len, n);
}

static enum mayday_err fault_fsync(struct hal_flash *f, int fd)
{
	enum mayday_err err = fault_powered(f);

	return err != MAYDAY_OK ? err : hal_flash_host_ops.fsync(f, fd);
}

static enum mayday_err fault_rename(struct hal_flash *f, int dirfd, const char *from,
				    const char *to)
{
	enum mayday_err err = fault_powered(f);

	return err != MAYDAY_OK ? err : hal_flash_host_ops.rename(f, dirfd, from, to);
}

static enum mayday_err fault_unlink(struct hal_flash *f, int dirfd, const char *name)
{
	enum mayday_err err = fault_powered(f);

	return err != MAYDAY_OK ? err : hal_flash_host_ops.unlink(f, dirfd, name);
}

const struct hal_flash_ops hal_flash_fault_ops = {
	.name = "fault",
	.init = fault_init,
	.fini = fault_fini,
	.powered = fault_powered,
	.read = fault_read,
	.write = fault_write,
	.fsync = fault_fsync,
	.rename = fault_rename,
	.unlink = fault_unlink,
};
