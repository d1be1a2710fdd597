/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evidence (TrE -> DCF): the protocol.md vector, round trips up to the
 * limits, and rejection of every non-deterministic or out-of-profile input.
 * Faulty inputs are built with an independent encoder (tvc_*, over libcbor)
 * so the decoder is never only checked against its own writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mayday/evidence.h"
#include "test_vectors.h"

enum fault {
	F_NONE,
	F_CRITICAL_KEY,    /* extra key 8 at the end */
	F_NEGATIVE_KEY,    /* extra key -1 with a nested value at the end */
	F_VERSION_2,
	F_SLOT_2,
	F_COMP_NO_MEASURED,/* first component lacks key 5 */
	F_SHORT_DIGEST,
	F_UNSAFE_NAME,
	F_EXTRA_COMPONENT, /* one more component than ev->n_failed */
	F_FLAGS_TOO_BIG,
};

static void put_component(struct tv_cbor *b, const struct mayday_component_evidence *c,
			  enum fault f)
{
	tvc_map(b, f == F_COMP_NO_MEASURED ? 5 : 6);
	tvc_uint(b, 0);
	tvc_tstr(b, f == F_UNSAFE_NAME ? "../etc" : c->name);
	tvc_uint(b, 1);
	tvc_uint(b, f == F_FLAGS_TOO_BIG ? UINT64_C(1) << 32 : c->flags);
	tvc_uint(b, 2);
	tvc_uint(b, c->expected_size);
	tvc_uint(b, 3);
	tvc_uint(b, c->measured_size);
	tvc_uint(b, 4);
	tvc_bstr(b, c->expected, f == F_SHORT_DIGEST ? 31 : 32);
	if (f != F_COMP_NO_MEASURED) {
		tvc_uint(b, 5);
		tvc_bstr(b, c->measured, 32);
	}
}

/* An independent encoding of `ev`, with one fault injected. */
static void build(struct tv_cbor *b, const struct mayday_evidence *ev, enum fault f)
{
	uint32_t n = ev->n_failed + (f == F_EXTRA_COMPONENT ? 1 : 0);

	tvc_init(b);
	tvc_map(b, 7 + (f == F_CRITICAL_KEY || f == F_NEGATIVE_KEY ? 1 : 0));
	tvc_uint(b, 0);
	tvc_uint(b, f == F_VERSION_2 ? 2 : 1);
	tvc_uint(b, 1);
	tvc_uint(b, ev->reason);
	tvc_uint(b, 2);
	tvc_tstr(b, ev->image_version);
	tvc_uint(b, 3);
	tvc_uint(b, ev->manifest_rollback);
	tvc_uint(b, 4);
	tvc_uint(b, f == F_SLOT_2 ? 2 : ev->slot);
	tvc_uint(b, 5);
	tvc_uint(b, ev->boot_attempts);
	tvc_uint(b, 6);
	tvc_array(b, n);
	for (uint32_t i = 0; i < n; i++)
		put_component(b, &ev->failed[i % (ev->n_failed ? ev->n_failed : 1)], f);
	if (f == F_CRITICAL_KEY) {
		tvc_uint(b, 8);
		tvc_uint(b, 0);
	}
	if (f == F_NEGATIVE_KEY) {
		tvc_nint(b, 0);
		tvc_map(b, 2);
		tvc_uint(b, 1);
		tvc_array(b, 1);
		tvc_tstr(b, "x");
		tvc_tstr(b, "a");
		tvc_bool(b, true);
	}
}

