/*
 * Verify stage. The COSE layer is decoded once (mayday_indication_open),
 * the key comes from the cache, and a failed verification gets one retry
 * with a freshly read key so a device re-enrolled with a new key is
 * accepted without a restart. Only after a message is known to be
 * unverified does it cost a rate-limit token; verified traffic is never
 * limited here.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mayday/keys.h"
#include "srv_ingest.h"
#include "log.h"

static struct log_limit lim_malformed, lim_oversized, lim_badsig, lim_limited, lim_store;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void srv_ingest_peer_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(a->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(a->sin_port));
	} else {
		snprintf(out, cap, "?");
	}
}

/* Device IDs are peer input: only printable ASCII reaches the log. */
static void safe_id(const char *id, char *out, size_t cap)
{
	size_t o = 0;
	for (; *id && o + 1 < cap; id++)
		out[o++] = (*id > ' ' && *id <= '~') ? *id : '?';
	out[o] = '\0';
}

enum srv_verdict srv_ingest_check(const struct srv_ingest *ing, struct store *st,
				  struct mayday_cose_verifier *ver, struct srv_slot *slot)
{
	struct mayday_diag diag = {0, NULL};
	EVP_PKEY *key = NULL;
	enum mayday_err err;
	enum srv_verdict v = SRV_DROP_MALFORMED;
	char id[MAYDAY_DEVICE_ID_MAX + 1];

	srv_ingest_peer_text(&slot->peer, slot->peer_text, sizeof(slot->peer_text));
	if (slot->truncated || slot->len > ing->max_datagram || slot->len > MAYDAY_INDICATION_MAX) {
		srv_stats_add(&ing->stats->oversized, 1);
		log_limited(&lim_oversized, "dropped oversized datagram from %s (limit %u bytes)",
			    slot->peer_text, ing->max_datagram);
		goto out;
	}
	err = mayday_indication_open(slot->buf, slot->len, &slot->msg, &slot->ind, &diag);
	if (err != MAYDAY_OK) {
		srv_stats_add(&ing->stats->malformed, 1);
		log_limited(&lim_malformed, "dropped malformed indication from %s: %s at byte %zu%s%s",
			    slot->peer_text, mayday_strerror(err), diag.offset,
			    diag.what ? ": " : "", diag.what ? diag.what : "");
		goto out;
	}

	struct store_ingest_rec *rec = &slot->rec;
	memset(rec, 0, sizeof(*rec));
	rec->ind = &slot->ind;
	rec->transport = MAYDAY_TRANSPORT_PLAIN_UDP;
	rec->received_at = slot->received_at;
	rec->peer = slot->peer_text;
	rec->raw = slot->buf;
	rec->raw_len = slot->len;
	mayday_sha256(slot->msg.payload, slot->msg.payload_len, rec->digest);

	uint64_t now_ms = mono_ns() / 1000000u;
	err = srv_keycache_get(ing->keys, st, slot->ind.device_id, 0, now_ms, &key);
	if (err == MAYDAY_OK) {
		if (mayday_cose_verifier_verify(ver, &slot->msg, key) == MAYDAY_OK) {
			rec->trust = STORE_TRUST_SIGNED;
		} else {
			EVP_PKEY *fresh = NULL;
			if (srv_keycache_get(ing->keys, st, slot->ind.device_id, 1, now_ms, &fresh) ==
				    MAYDAY_OK &&
			    fresh != key && EVP_PKEY_eq(fresh, key) != 1 &&
			    mayday_cose_verifier_verify(ver, &slot->msg, fresh) == MAYDAY_OK)
				rec->trust = STORE_TRUST_SIGNED;
			EVP_PKEY_free(fresh);
		}
		if (rec->trust == STORE_TRUST_SIGNED) {
			srv_stats_add(&ing->stats->verified, 1);
		} else {
			rec->trust = STORE_TRUST_UNVERIFIED;
			srv_stats_add(&ing->stats->bad_signature, 1);
			safe_id(slot->ind.device_id, id, sizeof(id));
			log_limited(&lim_badsig, "signature of indication for enrolled device %s from %s "
				    "does not verify: recording it as unverified", id, slot->peer_text);
		}
	} else if (err == MAYDAY_E_NOTFOUND || err == MAYDAY_E_KEY) {
		rec->trust = STORE_TRUST_UNVERIFIED;
		srv_stats_add(&ing->stats->unknown_device, 1);
	} else {
		srv_stats_add(&ing->stats->store_errors, 1);
		log_limited(&lim_store, "key lookup failed: %s; dropping (the device retries)",
			    mayday_strerror(err));
		v = SRV_DROP_BUSY;
		goto out;
	}

	if (rec->trust == STORE_TRUST_UNVERIFIED &&
	    !srv_ratelimit_allow(ing->limit, &slot->peer, mono_ns())) {
		srv_stats_add(&ing->stats->limited, 1);
		log_limited(&lim_limited, "unverified indications from %s over the rate limit: "
			    "dropped", slot->peer_text);
		v = SRV_DROP_LIMITED;
		goto out;
	}
	v = SRV_STORE;
out:
	EVP_PKEY_free(key);
	slot->verdict = v;
	return v;
}
