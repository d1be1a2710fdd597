/* SPDX-License-Identifier: Apache-2.0 */
/* Strict UTF-8 (RFC 3629) checks for text on the wire: libmayday's encoders
 * and the CWMP codec (cwmp/), which must not each carry their own. */
#ifndef MAYDAY_UTF8_H
#define MAYDAY_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* true if p[0..len) is valid UTF-8: no overlong forms, no surrogates,
 * nothing above U+10FFFF. NUL bytes are valid UTF-8; callers reject them. */
bool utf8_valid(const uint8_t *p, size_t len);

/* true if `s` (a struct field of max + 1 bytes) is NUL-terminated within
 * max + 1 bytes, at least `min` bytes long and valid UTF-8: the check an
 * encoder makes before it puts the field on the wire. */
bool utf8_field_ok(const char *s, size_t min, size_t max);

#endif