static void max_evidence(struct mayday_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	/* attach-failed: the only reason with a detail, at its largest */
	ev->reason = MAYDAY_REASON_ATTACH_FAILED;
	ev->attach.stage = UINT32_MAX;
	ev->attach.tries = UINT32_MAX;
	ev->attach.episodes = UINT32_MAX;
	memset(ev->attach.last_error, 'e', MAYDAY_ATTACH_ERROR_MAX);
	memset(ev->image_version, 'v', MAYDAY_VERSION_STR_MAX);
	ev->manifest_rollback = UINT64_MAX;
	ev->slot = 1;
	ev->boot_attempts = UINT32_MAX;
	ev->n_failed = MAYDAY_MAX_COMPONENTS;
	for (int i = 0; i < MAYDAY_MAX_COMPONENTS; i++) {
		struct mayday_component_evidence *c = &ev->failed[i];

		memset(c->name, 'a', MAYDAY_NAME_MAX);
		c->name[0] = (char)('A' + i % 26);
		c->name[1] = (char)('a' + i / 26);
		c->flags = UINT32_MAX;
		c->expected_size = UINT64_MAX;
		c->measured_size = UINT64_MAX - 1;
		memset(c->expected, 0xee, MAYDAY_DIGEST_LEN);
		memset(c->measured, 0x11, MAYDAY_DIGEST_LEN);
	}
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_vector(void **state)
{
	struct mayday_evidence ev, got;
	struct mayday_diag diag = { 0 };
	uint8_t out[MAYDAY_EVIDENCE_MAX];
	size_t vlen, len;
	uint8_t *v = tv_unhex(tv_evidence_hex, &vlen);
	struct tv_cbor b;

	(void)state;
	tv_example_evidence(&ev);
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, vlen);
	assert_memory_equal(out, v, vlen);

	assert_int_equal(mayday_evidence_decode(v, vlen, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ev, sizeof(ev));

	/* The independent encoder agrees byte for byte. */
	build(&b, &ev, F_NONE);
	assert_int_equal(b.len, vlen);
	assert_memory_equal(b.buf, v, vlen);
	free(v);
}

static void test_round_trip_limits(void **state)
{
	static struct mayday_evidence ev, got;
	uint8_t out[MAYDAY_EVIDENCE_MAX];
	size_t len, len2;
	struct mayday_diag diag = { 0 };

	(void)state;
	max_evidence(&ev);
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_OK);
	assert_true(len <= MAYDAY_EVIDENCE_MAX);
	print_message("largest evidence: %zu bytes\n", len);
	assert_int_equal(mayday_evidence_decode(out, len, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ev, sizeof(ev));

	/* Every smaller buffer is refused, never overrun. */
	for (size_t cap = 0; cap < len; cap += 97)
		assert_int_equal(mayday_evidence_encode(&ev, out, cap, &len2), MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_evidence_encode(&ev, out, len - 1, &len2), MAYDAY_E_TOOBIG);
	assert_int_equal(mayday_evidence_encode(&ev, out, len, &len2), MAYDAY_OK);
	assert_int_equal(len2, len);

	/* No failed component at all. */
	tv_example_evidence(&ev);
	ev.n_failed = 0;
	ev.image_version[0] = '\0';
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_evidence_decode(out, len, &got, &diag), MAYDAY_OK);
	assert_int_equal(got.n_failed, 0);
	assert_string_equal(got.image_version, "");
}

static void test_truncated_and_trailing(void **state)
{
	struct mayday_evidence got;
	struct mayday_diag diag;
	size_t vlen;
	uint8_t *v = tv_unhex(tv_evidence_hex, &vlen);
	uint8_t *longer = malloc(vlen + 1);

	(void)state;
	for (size_t n = 0; n < vlen; n++) {
		diag.offset = SIZE_MAX;
		diag.what = NULL;
		memset(&got, 0xa5, sizeof(got));
		assert_int_equal(mayday_evidence_decode(v, n, &got, &diag), MAYDAY_E_MALFORMED);
		assert_true(diag.offset <= n);
		assert_non_null(diag.what);
		assert_true(all_zero(&got, sizeof(got))); /* no partial state */
	}
	memcpy(longer, v, vlen);
	longer[vlen] = 0x00;
	assert_int_equal(mayday_evidence_decode(longer, vlen + 1, &got, &diag), MAYDAY_E_MALFORMED);
	assert_int_equal(diag.offset, vlen);
	assert_string_equal(diag.what, "trailing bytes");
	free(longer);
	free(v);
}

