/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RoT agent's answers (agent_serve.h). Every call goes through the
 * RoT HAL's front end (rot.c), which checks the role once more: the agent's
 * handle was opened in its role and cannot do more than that role may,
 * whatever a request says. Secrets pass through `scratch` and the message
 * buffer only, both wiped after each answer.
 */
#include "agent_serve.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/x509.h>

#include "log.h"
#include "mayday/psk.h"

static enum mayday_err spki(EVP_PKEY *key, uint8_t *out, size_t *len)
{
	int n = i2d_PUBKEY(key, NULL);
	unsigned char *p = out;

	if (n <= 0 || (size_t)n > ROT_WIRE_SPKI_MAX || i2d_PUBKEY(key, &p) != n)
		return MAYDAY_E_KEY;
	*len = (size_t)n;
	return MAYDAY_OK;
}

static enum mayday_err answer(struct hal_rot *rot, const struct rot_wire_msg *req,
			      uint8_t *scratch, struct rot_wire_msg *resp)
{
	struct mayday_signer signer;
	struct mayday_psk_keys keys;
	EVP_PKEY *key = NULL;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	size_t len = 0;
	uint8_t *p;
	enum mayday_err err;

	switch (req->op) {
	case ROT_WIRE_DEVICE_ID:
		err = hal_rot_device_id(rot, id);
		if (err == MAYDAY_OK) {
			len = strlen(id);
			memcpy(scratch, id, len);
		}
		break;
	case ROT_WIRE_SIGN:
		err = hal_rot_signer(rot, &signer);
		if (err == MAYDAY_OK)
			err = signer.sign(signer.ctx, req->data, req->len, scratch);
		len = MAYDAY_ES256_SIG_LEN;
		break;
	case ROT_WIRE_DISTRESS_PUBLIC:
	case ROT_WIRE_ANCHOR:
		err = req->op == ROT_WIRE_ANCHOR ?
			      hal_rot_anchor(rot, (enum hal_rot_anchor)req->which, &key) :
			      hal_rot_distress_public(rot, &key);
		if (err == MAYDAY_OK)
			err = spki(key, scratch, &len);
		EVP_PKEY_free(key);
		break;
	case ROT_WIRE_PSK_KEYS:
		err = hal_rot_psk_keys(rot, &keys);
		if (err == MAYDAY_OK && (keys.kid_len < MAYDAY_PSK_KID_MIN ||
					 keys.kid_len > MAYDAY_PSK_KID_MAX))
			err = MAYDAY_E_KEY;
		if (err == MAYDAY_OK) {
			p = scratch;
			memcpy(p, keys.request_key, MAYDAY_PSK_KEY_LEN);
			p += MAYDAY_PSK_KEY_LEN;
			memcpy(p, keys.request_iv, MAYDAY_PSK_IV_LEN);
			p += MAYDAY_PSK_IV_LEN;
			memcpy(p, keys.response_key, MAYDAY_PSK_KEY_LEN);
			p += MAYDAY_PSK_KEY_LEN;
			memcpy(p, keys.kid, keys.kid_len);
			len = (size_t)(p - scratch) + keys.kid_len;
		}
		mayday_psk_keys_wipe(&keys);
		break;
	case ROT_WIRE_EXTEND:
		err = hal_rot_extend(rot, req->data);
		break;
	case ROT_WIRE_UNSEAL:
		err = hal_rot_unseal_creds(rot, scratch, ROT_WIRE_PAYLOAD_MAX, &len);
		if (err == MAYDAY_OK && len == 0)
			err = MAYDAY_E_MALFORMED;
		break;
	case ROT_WIRE_COUNTER_READ:
		err = hal_rot_counter_read(rot, (enum hal_rot_counter)req->which, &resp->value);
		break;
	case ROT_WIRE_COUNTER_NEXT:
		err = hal_rot_counter_next(rot, (enum hal_rot_counter)req->which, &resp->value);
		break;
	case ROT_WIRE_COUNTER_ADVANCE:
		err = hal_rot_counter_advance(rot, (enum hal_rot_counter)req->which, req->value);
		break;
	case ROT_WIRE_TLS_KEY:
		err = hal_rot_tls_key(rot, &key);
		EVP_PKEY_free(key);
		break;
	case ROT_WIRE_HELLO:
	case ROT_WIRE_OP__END:
	default:
		err = MAYDAY_E_INVALID; /* rot_wire_decode admits no such request */
		break;
	}
	resp->data = scratch;
	resp->len = err == MAYDAY_OK ? len : 0;
	return err;
}

void agent_serve_answer(struct hal_rot *rot, const struct rot_wire_msg *req, uint8_t *scratch,
			struct rot_wire_msg *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->kind = ROT_WIRE_RESPONSE;
	resp->op = req->op;
	resp->role = hal_rot_role_of(rot);
	if (req->role != resp->role)
		resp->status = MAYDAY_E_DENIED;
	else
		resp->status = answer(rot, req, scratch, resp);
	if (resp->status != MAYDAY_OK) {
		resp->data = NULL;
		resp->len = 0;
	}
}

/* 1 when a byte is waiting, 0 when the client closed the connection. */
static int wait_request(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t b;

	for (;;) {
		int r = poll(&pfd, 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return 0;
		ssize_t n = recv(fd, &b, 1, MSG_PEEK);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0;
	}
}

int agent_serve_loop(struct hal_rot *rot, int fd)
{
	static uint8_t in[ROT_WIRE_MSG_MAX], out[ROT_WIRE_MSG_MAX], scratch[ROT_WIRE_PAYLOAD_MAX];
	struct rot_wire_msg req, resp;
	size_t len = 0;
	enum mayday_err err;
	int code = 0;

	while (wait_request(fd)) {
		err = rot_wire_recv(fd, ROT_WIRE_REQUEST, in, rot_wire_now_ms() + AGENT_SERVE_MSG_MS,
				    &req);
		if (err != MAYDAY_OK) {
			log_info("request refused: %s; stopping", mayday_strerror(err));
			code = 1;
			break;
		}
		agent_serve_answer(rot, &req, scratch, &resp);
		err = rot_wire_encode(&resp, out, sizeof(out), &len);
		if (err != MAYDAY_OK) {
			/* the backend's answer does not fit the protocol (a key too
			 * large, say): the client gets the error, not the bytes */
			log_info("%s: answer not sendable: %s", rot_wire_op_name(req.op),
				 mayday_strerror(err));
			resp.status = MAYDAY_E_MALFORMED;
			resp.len = 0;
			err = rot_wire_encode(&resp, out, sizeof(out), &len);
		}
		if (err == MAYDAY_OK)
			err = rot_wire_send(fd, out, len, rot_wire_now_ms() + AGENT_SERVE_MSG_MS);
		OPENSSL_cleanse(scratch, sizeof(scratch));
		OPENSSL_cleanse(out, len);
		OPENSSL_cleanse(in, sizeof(in));
		if (err != MAYDAY_OK) {
			log_info("%s: cannot answer: %s; stopping", rot_wire_op_name(req.op),
				 mayday_strerror(err));
			code = 1;
			break;
		}
	}
	return code;
}
