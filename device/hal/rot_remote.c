/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "remote" RoT backend: every hal_rot_ops call is one request to
 * mayday-rot-agent and its response (rot_wire.h). The agent holds the
 * real backend; this side holds no key and no secret but what a call
 * returns (the PSK keys, the credentials), which the caller owns and wipes
 * as with any backend. Our copy of a secret answer in the message buffer is
 * wiped as soon as it is copied out.
 *
 * A connection that went wrong once (a late, malformed or mismatched
 * answer) is not trusted again: requests and answers could be out of step,
 * so the handle is broken and every later call fails, which the TrE turns
 * into a halt and the DCF into a failed attempt.
 */
#include "rot_remote.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "log.h"
#include "mayday/psk.h"
#include "rot_agent.h"
#include "rot_backend.h"
#include "rot_tls_key.h"
#include "rot_wire.h"
#include "hal_spawn.h"

struct remote {
	int fd;
	pid_t pid;
	enum hal_rot_role role;
	enum mayday_err broken;   /* MAYDAY_OK while the connection is sound */
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	uint8_t buf[ROT_WIRE_MSG_MAX];
};

static enum mayday_err fail(struct remote *st, enum rot_wire_op op, enum mayday_err err,
			    const char *why)
{
	log_info("rot-agent: %s: %s (%s); the agent's connection is not used again",
		 rot_wire_op_name(op), why, mayday_strerror(err));
	st->broken = err == MAYDAY_E_TIMEOUT ? err : MAYDAY_E_IO;
	return st->broken;
}

/* One round trip: `req` out, its answer into *resp (pointing into st->buf).
 * Returns the transport's error, else the answer's status. */
static enum mayday_err call(struct remote *st, struct rot_wire_msg *req,
			    struct rot_wire_msg *resp)
{
	uint64_t deadline = rot_wire_now_ms() + HAL_ROT_AGENT_CALL_MS;
	size_t len = 0;
	enum mayday_err err;

	memset(resp, 0, sizeof(*resp));
	if (st->broken != MAYDAY_OK)
		return st->broken;
	req->kind = ROT_WIRE_REQUEST;
	req->role = st->role;
	err = rot_wire_encode(req, st->buf, sizeof(st->buf), &len);
	if (err != MAYDAY_OK)
		return err; /* the caller's arguments; the connection is untouched */
	err = rot_wire_send(st->fd, st->buf, len, deadline);
	if (err != MAYDAY_OK)
		return fail(st, req->op, err, "cannot send the request");
	err = rot_wire_recv(st->fd, ROT_WIRE_RESPONSE, st->buf, deadline, resp);
	if (err != MAYDAY_OK)
		return fail(st, req->op, err, "no valid answer");
	if (resp->op != req->op || resp->role != st->role)
		return fail(st, req->op, MAYDAY_E_MALFORMED, "an answer to another request");
	return resp->status;
}

static void wipe_buf(struct remote *st)
{
	OPENSSL_cleanse(st->buf, sizeof(st->buf));
}

static enum mayday_err simple(struct remote *st, enum rot_wire_op op, uint32_t which,
			      struct rot_wire_msg *resp)
{
	struct rot_wire_msg req = { .op = op, .which = which };

	return call(st, &req, resp);
}

static void remote_close(void *state)
{
	struct remote *st = state;
	int status;

	if (st == NULL)
		return;
	close(st->fd);
	/* EOF ends the agent; one that does not go is stopped. */
	if (st->pid > 0 &&
	    !hal_spawn_wait_until(st->pid, hal_spawn_now_ms() + HAL_ROT_AGENT_STOP_MS, &status))
		hal_spawn_kill("rot-agent", st->pid, HAL_ROT_AGENT_STOP_MS);
	OPENSSL_cleanse(st, sizeof(*st));
	free(st);
}

static enum mayday_err remote_open(void **state, const char *arg, struct hal_flash *flash,
				   enum hal_rot_role role)
{
	(void)arg;
	(void)flash;
	(void)role;
	*state = NULL;
	return MAYDAY_E_INVALID; /* only through hal_rot_open_agent */
}

