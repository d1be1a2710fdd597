/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RoT agent protocol (device/hal/rot_wire.h) and the agent's answers
 * (device/rotagent/agent_serve.h):
 *  - every op's request and answer encode and decode back to themselves;
 *  - a header of another version, kind, op or role, a status that is not
 *    an error value, a payload of the wrong size for its op, an error with
 *    a payload, a length over the maximum: refused, nothing decoded;
 *  - a request in another role than the agent's is answered DENIED, and
 *    the agent's handle refuses what its role may not do, whatever the
 *    request says;
 *  - a read waits no longer than its deadline, and a peer that closes is
 *    an I/O error, not a hang.
 */
#define _GNU_SOURCE /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "agent_serve.h"
#include "flash.h"
#include "rot.h"
#include "rot_wire.h"

static uint8_t buf[ROT_WIRE_MSG_MAX];

static void roundtrip(const struct rot_wire_msg *m)
{
	struct rot_wire_msg d;
	size_t len = 0;

	assert_int_equal(rot_wire_encode(m, buf, sizeof(buf), &len), MAYDAY_OK);
	assert_int_equal(rot_wire_decode(buf, len, m->kind, &d), MAYDAY_OK);
	assert_int_equal(d.op, m->op);
	assert_int_equal(d.role, m->role);
	assert_int_equal(d.status, m->status);
	assert_int_equal(d.which, m->which);
	assert_true(d.value == m->value);
	assert_int_equal(d.len, m->len);
	if (m->len)
		assert_memory_equal(d.data, m->data, m->len);
	/* the other kind never accepts it */
	assert_int_equal(rot_wire_decode(buf, len, m->kind == ROT_WIRE_REQUEST ? ROT_WIRE_RESPONSE :
								ROT_WIRE_REQUEST, &d),
			 MAYDAY_E_MALFORMED);
	/* one byte short or long is refused */
	assert_int_equal(rot_wire_decode(buf, len - 1, m->kind, &d), MAYDAY_E_MALFORMED);
	assert_int_equal(rot_wire_decode(buf, len + 1, m->kind, &d), MAYDAY_E_MALFORMED);
}

static void test_roundtrip(void **state)
{
	static const uint8_t tbs[100] = { 1, 2, 3 }, ev[HAL_ROT_REG_LEN] = { 9 };
	static const uint8_t sig[MAYDAY_ES256_SIG_LEN] = { 7 }, id[] = "hnb-1";
	static uint8_t creds[HAL_ROT_CREDS_MAX];
	const enum hal_rot_role r = HAL_ROT_ROLE_DCF;

	(void)state;
	memset(creds, 'c', sizeof(creds));
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_REQUEST, ROT_WIRE_SIGN, r, 0, 0, 0, tbs, 100 });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_REQUEST, ROT_WIRE_DEVICE_ID, r, 0, 0, 0, NULL, 0 });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_REQUEST, ROT_WIRE_EXTEND, HAL_ROT_ROLE_TRE, 0, 0, 0,
					  ev, sizeof(ev) });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_REQUEST, ROT_WIRE_ANCHOR, r, 0, 1, 0, NULL, 0 });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_REQUEST, ROT_WIRE_COUNTER_ADVANCE, r, 0, 1,
					  0x0102030405060708ull, NULL, 0 });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_RESPONSE, ROT_WIRE_HELLO, r, MAYDAY_E_KEY, 0, 0,
					  NULL, 0 });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_RESPONSE, ROT_WIRE_SIGN, r, 0, 0, 0, sig,
					  sizeof(sig) });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_RESPONSE, ROT_WIRE_DEVICE_ID, r, 0, 0, 0, id, 5 });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_RESPONSE, ROT_WIRE_COUNTER_NEXT, r, 0, 0,
					  UINT64_MAX, NULL, 0 });
	roundtrip(&(struct rot_wire_msg){ ROT_WIRE_RESPONSE, ROT_WIRE_UNSEAL, HAL_ROT_ROLE_TRE, 0, 0,
					  0, creds, sizeof(creds) });
}

static void expect_refused(const uint8_t *m, size_t len, enum rot_wire_kind kind,
			   enum mayday_err want)
{
	struct rot_wire_msg d;

	memset(&d, 0x55, sizeof(d));
	assert_int_equal(rot_wire_decode(m, len, kind, &d), want);
	assert_int_equal(d.op, 0); /* nothing decoded */
	assert_null(d.data);
}

