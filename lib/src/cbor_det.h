/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deterministic CBOR (RFC 8949 §4.2.1) for the mayday profile: a bounded
 * pull reader and a writer of item heads (cbor_det.c says why they are not
 * libcbor's). Private to libmayday.
 *
 * Reader: decodes one item head at a time (never allocating), so memory
 * use is constant whatever the input claims. Every
 * item is checked to be in its deterministic form: definite length, the
 * shortest head for its argument. Floats, undefined, simple values and
 * indefinite lengths are rejected outright: no mayday message has them.
 * On error the reader fills its diag with the byte offset of the offending
 * item (relative to the whole message: see `base`) and returns the error.
 *
 * Writer: appends shortest-form items into a caller's buffer; once an item
 * does not fit, the writer is "full", ignores further items, and
 * cbor_det_writer_done reports MAYDAY_E_TOOBIG. Callers emit map keys in
 * ascending order themselves (the key tables are fixed).
 */
#ifndef MAYDAY_CBOR_DET_H
#define MAYDAY_CBOR_DET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

/* How deep an extension value (skipped, negative claim key) may nest. */
#define CBOR_DET_SKIP_DEPTH 4

enum cbor_det_kind {
	CBOR_DET_UINT,  /* val = the value */
	CBOR_DET_NINT,  /* val = n, the integer is -1 - n */
	CBOR_DET_BSTR,  /* val = length, ptr = contents */
	CBOR_DET_TSTR,  /* val = length, ptr = contents (not yet UTF-8 checked) */
	CBOR_DET_ARRAY, /* val = number of items */
	CBOR_DET_MAP,   /* val = number of pairs */
	CBOR_DET_TAG,   /* val = tag number */
	CBOR_DET_FALSE,
	CBOR_DET_TRUE,
	CBOR_DET_NULL
};

struct cbor_det_item {
	enum cbor_det_kind kind;
	uint64_t val;
	const uint8_t *ptr;
	size_t off;  /* offset of the item's first byte within the message */
};

struct cbor_det_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	size_t base;               /* offset of buf[0] within the whole message */
	struct mayday_diag *diag;  /* may be NULL */
};

/* Iteration state of a claims map (integer keys). */
struct cbor_det_map {
	uint64_t left;             /* pairs not yet read */
	const uint8_t *prev_key;   /* encoding of the previous key, NULL before the first */
	size_t prev_len;
	uint64_t seen;             /* bit k set once key k (< 64) was read */
	size_t key_off;            /* message offset of the current key */
};

void cbor_det_reader_init(struct cbor_det_reader *r, const uint8_t *buf, size_t len, size_t base,
			  struct mayday_diag *diag);
/* Records err/what at message offset `off` in the reader's diag; returns err. */
enum mayday_err cbor_det_fail(struct cbor_det_reader *r, size_t off, enum mayday_err err,
			      const char *what);
size_t cbor_det_offset(const struct cbor_det_reader *r); /* message offset of the next byte */

/* The next item head (strings: head and contents). */
MAYDAY_NODISCARD enum mayday_err cbor_det_next(struct cbor_det_reader *r,
					       struct cbor_det_item *it);
/* MAYDAY_E_MALFORMED unless every byte was consumed. */
MAYDAY_NODISCARD enum mayday_err cbor_det_end(struct cbor_det_reader *r);
/* Map keys: MAYDAY_E_MALFORMED unless the key encoded as cur[0..cur_len) sorts
 * strictly after the previous key prev[0..prev_len) (prev NULL: first key).
 * `off` is the current key's message offset, for the diag. */
MAYDAY_NODISCARD enum mayday_err cbor_det_key_order(struct cbor_det_reader *r, size_t off,
						    const uint8_t *prev, size_t prev_len,
						    const uint8_t *cur, size_t cur_len);
/* Skip one complete item (any plain type, maps checked for key order),
 * nested at most `depth` levels. */
MAYDAY_NODISCARD enum mayday_err cbor_det_skip(struct cbor_det_reader *r, unsigned depth);

