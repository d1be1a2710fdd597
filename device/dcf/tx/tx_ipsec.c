/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "ipsec": the signed indication as the very datagram plain-udp sends, but
 * through an IKEv2/IPsec tunnel to the H(e)MS's inner address.
 *
 * The DCF speaks no IKE itself. The device's IKE daemon (strongSwan's
 * charon: with [ipsec] daemon = partition the DCF partition's own, which
 * the DCF started before its session, ipsec_daemon.h) holds the distress-only IKE credentials and the CHILD_SA
 * configuration ([ipsec] child); open asks it over VICI whether that
 * CHILD_SA is up (charon will not initiate a duplicate) and, if not, to
 * bring it up, waiting at most initiate_timeout_ms; only then it opens the
 * UDP socket to the inner endpoint, which the tunnel's routes carry. When
 * charon cannot bring the tunnel up (credentials refused, SeGW unreachable)
 * open fails and the session retries it at its next send, with backoff,
 * until its deadline: nothing is ever sent outside the tunnel by this code.
 * The SeGW gives distress identities a traffic selector that reaches only
 * the distress endpoint, so this CHILD_SA is good for nothing else.
 *
 * Sending, receiving and closing are plain-udp's (tx_plain_udp.h), with one
 * addition: the route into the tunnel lives and dies with its CHILD_SA, so
 * when a send fails (the SeGW deleted the SA, dead-peer detection removed
 * it) the CHILD_SA is brought up again and the send retried once. The
 * CHILD_SA is left up on close: the next method or attempt reuses it. The
 * partition's daemon ends it when the DCF stops that daemon; an external
 * one keeps it for the next run, and the SeGW's dead-peer detection
 * removes it after the device reboots.
 */
#include "tx_plain_udp.h"

#include <stdlib.h>

#include "dcf_config.h"
#include "log.h"
#include "mayday/indication.h"
#include "vici.h"

struct ipsec_state {
	const struct dcf_config *cfg;   /* borrowed: valid until close (dcf_tx_env) */
	void *udp;                      /* tx_plain_udp's channel to the inner endpoint */
};

static int ipsec_configured(const struct dcf_config *cfg)
{
	return (cfg->ipsec_vici[0] != '\0' || cfg->ipsec_daemon_partition) &&
	       cfg->ipsec_child[0] != '\0' && cfg->ipsec_endpoint.set;
}

/* Make sure the distress CHILD_SA is up; logs the outcome once. */
static enum mayday_err bring_up(const struct dcf_config *cfg)
{
	char why[128] = "";
	int up = 0;
	enum mayday_err rc;

	if (!cfg->ipsec_vici[0]) {
		/* daemon = partition, and ipsec_daemon_start failed (it said why). */
		log_info("ipsec: no IKE daemon running: CHILD_SA %s not established",
			 cfg->ipsec_child);
		return MAYDAY_E_IO;
	}
	/* charon refuses a duplicate of an installed CHILD_SA: reuse it. */
	rc = vici_cmd_child_up(cfg->ipsec_vici, cfg->ipsec_child, cfg->ipsec_initiate_timeout_ms,
			       &up);
	if (rc == MAYDAY_OK && !up)
		rc = vici_cmd_initiate(cfg->ipsec_vici, cfg->ipsec_child,
				       cfg->ipsec_initiate_timeout_ms, why, sizeof(why));
	if (rc != MAYDAY_OK) {
		log_info("ipsec: CHILD_SA %s not established via %s: %s%s%s", cfg->ipsec_child,
			 cfg->ipsec_vici, mayday_strerror(rc), why[0] ? ": " : "", why);
		return rc;
	}
	log_info("ipsec: CHILD_SA %s %s; H(e)MS at %s port %u inside the tunnel",
		 cfg->ipsec_child, up ? "already established" : "established",
		 cfg->ipsec_endpoint.host, (unsigned)cfg->ipsec_endpoint.port);
	return MAYDAY_OK;
}

static void ipsec_close(void *state)
{
	struct ipsec_state *st = state;

	if (!st)
		return;
	tx_plain_udp_close(st->udp);
	free(st);
}

static enum mayday_err ipsec_open(const struct dcf_tx_env *env, void **state)
{
	struct ipsec_state *st;
	enum mayday_err rc = bring_up(env->cfg);

	if (rc != MAYDAY_OK)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st)
		return MAYDAY_E_NOMEM;
	st->cfg = env->cfg;
	rc = tx_plain_udp_open_to(&env->cfg->ipsec_endpoint, &st->udp);
	if (rc != MAYDAY_OK) {
		free(st);
		return rc;
	}
	*state = st;
	return MAYDAY_OK;
}

static enum mayday_err ipsec_send(void *state, const uint8_t *msg, size_t len)
{
	struct ipsec_state *st = state;
	enum mayday_err rc = tx_plain_udp_send(st->udp, msg, len);

	if (rc == MAYDAY_OK)
		return rc;
	log_info("ipsec: send failed, the tunnel may be gone; bringing CHILD_SA %s up again",
		 st->cfg->ipsec_child);
	if (bring_up(st->cfg) != MAYDAY_OK)
		return rc;
	return tx_plain_udp_send(st->udp, msg, len);
}

static enum mayday_err ipsec_recv(void *state, uint8_t *buf, size_t cap, size_t *len,
				  uint32_t timeout_ms)
{
	struct ipsec_state *st = state;

	return tx_plain_udp_recv(st->udp, buf, cap, len, timeout_ms);
}

const struct dcf_tx_ops tx_ipsec_ops = {
	.name = "ipsec",
	.transport = MAYDAY_TRANSPORT_IPSEC,
	.configured = ipsec_configured,
	.open = ipsec_open,
	.send = ipsec_send,
	.recv = ipsec_recv,
	.close = ipsec_close,
};
