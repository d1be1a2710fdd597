/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parser of the fault backend's options (syntax in flash_fault_spec.h). It
 * works on (pointer, length) slices of the one NUL-terminated string and
 * never copies an item before it is known to fit, so a hostile spec can
 * neither overrun a buffer nor leave a half-filled result: everything is
 * built in a local and copied out only when the whole spec is good.
 */
#include <string.h>

#include "flash_fault_spec.h"

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

static bool parse_flip(struct flash_fault_spec *sp, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	const char *at = memchr(s, '@', len);
	struct flash_fault_flip *fl;

	if (sp->n_flips == FLASH_FAULT_SPEC_MAX_FLIPS || slash == NULL || at == NULL || at < slash)
		return false;
	fl = &sp->flips[sp->n_flips];
	if (!take_name(s, (size_t)(slash - s), fl->part) ||
	    !take_name(slash + 1, (size_t)(at - slash - 1), fl->name) ||
	    !parse_u64(at + 1, len - (size_t)(at + 1 - s), &fl->bit))
		return false;
	sp->n_flips++;
	return true;
}

static bool parse_item(struct flash_fault_spec *sp, const char *s, size_t len)
{
	if (len > 4 && memcmp(s, "cut=", 4) == 0) {
		if (sp->has_cut)
			return false;
		sp->has_cut = true;
		return parse_u64(s + 4, len - 4, &sp->cut);
	}
	if (len > 5 && memcmp(s, "flip=", 5) == 0)
		return parse_flip(sp, s + 5, len - 5);
	if (len == 4 && memcmp(s, "torn", 4) == 0) {
		if (sp->torn)
			return false;
		sp->torn = true;
		return true;
	}
	return false;
}

enum mayday_err flash_fault_spec_parse(const char *args, struct flash_fault_spec *out)
{
	struct flash_fault_spec sp;
	const char *p = args;

	memset(&sp, 0, sizeof(sp));
	while (p != NULL) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (!parse_item(&sp, p, len))
			return MAYDAY_E_INVALID;
		p = comma != NULL ? comma + 1 : NULL;
	}
	*out = sp;
	return MAYDAY_OK;
}
