/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict UTF-8 validation. Written out as the RFC 3629 table (§4) rather
 * than via iconv or locale functions, so the result never depends on the
 * process locale.
 */
#include <string.h>

#include "mayday/utf8.h"

/* Length of the sequence starting at p (1..4) or 0 if it is invalid. */
static size_t seq_len(const uint8_t *p, size_t left)
{
	uint8_t b0 = p[0];
	uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	size_t n;

	if (b0 < 0x80)
		return 1;
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		n = 2;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		n = 3;
		if (b0 == 0xe0)
			lo = 0xa0;      /* overlong */
		else if (b0 == 0xed)
			hi = 0x9f;      /* surrogates */
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		n = 4;
		if (b0 == 0xf0)
			lo = 0x90;      /* overlong */
		else if (b0 == 0xf4)
			hi = 0x8f;      /* above U+10FFFF */
	} else {
		return 0;               /* continuation byte, C0, C1, F5..FF */
	}
	if (left < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

bool utf8_valid(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = seq_len(p + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

bool utf8_field_ok(const char *s, size_t min, size_t max)
{
	size_t n = strnlen(s, max + 1);

	return n >= min && n <= max && utf8_valid((const uint8_t *)s, n);
}
