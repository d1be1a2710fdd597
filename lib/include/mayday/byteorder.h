/* SPDX-License-Identifier: Apache-2.0 */
/* Big-endian (network order) integers of the project's fixed binary records. */
#ifndef MAYDAY_BYTEORDER_H
#define MAYDAY_BYTEORDER_H

#include <stdint.h>

/* v's low `bytes` (1..8) bytes into p[0..bytes), most significant first. */
static inline void mayday_put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/* The unsigned integer in p[0..bytes) (1..8), most significant byte first. */
static inline uint64_t mayday_get_be(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
