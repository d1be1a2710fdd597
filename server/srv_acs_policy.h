/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Remediation policy (issue 4, [acs] in maydayd.conf): which distress
 * indications are answered with action REMEDIATE.
 *
 * Only a signed indication (verified against the enrolled key, whatever the
 * channel) of a device whose product class has a golden bundle
 * (bundle_dir/<product_class>.bundle) may schedule remediation, and only
 * with policy auto or once an operator approved the incident; never after
 * max_attempts failed attempts. The decision is written in the same
 * transaction as the indication, so an ack saying REMEDIATE is durable.
 *
 * A product class whose pause_after_failures most recent finished attempts
 * all failed is paused (store_remed.h): the ACS starts nothing new on its
 * devices (they stay scheduled) until an operator resumes the class. Acks
 * may still say REMEDIATE; the device's session then just ends. A class
 * paused by a fleet anomaly rule (srv_fleet.h) is held back the same way.
 *
 * With [acs] vendor_key, a golden bundle is offered only once it passed
 * api_bundle_check (the vendor's signature, its class, a version above 0,
 * every component's digest): checked when maydayd loads its configuration
 * (srv_acs_policy_check_bundles, logging each verdict) and again whenever
 * the file changes (the verdict is kept per file version). A refused
 * bundle is as good as none: no remediation is scheduled with it.
 */
#ifndef MAYDAY_SRV_ACS_POLICY_H
#define MAYDAY_SRV_ACS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "store.h"

struct srv_config;

struct srv_acs_policy {
	const char *acs_url;       /* "" : remediation off */
	const char *bundle_dir;
	bool need_approval;        /* policy = approve */
	uint32_t max_attempts;
	uint32_t max_in_flight;
	uint32_t download_window_s; /* an attempt older than this holds no download slot */
	uint32_t pause_after_failures; /* 0: failures never pause a class */
	uint32_t wait_s;           /* what a "wait" ack asks of the device */
	bool http_auth;            /* CPEs may log in by HTTP Digest/Basic (srv_acs_login.h) */
	const char *vendor_key;    /* "" : bundles are offered unchecked */
};

/* From the configuration; the strings are borrowed from cfg. */
void srv_acs_policy_from_config(struct srv_acs_policy *pol, const struct srv_config *cfg);
static inline bool srv_acs_policy_on(const struct srv_acs_policy *pol)
{
	return pol != NULL && pol->acs_url != NULL && pol->acs_url[0] != '\0';
}

/* The golden bundle of a product class: its path into path[cap] and its
 * size. MAYDAY_E_NOTFOUND: none (or not a readable regular file);
 * MAYDAY_E_INVALID: a class that cannot name a file, or (with a vendor
 * key) a bundle that fails the check -- logged once per file version. */
MAYDAY_NODISCARD enum mayday_err srv_acs_policy_bundle(const struct srv_acs_policy *pol,
						       const char *product_class, char *path,
						       size_t cap, uint64_t *size);

/* Checks every <class>.bundle in bundle_dir against vendor_key and logs
 * each verdict (nothing without a vendor key, or with remediation off).
 * MAYDAY_E_KEY (why says so) if the vendor key cannot be read: the
 * configuration is wrong, and maydayd should not start with it. */
MAYDAY_NODISCARD enum mayday_err srv_acs_policy_check_bundles(const struct srv_acs_policy *pol,
							      char *why, size_t why_cap);

/* Inside the writer's open batch, after the device's signed indication was
 * put: *remediate says whether its ack carries REMEDIATE; *pending whether
 * remediation is held back for now, so the ack says WAIT pol->wait_s and
 * the device comes back to learn of the decision: an operator's approval
 * not yet given (policy approve), or a scheduled remediation the ACS would
 * not start now -- its class's pause already recorded, or max_in_flight
 * downloads under way. Both false: the ack says NONE. */
MAYDAY_NODISCARD enum mayday_err srv_acs_policy_apply(const struct srv_acs_policy *pol,
						      struct store *st, const char *device_id,
						      int64_t now, bool *remediate, bool *pending);

/* Whether the ACS holds off on devices of product_class: the class is
 * paused (checked, and recorded once it has pause_after_failures failed
 * attempts in a row), or its state cannot be read (fail closed; logged,
 * rate-limited). The call that records the pause logs it, once per pause.
 * With pause_after_failures 0 no run of failures pauses a class, but a
 * pause recorded by a fleet anomaly rule (srv_fleet.h) still holds. */
bool srv_acs_policy_paused(const struct srv_acs_policy *pol, struct store *st,
			   const char *product_class, int64_t now);

#endif