static enum mayday_err remote_device_id(void *state, char out[MAYDAY_DEVICE_ID_MAX + 1])
{
	struct remote *st = state;
	struct rot_wire_msg resp;
	enum mayday_err err = simple(st, ROT_WIRE_DEVICE_ID, 0, &resp);

	if (err != MAYDAY_OK)
		return err;
	memcpy(out, resp.data, resp.len); /* 1..MAYDAY_DEVICE_ID_MAX, rot_wire_decode */
	out[resp.len] = '\0';
	return MAYDAY_OK;
}

static enum mayday_err remote_sign(void *ctx, const uint8_t *tbs, size_t tbs_len,
				   uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	struct remote *st = ctx;
	struct rot_wire_msg req = { .op = ROT_WIRE_SIGN, .data = tbs, .len = tbs_len };
	struct rot_wire_msg resp;
	enum mayday_err err;

	if (tbs_len == 0 || tbs_len > ROT_WIRE_TBS_MAX)
		return MAYDAY_E_TOOBIG;
	err = call(st, &req, &resp);
	if (err == MAYDAY_OK)
		memcpy(sig, resp.data, MAYDAY_ES256_SIG_LEN);
	return err;
}

/* kid = device ID, as every backend's signer. */
static enum mayday_err remote_signer(void *state, struct mayday_signer *out)
{
	struct remote *st = state;
	enum mayday_err err = remote_device_id(st, st->id);

	if (err != MAYDAY_OK)
		return err;
	memset(out, 0, sizeof(*out));
	out->sign = remote_sign;
	out->ctx = st;
	out->kid_len = strlen(st->id);
	memcpy(out->kid, st->id, out->kid_len);
	return MAYDAY_OK;
}

static enum mayday_err get_key(struct remote *st, enum rot_wire_op op, uint32_t which,
			       EVP_PKEY **out)
{
	struct rot_wire_msg resp;
	const unsigned char *p;
	enum mayday_err err = simple(st, op, which, &resp);

	if (err != MAYDAY_OK)
		return err;
	p = resp.data;
	*out = d2i_PUBKEY(NULL, &p, (long)resp.len);
	if (*out == NULL || p != resp.data + resp.len) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return MAYDAY_E_KEY;
	}
	return MAYDAY_OK;
}

static enum mayday_err remote_distress_public(void *state, EVP_PKEY **out)
{
	return get_key(state, ROT_WIRE_DISTRESS_PUBLIC, 0, out);
}

static enum mayday_err remote_anchor(void *state, enum hal_rot_anchor which, EVP_PKEY **out)
{
	return get_key(state, ROT_WIRE_ANCHOR, (uint32_t)which, out);
}

static enum mayday_err remote_psk_keys(void *state, struct mayday_psk_keys *out)
{
	struct remote *st = state;
	struct rot_wire_msg resp;
	const uint8_t *p;
	enum mayday_err err = simple(st, ROT_WIRE_PSK_KEYS, 0, &resp);

	if (err != MAYDAY_OK)
		return err;
	p = resp.data;
	memcpy(out->request_key, p, MAYDAY_PSK_KEY_LEN);
	p += MAYDAY_PSK_KEY_LEN;
	memcpy(out->request_iv, p, MAYDAY_PSK_IV_LEN);
	p += MAYDAY_PSK_IV_LEN;
	memcpy(out->response_key, p, MAYDAY_PSK_KEY_LEN);
	p += MAYDAY_PSK_KEY_LEN;
	out->kid_len = resp.len - (size_t)(p - resp.data); /* MIN..MAX: rot_wire_decode */
	memcpy(out->kid, p, out->kid_len);
	wipe_buf(st);
	return MAYDAY_OK;
}

static enum mayday_err remote_extend(void *state, const uint8_t event[HAL_ROT_REG_LEN])
{
	struct rot_wire_msg req = { .op = ROT_WIRE_EXTEND, .data = event, .len = HAL_ROT_REG_LEN };
	struct rot_wire_msg resp;

	return call(state, &req, &resp);
}

static enum mayday_err remote_unseal(void *state, uint8_t *out, size_t cap, size_t *len)
{
	struct remote *st = state;
	struct rot_wire_msg resp;
	enum mayday_err err = simple(st, ROT_WIRE_UNSEAL, 0, &resp);