static void test_refused(void **state)
{
	static const uint8_t sig[MAYDAY_ES256_SIG_LEN] = { 7 };
	struct rot_wire_msg ok = { ROT_WIRE_RESPONSE, ROT_WIRE_SIGN, HAL_ROT_ROLE_DCF, 0, 0, 0, sig,
				   sizeof(sig) };
	uint8_t m[ROT_WIRE_HDR_LEN + 64], t[sizeof(m)];
	size_t len = 0;

	(void)state;
	assert_int_equal(rot_wire_encode(&ok, m, sizeof(m), &len), MAYDAY_OK);
	struct { size_t off; uint8_t v; } bad[] = {
		{ 0, 2 },                       /* version */
		{ 1, 3 },                       /* kind */
		{ 2, 0 }, { 2, ROT_WIRE_OP__END }, /* op */
		{ 3, 0 }, { 3, 4 },             /* role */
		{ 4, 1 },                       /* status out of range */
		{ 11, 63 },                     /* a signature is 64 bytes */
		{ 10, 1 },                      /* announced length is not the buffer's */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(t, m, len);
		t[bad[i].off] = bad[i].v;
		expect_refused(t, len, ROT_WIRE_RESPONSE, MAYDAY_E_MALFORMED);
	}
	/* an error answer carries nothing */
	memcpy(t, m, len);
	t[7] = MAYDAY_E_KEY;
	expect_refused(t, len, ROT_WIRE_RESPONSE, MAYDAY_E_MALFORMED);
	/* over the maximum: refused from the header alone */
	memcpy(t, m, len);
	t[8] = 0x7f;
	size_t n = 1;
	assert_int_equal(rot_wire_payload_len(t, &n), MAYDAY_E_TOOBIG);
	assert_int_equal(n, 0);
	expect_refused(t, len, ROT_WIRE_RESPONSE, MAYDAY_E_TOOBIG);
	/* nobody asks for HELLO; a request has no status; which is bounded */
	uint8_t req[ROT_WIRE_HDR_LEN + 1] = { ROT_WIRE_VERSION, ROT_WIRE_REQUEST, ROT_WIRE_HELLO,
					      HAL_ROT_ROLE_DCF };
	expect_refused(req, ROT_WIRE_HDR_LEN, ROT_WIRE_REQUEST, MAYDAY_E_MALFORMED);
	req[2] = ROT_WIRE_DEVICE_ID;
	req[7] = 1;
	expect_refused(req, ROT_WIRE_HDR_LEN, ROT_WIRE_REQUEST, MAYDAY_E_MALFORMED);
	req[7] = 0;
	req[2] = ROT_WIRE_COUNTER_READ;
	req[11] = 1;
	req[12] = HAL_ROT_COUNTER__COUNT;
	expect_refused(req, sizeof(req), ROT_WIRE_REQUEST, MAYDAY_E_MALFORMED);
	req[2] = ROT_WIRE_ANCHOR;
	req[12] = HAL_ROT_ANCHOR__COUNT;
	expect_refused(req, sizeof(req), ROT_WIRE_REQUEST, MAYDAY_E_MALFORMED);
	/* a device ID with a space or control byte */
	uint8_t id[ROT_WIRE_HDR_LEN + 3] = { ROT_WIRE_VERSION, ROT_WIRE_RESPONSE, ROT_WIRE_DEVICE_ID,
					     HAL_ROT_ROLE_DCF, 0, 0, 0, 0, 0, 0, 0, 3, 'a', ' ', 'b' };
	expect_refused(id, sizeof(id), ROT_WIRE_RESPONSE, MAYDAY_E_MALFORMED);
	/* the encoder refuses what the decoder would */
	ok.len = 63;
	assert_int_equal(rot_wire_encode(&ok, m, sizeof(m), &len), MAYDAY_E_INVALID);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The agent's answers from a real file RoT in the DCF and normal roles. */
static void test_answer_roles(void **state)
{
	char dir[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	struct hal_flash *f = NULL;
	struct hal_rot *dcf = NULL, *normal = NULL;
	EVP_PKEY *k = EVP_EC_gen("P-256"), *v = EVP_EC_gen("P-256"), *h = EVP_EC_gen("P-256");
	static uint8_t scratch[ROT_WIRE_PAYLOAD_MAX];
	static const uint8_t tbs[] = "to be signed";
	struct rot_wire_msg req = { .kind = ROT_WIRE_REQUEST, .op = ROT_WIRE_SIGN,
				    .role = HAL_ROT_ROLE_DCF, .data = tbs, .len = sizeof(tbs) };
	struct rot_wire_msg resp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/mayday-rot-wire-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(hal_flash_open(&f, dir, "host"), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision(f, "hnb-wire-1", k, v, h), MAYDAY_OK);
	assert_int_equal(hal_rot_open_role(&dcf, "file", f, HAL_ROT_ROLE_DCF), MAYDAY_OK);
	assert_int_equal(hal_rot_open_role(&normal, "file", f, HAL_ROT_ROLE_NORMAL), MAYDAY_OK);

	agent_serve_answer(dcf, &req, scratch, &resp);
	assert_int_equal(resp.status, MAYDAY_OK);
	assert_int_equal(resp.len, MAYDAY_ES256_SIG_LEN);
	assert_int_equal(resp.role, HAL_ROT_ROLE_DCF);
	/* a request in another role than the agent's */
	req.role = HAL_ROT_ROLE_TRE;
	agent_serve_answer(dcf, &req, scratch, &resp);
	assert_int_equal(resp.status, MAYDAY_E_DENIED);
	assert_int_equal(resp.len, 0);
	/* the normal role's agent cannot sign even when asked in its role */
	req.role = HAL_ROT_ROLE_NORMAL;
	agent_serve_answer(normal, &req, scratch, &resp);
	assert_int_equal(resp.status, MAYDAY_E_DENIED);
	/* nor can the DCF's extend or unseal */
	static const uint8_t ev[HAL_ROT_REG_LEN];
	req = (struct rot_wire_msg){ .kind = ROT_WIRE_REQUEST, .op = ROT_WIRE_EXTEND,
				     .role = HAL_ROT_ROLE_DCF, .data = ev, .len = sizeof(ev) };
	agent_serve_answer(dcf, &req, scratch, &resp);
	assert_int_equal(resp.status, MAYDAY_E_DENIED);
	req = (struct rot_wire_msg){ .kind = ROT_WIRE_REQUEST, .op = ROT_WIRE_UNSEAL,
				     .role = HAL_ROT_ROLE_DCF };
	agent_serve_answer(dcf, &req, scratch, &resp);
	assert_int_equal(resp.status, MAYDAY_E_DENIED);
	req = (struct rot_wire_msg){ .kind = ROT_WIRE_REQUEST, .op = ROT_WIRE_COUNTER_NEXT,
				     .role = HAL_ROT_ROLE_DCF, .which = HAL_ROT_COUNTER_MESSAGE };
	agent_serve_answer(dcf, &req, scratch, &resp);
	assert_int_equal(resp.status, MAYDAY_OK);
	assert_true(resp.value == 1);

	hal_rot_close(dcf);
	hal_rot_close(normal);
	hal_flash_close(f);
	EVP_PKEY_free(k);
	EVP_PKEY_free(v);
	EVP_PKEY_free(h);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_deadlines(void **state)
{
	int sv[2];
	struct rot_wire_msg m;
	uint64_t t0;
	uint8_t half[ROT_WIRE_HDR_LEN / 2] = { ROT_WIRE_VERSION };

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* nothing comes: the read ends at its deadline, not before */
	t0 = rot_wire_now_ms();
	assert_int_equal(rot_wire_recv(sv[0], ROT_WIRE_RESPONSE, buf, t0 + 200, &m),
			 MAYDAY_E_TIMEOUT);
	assert_true(rot_wire_now_ms() >= t0 + 200);
	/* half a header, then nothing: the same */
	assert_int_equal(write(sv[1], half, sizeof(half)), (ssize_t)sizeof(half));
	assert_int_equal(rot_wire_recv(sv[0], ROT_WIRE_RESPONSE, buf, rot_wire_now_ms() + 100, &m),
			 MAYDAY_E_TIMEOUT);
	/* the peer goes away: an I/O error, both ways, and no SIGPIPE */
	close(sv[1]);
	assert_int_equal(rot_wire_recv(sv[0], ROT_WIRE_RESPONSE, buf, rot_wire_now_ms() + 60000,
				       &m),
			 MAYDAY_E_IO);
	assert_int_equal(rot_wire_send(sv[0], half, sizeof(half), rot_wire_now_ms() + 60000),
			 MAYDAY_E_IO);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_answer_roles),
		cmocka_unit_test(test_deadlines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