static void test_oversized_input(void **state)
{
	uint8_t *big = calloc(1, MAYDAY_EVIDENCE_MAX + 1);
	struct mayday_evidence got;
	struct mayday_diag diag = { 0 };

	(void)state;
	assert_int_equal(mayday_evidence_decode(big, MAYDAY_EVIDENCE_MAX + 1, &got, &diag),
			 MAYDAY_E_TOOBIG);
	assert_int_equal(diag.offset, MAYDAY_EVIDENCE_MAX);
	free(big);
}

static void expect_fault(enum fault f, enum mayday_err want, const char *what)
{
	struct mayday_evidence ev, got;
	struct mayday_diag diag = { 0 };
	struct tv_cbor b;

	tv_example_evidence(&ev);
	build(&b, &ev, f);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), want);
	if (what)
		assert_string_equal(diag.what, what);
	assert_true(diag.offset < b.len);
}

static void test_faults(void **state)
{
	(void)state;
	expect_fault(F_CRITICAL_KEY, MAYDAY_E_CRITICAL, "unknown critical key");
	expect_fault(F_VERSION_2, MAYDAY_E_UNSUPPORTED, "unsupported protocol version");
	expect_fault(F_SLOT_2, MAYDAY_E_MALFORMED, "slot is not 0 or 1");
	expect_fault(F_COMP_NO_MEASURED, MAYDAY_E_MALFORMED, "required key missing");
	expect_fault(F_SHORT_DIGEST, MAYDAY_E_MALFORMED, "byte string of wrong length");
	expect_fault(F_UNSAFE_NAME, MAYDAY_E_MALFORMED, "unsafe component name");
	expect_fault(F_FLAGS_TOO_BIG, MAYDAY_E_MALFORMED, "integer out of range");
}

static void test_negative_key_skipped(void **state)
{
	struct mayday_evidence ev, got;
	struct mayday_diag diag = { 0 };
	struct tv_cbor b;

	(void)state;
	tv_example_evidence(&ev);
	build(&b, &ev, F_NEGATIVE_KEY);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ev, sizeof(ev));
}

static void test_critical_key_offset(void **state)
{
	struct mayday_evidence ev, got;
	struct mayday_diag diag = { 0 };
	struct tv_cbor b, plain;

	(void)state;
	tv_example_evidence(&ev);
	build(&plain, &ev, F_NONE);
	build(&b, &ev, F_CRITICAL_KEY);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_E_CRITICAL);
	/* The extra key sits right after the original pairs (same head size). */
	assert_int_equal(diag.offset, plain.len);
}

static void test_too_many_components(void **state)
{
	static struct mayday_evidence ev, got;
	struct mayday_diag diag = { 0 };
	struct tv_cbor b;
	uint8_t out[MAYDAY_EVIDENCE_MAX];
	size_t len;

	(void)state;
	tv_example_evidence(&ev);
	ev.n_failed = MAYDAY_MAX_COMPONENTS;
	for (int i = 2; i < MAYDAY_MAX_COMPONENTS; i++)
		ev.failed[i] = ev.failed[i % 2];
	build(&b, &ev, F_NONE);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_OK);
	build(&b, &ev, F_EXTRA_COMPONENT);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_E_TOOBIG);
	assert_string_equal(diag.what, "too many array items");

	/* An array head claiming 2^64-1 items is refused before anything else. */
	tvc_init(&b);
	tvc_map(&b, 7);
	tvc_uint(&b, 0);
	tvc_uint(&b, 1);
	tvc_uint(&b, 1);
	tvc_uint(&b, 1);
	tvc_uint(&b, 2);
	tvc_tstr(&b, "");
	tvc_uint(&b, 3);
	tvc_uint(&b, 0);
	tvc_uint(&b, 4);
	tvc_uint(&b, 0);
	tvc_uint(&b, 5);
	tvc_uint(&b, 0);
	tvc_uint(&b, 6);
	len = b.len;
	tvc_array(&b, SIZE_MAX);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_E_TOOBIG);
	assert_int_equal(diag.offset, len);

	ev.n_failed = MAYDAY_MAX_COMPONENTS + 1;
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_E_INVALID);
}

