/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of common/vici*.c: the wire codec against hand-written bytes,
 * strict rejections with their offsets, the list-sa matcher, and the two
 * commands against a scripted fake charon. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "vici.h"
#include "vici_fake.h"

/* SECTION_START "abc", KEY_VALUE k=v1, LIST_START l, LIST_ITEM x, LIST_END,
 * SECTION_END: the format of vici.h, byte by byte. */
static const uint8_t pinned[] = {
	0x01, 0x03, 'a', 'b', 'c',
	0x03, 0x01, 'k', 0x00, 0x02, 'v', '1',
	0x04, 0x01, 'l',
	0x05, 0x00, 0x01, 'x',
	0x06,
	0x02,
};

/* ---- recording visitor ------------------------------------------------- */

struct seen {
	unsigned n;
	struct {
		enum vici_elem_type type;
		unsigned depth;
		char name[32];
		char value[32];
		char parent[32];
		size_t offset;
	} e[32];
	unsigned stop_at;   /* 1-based element index to refuse, 0 = never */
};

static enum mayday_err record(void *user, const struct vici_elem *e)
{
	struct seen *s = user;

	if (s->n == 32)
		return MAYDAY_E_TOOBIG;
	s->e[s->n].type = e->type;
	s->e[s->n].depth = e->depth;
	snprintf(s->e[s->n].name, sizeof(s->e[s->n].name), "%s", e->name);
	snprintf(s->e[s->n].value, sizeof(s->e[s->n].value), "%.*s", (int)e->value_len,
		 e->value ? (const char *)e->value : "");
	snprintf(s->e[s->n].parent, sizeof(s->e[s->n].parent), "%s",
		 e->depth ? e->path[e->depth - 1] : "");
	s->e[s->n].offset = e->offset;
	s->n++;
	return s->stop_at == s->n ? MAYDAY_E_MISMATCH : MAYDAY_OK;
}

/* ---- builder and decoder ------------------------------------------------ */

static void test_builder_pinned_bytes(void **state)
{
	uint8_t buf[64];
	struct vici_builder b;
	size_t len = 0;

	(void)state;
	vici_build_init(&b, buf, sizeof(buf));
	vici_build_section_start(&b, "abc");
	vici_build_kv_str(&b, "k", "v1");
	vici_build_list_start(&b, "l");
	vici_build_list_item(&b, "x", 1);
	vici_build_list_end(&b);
	vici_build_section_end(&b);
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_OK);
	assert_int_equal(len, sizeof(pinned));
	assert_memory_equal(buf, pinned, sizeof(pinned));
}

static void test_decode_pinned_bytes(void **state)
{
	struct seen s = { 0 };
	struct mayday_diag diag;

	(void)state;
	assert_int_equal(vici_decode(pinned, sizeof(pinned), record, &s, &diag), MAYDAY_OK);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.e[0].type, VICI_SECTION_START);
	assert_string_equal(s.e[0].name, "abc");
	assert_int_equal(s.e[0].depth, 0);
	assert_int_equal(s.e[1].type, VICI_KEY_VALUE);
	assert_string_equal(s.e[1].name, "k");
	assert_string_equal(s.e[1].value, "v1");
	assert_int_equal(s.e[1].depth, 1);
	assert_string_equal(s.e[1].parent, "abc");
	assert_int_equal(s.e[1].offset, 5);
	assert_int_equal(s.e[2].type, VICI_LIST_START);
	assert_int_equal(s.e[3].type, VICI_LIST_ITEM);
	assert_string_equal(s.e[3].name, "l");       /* items carry their list's name */
	assert_string_equal(s.e[3].value, "x");
	assert_int_equal(s.e[3].offset, 15);
	assert_int_equal(s.e[4].type, VICI_LIST_END);
	assert_int_equal(s.e[5].type, VICI_SECTION_END);
	assert_string_equal(s.e[5].name, "abc");
	assert_int_equal(s.e[5].depth, 0);
}

