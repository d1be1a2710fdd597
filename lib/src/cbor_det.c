/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deterministic CBOR reader and writer (design: cbor_det.h).
 *
 * The item heads are decoded and encoded here, not by libcbor: a head is
 * one byte plus at most eight of argument (RFC 8949 §3), and this is the
 * whole CBOR codec the DCF needs, which must link statically -- Debian 12
 * ships no static libcbor (docs/dcf-partition.md). Bounded by construction:
 * decode_item reads at most the 9-byte head and checks a string's content
 * is all there, never allocating. Fuzzed through every decoder built on it
 * (tests/fuzz: fuzz_cose, fuzz_evidence, fuzz_indication, fuzz_manifest,
 * fuzz_ack, ...). Deterministic form is then checked from the head's
 * length: it is shortest exactly when it equals the length the argument
 * needs (1, 2, 3, 5 or 9 bytes).
 * Map key order is checked by comparing the raw encodings of consecutive
 * keys, which is precisely the RFC 8949 §4.2.1 rule and also catches
 * duplicates.
 */
#include <string.h>

#include "cbor_det.h"
#include "mayday/limits.h"
#include "mayday/utf8.h"

/* What decode_item found wrong, if anything. */
enum head_status { HEAD_OK, HEAD_TRUNCATED, HEAD_MALFORMED, HEAD_REFUSED };

/*
 * One data item's head (RFC 8949 §3): initial byte, then the argument in 0,
 * 1, 2, 4 or 8 big-endian bytes; for byte and text strings also the
 * content, which must be all there. Sets it->kind, it->val (argument or
 * length), it->ptr (string content) and *read (bytes of the item, content
 * included). HEAD_REFUSED (with *why) is a well-formed item no mayday
 * message has: indefinite lengths, floats, undefined, a stray break.
 * Never reads past p + n.
 */
static enum head_status decode_item(const uint8_t *p, size_t n, struct cbor_det_item *it,
				    size_t *read, const char **why)
{
	unsigned mt = p[0] >> 5, ai = p[0] & 0x1fu;
	uint64_t v = ai;
	size_t head = 1;

	if (ai == 31) {
		switch (mt) {
		case 2: case 3: case 4: case 5:
			*why = "indefinite length";
			return HEAD_REFUSED;
		case 7:
			*why = "unexpected break";
			return HEAD_REFUSED;
		default:
			return HEAD_MALFORMED;
		}
	}
	if (ai >= 28)
		return HEAD_MALFORMED;
	if (ai >= 24) {
		head = 1 + ((size_t)1 << (ai - 24));
		if (n < head)
			return HEAD_TRUNCATED;
		v = 0;
		for (size_t i = 1; i < head; i++)
			v = v << 8 | p[i];
	}
	*read = head;
	it->val = v;
	switch (mt) {
	case 0: it->kind = CBOR_DET_UINT; return HEAD_OK;
	case 1: it->kind = CBOR_DET_NINT; return HEAD_OK;
	case 2:
	case 3:
		if (v > n - head)
			return HEAD_TRUNCATED;
		it->kind = mt == 2 ? CBOR_DET_BSTR : CBOR_DET_TSTR;
		it->ptr = p + head;
		*read = head + (size_t)v;
		return HEAD_OK;
	case 4: it->kind = CBOR_DET_ARRAY; return HEAD_OK;
	case 5: it->kind = CBOR_DET_MAP; return HEAD_OK;
	case 6:
		it->kind = CBOR_DET_TAG;
		return HEAD_OK;
	default: /* 7: simple values and floats */
		switch (ai) {
		case 20: it->kind = CBOR_DET_FALSE; it->val = 0; return HEAD_OK;
		case 21: it->kind = CBOR_DET_TRUE; it->val = 0; return HEAD_OK;
		case 22: it->kind = CBOR_DET_NULL; it->val = 0; return HEAD_OK;
		case 23: *why = "undefined value"; return HEAD_REFUSED;
		case 25: case 26: case 27: *why = "floating-point value"; return HEAD_REFUSED;
		default: return HEAD_MALFORMED; /* unassigned simple values */
		}
	}
}

