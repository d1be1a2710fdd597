/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault backend's option parser (device/hal/flash_fault_spec.c), fed the
 * text after "fault:" (as MAYDAY_FLASH could carry it), against a reference
 * written here from the syntax in flash_fault_spec.h in another way
 * (strsep, strspn, strtoull): both must accept the same texts with the same
 * result. A refused text leaves the output untouched, and the canonical text
 * of an accepted spec parses back to the same spec.
 */
#define _GNU_SOURCE /* strsep */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash_fault_spec.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
/* Longer than any accepted spec's canonical text: a 20-digit cut and
 * 8 flips of two 64-byte names and a 20-digit bit. */
#define CANON_MAX 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decimal of 1..20 digits that fits 64 bits, ending at *end; advances s. */
static int ref_number(char **s, char end, uint64_t *out)
{
	size_t n = strspn(*s, "0123456789");
	unsigned long long v;
	char *stop;

	if (n == 0 || n > 20 || (*s)[n] != end)
		return 0;
	errno = 0;
	v = strtoull(*s, &stop, 10);
	if (errno == ERANGE || stop != *s + n)
		return 0;
	*out = v;
	*s += n;
	return 1;
}

/* A name (the rules of hal_flash_name_ok) followed by `end`; advances s. */
static int ref_name(char **s, char end, char out[HAL_FLASH_NAME_MAX + 1])
{
	size_t n = strspn(*s, NAME_CHARS);

	if (n == 0 || n > HAL_FLASH_NAME_MAX || (*s)[n] != end)
		return 0;
	memcpy(out, *s, n);
	out[n] = '\0';
	if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0 || strncmp(out, ".tmp-", 5) == 0)
		return 0;
	*s += n + 1;
	return 1;
}

static int ref_parse(char *text, struct flash_fault_spec *sp)
{
	char *item;

	memset(sp, 0, sizeof(*sp));
	while ((item = strsep(&text, ",")) != NULL) {
		if (strncmp(item, "cut=", 4) == 0) {
			item += 4;
			if (sp->has_cut || !ref_number(&item, '\0', &sp->cut))
				return 0;
			sp->has_cut = true;
		} else if (strncmp(item, "flip=", 5) == 0) {
			struct flash_fault_flip *fl = &sp->flips[sp->n_flips];

			item += 5;
			if (sp->n_flips == FLASH_FAULT_SPEC_MAX_FLIPS ||
			    !ref_name(&item, '/', fl->part) || !ref_name(&item, '@', fl->name) ||
			    !ref_number(&item, '\0', &fl->bit))
				return 0;
			sp->n_flips++;
		} else if (strcmp(item, "torn") == 0) {
			if (sp->torn)
				return 0;
			sp->torn = true;
		} else {
			return 0;
		}
	}
	return 1;
}

static int same(const struct flash_fault_spec *a, const struct flash_fault_spec *b)
{
	if (a->has_cut != b->has_cut || (a->has_cut && a->cut != b->cut) ||
	    a->torn != b->torn || a->n_flips != b->n_flips)
		return 0;
	for (size_t i = 0; i < a->n_flips; i++)
		if (strcmp(a->flips[i].part, b->flips[i].part) != 0 ||
		    strcmp(a->flips[i].name, b->flips[i].name) != 0 ||
		    a->flips[i].bit != b->flips[i].bit)
			return 0;
	return 1;
}

static void format(const struct flash_fault_spec *sp, char *out, size_t cap)
{
	size_t used = 0;
	int n;

	out[0] = '\0';
	if (sp->has_cut) {
		n = snprintf(out, cap, "cut=%" PRIu64, sp->cut);
		if (n < 0 || (size_t)n >= cap)
			abort();
		used = (size_t)n;
	}
	if (sp->torn) {
		n = snprintf(out + used, cap - used, "%storn", used ? "," : "");
		if (n < 0 || (size_t)n >= cap - used)
			abort();
		used += (size_t)n;
	}
	for (size_t i = 0; i < sp->n_flips; i++) {
		const struct flash_fault_flip *fl = &sp->flips[i];

		n = snprintf(out + used, cap - used, "%sflip=%s/%s@%" PRIu64, used ? "," : "",
			     fl->part, fl->name, fl->bit);
		if (n < 0 || (size_t)n >= cap - used)
			abort();
		used += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char canon[CANON_MAX];
	struct flash_fault_spec sp, ref, again;
	char *text, *scratch;
	enum mayday_err err;
	int ref_ok;

	if (memchr(data, '\0', size) != NULL)
		return 0; /* the spec is a C string */
	text = malloc(size + 1);
	scratch = malloc(size + 1);
	if (text == NULL || scratch == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	memcpy(scratch, text, size + 1);
	ref_ok = ref_parse(scratch, &ref);

	memset(&sp, 0xa5, sizeof(sp));
	memcpy(&again, &sp, sizeof(sp));
	err = flash_fault_spec_parse(text, &sp);
	if (err != (ref_ok ? MAYDAY_OK : MAYDAY_E_INVALID))
		abort();
	if (err != MAYDAY_OK) {
		if (memcmp(&sp, &again, sizeof(sp)) != 0)
			abort(); /* partial state */
		goto out;
	}
	if (!same(&sp, &ref))
		abort();
	for (size_t i = 0; i < sp.n_flips; i++)
		if (!hal_flash_name_ok(sp.flips[i].part) || !hal_flash_name_ok(sp.flips[i].name))
			abort();
	format(&sp, canon, sizeof(canon));
	if (flash_fault_spec_parse(canon, &again) != MAYDAY_OK || !same(&sp, &again))
		abort();
out:
	free(scratch);
	free(text);
	return 0;
}
