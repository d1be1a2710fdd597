/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distress procedure's send/acknowledge loop.
 *
 * A message is (method, counter, signed bytes). The counter is taken from
 * the RoT, durably, before the message is built, so no two different
 * indications ever carry the same counter, even across power cuts. A
 * retransmission sends the very same bytes, which the H(e)MS treats as
 * idempotent per (device, counter). A new message (new counter) is built
 * when the method changes (the indication names its transport), after every
 * answer that ended the counter without acknowledging it (below), and for
 * every re-announcement.
 *
 * Only an ack that verifies with the H(e)MS anchor, echoes this device and
 * counter and says STORED (the H(e)MS verified the indication's signature
 * and committed it) ends an announcement. Every other answer is a failed
 * attempt, logged and counted, and the procedure goes on:
 *   STORED_UNVERIFIED  the H(e)MS has a copy it could not verify: the bytes
 *                      were altered on the way (or someone sent a forgery
 *                      under our counter first). The network does not know
 *                      this device is in distress, so this is no success;
 *                      the path of this method is suspect: next method.
 *   unauthenticated    an answer to this counter that fails the anchor: the
 *                      path is suspect too: next method.
 *   REJECTED           the H(e)MS refuses this counter: a new counter on the
 *                      same method, counted toward attempts_per_method.
 * In each case the loop keeps listening until the next send is due, so the
 * genuine STORED ack still wins when it comes after an attacker's answer.
 *
 * After each send the loop listens for answers until the next send is due:
 * attempt_timeout_ms plus a fully jittered backoff delay whose window grows
 * with every attempt of the announcement (it does not restart when the
 * method changes, so a device cycling through its methods still slows down
 * to the low rate max_ms sets), never before a server's retry-after, never
 * past the deadline. Every answer is untrusted until dcf_ack_check says it
 * is signed by the H(e)MS anchor and echoes this device and counter.
 *
 * Request/response transports (HTTP, TLS) answer inside send; the same loop
 * then collects that answer at once and sleeps out the rest of the window.
 */
#include "dcf_session.h"

#include <inttypes.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <string.h>

#include "dcf_ack.h"
#include "dcf_attempt.h"
#include "dcf_config.h"
#include "dcf_report.h"
#include "dcf_retry.h"
#include "exit_codes.h"
#include "hal/clock.h"
#include "hal/rot.h"
#include "log.h"
#include "tx/dcf_tx.h"

#define IGNORED_LOG_MAX  5 /* ignored answers logged one by one; the rest counted */

enum wait_result {
	WAIT_CONTINUE, /* keep listening until the next send is due */
	WAIT_DUE,      /* the next send is due */
	WAIT_ACKED,    /* a valid ack ended the announcement */
	WAIT_GIVE_UP   /* nothing more may be sent before the deadline */
};

enum outcome {
	OUT_ACKED,
	OUT_NOT_STORED, /* answers came, none was an authenticated STORED */
	OUT_UNACKED,
	OUT_ROT        /* no counter or signature from the RoT */
};

struct run {
	const struct dcf_session *s;
	const struct dcf_config *cfg;
	struct dcf_stats *st;
	struct dcf_retry_policy policy;
	uint64_t deadline;               /* absolute, monotonic ms */
	unsigned method;                 /* index into s->methods */
	const struct dcf_tx_ops *ops;    /* s->methods[method] once a message exists */
	void *tx;                        /* open channel, or NULL */
	int have_msg;
	uint8_t msg[MAYDAY_INDICATION_MAX];
	size_t msg_len;
	uint32_t resends;                /* retransmissions of this message (for the log) */
	uint32_t tries;                  /* failed attempts on this method since it was chosen */
	uint32_t attempts;               /* sends of this announcement: the backoff exponent */
	uint64_t not_before;             /* server's retry-after, absolute ms */
	int answered;                    /* the last send got a retry-after (not a verdict) */
	/* What the answers to this counter said; each ends the counter. */
	int rejected;                    /* the H(e)MS refused it */
	int unverified;                  /* the H(e)MS stored a copy it could not verify */
	int unauth;                      /* an answer failed authentication */
	int failed_seen;                 /* any of the three in this announcement */
	/* Attempt state on flash (dcf_attempt.h). */
	uint32_t resume_step;            /* backoff step restored at start, for announce */
	int saved;                       /* a record is on flash */
	int save_failed;                 /* logged once */
};

