/*
 * A datagram slot: everything one indication needs from receipt to ack,
 * preallocated at start (srv_pipeline), so the hot path never allocates.
 * A slot is owned by exactly one stage at a time; it moves between stages
 * through srv_queue, which is what hands over ownership.
 *
 *   pool -> receiver -> verify lane -> writer -> ack lane -> pool
 */
#ifndef MAYDAY_SRV_SLOT_H
#define MAYDAY_SRV_SLOT_H

#include <stdint.h>
#include <sys/socket.h>

#include "mayday/indication.h"
#include "store_ingest.h"

enum srv_verdict {
	SRV_DROP_MALFORMED = 0, /* not a well-formed indication: dropped, no ack */
	SRV_DROP_LIMITED,       /* unverified and over the rate limit: dropped, no ack */
	SRV_DROP_BUSY,          /* could not look the key up (store error): dropped, no ack */
	SRV_STORE               /* to the writer, with rec.trust set */
};

struct srv_slot {
	/* receiver */
	uint8_t buf[MAYDAY_INDICATION_MAX + 1]; /* one byte more to see an oversized datagram */
	size_t len;
	int truncated;                          /* the kernel cut the datagram (MSG_TRUNC) */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int64_t received_at;                    /* seconds since the epoch */
	/* verify stage */
	enum srv_verdict verdict;
	struct mayday_cose_sign1 msg;           /* points into buf */
	struct mayday_indication ind;
	char peer_text[STORE_PEER_MAX + 1];
	struct store_ingest_rec rec;            /* ind/peer/raw point into this slot */
	/* writer */
	int committed;                          /* rec outputs are durable: may be acked */
	/* ack stage */
	uint8_t ack[MAYDAY_ACK_MAX];
	size_t ack_len;
};

#endif
