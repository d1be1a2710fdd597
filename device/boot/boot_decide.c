/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The secure start-up procedure (contract in boot_decide.h). Each step is a
 * function that either fills the decision and returns false (the procedure
 * ends there) or returns true to go on; every failure ends in a defined
 * decision, so the caller never has to interpret an error.
 *
 * Errors that mean "no verdict" (power lost, out of memory) become a halt:
 * after a power cut nothing runs anyway, and a TrE short of memory must not
 * guess. Boot state writes happen before the trial they account for, so a
 * power cut at any write leaves the old record or the new one, both valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "boot_attach.h"
#include "boot_creds.h"
#include "boot_decide.h"
#include "log.h"
#include "boot_measure.h"
#include "boot_state.h"
#include "boot_verify.h"
#include "exit_codes.h"
#include "rot.h"

struct run {
	struct hal_flash *flash;
	struct hal_rot *rot;
	EVP_PKEY *vendor;
	uint64_t min_rollback;
	struct boot_measure *meas;
	bool commit;
	struct boot_verify_report rep;
};

static void halt(struct boot_decision *d, int code, const char *reason)
{
	d->action = BOOT_HALT;
	d->halt_code = code;
	d->halt_reason = reason;
	log_info("halt: code %d (%s); nothing is started, nothing is claimed to the network",
		 code, reason);
}

/* Halt for `rc`, unless it was the power that failed. */
static void halt_for(struct boot_decision *d, enum mayday_err rc, int code, const char *reason)
{
	if (rc == MAYDAY_E_POWER)
		halt(d, MAYDAY_EXIT_HALT_INTERNAL, "power-lost");
	else
		halt(d, code, reason);
}

