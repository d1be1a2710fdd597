/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "psk": the signed indication sealed in a COSE_Encrypt0 under keys derived
 * from the device's pre-shared key (docs/protocol.md §12), one UDP datagram
 * each way; the datagram calls are plain-udp's (tx_plain_udp.h).
 *
 * The keys come from the RoT at open (the PSK itself never leaves it) and
 * are wiped at close. The partial IV of a request is the indication's own
 * counter claim, which the session took from the RoT and persisted before
 * it signed the indication, so each counter names one plaintext. GCM under
 * a given counter must never seal a second plaintext: the channel seals a
 * counter once and a retransmission (the same signed bytes again) resends
 * the very datagram it sealed; a different message under a counter already
 * sealed, or under an older one, is refused. Across channels the RoT
 * counter alone guarantees it, and re-sealing the same plaintext gives the
 * same bytes anyway (GCM is deterministic).
 *
 * What arrives is opened for the counter last sent; anything that does not
 * open (noise, an answer to an earlier counter, a forgery, another PSK) is
 * counted, logged rate-limited, and dropped while the wait goes on. What
 * opens is handed up as it is: the signed acknowledgement, which the
 * session verifies against the H(e)MS anchor like that of every method.
 */
#include "tx_plain_udp.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "dcf_config.h"
#include "hal/clock.h"
#include "hal/rot.h"
#include "log.h"
#include "mayday/indication.h"
#include "mayday/keys.h"
#include "mayday/psk.h"

struct psk_state {
	void *udp;                          /* tx_plain_udp's channel */
	struct mayday_psk_keys keys;        /* wiped on close */
	uint64_t counter;                   /* highest counter given to send; 0: none yet */
	uint8_t digest[MAYDAY_DIGEST_LEN];  /* SHA-256 of the plaintext that came with it */
	uint8_t sealed[MAYDAY_PSK_DATAGRAM_MAX];
	size_t sealed_len;                  /* 0 unless `sealed` is that plaintext's datagram */
	uint8_t dgram[MAYDAY_PSK_DATAGRAM_MAX]; /* what recv reads off the socket */
	uint64_t unopened;                  /* datagrams that did not open */
	struct log_limit unopened_log;
	struct mayday_indication ind;       /* scratch: the counter claim of what is sent */
};

static int psk_configured(const struct dcf_config *cfg)
{
	return cfg->psk_endpoint.set;
}

static void psk_close(void *state)
{
	struct psk_state *st = state;

	if (!st)
		return;
	tx_plain_udp_close(st->udp);
	/* The keys, and all else that passed through: the indication's claims,
	 * the last acknowledgement opened. */
	mayday_psk_keys_wipe(&st->keys);
	OPENSSL_cleanse(st, sizeof(*st));
	free(st);
}

static enum mayday_err psk_open(const struct dcf_tx_env *env, void **state)
{
	struct psk_state *st = calloc(1, sizeof(*st));
	enum mayday_err rc;

	if (!st)
		return MAYDAY_E_NOMEM;
	rc = hal_rot_psk_keys(env->rot, &st->keys);
	if (rc == MAYDAY_E_NOTFOUND)
		log_info("psk: the RoT holds no PSK: this device was provisioned without the "
			 "PSK method");
	if (rc == MAYDAY_OK)
		rc = tx_plain_udp_open_to(&env->cfg->psk_endpoint, &st->udp);
	if (rc != MAYDAY_OK) {
		psk_close(st);
		return rc;
	}
	*state = st;
	return MAYDAY_OK;
}

/* Make st->sealed the datagram of `msg`, sealing it unless that is done;
 * refuse a second plaintext under a counter, or an older counter. */
static enum mayday_err seal(struct psk_state *st, const uint8_t *msg, size_t len)
{
	struct mayday_cose_sign1 sign1;
	struct mayday_diag diag = { 0 };
	uint8_t digest[MAYDAY_DIGEST_LEN];
	uint64_t counter;
	enum mayday_err rc;