static void test_encoder_refuses_invalid(void **state)
{
	struct mayday_evidence ev;
	uint8_t out[MAYDAY_EVIDENCE_MAX];
	size_t len;

	(void)state;
	tv_example_evidence(&ev);
	ev.slot = 2;
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_E_INVALID);

	tv_example_evidence(&ev);
	strcpy(ev.failed[1].name, "a/b");
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_E_INVALID);

	tv_example_evidence(&ev);
	memset(ev.image_version, 'x', sizeof(ev.image_version)); /* not terminated */
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_E_INVALID);

	tv_example_evidence(&ev);
	strcpy(ev.image_version, "\xc0\xaf"); /* overlong '/' */
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_E_INVALID);

	tv_example_evidence(&ev);
	strcpy(ev.image_version, "v\xc3\xa9"); /* valid UTF-8 is fine */
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_OK);

	assert_int_equal(mayday_evidence_encode(&ev, NULL, 0, &len), MAYDAY_E_TOOBIG);
}

/* Hand-made bytes for the generic deterministic-CBOR rules. */
static void test_non_deterministic(void **state)
{
	static const struct {
		const char *hex;
		enum mayday_err err;
		size_t offset;
		const char *what;
	} cases[] = {
		{ "bf0001ff", MAYDAY_E_MALFORMED, 0, "indefinite length" },
		{ "b8070001", MAYDAY_E_MALFORMED, 0, "non-shortest integer" },
		{ "a7001801", MAYDAY_E_MALFORMED, 2, "non-shortest integer" },
		{ "a700010101010101", MAYDAY_E_MALFORMED, 5, "duplicate map key" },
		{ "a7000102600101", MAYDAY_E_MALFORMED, 5, "map keys not in deterministic order" },
		{ "a7000101fa3f800000", MAYDAY_E_MALFORMED, 4, "floating-point value" },
		{ "a70001017818", MAYDAY_E_MALFORMED, 4, "truncated" },
		{ "a7000101010279000531313131" "31", MAYDAY_E_MALFORMED, 6, "non-shortest length" },
		{ "a7000101010262000a", MAYDAY_E_MALFORMED, 6, "NUL in text" },
		{ "a7000101010262c328", MAYDAY_E_MALFORMED, 6, "invalid UTF-8" },
		{ "a70001010102624142", MAYDAY_E_MALFORMED, 9, "truncated" },
		{ "a7000101c1", MAYDAY_E_MALFORMED, 4, "expected an unsigned integer" },
		{ "a70001016161", MAYDAY_E_MALFORMED, 4, "expected an unsigned integer" },
		{ "80", MAYDAY_E_MALFORMED, 0, "expected a map" },
		{ "a7616100", MAYDAY_E_MALFORMED, 1, "key is not an integer" },
		{ "a7000101f0", MAYDAY_E_MALFORMED, 4, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mayday_evidence got;
		struct mayday_diag diag = { 0 };
		size_t len;
		uint8_t *b;

		b = tv_unhex(cases[i].hex, &len);
		print_message("case %s\n", cases[i].hex);
		assert_int_equal(mayday_evidence_decode(b, len, &got, &diag), cases[i].err);
		assert_int_equal(diag.offset, cases[i].offset);
		if (cases[i].what)
			assert_string_equal(diag.what, cases[i].what);
		free(b);
	}
}

/* The attach-failed vector, the independent encoder, and the rules for the
 * attach detail (key 7): present exactly with reason attach-failed, every
 * key required, unknown keys critical. */
static void put_attach(struct tv_cbor *b, const struct mayday_attach_evidence *a, int keys,
		       bool extra)
{
	tvc_uint(b, 7);
	tvc_map(b, (size_t)keys + (extra ? 1 : 0));
	if (keys > 0) {
		tvc_uint(b, 0);
		tvc_uint(b, a->stage);
	}
	if (keys > 1) {
		tvc_uint(b, 1);
		tvc_uint(b, a->tries);
	}
	if (keys > 2) {
		tvc_uint(b, 2);
		tvc_uint(b, a->episodes);
	}
	if (keys > 3) {
		tvc_uint(b, 3);
		tvc_tstr(b, a->last_error);
	}
	if (extra) {
		tvc_uint(b, 4);
		tvc_uint(b, 0);
	}
}

static void build_attach(struct tv_cbor *b, const struct mayday_evidence *ev, uint32_t reason,
			 bool with_attach, int keys, bool extra)
{
	tvc_init(b);
	tvc_map(b, with_attach ? 8 : 7);
	tvc_uint(b, 0);
	tvc_uint(b, 1);
	tvc_uint(b, 1);
	tvc_uint(b, reason);
	tvc_uint(b, 2);
	tvc_tstr(b, ev->image_version);
	tvc_uint(b, 3);
	tvc_uint(b, ev->manifest_rollback);
	tvc_uint(b, 4);
	tvc_uint(b, ev->slot);
	tvc_uint(b, 5);
	tvc_uint(b, ev->boot_attempts);
	tvc_uint(b, 6);
	tvc_array(b, 0);
	if (with_attach)
		put_attach(b, &ev->attach, keys, extra);
}

static void test_attach_vector(void **state)
{
	struct mayday_evidence ev, got;
	struct mayday_diag diag = { 0 };
	uint8_t out[MAYDAY_EVIDENCE_MAX];
	size_t vlen, len;
	uint8_t *v = tv_unhex(tv_attach_evidence_hex, &vlen);
	struct tv_cbor b;

	(void)state;
	tv_example_attach_evidence(&ev);
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, vlen);
	assert_memory_equal(out, v, vlen);
	assert_int_equal(mayday_evidence_decode(v, vlen, &got, &diag), MAYDAY_OK);
	assert_memory_equal(&got, &ev, sizeof(ev));
	assert_string_equal(got.attach.last_error, "connection refused");
	build_attach(&b, &ev, MAYDAY_REASON_ATTACH_FAILED, true, 4, false);
	assert_int_equal(b.len, vlen);
	assert_memory_equal(b.buf, v, vlen);
	free(v);

	/* Other reasons encode exactly as before (no key 7), whatever the
	 * attach fields hold. */
	tv_example_evidence(&ev);
	ev.attach.stage = 1;
	v = tv_unhex(tv_evidence_hex, &vlen);
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(len, vlen);
	assert_memory_equal(out, v, vlen);
	free(v);
}

