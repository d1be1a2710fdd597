/*
 * The distress procedure's send/acknowledge loop.
 *
 * A message is (method, counter, signed bytes). The counter is taken from
 * the RoT, durably, before the message is built, so no two different
 * indications ever carry the same counter, even across power cuts. A
 * retransmission sends the very same bytes, which the H(e)MS treats as
 * idempotent per (device, counter). A new message (new counter) is built
 * only when the method changes (the indication names its transport) or the
 * H(e)MS rejected the counter (status REJECTED). An ack with action
 * RETRY_AFTER (server busy) is not a verdict on the counter, whatever its
 * status: the same bytes are sent again, no sooner than retry_after.
 *
 * After each send the loop listens for answers until the next send is due:
 * attempt_timeout_ms plus a fully jittered backoff delay, never before a
 * server's retry-after, never past the deadline. Every answer is untrusted
 * until dcf_ack_check says it is signed by the H(e)MS anchor and echoes this
 * device and counter; anything else is counted and dropped.
 */
#include "dcf_session.h"

#include <inttypes.h>
#include <openssl/rand.h>
#include <poll.h>
#include <string.h>

#include "dcf_ack.h"
#include "dcf_config.h"
#include "log.h"
#include "dcf_report.h"
#include "dcf_retry.h"
#include "exit_codes.h"
#include "hal/clock.h"
#include "hal/rot.h"
#include "tx/dcf_tx.h"

#define ATTEMPTS_PER_METHOD 4 /* unanswered sends before the next method (if several) */
#define MESSAGES_MAX        8 /* counters one run may use: bounds a reject loop */
#define IGNORED_LOG_MAX     5 /* ignored answers logged one by one; the rest counted */

enum wait_result {
	WAIT_CONTINUE, /* keep listening until the next send is due */
	WAIT_DUE,      /* the next send is due */
	WAIT_ACKED,    /* a valid ack ended the procedure */
	WAIT_GIVE_UP   /* nothing more may be sent before the deadline */
};

struct run {
	const struct dcf_session *s;
	struct dcf_stats *st;
	struct dcf_retry_policy policy;
	uint64_t deadline;               /* absolute, monotonic ms */
	unsigned method;                 /* index into cfg->methods */
	const struct dcf_tx_ops *ops;
	void *tx;                        /* open channel, or NULL */
	int have_msg;
	uint8_t msg[MAYDAY_INDICATION_MAX];
	size_t msg_len;
	uint32_t attempt;                /* unanswered sends of this message */
	uint64_t not_before;             /* server's retry-after, absolute ms */
	int rejected;                    /* the H(e)MS refused this counter */
};

static uint64_t random_u64(void)
{
	uint64_t v;

	/* Should the DRBG fail, a fixed value still gives a delay inside the window. */
	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		return UINT64_MAX;
	return v;
}

static void sleep_ms(uint64_t ms)
{
	if (ms > 60000)
		ms = 60000;
	poll(NULL, 0, (int)ms);
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
	default: return "unknown";
	}
}

static void close_tx(struct run *r)
{
	if (r->tx)
		r->ops->close(r->tx);
	r->tx = NULL;
}

static enum mayday_err new_message(struct run *r)
{
	const struct dcf_session *s = r->s;
	struct mayday_indication ind;
	uint64_t counter;
	enum mayday_err rc;

	r->ops = dcf_tx_find(s->cfg->methods[r->method]);
	rc = hal_rot_counter_next(s->rot, HAL_ROT_COUNTER_MESSAGE, &counter);
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
		.cfg = s->cfg,
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
	r->attempt = 0;
	r->rejected = 0;
	r->st->counter = counter;
	r->st->messages++;
	log_info("indication for device %s, counter %" PRIu64 ", reason %s, via %s (%zu bytes)",
		s->device_id, counter, mayday_reason_name(s->ev->reason), r->ops->name, r->msg_len);
	return MAYDAY_OK;
}

