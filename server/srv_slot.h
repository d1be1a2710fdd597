/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A slot: everything one indication needs from receipt to answer,
 * preallocated at start (srv_pipeline), so the hot path never allocates.
 * A slot is owned by exactly one stage at a time; it moves between stages
 * through srv_queue, which is what hands over ownership.
 *
 *   pool -> listener -> verify lane -> writer -> ack lane -> listener -> pool
 *
 * Whatever method brought it (srv_listener.h), a slot carries the same
 * facts: the bytes, the peer, the listener (its method, and how the answer
 * goes back), and what the channel proved about the sender.
 */
#ifndef MAYDAY_SRV_SLOT_H
#define MAYDAY_SRV_SLOT_H

#include <stdint.h>
#include <sys/socket.h>

#include "mayday/indication.h"
#include "mayday/psk.h"
#include "srv_stats.h"
#include "store_ingest.h"

/* Received bytes: a sealed PSK request is the largest input; one byte more
 * shows that a datagram was over any limit. */
#define SRV_SLOT_BUF (MAYDAY_PSK_DATAGRAM_MAX + 1)
/* The answer: a signed ack, or a signed ack sealed for the PSK method. */
#define SRV_ANSWER_MAX (MAYDAY_ACK_MAX + 64)

enum srv_verdict {
	SRV_DROP_MALFORMED = 0, /* not a well-formed indication (or request): dropped */
	SRV_DROP_OVERSIZED,     /* over its size limit: dropped */
	SRV_DROP_LIMITED,       /* unverified and over the rate limit: dropped */
	SRV_DROP_BUSY,          /* a lookup failed (store, SeGW): dropped, the device retries */
	SRV_DROP_IDENTITY,      /* the channel authenticated someone else than the indication
				 * names (certificate CN, IKE identity, PSK kid's device) */
	SRV_DROP_KEY,           /* PSK: unknown kid, or the seal does not open */
	SRV_DROP_REPLAY,        /* PSK: refused by the replay window, not a retransmission */
	SRV_STORE               /* to the writer, with rec ready */
};

struct srv_listener;

struct srv_slot {
	/* listener: what arrived, from whom, over what */
	uint8_t buf[SRV_SLOT_BUF];              /* PSK: the plaintext once opened */
	size_t len;
	int truncated;                          /* the kernel cut the datagram (MSG_TRUNC) */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int64_t received_at;                    /* seconds since the epoch */
	uint64_t received_ns;                   /* srv_stats_now_ns at reset: for the
						 * ingest-to-ack latency */
	struct srv_listener *via;               /* where the answer goes */
	uint32_t method;                        /* enum mayday_transport: via's method */
	void *req;                              /* HTTP: the request awaiting its answer */
	enum store_channel_auth channel;        /* mtls at receipt; ike, psk in verify */
	char channel_id[MAYDAY_DEVICE_ID_MAX + 1]; /* the device the channel vouches for */
	char peer_identity[STORE_IDENTITY_MAX + 1];
	/* verify stage */
	enum srv_verdict verdict;
	struct mayday_cose_sign1 msg;           /* points into buf */
	struct mayday_indication ind;
	char peer_text[STORE_PEER_MAX + 1];
	struct store_ingest_rec rec;            /* ind/peer/raw point into this slot */
	struct mayday_psk_keys psk;             /* PSK: keys for the answer; wiped when done */
	struct mayday_psk_header psk_hdr;       /* PSK: kid and counter of the request */
	/* writer */
	int committed;                          /* rec outputs are durable: may be acked */
	const char *acs_url;                    /* non-NULL: the ack says REMEDIATE (durable
						 * with the row); borrowed from the config */
	uint32_t wait_s;                        /* non-zero: the ack says WAIT (remediation held back) */
	int ack_batched;                        /* writer: ack holds this slot's batch
						 * acknowledgement (srv_ack_batch), not
						 * yet sealed */
	/* ack stage */
	uint8_t ack[SRV_ANSWER_MAX];
	size_t ack_len;
};

/* Clears what a listener fills, before it fills a slot taken from the pool
 * (right before the read, or once a request is complete): the moment of
 * receipt for the latency histogram. */
static inline void srv_slot_reset(struct srv_slot *s, struct srv_listener *via, uint32_t method)
{
	s->received_ns = srv_stats_now_ns();
	s->method = method;
	s->len = 0;
	s->truncated = 0;
	s->peer_len = 0;
	s->via = via;
	s->req = NULL;
	s->channel = STORE_CHANNEL_NONE;
	s->channel_id[0] = '\0';
	s->peer_identity[0] = '\0';
	s->verdict = SRV_DROP_MALFORMED;
	s->committed = 0;
	s->acs_url = NULL;
	s->wait_s = 0;
	s->ack_batched = 0;
	s->ack_len = 0;
}

#endif