static void test_round_trip_nested_and_binary(void **state)
{
	uint8_t buf[2048], big[600];
	struct vici_builder b;
	struct seen s = { 0 };
	size_t len = 0;
	char name[8];

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;   /* values are bytes: NUL and 0xff included */
	vici_build_init(&b, buf, sizeof(buf));
	for (unsigned d = 0; d < VICI_DEPTH_MAX; d++) {
		snprintf(name, sizeof(name), "s%u", d);
		vici_build_section_start(&b, name);
	}
	vici_build_kv(&b, "bin", big, sizeof(big));
	vici_build_kv(&b, "empty", "", 0);
	for (unsigned d = 0; d < VICI_DEPTH_MAX; d++)
		vici_build_section_end(&b);
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_OK);
	assert_int_equal(vici_decode(buf, len, record, &s, NULL), MAYDAY_OK);
	assert_int_equal(s.n, 2 * VICI_DEPTH_MAX + 2);
	assert_int_equal(s.e[VICI_DEPTH_MAX].depth, VICI_DEPTH_MAX);
	assert_string_equal(s.e[VICI_DEPTH_MAX].parent, "s9");
	assert_string_equal(s.e[VICI_DEPTH_MAX + 1].name, "empty");
	assert_string_equal(s.e[VICI_DEPTH_MAX + 1].value, "");
	assert_string_equal(s.e[VICI_DEPTH_MAX + 2].name, "s9");   /* first SECTION_END */
	assert_int_equal(s.e[VICI_DEPTH_MAX + 2].depth, VICI_DEPTH_MAX - 1);
}

static void test_builder_rejects(void **state)
{
	uint8_t buf[64];
	struct vici_builder b;
	size_t len = 0;
	char long_name[VICI_NAME_MAX + 2];

	(void)state;
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';

	vici_build_init(&b, buf, sizeof(buf));
	vici_build_list_item(&b, "x", 1);                 /* item outside a list */
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_INVALID);

	vici_build_init(&b, buf, sizeof(buf));
	vici_build_section_start(&b, "open");             /* never closed */
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_INVALID);

	vici_build_init(&b, buf, sizeof(buf));
	vici_build_list_start(&b, "l");
	vici_build_kv_str(&b, "k", "v");                  /* key inside a list */
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_INVALID);

	vici_build_init(&b, buf, sizeof(buf));
	vici_build_section_end(&b);                       /* nothing open */
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_INVALID);

	vici_build_init(&b, buf, sizeof(buf));
	vici_build_kv_str(&b, "", "v");                   /* empty name */
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_INVALID);

	uint8_t big[512];
	vici_build_init(&b, big, sizeof(big));
	vici_build_kv_str(&b, long_name, "v");            /* 256-byte name */
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_INVALID);

	vici_build_init(&b, buf, sizeof(buf));
	for (unsigned d = 0; d <= VICI_DEPTH_MAX; d++)
		vici_build_section_start(&b, "d");
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_INVALID);

	vici_build_init(&b, buf, 8);
	vici_build_kv_str(&b, "key", "value");            /* 1+1+3+2+5 = 12 > 8 */
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_TOOBIG);
	/* Sticky: a later fitting call does not clear the error. */
	vici_build_list_start(&b, "l");
	assert_int_equal(vici_build_finish(&b, &len), MAYDAY_E_TOOBIG);
}

struct bad_case {
	const char *label;
	uint8_t bytes[16];
	size_t len;
	enum mayday_err err;
	size_t offset;
};