static uint64_t random_u64(void)
{
	uint64_t v;

	/* Should the DRBG fail, a fixed value still gives a delay inside the window. */
	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		return UINT64_MAX;
	return v;
}

/* Every wait goes through the clock HAL, so a simulated clock runs the
 * whole schedule (hours of outage) at once. */
static void sleep_ms(uint64_t ms)
{
	hal_clock_sleep_ms(ms);
}

static void sleep_until(uint64_t at)
{
	uint64_t now = hal_clock_mono_ms();

	if (now < at)
		sleep_ms(at - now);
}

static const char *ack_status_name(uint32_t status)
{
	switch (status) {
	case MAYDAY_ACK_STORED: return "stored";
	case MAYDAY_ACK_STORED_UNVERIFIED: return "stored-unverified";
	case MAYDAY_ACK_REJECTED: return "rejected";
	default: return "unknown";
	}
}

static const char *ack_action_name(uint32_t action)
{
	switch (action) {
	case MAYDAY_ACTION_NONE: return "none";
	case MAYDAY_ACTION_RETRY_AFTER: return "retry-after";
	case MAYDAY_ACTION_REMEDIATE: return "remediate";
	case MAYDAY_ACTION_WAIT: return "wait";
	case MAYDAY_ACTION_STAND_DOWN: return "stand-down";
	default: return "unknown";
	}
}

static void close_tx(struct run *r)
{
	if (r->tx)
		r->ops->close(r->tx);
	r->tx = NULL;
}

/* The next attempt goes to method `next` with a new message. */
static void change_method(struct run *r, unsigned next)
{
	if (next != r->method)
		close_tx(r);
	r->method = next;
	r->have_msg = 0;
	r->tries = 0;
}

static enum mayday_err new_message(struct run *r)
{
	const struct dcf_session *s = r->s;
	struct mayday_indication ind;
	uint64_t counter;
	enum mayday_err rc;

	r->ops = s->methods[r->method];
	rc = hal_rot_counter_next(s->env->rot, HAL_ROT_COUNTER_MESSAGE, &counter);
	if (rc != MAYDAY_OK) {
		log_info("cannot advance the RoT message counter: %s", mayday_strerror(rc));
		return rc;
	}
	struct dcf_report_input in = {
		.device_id = s->device_id,
		.counter = counter,
		.time = hal_clock_wall_s(),
		.transport = r->ops->transport,
		.free_space = s->free_space,
		.cfg = r->cfg,
		.ev = s->ev,
	};
	rc = dcf_report_build(&in, &ind);
	if (rc == MAYDAY_OK)
		rc = dcf_report_sign(&ind, s->signer, r->msg, sizeof(r->msg), &r->msg_len);
	if (rc != MAYDAY_OK) {
		log_info("cannot build or sign the indication: %s", mayday_strerror(rc));
		return rc;
	}
	r->have_msg = 1;
	r->resends = 0;
	r->rejected = 0;
	r->unverified = 0;
	r->unauth = 0;
	r->st->counter = counter;
	r->st->messages++;
	log_info("indication for device %s, counter %" PRIu64 ", reason %s, via %s (%zu bytes)",
		s->device_id, counter, mayday_reason_name(s->ev->reason), r->ops->name, r->msg_len);
	return MAYDAY_OK;
}

/* A pause of `base` ms plus up to an eighth more, drawn at random: devices
 * told to wait the same time by one busy H(e)MS come back spread out. */
static uint64_t jittered(uint64_t base)
{
	return base + random_u64() % (base / 8 + 1);
}

/* A server's request to wait; false if that is past the deadline. */
static bool postpone(struct run *r, uint32_t seconds, uint64_t now)
{
	/* Jittered: a storm's devices told "busy" together do not all come
	 * back in the same second. */
	uint64_t at = now + jittered((uint64_t)seconds * 1000);

	r->st->retry_after++;
	r->answered = 1;
	if (at > r->not_before)
		r->not_before = at;
	if (r->not_before >= r->deadline) {
		log_info("H(e)MS asks to retry after %" PRIu32 " s, beyond the deadline", seconds);
		return false;
	}
	return true;
}