/* Bytes of the shortest head carrying argument v (RFC 8949 §4.2.1). */
static size_t shortest_head(uint64_t v)
{
	if (v < 24)
		return 1;
	if (v <= UINT8_MAX)
		return 2;
	if (v <= UINT16_MAX)
		return 3;
	if (v <= UINT32_MAX)
		return 5;
	return 9;
}

void cbor_det_reader_init(struct cbor_det_reader *r, const uint8_t *buf, size_t len, size_t base,
			  struct mayday_diag *diag)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->base = base;
	r->diag = diag;
}

enum mayday_err cbor_det_fail(struct cbor_det_reader *r, size_t off, enum mayday_err err,
			      const char *what)
{
	if (r->diag) {
		r->diag->offset = off;
		r->diag->what = what;
	}
	return err;
}

size_t cbor_det_offset(const struct cbor_det_reader *r)
{
	return r->base + r->pos;
}

enum mayday_err cbor_det_next(struct cbor_det_reader *r, struct cbor_det_item *it)
{
	size_t off = cbor_det_offset(r);
	const char *why = NULL;
	size_t read = 0;
	size_t head;

	it->off = off;
	it->ptr = NULL;
	it->val = 0;
	if (r->pos >= r->len)
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "truncated");
	if (r->buf[r->pos] >= 0xc6 && r->buf[r->pos] <= 0xd4) {
		/* The one-byte tags 6..20 (COSE_Sign1 is tag 18, 0xd2): their
		 * head is the whole item head. */
		it->kind = CBOR_DET_TAG;
		it->val = r->buf[r->pos] - 0xc0u;
		r->pos++;
		return MAYDAY_OK;
	}
	switch (decode_item(r->buf + r->pos, r->len - r->pos, it, &read, &why)) {
	case HEAD_OK:
		break;
	case HEAD_TRUNCATED:
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "truncated");
	case HEAD_REFUSED:
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, why);
	default:
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "not well-formed CBOR");
	}
	if (read == 0 || read > r->len - r->pos)
		return cbor_det_fail(r, off, MAYDAY_E_INTERNAL, "decoder overran its input");

	switch (it->kind) {
	case CBOR_DET_FALSE:
	case CBOR_DET_TRUE:
	case CBOR_DET_NULL:
		head = read;
		if (head != 1)
			return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "non-shortest encoding");
		break;
	case CBOR_DET_BSTR:
	case CBOR_DET_TSTR:
		head = read - (size_t)it->val;
		if (head != shortest_head(it->val))
			return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "non-shortest length");
		break;
	default:
		head = read;
		if (head != shortest_head(it->val))
			return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "non-shortest integer");
		break;
	}
	r->pos += read;
	return MAYDAY_OK;
}

enum mayday_err cbor_det_end(struct cbor_det_reader *r)
{
	if (r->pos != r->len)
		return cbor_det_fail(r, cbor_det_offset(r), MAYDAY_E_MALFORMED, "trailing bytes");
	return MAYDAY_OK;
}

/* Strict "prev < cur" in bytewise lexicographic order; equal is a duplicate. */
enum mayday_err cbor_det_key_order(struct cbor_det_reader *r, size_t off,
				   const uint8_t *prev, size_t prev_len,
				   const uint8_t *cur, size_t cur_len)
{
	size_t n = prev_len < cur_len ? prev_len : cur_len;
	int c;

	if (!prev)
		return MAYDAY_OK;
	c = memcmp(prev, cur, n);
	if (c == 0 && prev_len == cur_len)
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "duplicate map key");
	if (c > 0 || (c == 0 && prev_len > cur_len))
		return cbor_det_fail(r, off, MAYDAY_E_MALFORMED, "map keys not in deterministic order");
	return MAYDAY_OK;
}