	rc = mayday_indication_open(msg, len, &sign1, &st->ind, &diag);
	if (rc != MAYDAY_OK) {
		log_info("psk: not sealing: the message is not a signed indication (%s)",
			 mayday_strerror(rc));
		return MAYDAY_E_INVALID;
	}
	counter = st->ind.counter;
	mayday_sha256(msg, len, digest);
	if (counter < st->counter) {
		log_info("psk: refusing to seal counter %" PRIu64 " after %" PRIu64
			 ": counters only go up", counter, st->counter);
		return MAYDAY_E_INVALID;
	}
	if (counter == st->counter) {
		if (memcmp(digest, st->digest, sizeof(digest)) != 0) {
			log_info("psk: refusing to seal a second message under counter %" PRIu64
				 " (that would reuse its nonce)", counter);
			return MAYDAY_E_INVALID;
		}
		if (st->sealed_len > 0)
			return MAYDAY_OK; /* a retransmission: the datagram is ready */
	} else {
		/* Claimed before sealing, so even a failed seal binds the counter
		 * to this plaintext. */
		st->counter = counter;
		memcpy(st->digest, digest, sizeof(digest));
		st->sealed_len = 0;
	}
	rc = mayday_psk_seal_request(&st->keys, counter, msg, len, st->sealed,
				     sizeof(st->sealed), &st->sealed_len);
	if (rc != MAYDAY_OK) {
		st->sealed_len = 0;
		log_info("psk: cannot seal counter %" PRIu64 ": %s", counter, mayday_strerror(rc));
	}
	return rc;
}

static enum mayday_err psk_send(void *state, const uint8_t *msg, size_t len)
{
	struct psk_state *st = state;
	enum mayday_err rc = seal(st, msg, len);

	return rc != MAYDAY_OK ? rc : tx_plain_udp_send(st->udp, st->sealed, st->sealed_len);
}

/* `why` is used when the decoder's diagnosis (more precise) is absent. */
static void unopened(struct psk_state *st, const char *why, const struct mayday_diag *diag)
{
	st->unopened++;
	if (diag && diag->what)
		log_limited(&st->unopened_log, "psk: dropped a datagram that does not open for "
			    "counter %" PRIu64 ": %s at byte %zu (%" PRIu64 " so far)",
			    st->counter, diag->what, diag->offset, st->unopened);
	else
		log_limited(&st->unopened_log, "psk: dropped a datagram that does not open for "
			    "counter %" PRIu64 ": %s (%" PRIu64 " so far)", st->counter, why,
			    st->unopened);
}

static enum mayday_err psk_recv(void *state, uint8_t *buf, size_t cap, size_t *len,
				uint32_t timeout_ms)
{
	struct psk_state *st = state;
	uint64_t end = hal_clock_mono_ms() + timeout_ms;

	for (;;) {
		uint64_t now = hal_clock_mono_ms();
		size_t n = 0;
		struct mayday_diag diag = { 0 };

		if (now >= end)
			return MAYDAY_E_TIMEOUT;
		enum mayday_err rc = tx_plain_udp_recv(st->udp, st->dgram, sizeof(st->dgram), &n,
						       (uint32_t)(end - now));
		if (rc == MAYDAY_E_TOOBIG) {
			unopened(st, "larger than any sealed answer", NULL);
			continue;
		}
		if (rc != MAYDAY_OK)
			return rc;
		if (st->counter == 0) {
			unopened(st, "nothing sent yet", NULL);
			continue;
		}
		rc = mayday_psk_open_response(&st->keys, st->counter, st->dgram, n, buf, cap, len,
					      &diag);
		if (rc == MAYDAY_OK)
			return MAYDAY_OK;
		unopened(st, mayday_strerror(rc), &diag);
	}
}

const struct dcf_tx_ops tx_psk_ops = {
	.name = "psk",
	.transport = MAYDAY_TRANSPORT_PSK,
	.configured = psk_configured,
	.open = psk_open,
	.send = psk_send,
	.recv = psk_recv,
	.close = psk_close,
};