/* false if a retry-after leaves no room before the deadline. */
static bool send_message(struct run *r)
{
	enum mayday_err rc;

	r->answered = 0;
	if (!r->tx) {
		rc = r->ops->open(r->s->env, &r->tx);
		if (rc != MAYDAY_OK) {
			r->tx = NULL;
			r->st->failed++;
			log_info("%s: cannot open: %s", r->ops->name, mayday_strerror(rc));
			return true;
		}
	}
	if (r->resends > 0)
		log_info("retransmission %" PRIu32 " of counter %" PRIu64 " via %s", r->resends,
			r->st->counter, r->ops->name);
	r->resends++;
	rc = r->ops->send(r->tx, r->msg, r->msg_len);
	if (rc != MAYDAY_OK) {
		r->st->failed++;
		log_info("%s: send failed: %s", r->ops->name, mayday_strerror(rc));
		return true;
	}
	r->st->sends++;
	uint32_t busy = r->ops->retry_after_s ? r->ops->retry_after_s(r->tx) : 0;
	/* A transport's busy signal (HTTP 503 + Retry-After) is not signed:
	 * with no deadline, a forged one must not silence the device for
	 * longer than its own backoff cap would. */
	uint32_t cap_s = r->cfg->max_ms / 1000 ? r->cfg->max_ms / 1000 : 1;
	if (busy > cap_s)
		busy = cap_s;
	return busy == 0 || postpone(r, busy, hal_clock_mono_ms());
}

/* `why` is used when the decoder's diagnosis (more precise) is absent. */
static void ignore(struct run *r, const char *why, const struct mayday_diag *diag)
{
	r->st->ignored++;
	if (r->st->ignored <= IGNORED_LOG_MAX && diag && diag->what)
		log_info("ignored a message that is not a valid ack: %s at byte %zu", diag->what,
			diag->offset);
	else if (r->st->ignored <= IGNORED_LOG_MAX)
		log_info("ignored a message that is not a valid ack: %s", why);
	else if (r->st->ignored == IGNORED_LOG_MAX + 1)
		log_info("ignoring further invalid messages silently (counted)");
}

/* An answer to this counter that did not acknowledge it: recorded (stats,
 * log, st->ack for an authenticated one) and remembered, so that the next
 * attempt takes a new counter; the loop keeps listening meanwhile, since
 * the genuine STORED may still come (after an attacker's forgery, say). */
static void on_failed(struct run *r, enum dcf_ack_meaning m, const struct mayday_ack *ack)
{
	struct dcf_stats *st = r->st;

	r->failed_seen = 1;
	switch (m) {
	case DCF_ACK_NO_AUTHORITY:
		st->unauth++;
		if (!r->unauth)
			log_info("an ack for counter %" PRIu64 " via %s fails authentication with "
				"the H(e)MS anchor: no authority, a failed attempt; this counter "
				"is not retransmitted", ack->counter, r->ops->name);
		r->unauth = 1;
		break;
	case DCF_ACK_REFUSED:
		st->rejected++;
		r->rejected = 1;
		break;
	default: /* DCF_ACK_NOT_VERIFIED */
		st->unverified++;
		if (!r->unverified)
			log_info("the H(e)MS could not verify counter %" PRIu64 " via %s (altered "
				"on the way, or forged under this counter): not acknowledged, a "
				"failed attempt", ack->counter, r->ops->name);
		r->unverified = 1;
		break;
	}
}

/* An authenticated ack for this counter: log what it says, then act on its
 * meaning. */
static enum wait_result on_ack(struct run *r, enum dcf_ack_meaning m,
			       const struct mayday_ack *ack, uint64_t *due)
{
	struct dcf_stats *st = r->st;

	st->ack = *ack;
	log_info("ack for counter %" PRIu64 " via %s: incident %" PRIu64 ", status %s, action %s",
		ack->counter, r->ops->name, ack->incident_id, ack_status_name(ack->status),
		ack_action_name(ack->action));
	switch (m) {
	case DCF_ACK_WAIT:
		/* A busy server has not judged this counter: the same bytes go
		 * again, after at most wait_max_s. */
		if (!postpone(r, ack->retry_after < r->cfg->wait_max_s ? ack->retry_after
								       : r->cfg->wait_max_s,
			      hal_clock_mono_ms()))
			return WAIT_GIVE_UP;
		if (*due < r->not_before)
			*due = r->not_before;
		return WAIT_CONTINUE;
	case DCF_ACK_STORED:
		st->acked = 1;
		st->method = r->method;
		log_info("distress acknowledged: incident %" PRIu64, ack->incident_id);
		return WAIT_ACKED;
	default:
		on_failed(r, m, ack);
		return WAIT_CONTINUE;
	}
}