static enum mayday_err skip_text(struct cbor_det_reader *r, const struct cbor_det_item *it)
{
	if (memchr(it->ptr, 0, (size_t)it->val))
		return cbor_det_fail(r, it->off, MAYDAY_E_MALFORMED, "NUL in text");
	if (!utf8_valid(it->ptr, (size_t)it->val))
		return cbor_det_fail(r, it->off, MAYDAY_E_MALFORMED, "invalid UTF-8");
	return MAYDAY_OK;
}

enum mayday_err cbor_det_skip(struct cbor_det_reader *r, unsigned depth)
{
	struct cbor_det_item it;
	const uint8_t *prev = NULL;
	size_t prev_len = 0;
	enum mayday_err err;

	err = cbor_det_next(r, &it);
	if (err)
		return err;
	switch (it.kind) {
	case CBOR_DET_UINT:
	case CBOR_DET_NINT:
	case CBOR_DET_BSTR:
	case CBOR_DET_FALSE:
	case CBOR_DET_TRUE:
	case CBOR_DET_NULL:
		return MAYDAY_OK;
	case CBOR_DET_TSTR:
		return skip_text(r, &it);
	case CBOR_DET_TAG:
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "tag not allowed here");
	case CBOR_DET_ARRAY:
		if (depth == 0)
			return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "nesting too deep");
		/* Each item takes at least one byte, so a huge count ends at "truncated". */
		for (uint64_t i = 0; i < it.val; i++) {
			err = cbor_det_skip(r, depth - 1);
			if (err)
				return err;
		}
		return MAYDAY_OK;
	case CBOR_DET_MAP:
		if (depth == 0)
			return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "nesting too deep");
		for (uint64_t i = 0; i < it.val; i++) {
			size_t start = r->pos;

			err = cbor_det_skip(r, depth - 1);
			if (err)
				return err;
			err = cbor_det_key_order(r, r->base + start, prev, prev_len, r->buf + start,
					      r->pos - start);
			if (err)
				return err;
			prev = r->buf + start;
			prev_len = r->pos - start;
			err = cbor_det_skip(r, depth - 1);
			if (err)
				return err;
		}
		return MAYDAY_OK;
	}
	return cbor_det_fail(r, it.off, MAYDAY_E_INTERNAL, "unknown item kind");
}

/* Next item, which must be of `kind`. */
static enum mayday_err expect(struct cbor_det_reader *r, struct cbor_det_item *it,
			      enum cbor_det_kind kind, const char *what)
{
	enum mayday_err err = cbor_det_next(r, it);

	if (err)
		return err;
	if (it->kind != kind)
		return cbor_det_fail(r, it->off, MAYDAY_E_MALFORMED, what);
	return MAYDAY_OK;
}

enum mayday_err cbor_det_get_uint(struct cbor_det_reader *r, uint64_t *v)
{
	struct cbor_det_item it;
	enum mayday_err err = expect(r, &it, CBOR_DET_UINT, "expected an unsigned integer");

	if (err)
		return err;
	*v = it.val;
	return MAYDAY_OK;
}

enum mayday_err cbor_det_get_u32(struct cbor_det_reader *r, uint32_t *v)
{
	struct cbor_det_item it;
	enum mayday_err err = expect(r, &it, CBOR_DET_UINT, "expected an unsigned integer");

	if (err)
		return err;
	if (it.val > UINT32_MAX)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "integer out of range");
	*v = (uint32_t)it.val;
	return MAYDAY_OK;
}

enum mayday_err cbor_det_get_bool(struct cbor_det_reader *r, bool *v)
{
	struct cbor_det_item it;
	enum mayday_err err = cbor_det_next(r, &it);

	if (err)
		return err;
	if (it.kind != CBOR_DET_TRUE && it.kind != CBOR_DET_FALSE)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "expected a boolean");
	*v = it.kind == CBOR_DET_TRUE;
	return MAYDAY_OK;
}

