/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VICI wire codec (format in vici.h): messages and packets, no I/O.
 *
 * The builder writes into a caller's buffer with a sticky error, so a request
 * is a straight list of calls and one check. The decoder is a visitor walk,
 * not a tree: decoding an answer allocates nothing, costs at most one pass
 * over a message of bounded size, and keeps only the names of the open
 * sections (VICI_DEPTH_MAX of them) so a reader knows where it is. Packets
 * are split and joined around the u32 length prefix. The fuzzer drives all of
 * this directly.
 */
#include "vici.h"

#include <string.h>

static enum mayday_err reject(struct mayday_diag *diag, size_t offset, enum mayday_err err,
			      const char *what)
{
	if (diag) {
		diag->offset = offset;
		diag->what = what;
	}
	return err;
}

/* ---- builder ----------------------------------------------------------- */

void vici_build_init(struct vici_builder *b, uint8_t *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = buf ? cap : 0;
}

static void build_fail(struct vici_builder *b, enum mayday_err err)
{
	if (b->err == MAYDAY_OK)
		b->err = err;
}

static void put(struct vici_builder *b, const void *p, size_t n)
{
	if (b->err != MAYDAY_OK)
		return;
	if (n > b->cap - b->len) {
		build_fail(b, MAYDAY_E_TOOBIG);
		return;
	}
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_u8(struct vici_builder *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_name(struct vici_builder *b, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > VICI_NAME_MAX) {
		build_fail(b, MAYDAY_E_INVALID);
		return;
	}
	put_u8(b, (uint8_t)n);
	put(b, name, n);
}

static void put_value(struct vici_builder *b, const void *value, size_t len)
{
	if (len > VICI_VALUE_MAX || (len && !value)) {
		build_fail(b, MAYDAY_E_INVALID);
		return;
	}
	put_u8(b, (uint8_t)(len >> 8));
	put_u8(b, (uint8_t)len);
	put(b, value, len);
}

/* Element types that may not appear inside a list, and vice versa. */
static int build_place(struct vici_builder *b, int want_list)
{
	if (b->in_list != want_list)
		build_fail(b, MAYDAY_E_INVALID);
	return b->err == MAYDAY_OK;
}

void vici_build_section_start(struct vici_builder *b, const char *name)
{
	if (!build_place(b, 0))
		return;
	if (b->depth == VICI_DEPTH_MAX) {
		build_fail(b, MAYDAY_E_INVALID);
		return;
	}
	put_u8(b, VICI_SECTION_START);
	put_name(b, name);
	b->depth++;
}

void vici_build_section_end(struct vici_builder *b)
{
	if (!build_place(b, 0))
		return;
	if (b->depth == 0) {
		build_fail(b, MAYDAY_E_INVALID);
		return;
	}
	put_u8(b, VICI_SECTION_END);
	b->depth--;
}

void vici_build_kv(struct vici_builder *b, const char *name, const void *value, size_t len)
{
	if (!build_place(b, 0))
		return;
	put_u8(b, VICI_KEY_VALUE);
	put_name(b, name);
	put_value(b, value, len);
}

void vici_build_kv_str(struct vici_builder *b, const char *name, const char *value)
{
	vici_build_kv(b, name, value, value ? strlen(value) : 0);
}

void vici_build_list_start(struct vici_builder *b, const char *name)
{
	if (!build_place(b, 0))
		return;
	put_u8(b, VICI_LIST_START);
	put_name(b, name);
	b->in_list = 1;
}

void vici_build_list_item(struct vici_builder *b, const void *value, size_t len)
{
	if (!build_place(b, 1))
		return;
	put_u8(b, VICI_LIST_ITEM);
	put_value(b, value, len);
}

void vici_build_list_end(struct vici_builder *b)
{
	if (!build_place(b, 1))
		return;
	put_u8(b, VICI_LIST_END);
	b->in_list = 0;
}

enum mayday_err vici_build_finish(const struct vici_builder *b, size_t *len)
{
	if (b->err != MAYDAY_OK)
		return b->err;
	if (b->depth || b->in_list)
		return MAYDAY_E_INVALID;
	if (b->len > VICI_PACKET_MAX)
		return MAYDAY_E_TOOBIG;
	*len = b->len;
	return MAYDAY_OK;
}

/* ---- decoder ----------------------------------------------------------- */

/* Reads a u8-length name at *off into out (NUL-terminated). */
static enum mayday_err read_name(const uint8_t *msg, size_t len, size_t *off, char *out,
				 struct mayday_diag *diag)
{
	size_t at = *off;

	if (at >= len)
		return reject(diag, at, MAYDAY_E_MALFORMED, "truncated name");
	size_t n = msg[at];
	if (n == 0)
		return reject(diag, at, MAYDAY_E_MALFORMED, "empty name");
	if (n > len - at - 1)
		return reject(diag, at, MAYDAY_E_MALFORMED, "truncated name");
	if (memchr(msg + at + 1, '\0', n))
		return reject(diag, at + 1, MAYDAY_E_MALFORMED, "NUL byte in a name");
	memcpy(out, msg + at + 1, n);
	out[n] = '\0';
	*off = at + 1 + n;
	return MAYDAY_OK;
}

enum mayday_err vici_decode(const uint8_t *msg, size_t len, vici_visit_fn fn, void *user,
			    struct mayday_diag *diag)
{
	char names[VICI_DEPTH_MAX][VICI_NAME_MAX + 1];
	const char *path[VICI_DEPTH_MAX];
	char name[VICI_NAME_MAX + 1];
	char list[VICI_NAME_MAX + 1] = "";
	unsigned depth = 0;
	int in_list = 0;
	size_t off = 0;
	enum mayday_err rc;

	if (diag) {
		diag->offset = 0;
		diag->what = NULL;
	}
	if (len > VICI_PACKET_MAX)
		return reject(diag, 0, MAYDAY_E_TOOBIG, "message too large");
	if (len && !msg)
		return reject(diag, 0, MAYDAY_E_INVALID, "no message");
	for (unsigned i = 0; i < VICI_DEPTH_MAX; i++)
		path[i] = names[i];
	while (off < len) {
		size_t at = off;
		uint8_t t = msg[off++];
		struct vici_elem e = { .type = (enum vici_elem_type)t, .depth = depth, .path = path,
				       .name = "", .offset = at };

		if (t < VICI_SECTION_START || t > VICI_LIST_END)
			return reject(diag, at, MAYDAY_E_MALFORMED, "unknown element type");
		int list_elem = t == VICI_LIST_ITEM || t == VICI_LIST_END;
		if (in_list && !list_elem)
			return reject(diag, at, MAYDAY_E_MALFORMED, "element inside a list");
		if (!in_list && list_elem)
			return reject(diag, at, MAYDAY_E_MALFORMED, "list element outside a list");
		if (t == VICI_SECTION_START || t == VICI_KEY_VALUE || t == VICI_LIST_START) {
			rc = read_name(msg, len, &off, name, diag);
			if (rc != MAYDAY_OK)
				return rc;
			e.name = name;
		}
		if (t == VICI_KEY_VALUE || t == VICI_LIST_ITEM) {
			if (len - off < 2)
				return reject(diag, off, MAYDAY_E_MALFORMED, "truncated value length");
			size_t n = (size_t)msg[off] << 8 | msg[off + 1];
			if (n > len - off - 2)
				return reject(diag, off, MAYDAY_E_MALFORMED, "truncated value");
			e.value = msg + off + 2;
			e.value_len = n;
			off += 2 + n;
		}
		switch (t) {
		case VICI_SECTION_START:
			if (depth == VICI_DEPTH_MAX)
				return reject(diag, at, MAYDAY_E_TOOBIG, "sections nested too deep");
			break;
		case VICI_SECTION_END:
			if (depth == 0)
				return reject(diag, at, MAYDAY_E_MALFORMED,
					      "section end without a section");
			e.depth = depth - 1;
			e.name = names[depth - 1];
			break;
		case VICI_LIST_START:
			memcpy(list, name, strlen(name) + 1);
			break;
		default:   /* LIST_ITEM, LIST_END (KEY_VALUE needs nothing) */
			if (list_elem)
				e.name = list;
			break;
		}
		if (fn) {
			rc = fn(user, &e);
			if (rc != MAYDAY_OK)
				return reject(diag, at, rc, "refused by the reader");
		}
		switch (t) {
		case VICI_SECTION_START:
			memcpy(names[depth], name, strlen(name) + 1);
			depth++;
			break;
		case VICI_SECTION_END:
			depth--;
			break;
		case VICI_LIST_START:
			in_list = 1;
			break;
		case VICI_LIST_END:
			in_list = 0;
			break;
		default:
			break;
		}
	}
	if (in_list)
		return reject(diag, len, MAYDAY_E_MALFORMED, "message ends inside a list");
	if (depth)
		return reject(diag, len, MAYDAY_E_MALFORMED, "message ends inside a section");
	return MAYDAY_OK;
}

/* ---- packets ----------------------------------------------------------- */

static int type_has_name(uint8_t t)
{
	return t == VICI_CMD_REQUEST || t == VICI_EVENT_REGISTER || t == VICI_EVENT_UNREGISTER ||
	       t == VICI_EVENT;
}

static int type_has_msg(uint8_t t)
{
	return t == VICI_CMD_REQUEST || t == VICI_CMD_RESPONSE || t == VICI_EVENT;
}

enum mayday_err vici_packet_parse(const uint8_t *body, size_t len, struct vici_packet *p,
				  struct mayday_diag *diag)
{
	size_t off = 1;
	enum mayday_err rc;

	memset(p, 0, sizeof(*p));
	if (diag) {
		diag->offset = 0;
		diag->what = NULL;
	}
	if (len == 0 || !body)
		return reject(diag, 0, MAYDAY_E_MALFORMED, "empty packet");
	if (len > VICI_PACKET_MAX)
		return reject(diag, 0, MAYDAY_E_TOOBIG, "packet too large");
	if (body[0] > VICI_EVENT)
		return reject(diag, 0, MAYDAY_E_MALFORMED, "unknown packet type");
	if (type_has_name(body[0])) {
		rc = read_name(body, len, &off, p->name, diag);
		if (rc != MAYDAY_OK)
			return rc;
	}
	if (type_has_msg(body[0])) {
		p->msg = body + off;
		p->msg_len = len - off;
	} else if (off != len) {
		return reject(diag, off, MAYDAY_E_MALFORMED, "bytes after a packet that has none");
	}
	p->type = body[0];
	return MAYDAY_OK;
}

enum mayday_err vici_packet_encode(uint8_t type, const char *name, const uint8_t *msg,
				   size_t msg_len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t name_len = 0, body;

	if (type > VICI_EVENT)
		return MAYDAY_E_INVALID;
	if (type_has_name(type)) {
		name_len = name ? strlen(name) : 0;
		if (name_len == 0 || name_len > VICI_NAME_MAX)
			return MAYDAY_E_INVALID;
	}
	if (!type_has_msg(type))
		msg_len = 0;
	if (msg_len && !msg)
		return MAYDAY_E_INVALID;
	if (msg_len > VICI_PACKET_MAX)
		return MAYDAY_E_TOOBIG;
	body = 1 + (type_has_name(type) ? 1 + name_len : 0) + msg_len;
	if (body > VICI_PACKET_MAX || 4 + body > cap)
		return MAYDAY_E_TOOBIG;
	out[0] = (uint8_t)(body >> 24);
	out[1] = (uint8_t)(body >> 16);
	out[2] = (uint8_t)(body >> 8);
	out[3] = (uint8_t)body;
	out[4] = type;
	size_t off = 5;
	if (type_has_name(type)) {
		out[off++] = (uint8_t)name_len;
		memcpy(out + off, name, name_len);
		off += name_len;
	}
	if (msg_len)
		memcpy(out + off, msg, msg_len);
	*out_len = off + msg_len;
	return MAYDAY_OK;
}