/* Listen for answers until *due (which a retry-after may push back). What
 * has already arrived when *due passes is still read, once: a request/response
 * transport may have spent the whole window inside send, and its answer
 * must not be lost for that. */
static enum wait_result wait_for_ack(struct run *r, uint64_t *due)
{
	const struct dcf_session *s = r->s;
	uint8_t buf[MAYDAY_ACK_MAX];
	int last_look = 0;

	for (;;) {
		uint64_t now = hal_clock_mono_ms();
		if (now >= *due && last_look)
			return WAIT_DUE;
		last_look = now >= *due;
		uint64_t left = last_look ? 0 : *due - now;
		if (!r->tx) {
			sleep_ms(left);
			continue;
		}
		size_t len = 0;
		enum mayday_err rc = r->ops->recv(r->tx, buf, sizeof(buf), &len,
						  left > UINT32_MAX ? UINT32_MAX : (uint32_t)left);
		if (rc == MAYDAY_E_TIMEOUT)
			continue;
		if (rc == MAYDAY_E_TOOBIG) {
			ignore(r, "larger than any ack", NULL);
			continue;
		}
		if (rc != MAYDAY_OK) {
			log_info("%s: receive failed: %s", r->ops->name, mayday_strerror(rc));
			close_tx(r);
			continue;
		}
		struct mayday_ack ack;
		struct mayday_diag diag;
		enum mayday_err why;
		enum dcf_ack_verdict v = dcf_ack_check(buf, len, s->hems_pub, s->device_id,
						       r->st->counter, &ack, &why, &diag);
		enum dcf_ack_meaning m = dcf_ack_meaning(v, &ack);
		if (m == DCF_ACK_NO_AUTHORITY) {
			on_failed(r, m, &ack);
		} else if (m != DCF_ACK_IGNORED) {
			enum wait_result w = on_ack(r, m, &ack, due);
			if (w != WAIT_CONTINUE)
				return w;
		} else if (v == DCF_ACK_OTHER) {
			ignore(r, "ack for another device or counter", NULL);
		} else {
			ignore(r, mayday_strerror(why), &diag);
		}
	}
}

/* Writes what a restart would resume from: the method and backoff step,
 * and not_before_s (wall seconds) after a "wait". A failure is logged once
 * and does not stop the procedure: at worst a restart begins at step 0. */
static void persist(struct run *r, uint64_t not_before_s)
{
	struct hal_flash *f = r->s->env->flash;
	struct dcf_attempt a = {
		.method = (uint8_t)r->method,
		.step = r->attempts,
		.counter = r->st->counter,
		.not_before_s = not_before_s,
	};
	enum mayday_err rc;

	if (!f)
		return;
	rc = dcf_attempt_save(f, &a);
	if (rc == MAYDAY_OK) {
		r->saved = 1;
	} else if (!r->save_failed) {
		r->save_failed = 1;
		log_info("cannot save the attempt state: %s", mayday_strerror(rc));
	}
}

/* Acknowledged: nothing to resume from. */
static void forget_attempts(struct run *r)
{
	if (!r->saved || !r->s->env->flash)
		return;
	if (dcf_attempt_clear(r->s->env->flash) == MAYDAY_OK)
		r->saved = 0;
}

/* The record a previous run left (a power cut during an outage or a wait):
 * resume its method and backoff step, and honour its wait (bounded). */
static void resume(struct run *r)
{
	struct hal_flash *f = r->s->env->flash;
	struct dcf_attempt a;
	enum mayday_err rc;

	if (!f)
		return;
	rc = dcf_attempt_load(f, &a);
	if (rc == MAYDAY_E_NOTFOUND)
		return;
	r->saved = 1; /* whatever it holds, it is replaced or cleared later */
	if (rc != MAYDAY_OK) {
		log_info("ignoring the attempt state on flash: %s", mayday_strerror(rc));
		return;
	}
	if (a.method < r->s->n_methods)
		change_method(r, a.method);
	r->resume_step = a.step;
	log_info("resuming after a restart: backoff step %" PRIu32 ", method %s (last counter %"
		PRIu64 ")", a.step, r->s->methods[r->method]->name, a.counter);
	uint64_t now = hal_clock_wall_s();
	if (a.not_before_s > now) {
		uint64_t left = a.not_before_s - now;
		if (left > r->cfg->wait_max_s)
			left = r->cfg->wait_max_s;
		log_info("the H(e)MS asked to wait: announcing in %" PRIu64 " s", left);
		sleep_ms(left * 1000);
	}
}