	*len = 0;
	if (err == MAYDAY_OK && resp.len > cap)
		err = MAYDAY_E_TOOBIG;
	if (err == MAYDAY_OK) {
		memcpy(out, resp.data, resp.len);
		*len = resp.len;
	}
	wipe_buf(st);
	return err;
}

static enum mayday_err remote_counter_read(void *state, enum hal_rot_counter which,
					   uint64_t *value)
{
	struct rot_wire_msg resp;
	enum mayday_err err = simple(state, ROT_WIRE_COUNTER_READ, (uint32_t)which, &resp);

	if (err == MAYDAY_OK)
		*value = resp.value;
	return err;
}

static enum mayday_err remote_counter_next(void *state, enum hal_rot_counter which,
					   uint64_t *value)
{
	struct rot_wire_msg resp;
	enum mayday_err err = simple(state, ROT_WIRE_COUNTER_NEXT, (uint32_t)which, &resp);

	if (err == MAYDAY_OK)
		*value = resp.value;
	return err;
}

static enum mayday_err remote_counter_advance(void *state, enum hal_rot_counter which,
					      uint64_t to)
{
	struct rot_wire_msg req = { .op = ROT_WIRE_COUNTER_ADVANCE, .which = (uint32_t)which,
				    .value = to };
	struct rot_wire_msg resp;

	return call(state, &req, &resp);
}

enum mayday_err rot_remote_connect(int fd, pid_t pid, enum hal_rot_role role, void **state)
{
	struct remote *st = calloc(1, sizeof(*st));
	struct rot_wire_msg hello;
	enum mayday_err err;

	*state = NULL;
	if (st == NULL)
		return MAYDAY_E_NOMEM;
	err = rot_wire_recv(fd, ROT_WIRE_RESPONSE, st->buf,
			    rot_wire_now_ms() + HAL_ROT_AGENT_OPEN_MS, &hello);
	if (err != MAYDAY_OK) {
		log_info("rot-agent: no valid greeting: %s", mayday_strerror(err));
	} else if (hello.op != ROT_WIRE_HELLO || hello.role != role) {
		log_info("rot-agent: greeted in another role or with another message");
		err = MAYDAY_E_MALFORMED;
	} else {
		err = hello.status; /* the agent's hal_rot_open_role */
	}
	if (err != MAYDAY_OK) {
		free(st);
		return err;
	}
	st->fd = fd;
	st->pid = pid;
	st->role = role;
	*state = st;
	return MAYDAY_OK;
}

/* The TLS key: an OpenSSL key that holds only the public half and signs
 * with the agent's distress key (rot_tls_key.h: each CertificateVerify is
 * one SIGN round trip), when that backend has a TLS key at all (asked
 * first, so a backend without one says MAYDAY_E_UNSUPPORTED here, as
 * in-process). The key signs while this RoT is open. */
static enum mayday_err remote_tls_key(void *state, EVP_PKEY **out)
{
	struct rot_wire_msg resp;
	struct mayday_signer signer;
	EVP_PKEY *pub = NULL;
	enum mayday_err err = simple(state, ROT_WIRE_TLS_KEY, 0, &resp);

	if (err == MAYDAY_OK)
		err = remote_distress_public(state, &pub);
	if (err == MAYDAY_OK)
		err = remote_signer(state, &signer);
	if (err == MAYDAY_OK)
		err = rot_tls_key_new(&signer, pub, out);
	EVP_PKEY_free(pub);
	return err;
}

const struct hal_rot_ops hal_rot_remote_ops = {
	.name = "remote",
	.open = remote_open,
	.close = remote_close,
	.device_id = remote_device_id,
	.signer = remote_signer,
	.distress_public = remote_distress_public,
	.anchor = remote_anchor,
	.tls_key = remote_tls_key,
	.psk_keys = remote_psk_keys,
	.extend = remote_extend,
	.unseal_creds = remote_unseal,
	.counter_read = remote_counter_read,
	.counter_next = remote_counter_next,
	.counter_advance = remote_counter_advance,
};
