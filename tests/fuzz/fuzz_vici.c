/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the VICI decoder (common/vici.c), which reads whatever charon's
 * socket delivers. The input is tried as a packet body and as a message.
 * Every message the decoder accepts must come out of the builder as exactly
 * the same bytes (the encoding has one form), and its elements must be
 * within the documented bounds; the list-sa matcher must never return an
 * identity that is not printable.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vici.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rebuild {
	struct vici_builder b;
	const uint8_t *msg;
	size_t msg_len;
};

static enum mayday_err check_and_rebuild(void *user, const struct vici_elem *e)
{
	struct rebuild *r = user;
	size_t name_len = strlen(e->name);

	if (e->depth > VICI_DEPTH_MAX || e->offset >= r->msg_len || name_len > VICI_NAME_MAX)
		abort();
	if (e->type == VICI_KEY_VALUE || e->type == VICI_LIST_ITEM) {
		if (!e->value || e->value < r->msg || e->value_len > VICI_VALUE_MAX ||
		    e->value_len > (size_t)(r->msg + r->msg_len - e->value))
			abort();
	} else if (e->value || e->value_len) {
		abort();
	}
	for (unsigned i = 0; i < e->depth; i++)
		if (e->path[i][0] == '\0')
			abort();
	switch (e->type) {
	case VICI_SECTION_START: vici_build_section_start(&r->b, e->name); break;
	case VICI_SECTION_END: vici_build_section_end(&r->b); break;
	case VICI_KEY_VALUE: vici_build_kv(&r->b, e->name, e->value, e->value_len); break;
	case VICI_LIST_START: vici_build_list_start(&r->b, e->name); break;
	case VICI_LIST_ITEM: vici_build_list_item(&r->b, e->value, e->value_len); break;
	case VICI_LIST_END: vici_build_list_end(&r->b); break;
	default: abort();
	}
	return MAYDAY_OK;
}

static void message(const uint8_t *msg, size_t len)
{
	static uint8_t out[VICI_PACKET_MAX];
	struct rebuild r = { .msg = msg, .msg_len = len };
	struct mayday_diag diag;
	size_t out_len = 0;
	char id[64];

	vici_build_init(&r.b, out, sizeof(out));
	if (vici_decode(msg, len, check_and_rebuild, &r, &diag) == MAYDAY_OK) {
		if (vici_build_finish(&r.b, &out_len) != MAYDAY_OK || out_len != len ||
		    (len && memcmp(out, msg, len) != 0))
			abort();
	} else if (!diag.what || diag.offset > len) {
		abort();   /* every rejection says why and where */
	}
	if (vici_cmd_sa_match(msg, len, "10.99.1.1", id, sizeof(id), &diag) == MAYDAY_OK) {
		size_t n = strlen(id);
		if (n == 0 || n >= sizeof(id))
			abort();
		for (size_t i = 0; i < n; i++)
			if (id[i] < 0x20 || id[i] > 0x7e)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vici_packet p;
	struct mayday_diag diag;

	if (vici_packet_parse(data, size, &p, &diag) == MAYDAY_OK) {
		if (p.msg && (p.msg < data || p.msg + p.msg_len != data + size))
			abort();
		if (p.msg)
			message(p.msg, p.msg_len);
	}
	message(data, size);
	return 0;
}