/* After an attempt that did not end the announcement: what goes next. */
static void next_attempt(struct run *r)
{
	const struct dcf_session *s = r->s;
	unsigned next = (r->method + 1) % s->n_methods;

	unsigned was = r->method;
	/* Saved while the window still grows: at the cap the step no longer
	 * changes anything, and the flash is spared a write per retry. */
	bool growing = dcf_retry_window_ms(&r->policy, r->attempts) < r->cfg->max_ms;

	if (r->attempts < DCF_ATTEMPT_STEP_MAX)
		r->attempts++; /* the window stops growing at the cap anyway */
	if (r->unverified || r->unauth) {
		/* Someone on this method's path alters the indication or answers
		 * for the H(e)MS: the same bytes over it would meet the same fate. */
		log_info("%s: counter %" PRIu64 " %s; moving on to %s with a new indication",
			r->ops->name, r->st->counter,
			r->unverified ? "was stored unverified" : "got only unauthenticated answers",
			s->methods[next]->name);
		change_method(r, next);
	} else if (r->rejected) {
		r->have_msg = 0;
		if (++r->tries >= r->cfg->attempts_per_method && s->n_methods > 1) {
			log_info("%s: H(e)MS rejected counter %" PRIu64 ", %" PRIu32 " failed "
				"attempts; falling back to %s", r->ops->name, r->st->counter,
				r->tries, s->methods[next]->name);
			r->st->fallbacks++;
			change_method(r, next);
		} else {
			log_info("H(e)MS rejected counter %" PRIu64 "; a new indication follows",
				r->st->counter);
		}
	} else if (!r->answered && ++r->tries >= r->cfg->attempts_per_method &&
		   s->n_methods > 1) {
		log_info("%s: %" PRIu32 " attempts unanswered; falling back to %s", r->ops->name,
			r->tries, s->methods[next]->name);
		r->st->fallbacks++;
		change_method(r, next);
	}
	if (growing || r->method != was)
		persist(r, 0);
}

static enum outcome announce(struct run *r)
{
	const struct dcf_session *s = r->s;

	/* No deadline (0): the device keeps trying, at the capped low rate,
	 * for as long as it is powered. */
	r->deadline = s->deadline_ms ? hal_clock_mono_ms() + s->deadline_ms : UINT64_MAX;
	r->have_msg = 0;
	r->attempts = r->resume_step; /* 0 but for the first announcement after a restart */
	r->resume_step = 0;
	r->not_before = 0;
	r->failed_seen = 0;
	r->st->announcements++;
	for (;;) {
		/* Checked before a message is built: no counter is spent on a
		 * message that could not be sent anyway. */
		uint64_t start = hal_clock_mono_ms();
		if (start >= r->deadline)
			break;
		if (!r->have_msg && new_message(r) != MAYDAY_OK)
			return OUT_ROT;
		start = hal_clock_mono_ms(); /* the attempt's time runs from its send */
		if (start >= r->deadline || !send_message(r))
			break;
		uint64_t due;
		if (!dcf_retry_next(&r->policy, r->attempts, random_u64(),
				    start + r->cfg->attempt_timeout_ms, r->not_before, r->deadline,
				    &due))
			due = r->deadline; /* no further send fits: listen until the deadline */
		enum wait_result w = wait_for_ack(r, &due);
		if (w == WAIT_ACKED) {
			r->st->acked_announcements++;
			return OUT_ACKED;
		}
		if (w == WAIT_GIVE_UP || hal_clock_mono_ms() >= r->deadline)
			break;
		next_attempt(r);
	}
	close_tx(r);
	log_info("no valid acknowledgement before the deadline (%" PRIu32 " sends, %" PRIu32
		" failed attempts, %" PRIu32 " ignored answers, %" PRIu32 " unauthenticated acks, "
		"%" PRIu32 " stored unverified, %" PRIu32 " rejected, last counter %" PRIu64 ")",
		r->st->sends, r->st->failed, r->st->ignored, r->st->unauth, r->st->unverified,
		r->st->rejected, r->st->counter);
	return r->failed_seen ? OUT_NOT_STORED : OUT_UNACKED;
}

