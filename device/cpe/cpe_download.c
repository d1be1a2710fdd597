/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Download into the installer in constant memory: update_install pulls its
 * stream through a read callback, which pulls the body from the HTTP client
 * (net_http_read) -- no copy beyond the client's 64 KiB receive buffer,
 * nothing read from the network that the installer did not ask for. The
 * installer calls the callback from its payload reader's thread while it
 * writes (update_pipe.h), one call at a time and never beside another use of
 * the client: `pump` is that thread's until update_install returns.
 * The answer's status is judged before the installer starts, so an error
 * page never reaches it; a body that ends early (the connection cut, the
 * deadline passed) or runs past FileSize is an error of the read callback,
 * which the installer turns into UPDATE_E_STREAM, and which is then
 * reported as a download failure (9010, or 9017 once bytes arrived), not as
 * a truncated (corrupted) bundle.
 *
 * The remediation record moves with the command (cpe_record.h): saved
 * DOWNLOADING first, then INSTALLED or FAILED once the installer returned.
 * The installed image is identified by its slot manifest read back through
 * the HAL, so the digest is of the bytes on flash -- the ones normal code
 * hashes to recognise its own image -- not of what went over the wire.
 */
#include "cpe_download.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "boot_state.h"
#include "boot_verify.h"
#include "cpe_record.h"
#include "cpe_target.h"
#include "mayday/keys.h"
#include "net_conn.h"
#include "net_http.h"

_Static_assert(BOOT_SLOT_A == 0 && BOOT_SLOT_B == 1 && BOOT_SLOT_NONE == CPE_RECORD_SLOT_NONE,
	       "the record keeps boot slots as boot_state numbers them");

struct pump {
	struct net_http *http;
	uint64_t received, limit;       /* body bytes so far, FileSize */
	int too_big;
	enum mayday_err failed;         /* the transfer's error; MAYDAY_OK: none */
};

/* update_read_fn: the body, at most FileSize bytes of it. */
static enum mayday_err read_body(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	struct pump *pu = ctx;
	enum mayday_err rc;

	*n = 0;
	if (pu->failed != MAYDAY_OK)
		return MAYDAY_E_IO;
	if (cap > pu->limit - pu->received + 1)
		cap = (size_t)(pu->limit - pu->received + 1); /* one more shows an overrun */
	rc = net_http_read(pu->http, buf, cap, n);
	if (rc != MAYDAY_OK) {
		pu->failed = rc; /* logged by the client */
		*n = 0;
		return MAYDAY_E_IO;
	}
	if (*n > pu->limit - pu->received) {
		pu->too_big = 1;
		pu->failed = MAYDAY_E_TOOBIG;
		*n = 0;
		return MAYDAY_E_IO;
	}
	pu->received += *n;
	return MAYDAY_OK;
}

static enum update_status fail(struct update_result *res, enum update_status st,
			       const char *what)
{
	res->status = st;
	snprintf(res->detail, sizeof(res->detail), "%s", what);
	return st;
}

/* What a failed transfer tells the ACS (TR-069 A.5.1), beyond "download
 * failure" (9010): the file server could not be reached or is not the one
 * the device trusts (9015), it did not accept the device (9012), it has no
 * such file (9016), or the transfer broke off once under way (9017). */
static unsigned transfer_fault(enum net_http_stage stage, enum mayday_err rc, int http,
			       uint64_t received)
{
	if (http) {
		if (http == 401 || http == 403 || http == 407)
			return CWMP_CPE_SERVER_AUTH_FAILURE;
		if (http == 404 || http == 410)
			return CWMP_CPE_ACCESS_FAILURE;
		return 0;
	}
	if (stage == NET_HTTP_STAGE_CONNECT)
		return CWMP_CPE_CONTACT_FAILURE;
	if (stage == NET_HTTP_STAGE_TLS)
		return rc == MAYDAY_E_KEY || rc == MAYDAY_E_TIMEOUT ? CWMP_CPE_CONTACT_FAILURE
								     : CWMP_CPE_SERVER_AUTH_FAILURE;
	if (rc == MAYDAY_E_TIMEOUT)
		return received ? CWMP_CPE_COMPLETE_FAILURE : CWMP_CPE_CONTACT_FAILURE;
	return received ? CWMP_CPE_COMPLETE_FAILURE : 0;
}

static void transfer_failed(struct update_result *res, const struct pump *pu, int http,
			    enum mayday_err rc)
{
	res->status = UPDATE_E_STREAM;
	res->transfer_fault = pu->too_big ? 0 : transfer_fault(net_http_failed_at(pu->http), rc,
								 http, pu->received);
	if (pu->too_big)
		snprintf(res->detail, sizeof(res->detail),
			 "download failed: more bytes than the announced FileSize");
	else if (http)
		snprintf(res->detail, sizeof(res->detail), "download failed: HTTP status %d", http);
	else
		snprintf(res->detail, sizeof(res->detail), "download failed: %s after %llu bytes",
			 mayday_strerror(rc), (unsigned long long)pu->received);
}

/* Runs the transfer into the installer; *res is the installer's, or says
 * which step failed. */