MAYDAY_NODISCARD enum mayday_err cbor_det_get_uint(struct cbor_det_reader *r, uint64_t *v);
MAYDAY_NODISCARD enum mayday_err cbor_det_get_u32(struct cbor_det_reader *r, uint32_t *v);
MAYDAY_NODISCARD enum mayday_err cbor_det_get_bool(struct cbor_det_reader *r, bool *v);
/* Text of min..max bytes, valid UTF-8 without NUL, copied NUL-terminated
 * into `out` (max + 1 bytes). Too long: MAYDAY_E_TOOBIG. */
MAYDAY_NODISCARD enum mayday_err cbor_det_get_tstr(struct cbor_det_reader *r, char *out,
						   size_t min, size_t max);
/* Byte string of exactly `len` bytes, copied. */
MAYDAY_NODISCARD enum mayday_err cbor_det_get_bytes(struct cbor_det_reader *r, uint8_t *out,
						    size_t len);
/* Byte string, borrowed from the input. */
MAYDAY_NODISCARD enum mayday_err cbor_det_get_bstr(struct cbor_det_reader *r,
						   const uint8_t **p, size_t *len);
/* Array head with at most `max` items (more: MAYDAY_E_TOOBIG). */
MAYDAY_NODISCARD enum mayday_err cbor_det_get_array(struct cbor_det_reader *r, uint64_t *n,
						    uint64_t max);

/* Claims maps: keys are integers in ascending order of their encodings.
 * map_next yields the next non-negative key (*more = false after the last
 * pair) and skips negative keys with their values (the extension point). */
MAYDAY_NODISCARD enum mayday_err cbor_det_map_open(struct cbor_det_reader *r,
						   struct cbor_det_map *m);
MAYDAY_NODISCARD enum mayday_err cbor_det_map_next(struct cbor_det_reader *r,
						   struct cbor_det_map *m, bool *more,
						   uint64_t *key);
/* Like map_next, but yields negative keys too (*neg = true, *key = n for the
 * integer -1 - n) for maps whose table has negative keys (the EAT claims
 * map); the caller skips the value of a negative key it does not know
 * (cbor_det_skip with CBOR_DET_SKIP_DEPTH). */
MAYDAY_NODISCARD enum mayday_err cbor_det_map_next_any(struct cbor_det_reader *r,
						       struct cbor_det_map *m, bool *more,
						       bool *neg, uint64_t *key);
/* The current key is not in the message's table: MAYDAY_E_CRITICAL. */
MAYDAY_NODISCARD enum mayday_err cbor_det_map_unknown(struct cbor_det_reader *r,
						      const struct cbor_det_map *m);
/* MAYDAY_E_MALFORMED unless every key in `mask` was seen. */
MAYDAY_NODISCARD enum mayday_err cbor_det_map_require(struct cbor_det_reader *r,
						      const struct cbor_det_map *m,
						      uint64_t mask);
/* The version claim: MAYDAY_PROTOCOL_VERSION, else MAYDAY_E_UNSUPPORTED. */
MAYDAY_NODISCARD enum mayday_err cbor_det_get_version(struct cbor_det_reader *r);

struct cbor_det_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool full;
};

void cbor_det_writer_init(struct cbor_det_writer *w, uint8_t *buf, size_t cap);
void cbor_det_put_uint(struct cbor_det_writer *w, uint64_t v);
void cbor_det_put_nint(struct cbor_det_writer *w, uint64_t n); /* the integer -1 - n */
void cbor_det_put_bool(struct cbor_det_writer *w, bool v);
void cbor_det_put_tag(struct cbor_det_writer *w, uint64_t tag);
void cbor_det_put_array(struct cbor_det_writer *w, size_t n);
void cbor_det_put_map(struct cbor_det_writer *w, size_t n);
void cbor_det_put_bstr(struct cbor_det_writer *w, const uint8_t *p, size_t len);
void cbor_det_put_tstr(struct cbor_det_writer *w, const char *s); /* strlen(s) bytes */
/* Only the head of a byte string of `len` bytes (contents follow separately). */
void cbor_det_put_bstr_head(struct cbor_det_writer *w, size_t len);
/* Raw bytes, already CBOR. */
void cbor_det_put_raw(struct cbor_det_writer *w, const uint8_t *p, size_t len);
/* MAYDAY_E_TOOBIG if anything did not fit; else *out_len = bytes written. */
MAYDAY_NODISCARD enum mayday_err cbor_det_writer_done(const struct cbor_det_writer *w,
						      size_t *out_len);

#endif