static void test_attach_rules(void **state)
{
	struct mayday_evidence ev, got;
	struct mayday_diag diag = { 0 };
	uint8_t out[MAYDAY_EVIDENCE_MAX];
	size_t len;
	struct tv_cbor b;

	(void)state;
	tv_example_attach_evidence(&ev);
	/* Detail with another reason. */
	build_attach(&b, &ev, MAYDAY_REASON_ROLLBACK, true, 4, false);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_E_MALFORMED);
	assert_string_equal(diag.what, "attach detail without reason attach-failed");
	/* attach-failed without its detail. */
	build_attach(&b, &ev, MAYDAY_REASON_ATTACH_FAILED, false, 0, false);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_E_MALFORMED);
	assert_string_equal(diag.what, "required key missing");
	/* A detail key missing. */
	build_attach(&b, &ev, MAYDAY_REASON_ATTACH_FAILED, true, 3, false);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_E_MALFORMED);
	/* An unknown detail key is critical. */
	build_attach(&b, &ev, MAYDAY_REASON_ATTACH_FAILED, true, 4, true);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_E_CRITICAL);
	/* Unknown stage values are carried (receivers record "unknown"). */
	ev.attach.stage = 99;
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_OK);
	assert_int_equal(mayday_evidence_decode(out, len, &got, &diag), MAYDAY_OK);
	assert_int_equal(got.attach.stage, 99);
	assert_string_equal(mayday_attach_stage_name(99), "unknown");
	/* last_error: at most 32 bytes of valid UTF-8. */
	tv_example_attach_evidence(&ev);
	memset(ev.attach.last_error, 'x', MAYDAY_ATTACH_ERROR_MAX);
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_OK);
	strcpy(ev.attach.last_error, "\xc0\xaf");
	assert_int_equal(mayday_evidence_encode(&ev, out, sizeof(out), &len), MAYDAY_E_INVALID);
	/* 32 bytes decode; 33 are too big. */
	tv_example_attach_evidence(&ev);
	memset(ev.attach.last_error, 'y', MAYDAY_ATTACH_ERROR_MAX);
	ev.attach.last_error[MAYDAY_ATTACH_ERROR_MAX] = '\0';
	build_attach(&b, &ev, MAYDAY_REASON_ATTACH_FAILED, true, 4, false);
	assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_OK);
	{
		char longer[MAYDAY_ATTACH_ERROR_MAX + 2];

		memset(longer, 'y', sizeof longer - 1);
		longer[sizeof longer - 1] = '\0';
		tvc_init(&b);
		tvc_map(&b, 8);
		tvc_uint(&b, 0);
		tvc_uint(&b, 1);
		tvc_uint(&b, 1);
		tvc_uint(&b, MAYDAY_REASON_ATTACH_FAILED);
		tvc_uint(&b, 2);
		tvc_tstr(&b, "");
		tvc_uint(&b, 3);
		tvc_uint(&b, 0);
		tvc_uint(&b, 4);
		tvc_uint(&b, 0);
		tvc_uint(&b, 5);
		tvc_uint(&b, 1);
		tvc_uint(&b, 6);
		tvc_array(&b, 0);
		tvc_uint(&b, 7);
		tvc_map(&b, 4);
		tvc_uint(&b, 0);
		tvc_uint(&b, 1);
		tvc_uint(&b, 1);
		tvc_uint(&b, 1);
		tvc_uint(&b, 2);
		tvc_uint(&b, 1);
		tvc_uint(&b, 3);
		tvc_tstr(&b, longer);
		assert_int_equal(mayday_evidence_decode(b.buf, b.len, &got, &diag), MAYDAY_E_TOOBIG);
	}
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(mayday_reason_name(MAYDAY_REASON_COMPONENT_MISMATCH),
			    "component-mismatch");
	assert_string_equal(mayday_reason_name(MAYDAY_REASON_NORMAL_START_FAILED),
			    "normal-start-failed");
	assert_string_equal(mayday_reason_name(MAYDAY_REASON_ATTACH_FAILED), "attach-failed");
	assert_string_equal(mayday_attach_stage_name(MAYDAY_ATTACH_SEGW_UNREACHABLE),
			    "segw-unreachable");
	assert_string_equal(mayday_attach_stage_name(MAYDAY_ATTACH_AUTH_REFUSED), "auth-refused");
	assert_string_equal(mayday_attach_stage_name(MAYDAY_ATTACH_CRASH_LOOP), "crash-loop");
	assert_string_equal(mayday_reason_name(0), "unknown");
	assert_string_equal(mayday_reason_name(99), "unknown");
	assert_string_equal(mayday_strerror(MAYDAY_E_CRITICAL), "unknown critical field");
	assert_string_equal(mayday_strerror((enum mayday_err)1000), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_round_trip_limits),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_oversized_input),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_negative_key_skipped),
		cmocka_unit_test(test_critical_key_offset),
		cmocka_unit_test(test_too_many_components),
		cmocka_unit_test(test_encoder_refuses_invalid),
		cmocka_unit_test(test_non_deterministic),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_attach_vector),
		cmocka_unit_test(test_attach_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