static void send_message(struct run *r)
{
	enum mayday_err rc;

	if (!r->tx) {
		rc = r->ops->open(r->s->cfg, &r->tx);
		if (rc != MAYDAY_OK) {
			r->tx = NULL;
			log_info("%s: cannot open: %s", r->ops->name, mayday_strerror(rc));
			return;
		}
	}
	rc = r->ops->send(r->tx, r->msg, r->msg_len);
	if (rc != MAYDAY_OK) {
		log_info("%s: send failed: %s", r->ops->name, mayday_strerror(rc));
		return;
	}
	r->st->sends++;
	if (r->attempt > 0)
		log_info("retransmission %" PRIu32 " of counter %" PRIu64, r->attempt,
			r->st->counter);
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

/* A validly signed, matching ack arrived: decide what it means. */
static enum wait_result on_ack(struct run *r, const struct mayday_ack *ack, uint64_t now,
			       uint64_t *due)
{
	struct dcf_stats *st = r->st;

	st->ack = *ack;
	log_info("ack for counter %" PRIu64 ": incident %" PRIu64 ", status %s, action %s",
		ack->counter, ack->incident_id, ack_status_name(ack->status),
		ack_action_name(ack->action));
	if (ack->action == MAYDAY_ACTION_RETRY_AFTER) {
		st->retry_after++;
		r->not_before = now + (uint64_t)ack->retry_after * 1000;
		if (r->not_before >= r->deadline) {
			log_info("H(e)MS asks to retry after %" PRIu32 " s, beyond the deadline",
				ack->retry_after);
			return WAIT_GIVE_UP;
		}
		/* A busy server has not judged this counter: the same bytes go again. */
		if (*due < r->not_before)
			*due = r->not_before;
		return WAIT_CONTINUE;
	}
	if (ack->status == MAYDAY_ACK_REJECTED) {
		st->rejected++;
		r->rejected = 1;
		return WAIT_CONTINUE;
	}
	if (ack->status != MAYDAY_ACK_STORED && ack->status != MAYDAY_ACK_STORED_UNVERIFIED) {
		ignore(r, "unknown ack status", NULL);
		return WAIT_CONTINUE;
	}
	if (ack->action == MAYDAY_ACTION_REMEDIATE)
		log_info("remediation offered at %s: not supported by this DCF", ack->acs_url);
	st->acked = 1;
	log_info("distress acknowledged: incident %" PRIu64, ack->incident_id);
	return WAIT_ACKED;
}

/* Listen for answers until *due (which a retry-after may push back). */
static enum wait_result wait_for_ack(struct run *r, uint64_t *due)
{
	const struct dcf_session *s = r->s;
	uint8_t buf[MAYDAY_ACK_MAX];

	for (;;) {
		uint64_t now = hal_clock_mono_ms();
		if (now >= *due)
			return WAIT_DUE;
		uint64_t left = *due - now;
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
		rc = dcf_ack_check(buf, len, s->hems_pub, s->device_id, r->st->counter, &ack, &diag);
		if (rc == MAYDAY_E_MISMATCH) {
			ignore(r, "ack for another device or counter", NULL);
			continue;
		}
		if (rc != MAYDAY_OK) {
			ignore(r, mayday_strerror(rc), &diag);
			continue;
		}
		enum wait_result w = on_ack(r, &ack, hal_clock_mono_ms(), due);
		if (w != WAIT_CONTINUE)
			return w;
	}
}

int dcf_session_run(const struct dcf_session *s, struct dcf_stats *stats)
{
	struct run r = {
		.s = s,
		.st = stats,
		.policy = { .initial_ms = s->cfg->initial_ms, .max_ms = s->cfg->max_ms },
		.deadline = hal_clock_mono_ms() + s->deadline_ms,
	};
	int exit_code = MAYDAY_EXIT_DCF_UNACKED;

	memset(stats, 0, sizeof(*stats));
	for (;;) {
		if (!r.have_msg) {
			if (r.st->messages == MESSAGES_MAX) {
				log_info("giving up after %d indications", MESSAGES_MAX);
				break;
			}
			if (new_message(&r) != MAYDAY_OK) {
				exit_code = MAYDAY_EXIT_DCF_CONFIG;
				break;
			}
		}
		uint64_t now = hal_clock_mono_ms();
		if (now >= r.deadline)
			break;
		send_message(&r);

		uint64_t due;
		if (!dcf_retry_next(&r.policy, r.attempt, random_u64(),
				    now + s->cfg->attempt_timeout_ms, r.not_before, r.deadline, &due))
			due = r.deadline; /* no further send fits: listen until the deadline */
		enum wait_result w = wait_for_ack(&r, &due);
		if (w == WAIT_ACKED) {
			exit_code = MAYDAY_EXIT_DCF_ACKED;
			break;
		}
		if (w == WAIT_GIVE_UP || hal_clock_mono_ms() >= r.deadline)
			break;
		r.attempt++;
		if (r.rejected) {
			log_info("H(e)MS rejected counter %" PRIu64 "; a new indication follows",
				r.st->counter);
			r.have_msg = 0;
		} else if (s->cfg->n_methods > 1 && r.attempt >= ATTEMPTS_PER_METHOD) {
			close_tx(&r);
			r.method = (r.method + 1) % s->cfg->n_methods;
			r.have_msg = 0;
		}
	}
	close_tx(&r);
	if (exit_code == MAYDAY_EXIT_DCF_UNACKED)
		log_info("no valid acknowledgement before the deadline (%" PRIu32 " sends, "
			"%" PRIu32 " ignored answers, last counter %" PRIu64 ")",
			stats->sends, stats->ignored, stats->counter);
	return exit_code;
}