static enum update_status pump_run(const struct cpe_download_params *p,
				   const struct update_params *install, struct update_result *res)
{
	struct pump pu = { .limit = p->dl->file_size };
	struct net_http_head hd;
	struct cpe_target t;
	const char *why = cpe_target_find(p->dl->url, p->server, &t);
	enum mayday_err rc;

	if (why) {
		snprintf(res->detail, sizeof(res->detail), "download failed: the URL: %.120s", why);
		res->status = UPDATE_E_STREAM;
		res->transfer_fault = CWMP_CPE_CONTACT_FAILURE;
		return res->status;
	}
	const struct net_http_params hp = {
		.who = "cpe", .addr = t.addr, .port = t.url.port, .host = t.url.host,
		.tls = p->tls, .user_agent = "mayday-cpe",
	};
	if (net_http_new(&hp, &pu.http) != MAYDAY_OK)
		return fail(res, UPDATE_E_INTERNAL, "cannot set up the HTTP client");
	const struct net_http_request r = {
		.method = "GET", .path = t.url.path,
		.deadline_ms = net_conn_deadline(p->timeout_ms),
	};
	rc = net_http_begin(pu.http, &r, &hd);
	if (rc != MAYDAY_OK) {
		transfer_failed(res, &pu, 0, rc);
	} else if (hd.status != 200) {
		transfer_failed(res, &pu, hd.status, MAYDAY_E_IO);
	} else if (hd.has_length && hd.content_length > pu.limit) {
		pu.too_big = 1;
		transfer_failed(res, &pu, 0, MAYDAY_E_TOOBIG);
	} else {
		update_install(p->flash, p->rot, install, read_body, &pu, res);
		if (pu.failed != MAYDAY_OK && res->status == UPDATE_E_STREAM) {
			uint64_t offset = res->offset;
			transfer_failed(res, &pu, 0, pu.failed);
			res->offset = offset;
		}
	}
	net_http_free(pu.http);
	return res->status;
}

void cpe_download_fault(const struct update_result *res, struct cwmp_fault *f)
{
	memset(f, 0, sizeof(*f));
	f->code = res->status == UPDATE_E_STREAM && res->transfer_fault
			  ? res->transfer_fault : update_fault_code(res->status);
	if (res->status != UPDATE_OK)
		snprintf(f->string, sizeof(f->string), "%s: %s", update_status_name(res->status),
			 res->detail);
}

enum mayday_err cpe_download_manifest_digest(struct hal_flash *f, uint8_t slot,
					     uint8_t out[MAYDAY_DIGEST_LEN])
{
	const char *part = boot_state_slot_part(slot);
	uint8_t *buf;
	size_t len = 0;
	enum mayday_err rc;

	if (!part)
		return MAYDAY_E_INVALID;
	buf = malloc(MAYDAY_MANIFEST_MAX);
	if (!buf)
		return MAYDAY_E_NOMEM;
	rc = hal_flash_read(f, part, BOOT_MANIFEST_NAME, buf, MAYDAY_MANIFEST_MAX, &len);
	if (rc == MAYDAY_OK)
		mayday_sha256(buf, len, out);
	free(buf);
	return rc;
}

/* Appends `what` to res->detail, as far as it fits. */
static void note(struct update_result *res, const char *what, enum mayday_err rc)
{
	size_t used = strnlen(res->detail, sizeof(res->detail));

	snprintf(res->detail + used, sizeof(res->detail) - used, "%s%s: %s", used ? "; " : "",
		 what, mayday_strerror(rc));
}

struct installed {
	struct hal_flash *flash;
	struct cpe_record *rec;
};

/* The installer's before_pending: INSTALLED, with the slot and the digest
 * of the manifest it holds, is on flash before the slot can be started. */
static enum mayday_err record_installed(void *ctx, uint8_t slot, const uint8_t *manifest,
					size_t len)
{
	struct installed *in = ctx;
	struct cpe_record r = *in->rec;
	enum mayday_err rc;

	r.phase = CPE_RECORD_INSTALLED;
	r.slot = slot;
	mayday_sha256(manifest, len, r.manifest_sha256);
	rc = cpe_record_save(in->flash, &r);
	if (rc == MAYDAY_OK)
		*in->rec = r;
	return rc;
}

/* The record after a failed installation: FAILED with the fault (a pending
 * image is INSTALLED already, see record_installed). */
static void record_outcome(const struct cpe_download_params *p, struct cpe_record *rec,
			   struct update_result *res)
{
	struct cwmp_fault fault;
	enum mayday_err rc;

	if (res->status == UPDATE_E_POWER || res->status == UPDATE_OK)
		return; /* nothing is written without power; INSTALLED is on flash */
	cpe_download_fault(res, &fault);
	cpe_record_set_failed(rec, fault.code, fault.string);
	rc = cpe_record_save(p->flash, rec);
	if (rc != MAYDAY_OK)
		note(res, "the failure could not be saved in the remediation record", rc);
}

enum update_status cpe_download_run(const struct cpe_download_params *p,
				    struct update_result *res)
{
	struct cpe_record rec;

	memset(res, 0, sizeof(*res));
	memset(&rec, 0, sizeof(rec));
	rec.phase = CPE_RECORD_DOWNLOADING;
	rec.slot = CPE_RECORD_SLOT_NONE;
	snprintf(rec.command_key, sizeof(rec.command_key), "%s", p->dl->command_key);
	snprintf(rec.acs_url, sizeof(rec.acs_url), "%s", p->acs_url);
	rec.start_time = p->start_time;
	struct installed in = { .flash = p->flash, .rec = &rec };
	struct update_params install = *p->install;
	install.before_pending = record_installed;
	install.before_pending_ctx = &in;
	if (cpe_record_save(p->flash, &rec) != MAYDAY_OK)
		return fail(res, UPDATE_E_INTERNAL, "cannot save the remediation record");
	if (strncasecmp(p->dl->url, "https://", 8) != 0) {
		fail(res, UPDATE_E_STREAM, "the download URL is not https://");
		res->transfer_fault = CWMP_CPE_UNSUPPORTED_PROTOCOL;
	}
	else if (p->dl->file_size == 0)
		fail(res, UPDATE_E_STREAM, "the Download announces no FileSize");
	else
		pump_run(p, &install, res);
	record_outcome(p, &rec, res);
	return res->status;
}