static uint32_t inc_sat(uint32_t v)
{
	return v == UINT32_MAX ? v : v + 1;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

static void to_dcf(struct boot_decision *d, uint32_t reason, uint8_t slot, uint32_t attempts,
		   const char *version, uint64_t rollback,
		   const struct mayday_component_evidence *failed, uint32_t n_failed)
{
	struct mayday_evidence *ev = &d->evidence;

	memset(ev, 0, sizeof *ev);
	d->action = BOOT_START_DCF;
	ev->reason = reason;
	ev->slot = slot;
	ev->boot_attempts = attempts;
	copy_str(ev->image_version, sizeof ev->image_version, version);
	ev->manifest_rollback = rollback;
	if (n_failed > MAYDAY_MAX_COMPONENTS)
		n_failed = MAYDAY_MAX_COMPONENTS;
	if (n_failed > 0)
		memcpy(ev->failed, failed, n_failed * sizeof failed[0]);
	ev->n_failed = n_failed;
	log_info("slot %s: secure start-up failed (%s, %u designated component(s) failed); starting the DCF",
		 boot_state_slot_name(slot), mayday_reason_name(reason), n_failed);
}

/* Evidence from a verification report ("" and 0 when no manifest was read). */
static void to_dcf_rep(struct boot_decision *d, uint32_t reason, uint8_t slot, uint32_t attempts,
		       const struct boot_verify_report *rep)
{
	if (!rep) {
		to_dcf(d, reason, slot, attempts, "", 0, NULL, 0);
		return;
	}
	to_dcf(d, reason, slot, attempts, rep->have_manifest ? rep->manifest.image_version : "",
	       rep->have_manifest ? rep->manifest.rollback : 0, rep->failed, rep->n_failed);
}

static void to_normal(struct boot_decision *d, uint8_t slot, uint32_t attempts,
		      const struct boot_verify_report *rep)
{
	const struct mayday_trv *entry = mayday_manifest_find(&rep->manifest, rep->manifest.entry);

	d->action = BOOT_START_NORMAL;
	d->slot = slot;
	d->normal_entry = *entry; /* listed: boot_verify_manifest checked it */
	copy_str(d->image_version, sizeof d->image_version, rep->manifest.image_version);
	d->image_rollback = rep->manifest.rollback;
	d->boot_attempts = attempts;
	log_info("slot %s: verified image %s (anti-rollback %llu); starting %s",
		 boot_state_slot_name(slot), d->image_version,
		 (unsigned long long)d->image_rollback, entry->name);
}

/* Store `st` if committing. false (and a halt) only when the power failed;
 * other failures are logged and left to the caller's fallback. */
static bool store_state(struct run *r, const struct boot_state *st, enum mayday_err *rc_out,
			struct boot_decision *d)
{
	enum mayday_err rc = MAYDAY_OK;

	if (r->commit)
		rc = boot_state_store(r->flash, st);
	if (rc != MAYDAY_OK)
		log_info("boot state: write failed: %s", mayday_strerror(rc));
	if (rc_out)
		*rc_out = rc;
	if (rc == MAYDAY_E_POWER) {
		halt(d, MAYDAY_EXIT_HALT_INTERNAL, "power-lost");
		return false;
	}
	return true;
}

static bool step_rot(struct run *r, const char *rot_spec, const struct hal_rot_agent_cmd *agent,
		     struct boot_decision *d)
{
	char id[MAYDAY_DEVICE_ID_MAX + 1];
	const char *what = "open";
	enum mayday_err rc;

	rc = hal_rot_open_via(&r->rot, rot_spec, r->flash, HAL_ROT_ROLE_TRE, agent);
	if (rc == MAYDAY_OK) {
		what = "device ID";
		rc = hal_rot_device_id(r->rot, id);
	}
	if (rc == MAYDAY_OK) {
		what = "vendor anchor";
		rc = hal_rot_anchor(r->rot, HAL_ROT_ANCHOR_VENDOR, &r->vendor);
	}
	if (rc == MAYDAY_OK) {
		what = "anti-rollback counter";
		rc = hal_rot_counter_read(r->rot, HAL_ROT_COUNTER_ROLLBACK, &r->min_rollback);
	}
	if (rc == MAYDAY_OK) {
		/* The DCF's only way to be heard: a device whose distress key
		 * cannot make a verifiable signature must not start as if all
		 * were well (README.md, "A damaged distress key"). */
		what = "distress key self-test";
		rc = hal_rot_self_test(r->rot);
	}
	if (rc == MAYDAY_E_KEY) {
		log_info("rot: %s failed: a key in the RoT is damaged or not the one provisioned; "
			 "the distress key could not be trusted to be heard: re-provision the RoT",
			 what);
		halt(d, MAYDAY_EXIT_HALT_ROT, "rot-key-invalid");
		return false;
	}
	if (rc != MAYDAY_OK) {
		log_info("rot: %s failed: %s", what, mayday_strerror(rc));
		halt_for(d, rc, MAYDAY_EXIT_HALT_ROT, "rot-invalid");
		return false;
	}
	log_info("rot: device %s, anti-rollback counter %llu", id,
		 (unsigned long long)r->min_rollback);
	return true;
}

static bool step_dcf(struct run *r, struct boot_decision *d)
{
	const struct boot_verify_policy policy = { MAYDAY_MANIFEST_DCF, 0, true };
	char extra[BOOT_NAME_CAP];
	enum mayday_err rc;

	/* The DCF partition is not subject to the image anti-rollback counter:
	 * it is written at provisioning only, never by remediation. */
	rc = boot_verify_partition(r->meas, r->flash, HAL_PART_DCF, r->vendor, &policy, &r->rep);
	if (rc != MAYDAY_OK) {
		log_info("dcf: no verdict: %s", mayday_strerror(rc));
		halt_for(d, rc, MAYDAY_EXIT_HALT_INTERNAL, "internal");
		return false;
	}
	if (r->rep.reason != 0) {
		log_info("dcf: partition fails verification (%s)", mayday_reason_name(r->rep.reason));
		halt(d, MAYDAY_EXIT_HALT_DCF, "dcf-invalid");
		return false;
	}
	/* What the DCF reads is what was signed: nothing unlisted beside it. */
	rc = boot_verify_listing(r->flash, HAL_PART_DCF, &r->rep.manifest, extra);
	if (rc == MAYDAY_E_MISMATCH) {
		halt(d, MAYDAY_EXIT_HALT_DCF, "dcf-unlisted-file");
		return false;
	}
	if (rc != MAYDAY_OK) {
		halt_for(d, rc, MAYDAY_EXIT_HALT_DCF, "dcf-invalid");
		return false;
	}
	d->dcf_entry = *mayday_manifest_find(&r->rep.manifest, BOOT_DCF_ENTRY);
	log_info("dcf: verified (version %s, %u components)", r->rep.manifest.image_version,
		 r->rep.manifest.n_trv);
	/* The signed build record (older manifests have none). */
	if (r->rep.manifest.build_commit[0])
		log_info("dcf: built from commit %s by %s", r->rep.manifest.build_commit,
			 r->rep.manifest.build_toolchain);
	return true;
}

/* Verify a normal-code slot into r->rep. false (and a halt) if no verdict. */
static bool verify_slot(struct run *r, uint8_t slot, struct boot_decision *d)
{
	const struct boot_verify_policy policy = { MAYDAY_MANIFEST_IMAGE, r->min_rollback, false };
	enum mayday_err rc;

	rc = boot_verify_partition(r->meas, r->flash, boot_state_slot_part(slot), r->vendor,
				   &policy, &r->rep);
	if (rc != MAYDAY_OK) {
		log_info("slot %s: no verdict: %s", boot_state_slot_name(slot), mayday_strerror(rc));
		halt_for(d, rc, MAYDAY_EXIT_HALT_INTERNAL, "internal");
		return false;
	}
	return true;
}

/* A pending slot with no tries left verified before but was never confirmed:
 * report it and give it up, so the next start-up uses the active slot. */
static void pending_exhausted(struct run *r, struct boot_state *st, struct boot_decision *d)
{
	uint8_t slot = st->pending;
	uint32_t attempts = st->attempts;
	enum mayday_err rc;

	log_info("slot %s: pending image started %u time(s) and never confirmed; giving it up",
		 boot_state_slot_name(slot), attempts);
	memset(&r->rep, 0, sizeof r->rep);
	/* For the evidence only: which image failed to come up. */
	rc = boot_verify_manifest(r->flash, boot_state_slot_part(slot), r->vendor,
				  MAYDAY_MANIFEST_IMAGE, &r->rep.manifest);
	if (rc == MAYDAY_E_POWER) {
		halt(d, MAYDAY_EXIT_HALT_INTERNAL, "power-lost");
		return;
	}
	r->rep.have_manifest = rc == MAYDAY_OK;
	st->pending = BOOT_SLOT_NONE;
	st->tries_left = 0;
	st->attempts = 0;
	if (!store_state(r, st, NULL, d))
		return;
	to_dcf_rep(d, MAYDAY_REASON_NORMAL_START_FAILED, slot, attempts, &r->rep);
}

/* Try the pending slot. true: go on with the active slot. */
static bool try_pending(struct run *r, struct boot_state *st, struct boot_decision *d)
{
	struct boot_state next = *st;
	uint8_t slot = st->pending;
	enum mayday_err rc;

	if (st->tries_left == 0) {
		pending_exhausted(r, st, d);
		return false;
	}
	next.tries_left--;
	next.attempts = inc_sat(next.attempts);
	/* Durably before the trial: a trial that hangs or resets the device
	 * still counts, so a bad image cannot loop forever. */
	if (!store_state(r, &next, &rc, d))
		return false;
	if (rc != MAYDAY_OK) {
		log_info("slot %s: cannot record the trial; not trying it, using slot %s",
			 boot_state_slot_name(slot), boot_state_slot_name(st->active));
		return true;
	}
	*st = next;
	log_info("slot %s: trying pending image (attempt %u, %u tries left after this one)",
		 boot_state_slot_name(slot), st->attempts, st->tries_left);
	if (!verify_slot(r, slot, d))
		return false;
	if (r->rep.reason == 0) {
		to_normal(d, slot, st->attempts, &r->rep);
		return false;
	}
	next = *st;
	next.pending = BOOT_SLOT_NONE;
	next.tries_left = 0;
	next.attempts = 0;
	if (!store_state(r, &next, NULL, d))
		return false;
	to_dcf_rep(d, r->rep.reason, slot, st->attempts, &r->rep);
	return false;
}

static uint8_t inc_sat8(uint8_t v)
{
	return v == UINT8_MAX ? v : (uint8_t)(v + 1);
}

/* Store the attach state if committing; false (and a halt) only when the
 * power failed, other failures are logged. */
static bool store_attach(struct run *r, const struct boot_attach *a, struct boot_decision *d)
{
	enum mayday_err rc = MAYDAY_OK;

	if (r->commit)
		rc = boot_attach_store(r->flash, a);
	if (rc != MAYDAY_OK)
		log_info("attach state: write failed: %s", mayday_strerror(rc));
	if (rc == MAYDAY_E_POWER) {
		halt(d, MAYDAY_EXIT_HALT_INTERNAL, "power-lost");
		return false;
	}
	return true;
}

/* The active slot verified. If its normal code recorded that it could not
 * attach, or keeps starting without ever attaching (a crash loop), the DCF
 * runs instead, with that evidence (README.md, "When normal code cannot
 * attach"). true: *d is decided (the DCF, or a halt). */
static bool attach_diverts(struct run *r, uint8_t slot, uint32_t attempts,
			   struct boot_decision *d)
{
	struct mayday_diag diag = { 0, "" };
	struct boot_attach a, next;
	uint32_t stage = 0, tries = 0, limit;
	enum mayday_err rc = boot_attach_load(r->flash, &a, &diag);

	if (rc == MAYDAY_E_POWER) {
		halt(d, MAYDAY_EXIT_HALT_INTERNAL, "power-lost");
		return true;
	}
	if (rc == MAYDAY_E_MALFORMED || rc == MAYDAY_E_UNSUPPORTED) {
		log_info("attach state unusable: %s at byte %zu (%s); watching afresh",
			 mayday_strerror(rc), diag.offset, diag.what ? diag.what : "");
	} else if (rc != MAYDAY_OK) {
		log_info("attach state unreadable: %s; not watched at this start-up",
			 mayday_strerror(rc));
		return false;
	}
	if (!(a.flags & BOOT_ATTACH_WATCH))
		return false; /* normal code never said it attaches: nothing to watch */
	limit = boot_attach_backoff(BOOT_ATTACH_CRASH_BOOTS, a.episodes);
	if (limit > UINT8_MAX)
		limit = UINT8_MAX;
	if (a.flags & BOOT_ATTACH_FAILED) {
		stage = a.stage;
		tries = a.tries;
	} else if (a.unattached >= limit) {
		stage = MAYDAY_ATTACH_CRASH_LOOP;
		tries = a.unattached;
	}
	next = a;
	if (stage == 0) {
		/* Durably before normal code starts: a start-up that crashes or
		 * hangs before attaching still counts. */
		next.unattached = inc_sat8(a.unattached);
		log_info("slot %s: normal code start-up %u of %u without attaching before the DCF is told",
			 boot_state_slot_name(slot), next.unattached, limit);
		return !store_attach(r, &next, d);
	}
	/* Reported once: cleared before the DCF starts, so the next start-up
	 * gives normal code another chance (after a longer backoff). */
	boot_attach_init(&next);
	next.flags = BOOT_ATTACH_WATCH;
	next.episodes = inc_sat8(a.episodes);
	if (!store_attach(r, &next, d))
		return true;
	to_dcf(d, MAYDAY_REASON_ATTACH_FAILED, slot, attempts, r->rep.manifest.image_version,
	       r->rep.manifest.rollback, NULL, 0);
	d->evidence.attach.stage = stage;
	d->evidence.attach.tries = tries;
	d->evidence.attach.episodes = next.episodes;
	memcpy(d->evidence.attach.last_error, a.last_error, sizeof a.last_error);
	log_info("slot %s: verified, but normal code could not attach (%s after %u tr%s, \"%s\"; episode %u)",
		 boot_state_slot_name(slot), mayday_attach_stage_name(stage), tries,
		 tries == 1 ? "y" : "ies", a.last_error, next.episodes);
	return true;
}

static void use_active(struct run *r, struct boot_state *st, struct boot_decision *d)
{
	uint8_t slot = st->active;
	/* The failure count only belongs to the active slot when nothing is
	 * pending; otherwise the field counts the pending slot's trials. */
	bool own_count = st->pending == BOOT_SLOT_NONE;
	uint32_t attempts = own_count ? inc_sat(st->attempts) : 1;

	log_info("slot %s: verifying active image", boot_state_slot_name(slot));
	if (!verify_slot(r, slot, d))
		return;
	if (r->rep.reason == 0) {
		if (own_count && st->attempts != 0) {
			st->attempts = 0;
			if (!store_state(r, st, NULL, d))
				return;
		}
		/* A slot on trial has its own bound (tries); attachment is
		 * watched once it is the active slot with nothing pending. */
		if (own_count && attach_diverts(r, slot, attempts, d))
			return;
		to_normal(d, slot, attempts, &r->rep);
		return;
	}
	if (own_count) {
		st->attempts = attempts;
		if (!store_state(r, st, NULL, d))
			return;
	}
	to_dcf_rep(d, r->rep.reason, slot, attempts, &r->rep);
}

static void step_slots(struct run *r, struct boot_decision *d)
{
	struct mayday_diag diag = { 0, "" };
	struct boot_state st;
	bool found = false;
	enum mayday_err rc;

	rc = boot_state_load(r->flash, &st, &found, &diag);
	if (rc == MAYDAY_E_POWER) {
		halt(d, MAYDAY_EXIT_HALT_INTERNAL, "power-lost");
		return;
	}
	if (rc != MAYDAY_OK) {
		/* Not "fresh": see boot_state.h. Reported, never guessed around. */
		log_info("boot state unusable: %s at byte %zu (%s)", mayday_strerror(rc),
			 diag.offset, diag.what ? diag.what : "");
		to_dcf_rep(d, MAYDAY_REASON_NO_BOOTABLE_SLOT, BOOT_SLOT_A, 1, NULL);
		return;
	}
	log_info("boot state: %sactive %s, pending %s, tries left %u, attempts %u",
		 found ? "" : "(fresh device) ", boot_state_slot_name(st.active),
		 boot_state_slot_name(st.pending), st.tries_left, st.attempts);
	if (st.pending != BOOT_SLOT_NONE && !try_pending(r, &st, d))
		return;
	use_active(r, &st, d);
}

void boot_decide(struct hal_flash *flash, const char *rot_spec, bool commit,
		 struct boot_decision *d)
{
	boot_decide_rot(flash, rot_spec, NULL, commit, d, NULL);
}

void boot_decide_rot(struct hal_flash *flash, const char *rot_spec,
		     const struct hal_rot_agent_cmd *agent, bool commit, struct boot_decision *d,
		     struct hal_rot **rot_out)
{
	struct run *r = NULL;
	enum mayday_err rc;

	if (rot_out != NULL)
		*rot_out = NULL;
	memset(d, 0, sizeof *d);
	r = calloc(1, sizeof *r);
	if (!r) {
		halt(d, MAYDAY_EXIT_HALT_INTERNAL, "internal");
		return;
	}
	r->flash = flash;
	r->commit = commit;
	rc = boot_measure_new(&r->meas);
	if (rc != MAYDAY_OK) {
		log_info("measurement: %s", mayday_strerror(rc));
		halt(d, MAYDAY_EXIT_HALT_INTERNAL, "internal");
		goto out;
	}
	if (step_rot(r, rot_spec, agent, d) && step_dcf(r, d))
		step_slots(r, d);
	if (rot_out != NULL) {
		/* the register still at zero: the caller measures the outcome */
		*rot_out = r->rot;
		r->rot = NULL;
	} else {
		boot_decide_measure(&r->rot, d);
	}
out:
	boot_measure_free(r->meas);
	EVP_PKEY_free(r->vendor);
	hal_rot_close(r->rot);
	free(r);
}

void boot_decide_measure(struct hal_rot **rot, struct boot_decision *d)
{
	EVP_PKEY *vendor = NULL;
	enum mayday_err rc = MAYDAY_OK;

	if (*rot == NULL)
		return;
	/* The outcome goes into the register whatever it is, so a failed
	 * start-up can never unseal the device credentials. A register that
	 * cannot record it is a RoT failure: with a TPM the PCR outlives this
	 * handle, and code started next could extend it to the verified value
	 * itself. */
	if (d->action == BOOT_START_NORMAL)
		rc = hal_rot_anchor(*rot, HAL_ROT_ANCHOR_VENDOR, &vendor);
	if (rc == MAYDAY_OK)
		rc = boot_creds_measure(*rot, vendor, d);
	EVP_PKEY_free(vendor);
	if (rc != MAYDAY_OK) {
		log_info("rot: the start-up's outcome could not be measured: %s",
			 mayday_strerror(rc));
		halt(d, MAYDAY_EXIT_HALT_ROT, "rot-invalid");
		hal_rot_close(*rot);
		*rot = NULL;
	}
}

void boot_decide_demote(struct boot_decision *d, uint32_t reason,
			const struct mayday_component_evidence *failed)
{
	to_dcf(d, reason, d->slot, d->boot_attempts, d->image_version, d->image_rollback, failed,
	       failed ? 1 : 0);
}

void boot_decide_summary(const struct boot_decision *d, char *out, size_t cap)
{
	switch (d->action) {
	case BOOT_START_NORMAL:
		snprintf(out, cap, "decision: normal slot=%s", boot_state_slot_name(d->slot));
		break;
	case BOOT_START_DCF:
		if (d->evidence.reason == MAYDAY_REASON_ATTACH_FAILED) {
			snprintf(out, cap, "decision: dcf reason=%s slot=%s stage=%s tries=%u episode=%u",
				 mayday_reason_name(d->evidence.reason),
				 boot_state_slot_name(d->evidence.slot),
				 mayday_attach_stage_name(d->evidence.attach.stage),
				 d->evidence.attach.tries, d->evidence.attach.episodes);
			break;
		}
		snprintf(out, cap, "decision: dcf reason=%s slot=%s failed=%u",
			 mayday_reason_name(d->evidence.reason),
			 boot_state_slot_name(d->evidence.slot), d->evidence.n_failed);
		break;
	case BOOT_HALT:
	default:
		snprintf(out, cap, "decision: halt code=%d reason=%s", d->halt_code,
			 d->halt_reason ? d->halt_reason : "internal");
		break;
	}
}