static void test_decode_rejects_with_offset(void **state)
{
	static const struct bad_case cases[] = {
		{ "unknown type", { 0x01, 0x01, 'a', 0x07 }, 4, MAYDAY_E_MALFORMED, 3 },
		{ "type zero", { 0x00 }, 1, MAYDAY_E_MALFORMED, 0 },
		{ "truncated name", { 0x03, 0x05, 'a', 'b' }, 4, MAYDAY_E_MALFORMED, 1 },
		{ "name length missing", { 0x01 }, 1, MAYDAY_E_MALFORMED, 1 },
		{ "empty name", { 0x03, 0x00, 0x00, 0x00 }, 4, MAYDAY_E_MALFORMED, 1 },
		{ "NUL in name", { 0x03, 0x02, 'a', 0x00, 0x00, 0x00 }, 6, MAYDAY_E_MALFORMED, 2 },
		{ "value length cut", { 0x03, 0x01, 'k', 0x00 }, 4, MAYDAY_E_MALFORMED, 3 },
		{ "value cut", { 0x03, 0x01, 'k', 0x00, 0x05, 'v' }, 6, MAYDAY_E_MALFORMED, 3 },
		{ "end without section", { 0x02 }, 1, MAYDAY_E_MALFORMED, 0 },
		{ "key inside list", { 0x04, 0x01, 'l', 0x03, 0x01, 'k', 0x00, 0x00 }, 8,
		  MAYDAY_E_MALFORMED, 3 },
		{ "section inside list", { 0x04, 0x01, 'l', 0x01, 0x01, 's' }, 6,
		  MAYDAY_E_MALFORMED, 3 },
		{ "item outside list", { 0x05, 0x00, 0x00 }, 3, MAYDAY_E_MALFORMED, 0 },
		{ "list end outside list", { 0x06 }, 1, MAYDAY_E_MALFORMED, 0 },
		{ "ends inside section", { 0x01, 0x01, 's' }, 3, MAYDAY_E_MALFORMED, 3 },
		{ "ends inside list", { 0x04, 0x01, 'l', 0x05, 0x00, 0x00 }, 6,
		  MAYDAY_E_MALFORMED, 6 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mayday_diag diag = { 0 };
		enum mayday_err rc = vici_decode(cases[i].bytes, cases[i].len, NULL, NULL, &diag);
		if (rc != cases[i].err || diag.offset != cases[i].offset || !diag.what)
			fail_msg("%s: got %d at %zu (%s), want %d at %zu", cases[i].label, rc,
				 diag.offset, diag.what ? diag.what : "-", cases[i].err,
				 cases[i].offset);
	}
}

static void test_decode_limits(void **state)
{
	static uint8_t deep[3 * (VICI_DEPTH_MAX + 1)];
	static uint8_t huge[VICI_PACKET_MAX + 1];
	struct mayday_diag diag;

	(void)state;
	for (unsigned d = 0; d <= VICI_DEPTH_MAX; d++) {
		deep[3 * d] = VICI_SECTION_START;
		deep[3 * d + 1] = 1;
		deep[3 * d + 2] = 's';
	}
	assert_int_equal(vici_decode(deep, sizeof(deep), NULL, NULL, &diag), MAYDAY_E_TOOBIG);
	assert_int_equal(diag.offset, 3 * VICI_DEPTH_MAX);
	assert_int_equal(vici_decode(huge, sizeof(huge), NULL, NULL, &diag), MAYDAY_E_TOOBIG);
	assert_int_equal(vici_decode(NULL, 0, NULL, NULL, &diag), MAYDAY_OK);  /* empty message */
}

static void test_decode_visitor_stops(void **state)
{
	struct seen s = { .stop_at = 2 };
	struct mayday_diag diag;

	(void)state;
	assert_int_equal(vici_decode(pinned, sizeof(pinned), record, &s, &diag), MAYDAY_E_MISMATCH);
	assert_int_equal(s.n, 2);
	assert_int_equal(diag.offset, 5);
}

/* ---- packets ----------------------------------------------------------- */

static void test_packet_round_trip(void **state)
{
	uint8_t out[64];
	size_t len = 0;
	struct vici_packet p;

	(void)state;
	assert_int_equal(vici_packet_encode(VICI_CMD_REQUEST, "list-sas", pinned, sizeof(pinned),
					    out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, 4 + 1 + 1 + 8 + sizeof(pinned));
	assert_int_equal(out[0] << 24 | out[1] << 16 | out[2] << 8 | out[3], len - 4);
	assert_int_equal(out[4], VICI_CMD_REQUEST);
	assert_int_equal(out[5], 8);
	assert_memory_equal(out + 6, "list-sas", 8);
	assert_int_equal(vici_packet_parse(out + 4, len - 4, &p, NULL), MAYDAY_OK);
	assert_int_equal(p.type, VICI_CMD_REQUEST);
	assert_string_equal(p.name, "list-sas");
	assert_int_equal(p.msg_len, sizeof(pinned));
	assert_memory_equal(p.msg, pinned, sizeof(pinned));

	/* A confirm is its type byte alone; a name given is not sent. */
	assert_int_equal(vici_packet_encode(VICI_EVENT_CONFIRM, "ignored", pinned, sizeof(pinned),
					    out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, 5);
	assert_int_equal(vici_packet_parse(out + 4, 1, &p, NULL), MAYDAY_OK);
	assert_int_equal(p.type, VICI_EVENT_CONFIRM);
	assert_null(p.msg);

	/* Register: name, no message. */
	assert_int_equal(vici_packet_encode(VICI_EVENT_REGISTER, "list-sa", NULL, 0, out,
					    sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(vici_packet_parse(out + 4, len - 4, &p, NULL), MAYDAY_OK);
	assert_string_equal(p.name, "list-sa");
}

static void test_packet_rejects(void **state)
{
	uint8_t out[16];
	size_t len;
	struct vici_packet p;
	struct mayday_diag diag;
	static const uint8_t unknown[] = { 0x08 };
	static const uint8_t confirm_trailing[] = { VICI_EVENT_CONFIRM, 0x00 };
	static const uint8_t event_no_name[] = { VICI_EVENT };
	static const uint8_t event_empty_name[] = { VICI_EVENT, 0x00 };
	static const uint8_t event_cut_name[] = { VICI_EVENT, 0x04, 'l', 'i' };

	(void)state;
	assert_int_equal(vici_packet_parse(unknown, 1, &p, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, 0);
	assert_int_equal(vici_packet_parse(confirm_trailing, 2, &p, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, 1);
	assert_int_equal(vici_packet_parse(event_no_name, 1, &p, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(vici_packet_parse(event_empty_name, 2, &p, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, 1);
	assert_int_equal(vici_packet_parse(event_cut_name, 4, &p, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(vici_packet_parse(out, 0, &p, &diag), MAYDAY_E_MALFORMED);

	assert_int_equal(vici_packet_encode(9, NULL, NULL, 0, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	assert_int_equal(vici_packet_encode(VICI_CMD_REQUEST, "", NULL, 0, out, sizeof(out), &len),
			 MAYDAY_E_INVALID);
	assert_int_equal(vici_packet_encode(VICI_CMD_REQUEST, "a-rather-long-command", NULL, 0,
					    out, sizeof(out), &len), MAYDAY_E_TOOBIG);
}

/* ---- list-sa matching --------------------------------------------------- */

/* An IKE SA for the fake's list-sa events. */
static struct vici_fake_sa sa(const char *state, const char *remote_id, const char *vip,
			      const char *child_state, const char *remote_ts)
{
	struct vici_fake_sa s = { .state = state, .remote_id = remote_id, .vip = vip,
				  .child_state = child_state, .remote_ts = remote_ts };

	return s;
}

static size_t make_sa(const struct vici_fake_sa *s, uint8_t *buf, size_t cap)
{
	size_t len = vici_fake_list_sa(s, buf, cap);

	assert_true(len > 0);
	return len;
}

static enum mayday_err match(const struct vici_fake_sa *s, const char *addr, char *id, size_t cap)
{
	uint8_t buf[1024];
	size_t len = make_sa(s, buf, sizeof(buf));
	struct mayday_diag diag;

	return vici_cmd_sa_match(buf, len, addr, id, cap, &diag);
}

static void test_sa_match(void **state)
{
	char id[64];
	struct vici_fake_sa s = sa("ESTABLISHED", "hnb-0001", "10.99.1.1", "INSTALLED", "10.99.1.1/32");

	(void)state;
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_OK);
	assert_string_equal(id, "hnb-0001");
	/* A longer address sharing the prefix is another host. */
	assert_int_equal(match(&s, "10.99.1.10", id, sizeof(id)), MAYDAY_E_NOTFOUND);
	assert_string_equal(id, "");
	assert_int_equal(match(&s, "10.99.1.", id, sizeof(id)), MAYDAY_E_NOTFOUND);

	/* Without a virtual IP: the child's single-host selector, port suffix allowed. */
	s.vip = NULL;
	s.remote_ts = "10.99.1.1/32[udp/40000]";
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_OK);
	assert_string_equal(id, "hnb-0001");
	s.remote_ts = "10.99.1.1/320";
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_E_NOTFOUND);
	/* A subnet selector does not pin one host to the identity. */
	s.remote_ts = "10.99.1.0/24";
	assert_int_equal(match(&s, "10.99.1.0", id, sizeof(id)), MAYDAY_E_NOTFOUND);
	/* A selector of a child that is not installed does not count. */
	s.remote_ts = "10.99.1.1/32";
	s.child_state = "REKEYING";
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_E_NOTFOUND);
	/* Nor anything of an IKE SA that is not established. */
	s.child_state = "INSTALLED";
	s.vip = "10.99.1.1";
	s.state = "CONNECTING";
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_E_NOTFOUND);

	/* IPv6: /128. */
	struct vici_fake_sa v6 = sa("ESTABLISHED", "hnb-0006", NULL, "INSTALLED", "fd00::1:2/128");
	assert_int_equal(match(&v6, "fd00::1:2", id, sizeof(id)), MAYDAY_OK);
	assert_string_equal(id, "hnb-0006");
	v6.remote_ts = "fd00::1:2/32";
	assert_int_equal(match(&v6, "fd00::1:2", id, sizeof(id)), MAYDAY_E_NOTFOUND);
}

static void test_sa_match_rejects(void **state)
{
	char id[64], small[8];
	struct vici_fake_sa s = sa("ESTABLISHED", "hnb-0001", "10.99.1.1", "INSTALLED", "10.99.1.1/32");
	uint8_t buf[1024];
	struct mayday_diag diag;
	size_t len;

	(void)state;
	s.remote_id_twice = 1;
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_E_MALFORMED);
	s.remote_id_twice = 0;
	s.two_sas = 1;
	len = make_sa(&s, buf, sizeof(buf));
	assert_int_equal(vici_cmd_sa_match(buf, len, "10.99.1.1", id, sizeof(id), &diag),
			 MAYDAY_E_MALFORMED);
	assert_string_equal(diag.what, "more than one IKE SA in one list-sa event");
	assert_true(diag.offset > 0);
	s.two_sas = 0;
	s.remote_id = "hnb\x01" "0001";
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_E_MALFORMED);
	s.remote_id = "";
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_E_MALFORMED);
	s.remote_id = NULL;
	assert_int_equal(match(&s, "10.99.1.1", id, sizeof(id)), MAYDAY_E_MALFORMED);
	s.remote_id = "hnb-0001-long";
	assert_int_equal(match(&s, "10.99.1.1", small, sizeof(small)), MAYDAY_E_TOOBIG);
	assert_string_equal(small, "");
	/* An odd identity does not matter when the SA is not the one asked for. */
	s.remote_id = "";
	assert_int_equal(match(&s, "10.99.1.2", id, sizeof(id)), MAYDAY_E_NOTFOUND);
	/* A key at the top level is not a list-sa event. */
	static const uint8_t top_kv[] = { 0x03, 0x01, 'k', 0x00, 0x00 };
	assert_int_equal(vici_cmd_sa_match(top_kv, sizeof(top_kv), "10.99.1.1", id, sizeof(id),
					   &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, 0);
	assert_int_equal(vici_cmd_sa_match(top_kv, sizeof(top_kv), "", id, sizeof(id), &diag),
			 MAYDAY_E_INVALID);
}

/* ---- commands against the fake charon ----------------------------------- */

struct kv_find {
	const char *key;
	char value[64];
	int found;
};

static enum mayday_err find_kv(void *user, const struct vici_elem *e)
{
	struct kv_find *f = user;

	if (e->type == VICI_KEY_VALUE && e->depth == 0 && strcmp(e->name, f->key) == 0) {
		snprintf(f->value, sizeof(f->value), "%.*s", (int)e->value_len, e->value);
		f->found++;
	}
	return MAYDAY_OK;
}

static void request_value(const struct vici_fake *f, const char *key, const char *want)
{
	struct kv_find k = { .key = key };

	assert_int_equal(vici_decode(f->request, f->request_len, find_kv, &k, NULL), MAYDAY_OK);
	assert_int_equal(k.found, 1);
	assert_string_equal(k.value, want);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_initiate_success(void **state)
{
	struct vici_fake f = { .initiate_ok = 1, .control_logs = 3 };
	char err[64] = "stale";

	(void)state;
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_initiate(f.path, "distress", 4000, err, sizeof(err)), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_string_equal(err, "");
	assert_false(f.protocol_error);
	assert_string_equal(f.registered, "control-log");
	assert_string_equal(f.command, "initiate");
	request_value(&f, "child", "distress");
	request_value(&f, "timeout", "4000");
}

static void test_initiate_failure(void **state)
{
	struct vici_fake f = { .initiate_ok = 0, .errmsg = "establishing CHILD_SA 'distress' failed" };
	char err[16];

	(void)state;
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_initiate(f.path, "distress", 1000, err, sizeof(err)), MAYDAY_E_IO);
	vici_fake_stop(&f);
	assert_string_equal(err, "establishing CH");   /* truncated to cap */

	/* charon without control-log events still initiates. */
	struct vici_fake g = { .initiate_ok = 1, .mode = VICI_FAKE_NO_EVENTS };
	assert_int_equal(vici_fake_start(&g), 0);
	assert_int_equal(vici_cmd_initiate(g.path, "distress", 1000, err, sizeof(err)), MAYDAY_OK);
	vici_fake_stop(&g);

	struct vici_fake h = { .mode = VICI_FAKE_UNKNOWN_CMD };
	assert_int_equal(vici_fake_start(&h), 0);
	assert_int_equal(vici_cmd_initiate(h.path, "distress", 1000, err, sizeof(err)),
			 MAYDAY_E_UNSUPPORTED);
	vici_fake_stop(&h);
}

static void test_initiate_timeout_and_breakage(void **state)
{
	struct vici_fake f = { .mode = VICI_FAKE_SILENT };
	char err[64];

	(void)state;
	assert_int_equal(vici_fake_start(&f), 0);
	uint64_t t0 = now_ms();
	/* charon's timeout 100 ms, plus the margin for its answer. */
	assert_int_equal(vici_cmd_initiate(f.path, "distress", 100, err, sizeof(err)),
			 MAYDAY_E_TIMEOUT);
	uint64_t took = now_ms() - t0;
	vici_fake_stop(&f);
	assert_true(took >= 100 && took < 5000);

	struct vici_fake g = { .mode = VICI_FAKE_CLOSE };
	assert_int_equal(vici_fake_start(&g), 0);
	assert_int_equal(vici_cmd_initiate(g.path, "distress", 1000, err, sizeof(err)), MAYDAY_E_IO);
	vici_fake_stop(&g);

	struct vici_fake h = { .mode = VICI_FAKE_HUGE };
	assert_int_equal(vici_fake_start(&h), 0);
	assert_int_equal(vici_cmd_initiate(h.path, "distress", 1000, err, sizeof(err)),
			 MAYDAY_E_TOOBIG);
	vici_fake_stop(&h);

	/* Nobody there, or not a usable path. */
	assert_int_equal(vici_cmd_initiate("/nonexistent/charon.vici", "distress", 1000, err,
					   sizeof(err)), MAYDAY_E_IO);
	char long_path[200];
	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	assert_int_equal(vici_cmd_initiate(long_path, "distress", 1000, err, sizeof(err)),
			 MAYDAY_E_INVALID);
	assert_int_equal(vici_cmd_initiate("/tmp/x", "", 1000, err, sizeof(err)), MAYDAY_E_INVALID);
}

static struct sockaddr_in v4(const char *text)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(40000) };

	assert_int_equal(inet_pton(AF_INET, text, &sin.sin_addr), 1);
	return sin;
}

static void test_remote_id_lookup(void **state)
{
	uint8_t ev[3][1024];
	struct vici_fake_sa other = sa("ESTABLISHED", "hnb-0002", "10.99.1.2", "INSTALLED", "10.99.1.2/32");
	struct vici_fake_sa mine = sa("ESTABLISHED", "hnb-0001", "10.99.1.1", "INSTALLED", "10.99.1.1/32");
	struct vici_fake_sa dead = sa("DELETING", "hnb-0003", "10.99.1.3", "INSTALLED", "10.99.1.3/32");
	struct vici_fake f = { .n_events = 3 };
	char id[64];

	(void)state;
	f.event_len[0] = make_sa(&other, ev[0], sizeof(ev[0]));
	f.event_len[1] = make_sa(&mine, ev[1], sizeof(ev[1]));
	f.event_len[2] = make_sa(&dead, ev[2], sizeof(ev[2]));
	for (int i = 0; i < 3; i++)
		f.events[i] = ev[i];

	struct sockaddr_in a = v4("10.99.1.1");
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_remote_id(f.path, "distress", 1000, (struct sockaddr *)&a, id,
					    sizeof(id)), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_string_equal(id, "hnb-0001");
	assert_string_equal(f.registered, "list-sa");
	assert_string_equal(f.command, "list-sas");
	request_value(&f, "ike", "distress");
	request_value(&f, "noblock", "yes");

	/* The same, asked as an IPv4-mapped IPv6 source (a dual-stack socket). */
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.99.1.2", &m.sin6_addr), 1);
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_remote_id(f.path, NULL, 1000, (struct sockaddr *)&m, id,
					    sizeof(id)), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_string_equal(id, "hnb-0002");

	/* Established no more: not attributed. */
	struct sockaddr_in d = v4("10.99.1.3");
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_remote_id(f.path, NULL, 1000, (struct sockaddr *)&d, id,
					    sizeof(id)), MAYDAY_E_NOTFOUND);
	vici_fake_stop(&f);
	assert_string_equal(id, "");

	/* No IKE SA at all. */
	struct vici_fake empty = { 0 };
	assert_int_equal(vici_fake_start(&empty), 0);
	assert_int_equal(vici_cmd_remote_id(empty.path, NULL, 1000, (struct sockaddr *)&a, id,
					    sizeof(id)), MAYDAY_E_NOTFOUND);
	vici_fake_stop(&empty);

	/* The identity does not fit the caller's buffer. */
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_remote_id(f.path, NULL, 1000, (struct sockaddr *)&a, id, 8),
			 MAYDAY_E_TOOBIG);
	vici_fake_stop(&f);
}

static void test_remote_id_refuses_to_guess(void **state)
{
	uint8_t ev[2][1024];
	struct vici_fake_sa one = sa("ESTABLISHED", "hnb-0001", "10.99.1.1", "INSTALLED", "10.99.1.1/32");
	struct vici_fake_sa two = sa("ESTABLISHED", "hnb-0009", NULL, "INSTALLED", "10.99.1.1/32");
	struct vici_fake f = { .n_events = 2 };
	struct sockaddr_in a = v4("10.99.1.1");
	char id[64];

	(void)state;
	f.event_len[0] = make_sa(&one, ev[0], sizeof(ev[0]));
	f.event_len[1] = make_sa(&two, ev[1], sizeof(ev[1]));
	f.events[0] = ev[0];
	f.events[1] = ev[1];
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_remote_id(f.path, NULL, 1000, (struct sockaddr *)&a, id,
					    sizeof(id)), MAYDAY_E_MISMATCH);
	vici_fake_stop(&f);
	assert_string_equal(id, "");

	/* The same identity twice (a rekeyed IKE SA beside its successor) is one answer. */
	f.event_len[1] = make_sa(&one, ev[1], sizeof(ev[1]));
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_remote_id(f.path, NULL, 1000, (struct sockaddr *)&a, id,
					    sizeof(id)), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_string_equal(id, "hnb-0001");

	/* A garbled event fails the lookup, even after a match. */
	static const uint8_t garbled[] = { 0x01, 0x01, 's', 0x09 };
	f.events[1] = garbled;
	f.event_len[1] = sizeof(garbled);
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_remote_id(f.path, NULL, 1000, (struct sockaddr *)&a, id,
					    sizeof(id)), MAYDAY_E_MALFORMED);
	vici_fake_stop(&f);
	assert_string_equal(id, "");

	/* Not an IP source. */
	struct sockaddr sa = { .sa_family = AF_UNIX };
	assert_int_equal(vici_cmd_remote_id("/nonexistent", NULL, 1000, &sa, id, sizeof(id)),
			 MAYDAY_E_INVALID);

	/* charon without list-sa events. */
	struct vici_fake g = { .mode = VICI_FAKE_NO_EVENTS };
	assert_int_equal(vici_fake_start(&g), 0);
	assert_int_equal(vici_cmd_remote_id(g.path, NULL, 1000, (struct sockaddr *)&a, id,
					    sizeof(id)), MAYDAY_E_UNSUPPORTED);
	vici_fake_stop(&g);
}

static void test_child_up(void **state)
{
	uint8_t ev[2][1024];
	struct vici_fake_sa other = sa("ESTABLISHED", "hnb-0002", "10.99.1.2", "INSTALLING", "10.99.1.2/32");
	struct vici_fake_sa mine = sa("ESTABLISHED", "hnb-0001", "10.99.1.1", "INSTALLED", "10.99.1.1/32");
	struct vici_fake f = { .n_events = 2 };
	int up = -1;

	(void)state;
	f.event_len[0] = make_sa(&other, ev[0], sizeof(ev[0]));
	f.event_len[1] = make_sa(&mine, ev[1], sizeof(ev[1]));
	f.events[0] = ev[0];
	f.events[1] = ev[1];
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_child_up(f.path, "distress", 1000, &up), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_int_equal(up, 1);
	assert_string_equal(f.command, "list-sas");
	request_value(&f, "noblock", "yes");

	/* Another CHILD_SA config's name. */
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_child_up(f.path, "distres", 1000, &up), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_int_equal(up, 0);

	/* Only one that is still being set up, or whose IKE SA is going away. */
	f.n_events = 1;
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_child_up(f.path, "distress", 1000, &up), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_int_equal(up, 0);
	mine.state = "DELETING";
	f.event_len[0] = make_sa(&mine, ev[0], sizeof(ev[0]));
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_child_up(f.path, "distress", 1000, &up), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_int_equal(up, 0);

	/* A garbled event is an error, not "down". */
	static const uint8_t garbled[] = { 0x02 };
	f.events[0] = garbled;
	f.event_len[0] = sizeof(garbled);
	assert_int_equal(vici_fake_start(&f), 0);
	assert_int_equal(vici_cmd_child_up(f.path, "distress", 1000, &up), MAYDAY_E_MALFORMED);
	vici_fake_stop(&f);
	assert_int_equal(vici_cmd_child_up(f.path, "", 1000, &up), MAYDAY_E_INVALID);
	assert_int_equal(vici_cmd_child_up("/nonexistent/charon.vici", "distress", 1000, &up),
			 MAYDAY_E_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_pinned_bytes),
		cmocka_unit_test(test_decode_pinned_bytes),
		cmocka_unit_test(test_round_trip_nested_and_binary),
		cmocka_unit_test(test_builder_rejects),
		cmocka_unit_test(test_decode_rejects_with_offset),
		cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_decode_visitor_stops),
		cmocka_unit_test(test_packet_round_trip),
		cmocka_unit_test(test_packet_rejects),
		cmocka_unit_test(test_sa_match),
		cmocka_unit_test(test_sa_match_rejects),
		cmocka_unit_test(test_initiate_success),
		cmocka_unit_test(test_initiate_failure),
		cmocka_unit_test(test_initiate_timeout_and_breakage),
		cmocka_unit_test(test_remote_id_lookup),
		cmocka_unit_test(test_remote_id_refuses_to_guess),
		cmocka_unit_test(test_child_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