enum mayday_err cbor_det_get_tstr(struct cbor_det_reader *r, char *out, size_t min, size_t max)
{
	struct cbor_det_item it;
	enum mayday_err err = expect(r, &it, CBOR_DET_TSTR, "expected a text string");

	if (err)
		return err;
	if (it.val > max)
		return cbor_det_fail(r, it.off, MAYDAY_E_TOOBIG, "text too long");
	if (it.val < min)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "text too short");
	err = skip_text(r, &it);
	if (err)
		return err;
	memcpy(out, it.ptr, (size_t)it.val);
	out[it.val] = '\0';
	return MAYDAY_OK;
}

enum mayday_err cbor_det_get_bytes(struct cbor_det_reader *r, uint8_t *out, size_t len)
{
	struct cbor_det_item it;
	enum mayday_err err = expect(r, &it, CBOR_DET_BSTR, "expected a byte string");

	if (err)
		return err;
	if (it.val != len)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "byte string of wrong length");
	memcpy(out, it.ptr, len);
	return MAYDAY_OK;
}

enum mayday_err cbor_det_get_bstr(struct cbor_det_reader *r, const uint8_t **p, size_t *len)
{
	struct cbor_det_item it;
	enum mayday_err err = expect(r, &it, CBOR_DET_BSTR, "expected a byte string");

	if (err)
		return err;
	*p = it.ptr;
	*len = (size_t)it.val;
	return MAYDAY_OK;
}

enum mayday_err cbor_det_get_array(struct cbor_det_reader *r, uint64_t *n, uint64_t max)
{
	struct cbor_det_item it;
	enum mayday_err err = expect(r, &it, CBOR_DET_ARRAY, "expected an array");

	if (err)
		return err;
	if (it.val > max)
		return cbor_det_fail(r, it.off, MAYDAY_E_TOOBIG, "too many array items");
	*n = it.val;
	return MAYDAY_OK;
}

enum mayday_err cbor_det_map_open(struct cbor_det_reader *r, struct cbor_det_map *m)
{
	struct cbor_det_item it;
	enum mayday_err err = expect(r, &it, CBOR_DET_MAP, "expected a map");

	if (err)
		return err;
	memset(m, 0, sizeof(*m));
	m->left = it.val;
	m->key_off = it.off;
	return MAYDAY_OK;
}

enum mayday_err cbor_det_map_next_any(struct cbor_det_reader *r, struct cbor_det_map *m,
				      bool *more, bool *neg, uint64_t *key)
{
	struct cbor_det_item it;
	size_t start = r->pos;
	enum mayday_err err;

	if (m->left == 0) {
		*more = false;
		return MAYDAY_OK;
	}
	m->left--;
	err = cbor_det_next(r, &it);
	if (err)
		return err;
	m->key_off = it.off;
	if (it.kind != CBOR_DET_UINT && it.kind != CBOR_DET_NINT)
		return cbor_det_fail(r, it.off, MAYDAY_E_MALFORMED, "key is not an integer");
	err = cbor_det_key_order(r, it.off, m->prev_key, m->prev_len, r->buf + start,
				 r->pos - start);
	if (err)
		return err;
	m->prev_key = r->buf + start;
	m->prev_len = r->pos - start;
	*neg = it.kind == CBOR_DET_NINT;
	if (!*neg && it.val < 64)
		m->seen |= UINT64_C(1) << it.val;
	*key = it.val;
	*more = true;
	return MAYDAY_OK;
}

enum mayday_err cbor_det_map_next(struct cbor_det_reader *r, struct cbor_det_map *m, bool *more,
				  uint64_t *key)
{
	for (;;) {
		bool neg;
		enum mayday_err err = cbor_det_map_next_any(r, m, more, &neg, key);

		if (err || !*more || !neg)
			return err;
		err = cbor_det_skip(r, CBOR_DET_SKIP_DEPTH);
		if (err)
			return err;
	}
}

