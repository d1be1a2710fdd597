/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verify stage. Checks run cheapest first so hostile input costs little:
 * size, then (PSK) the seal, then the COSE decode, then the channel's
 * identity against the device ID, then the key lookup (an unknown device
 * costs no verification), then -- for channels that authenticate nobody
 * -- the bad-signature guard (srv_sigguard.h: a device whose recent
 * verifications failed is verified from failing sources no more), and
 * only then a signature verification.
 * The key comes from the cache, and a failed verification gets one retry
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
#include "srv_psk.h"
#include "log.h"

static struct log_limit lim_malformed, lim_oversized, lim_badsig, lim_limited, lim_store,
	lim_identity, lim_ike, lim_guard;

uint64_t srv_ingest_now_ns(void)
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

void srv_ingest_safe(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; *in && o + 1 < cap; in++)
		out[o++] = (*in >= ' ' && *in <= '~') ? *in : '?';
	out[o] = '\0';
}

static const char *method_name(const struct srv_slot *slot)
{
	return mayday_transport_name(slot->method);
}

/* The channel vouches for one device; the indication must name that one. */
static enum srv_verdict check_channel(const struct srv_ingest *ing, struct srv_slot *slot)
{
	char id[MAYDAY_DEVICE_ID_MAX + 1], who[STORE_IDENTITY_MAX + 1];
	enum mayday_err err;
	int same;

	switch (slot->channel) {
	case STORE_CHANNEL_NONE:
		return SRV_STORE;
	case STORE_CHANNEL_MTLS:
	case STORE_CHANNEL_PSK:
		same = strcmp(slot->channel_id, slot->ind.device_id) == 0;
		break;
	case STORE_CHANNEL_IKE:
		if (ing->ike == NULL)
			return SRV_DROP_BUSY;   /* cannot happen: ipsec listeners come with a map */
		err = srv_ikemap_identity(ing->ike, &slot->peer, srv_ingest_now_ns() / 1000000u,
					  slot->peer_identity, sizeof(slot->peer_identity));
		if (err != MAYDAY_OK) {
			srv_stats_add(&ing->stats->ike_lookup_failed, 1);
			log_limited(&lim_ike, "no IKE identity for inner address %s: %s; dropped",
				    slot->peer_text, mayday_strerror(err));
			return err == MAYDAY_E_IO || err == MAYDAY_E_TIMEOUT ? SRV_DROP_BUSY
									   : SRV_DROP_IDENTITY;
		}
		same = srv_ikemap_names(slot->peer_identity, slot->ind.device_id);
		/* Matched on the exact bytes; what is stored and logged is printable. */
		srv_ingest_safe(slot->peer_identity, slot->peer_identity,
				sizeof(slot->peer_identity));
		break;
	default:
		return SRV_DROP_IDENTITY;
	}
	if (same)
		return SRV_STORE;
	srv_stats_add(&ing->stats->identity_mismatch, 1);
	srv_ingest_safe(slot->ind.device_id, id, sizeof(id));
	srv_ingest_safe(slot->peer_identity, who, sizeof(who));
	log_limited(&lim_identity, "%s indication from %s names device %s, but the channel "
		    "authenticated %s '%s': dropped", method_name(slot), slot->peer_text, id,
		    store_channel_name(slot->channel), who);
	return SRV_DROP_IDENTITY;
}

/* Sets rec->trust from the enrolled key; SRV_DROP_BUSY if the store failed. */
static enum srv_verdict verify(const struct srv_ingest *ing, struct store *st,
			       struct mayday_cose_verifier *ver, struct srv_slot *slot)
{
	struct store_ingest_rec *rec = &slot->rec;
	EVP_PKEY *key = NULL;
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	uint64_t now_ms = srv_ingest_now_ns() / 1000000u;
	enum mayday_err err = srv_keycache_get(ing->keys, st, slot->ind.device_id, 0, now_ms, &key);
	/* Only a channel that authenticates nobody can carry a forgery from
	 * anyone: the guard is for those. */
	int guarded = ing->guard != NULL && slot->channel == STORE_CHANNEL_NONE;
	if (err == MAYDAY_OK && guarded &&
	    !srv_sigguard_allow(ing->guard, slot->ind.device_id, &slot->peer, now_ms * 1000000u)) {
		srv_stats_add(&ing->stats->limited, 1);
		srv_ingest_safe(slot->ind.device_id, id, sizeof(id));
		log_limited(&lim_guard, "%s indication for enrolled device %s from %s: the device's "
			    "and the source's recent signatures failed; dropped unverified",
			    method_name(slot), id, slot->peer_text);
		EVP_PKEY_free(key);
		return SRV_DROP_LIMITED;
	}
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
		if (guarded)
			srv_sigguard_result(ing->guard, slot->ind.device_id, &slot->peer,
					    rec->trust == STORE_TRUST_SIGNED, now_ms * 1000000u);
		if (rec->trust == STORE_TRUST_SIGNED) {
			srv_stats_add(&ing->stats->verified, 1);
		} else {
			rec->trust = STORE_TRUST_UNVERIFIED;
			srv_stats_add(&ing->stats->bad_signature, 1);
			srv_ingest_safe(slot->ind.device_id, id, sizeof(id));
			log_limited(&lim_badsig, "signature of %s indication for enrolled device %s "
				    "from %s does not verify: recording it as unverified",
				    method_name(slot), id, slot->peer_text);
		}
	} else if (err == MAYDAY_E_NOTFOUND || err == MAYDAY_E_KEY) {
		rec->trust = STORE_TRUST_UNVERIFIED;
		srv_stats_add(&ing->stats->unknown_device, 1);
	} else {
		srv_stats_add(&ing->stats->store_errors, 1);
		log_limited(&lim_store, "key lookup failed: %s; dropping (the device retries)",
			    mayday_strerror(err));
		EVP_PKEY_free(key);
		return SRV_DROP_BUSY;
	}
	EVP_PKEY_free(key);
	return SRV_STORE;
}

