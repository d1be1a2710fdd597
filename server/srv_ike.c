/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inner source address -> IKE identity, by asking the SeGW's charon
 * (common/vici: "list-sas", matched per IKE SA). This file adds what the
 * daemon needs around the VICI command: a checked configuration, and the
 * rule that every failure leaves the caller with no identity at all.
 */
#include "srv_ike.h"

#include <string.h>

#include "vici.h"

enum mayday_err srv_ike_init(struct srv_ike *ike, const char *vici, const char *conn,
			     uint32_t timeout_ms)
{
	memset(ike, 0, sizeof(*ike));
	if (!vici || vici[0] != '/' || strlen(vici) > SRV_IKE_VICI_MAX)
		return MAYDAY_E_INVALID;
	if (timeout_ms < SRV_IKE_TIMEOUT_MIN || timeout_ms > SRV_IKE_TIMEOUT_MAX)
		return MAYDAY_E_INVALID;
	if (conn) {
		size_t n = strlen(conn);
		if (n > SRV_IKE_CONN_MAX)
			return MAYDAY_E_INVALID;
		for (size_t i = 0; i < n; i++)
			if (conn[i] <= ' ' || conn[i] > '~')
				return MAYDAY_E_INVALID;
		memcpy(ike->conn, conn, n + 1);
	}
	memcpy(ike->vici, vici, strlen(vici) + 1);
	ike->timeout_ms = timeout_ms;
	return MAYDAY_OK;
}

enum mayday_err srv_ike_identity(const struct srv_ike *ike, const struct sockaddr *inner_src,
				 char *identity, size_t cap)
{
	enum mayday_err rc;

	if (!identity || cap == 0)
		return MAYDAY_E_INVALID;
	identity[0] = '\0';
	if (!ike || ike->vici[0] == '\0' || !inner_src)
		return MAYDAY_E_INVALID;
	rc = vici_cmd_remote_id(ike->vici, ike->conn[0] ? ike->conn : NULL, ike->timeout_ms,
				inner_src, identity, cap);
	if (rc != MAYDAY_OK)
		identity[0] = '\0';
	return rc;
}