enum mayday_err cbor_det_map_unknown(struct cbor_det_reader *r, const struct cbor_det_map *m)
{
	return cbor_det_fail(r, m->key_off, MAYDAY_E_CRITICAL, "unknown critical key");
}

enum mayday_err cbor_det_map_require(struct cbor_det_reader *r, const struct cbor_det_map *m,
				     uint64_t mask)
{
	if ((m->seen & mask) != mask)
		return cbor_det_fail(r, cbor_det_offset(r), MAYDAY_E_MALFORMED,
				     "required key missing");
	return MAYDAY_OK;
}

enum mayday_err cbor_det_get_version(struct cbor_det_reader *r)
{
	size_t off = cbor_det_offset(r);
	uint64_t v;
	enum mayday_err err = cbor_det_get_uint(r, &v);

	if (err)
		return err;
	if (v != MAYDAY_PROTOCOL_VERSION)
		return cbor_det_fail(r, off, MAYDAY_E_UNSUPPORTED, "unsupported protocol version");
	return MAYDAY_OK;
}

void cbor_det_writer_init(struct cbor_det_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->full = buf == NULL; /* no buffer: nothing fits, done() says TOOBIG */
}

static unsigned char *room(struct cbor_det_writer *w)
{
	return w->buf + w->len;
}

/* Appends the shortest head of major type mt with argument v, or marks the
 * writer full when it does not fit. */
static void put_head(struct cbor_det_writer *w, unsigned mt, uint64_t v)
{
	size_t n = shortest_head(v);
	unsigned char *b;

	if (w->full)
		return;
	if (n > w->cap - w->len) {
		w->full = true;
		return;
	}
	b = room(w);
	b[0] = (unsigned char)(mt << 5 | (n == 1 ? (unsigned)v : n == 2 ? 24u : n == 3 ? 25u :
					  n == 5 ? 26u : 27u));
	for (size_t i = 1; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
	w->len += n;
}

void cbor_det_put_uint(struct cbor_det_writer *w, uint64_t v)
{
	put_head(w, 0, v);
}

void cbor_det_put_nint(struct cbor_det_writer *w, uint64_t n)
{
	put_head(w, 1, n);
}

void cbor_det_put_bool(struct cbor_det_writer *w, bool v)
{
	put_head(w, 7, v ? 21 : 20);
}

void cbor_det_put_tag(struct cbor_det_writer *w, uint64_t tag)
{
	put_head(w, 6, tag);
}

void cbor_det_put_array(struct cbor_det_writer *w, size_t n)
{
	put_head(w, 4, n);
}

void cbor_det_put_map(struct cbor_det_writer *w, size_t n)
{
	put_head(w, 5, n);
}

void cbor_det_put_raw(struct cbor_det_writer *w, const uint8_t *p, size_t len)
{
	if (w->full)
		return;
	if (len > w->cap - w->len) {
		w->full = true;
		return;
	}
	if (len)
		memcpy(room(w), p, len);
	w->len += len;
}

void cbor_det_put_bstr(struct cbor_det_writer *w, const uint8_t *p, size_t len)
{
	cbor_det_put_bstr_head(w, len);
	cbor_det_put_raw(w, p, len);
}

void cbor_det_put_bstr_head(struct cbor_det_writer *w, size_t len)
{
	put_head(w, 2, len);
}

void cbor_det_put_tstr(struct cbor_det_writer *w, const char *s)
{
	size_t len = strlen(s);

	put_head(w, 3, len);
	cbor_det_put_raw(w, (const uint8_t *)s, len);
}

enum mayday_err cbor_det_writer_done(const struct cbor_det_writer *w, size_t *out_len)
{
	if (w->full)
		return MAYDAY_E_TOOBIG;
	*out_len = w->len;
	return MAYDAY_OK;
}