enum srv_verdict srv_ingest_check(const struct srv_ingest *ing, struct store *st,
				  struct mayday_cose_verifier *ver, struct srv_slot *slot)
{
	struct mayday_diag diag = {0, NULL};
	enum mayday_err err;
	enum srv_verdict v = SRV_DROP_MALFORMED;

	srv_ingest_peer_text(&slot->peer, slot->peer_text, sizeof(slot->peer_text));
	if (slot->method == MAYDAY_TRANSPORT_PSK) {
		/* Opens the seal: slot->buf then holds the signed indication. */
		v = srv_psk_open(ing->stats, st, &ing->keys->psk, srv_ingest_now_ns() / 1000000u,
				 slot);
		if (v != SRV_STORE)
			goto out;
		v = SRV_DROP_MALFORMED;
	}
	if (slot->truncated || slot->len > ing->max_datagram || slot->len > MAYDAY_INDICATION_MAX) {
		srv_stats_add(&ing->stats->oversized, 1);
		log_limited(&lim_oversized, "dropped oversized %s indication from %s (limit %u bytes)",
			    method_name(slot), slot->peer_text, ing->max_datagram);
		v = SRV_DROP_OVERSIZED;
		goto out;
	}
	err = mayday_indication_open(slot->buf, slot->len, &slot->msg, &slot->ind, &diag);
	if (err == MAYDAY_OK && slot->method == MAYDAY_TRANSPORT_PSK &&
	    slot->ind.counter != slot->psk_hdr.counter) {
		err = MAYDAY_E_MALFORMED;
		diag = (struct mayday_diag){0, "counter claim differs from the partial IV"};
	}
	if (err != MAYDAY_OK) {
		srv_stats_add(&ing->stats->malformed, 1);
		log_limited(&lim_malformed,
			    "dropped malformed %s indication from %s: %s at byte %zu%s%s",
			    method_name(slot), slot->peer_text, mayday_strerror(err), diag.offset,
			    diag.what ? ": " : "", diag.what ? diag.what : "");
		goto out;
	}
	srv_stats_add(&ing->stats->msg_version[mayday_claims_version(slot->ind.claims) % 3], 1);
	if (slot->method == MAYDAY_TRANSPORT_IPSEC)
		slot->channel = STORE_CHANNEL_IKE;
	if ((v = check_channel(ing, slot)) != SRV_STORE)
		goto out;

	struct store_ingest_rec *rec = &slot->rec;
	memset(rec, 0, sizeof(*rec));
	rec->ind = &slot->ind;
	rec->transport = slot->method;
	rec->channel_auth = slot->channel;
	rec->peer_identity = slot->peer_identity;
	if (slot->channel == STORE_CHANNEL_PSK) {
		rec->psk_kid = slot->psk_hdr.kid;
		rec->psk_kid_len = slot->psk_hdr.kid_len;
	}
	rec->received_at = slot->received_at;
	rec->peer = slot->peer_text;
	rec->raw = slot->buf;
	rec->raw_len = slot->len;
	mayday_sha256(slot->msg.payload, slot->msg.payload_len, rec->digest);

	if ((v = verify(ing, st, ver, slot)) != SRV_STORE)
		goto out;
	if (rec->trust == STORE_TRUST_UNVERIFIED &&
	    !srv_ratelimit_allow(ing->limit, &slot->peer, srv_ingest_now_ns())) {
		srv_stats_add(&ing->stats->limited, 1);
		log_limited(&lim_limited, "unverified indications from %s over the rate limit: "
			    "dropped", slot->peer_text);
		v = SRV_DROP_LIMITED;
		goto out;
	}
	v = SRV_STORE;
out:
	if (v != SRV_STORE)
		srv_psk_forget(slot);   /* a drop is never answered: no key stays behind */
	slot->verdict = v;
	return v;
}