/* An announcement was acknowledged: hand its ack on, channel closed first
 * (what the hook does may take long and opens its own connections). */
static int acked(struct run *r)
{
	if (!r->s->on_acked)
		return 0;
	close_tx(r);
	return r->s->on_acked(r->s->on_acked_ctx, &r->st->ack);
}

/* What the acknowledged announcement's decision asks before the next one:
 * how long to wait (ms) and false if the procedure ends here. */
static bool decision_wait(struct run *r, uint32_t *reannounced, uint64_t *wait_ms)
{
	const struct dcf_config *cfg = r->cfg;
	const struct mayday_ack *ack = &r->st->ack;

	switch (ack->action) {
	case MAYDAY_ACTION_WAIT: {
		uint32_t n = ack->retry_after;
		if (n > cfg->wait_max_s)
			n = cfg->wait_max_s;
		log_info("the H(e)MS asks to wait: announcing again in %" PRIu32 " s (asked %"
			PRIu32 " s)", n, ack->retry_after);
		*wait_ms = jittered((uint64_t)n * 1000);
		return true;
	}
	case MAYDAY_ACTION_NONE:
	case MAYDAY_ACTION_REMEDIATE: /* started, but no new image is pending */
	default:
		/* Recorded, nothing (more) asked: an H(e)MS without remediation,
		 * or a remediation that ended without a new image. The
		 * configured low-rate re-announcement, if any. */
		if (cfg->reannounce_s == 0 || *reannounced >= cfg->reannounce_max)
			return false;
		++*reannounced;
		log_info("still in distress: re-announcement %" PRIu32 " of %" PRIu32 " in %" PRIu32
			" s", *reannounced, cfg->reannounce_max, cfg->reannounce_s);
		*wait_ms = (uint64_t)cfg->reannounce_s * 1000;
		return true;
	}
}

int dcf_session_run(const struct dcf_session *s, struct dcf_stats *stats)
{
	const struct dcf_config *cfg = s->env->cfg;
	struct run r = {
		.s = s,
		.cfg = cfg,
		.st = stats,
		.policy = { .initial_ms = cfg->initial_ms, .max_ms = cfg->max_ms },
	};
	enum outcome first = OUT_UNACKED;
	uint32_t reannounced = 0;
	int hooked = 0;

	memset(stats, 0, sizeof(*stats));
	resume(&r);
	for (;;) {
		enum outcome o = announce(&r);
		if (stats->announcements == 1 || o == OUT_ROT)
			first = o;
		if (o != OUT_ACKED)
			break; /* re-announcements that go unanswered do not undo an ack */
		if (stats->ack.action != MAYDAY_ACTION_WAIT)
			forget_attempts(&r);
		if (stats->ack.action == MAYDAY_ACTION_STAND_DOWN) {
			log_info("the H(e)MS asks to stand down: no more announcements until "
				"the next boot (incident %" PRIu64 ")", stats->ack.incident_id);
			close_tx(&r);
			return MAYDAY_EXIT_DCF_STAND_DOWN;
		}
		hooked = acked(&r);
		uint64_t wait_ms;
		if (hooked || !decision_wait(&r, &reannounced, &wait_ms))
			break;
		if (stats->ack.action == MAYDAY_ACTION_WAIT)
			persist(&r, hal_clock_wall_s() + (wait_ms + 999) / 1000);
		/* No channel idles through the pause; the next one starts fresh. */
		close_tx(&r);
		sleep_until(hal_clock_mono_ms() + wait_ms);
		/* The method that carried the last ack goes first, with a new
		 * counter: the H(e)MS joins it to the device's open incident. */
		change_method(&r, stats->method);
	}
	close_tx(&r);
	if (hooked)
		return hooked;
	switch (first) {
	case OUT_ACKED: return MAYDAY_EXIT_DCF_ACKED;
	case OUT_NOT_STORED: return MAYDAY_EXIT_DCF_NOT_STORED;
	case OUT_UNACKED: return MAYDAY_EXIT_DCF_UNACKED;
	case OUT_ROT: break;
	}
	return MAYDAY_EXIT_DCF_CONFIG;
}
