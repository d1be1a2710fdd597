/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Download into the installer in constant memory: libcurl pushes the body
 * (write callback) while update_install pulls its stream (read callback).
 * The two are joined by a local socket pair: libcurl runs on the calling
 * thread and sends each chunk into one end (blocking, so the kernel's socket
 * buffer is all that is ever held in flight), the installer runs on its own
 * thread and reads the other end. A socket pair rather than a pipe so a send
 * to an installer that stopped reading fails with EPIPE (MSG_NOSIGNAL)
 * instead of raising SIGPIPE.
 *
 * Ending: when the installer returns, its thread closes its end, so the next
 * send fails and libcurl aborts. When libcurl returns, the sender records
 * whether the transfer failed and then shuts its end down; the reader turns
 * end-of-stream into an error in that case, so a cut download is reported
 * as a download failure (9010), not as a truncated (corrupted) bundle.
 *
 * The remediation record moves with the command (cpe_record.h): saved
 * DOWNLOADING first, then INSTALLED or FAILED once the installer returned.
 * The installed image is identified by its slot manifest read back through
 * the HAL, so the digest is of the bytes on flash -- the ones normal code
 * hashes to recognise its own image -- not of what went over the wire.
 */
#include "cpe_download.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <curl/curl.h>

#include "boot_state.h"
#include "boot_verify.h"
#include "cpe_record.h"
#include "mayday/keys.h"
#include "tx_mtls.h"

_Static_assert(BOOT_SLOT_A == 0 && BOOT_SLOT_B == 1 && BOOT_SLOT_NONE == CPE_RECORD_SLOT_NONE,
	       "the record keeps boot slots as boot_state numbers them");

struct pump {
	int fd[2];                      /* [0] libcurl sends, [1] the installer reads */
	uint64_t received, limit;       /* body bytes so far, FileSize */
	int too_big;
	atomic_int transfer_failed;     /* set before fd[0] is shut down */
	/* the installer's side */
	const struct cpe_download_params *p;
	const struct update_params *install;
	struct update_result *res;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct pump *pu = user;
	size_t n = size * nmemb, done = 0;

	if (n > pu->limit - pu->received) {
		pu->too_big = 1;
		return 0; /* anything but n aborts the transfer */
	}
	pu->received += n;
	while (done < n) {
		ssize_t k = send(pu->fd[0], data + done, n - done, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return 0; /* the installer has stopped reading */
		done += (size_t)k;
	}
	return n;
}

static enum mayday_err read_pipe(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	struct pump *pu = ctx;
	ssize_t k;

	do
		k = recv(pu->fd[1], buf, cap, 0);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return MAYDAY_E_IO;
	if (k == 0 && atomic_load(&pu->transfer_failed))
		return MAYDAY_E_IO;
	*n = (size_t)k;
	return MAYDAY_OK;
}

static void *install_thread(void *arg)
{
	struct pump *pu = arg;

	update_install(pu->p->flash, pu->p->rot, pu->install, read_pipe, pu, pu->res);
	close(pu->fd[1]);
	pu->fd[1] = -1;
	return NULL;
}

static enum mayday_err set_up(CURL *e, struct tx_mtls *tls, const struct cpe_download_params *p,
			      struct pump *pu, char *errbuf)
{
	if (curl_easy_setopt(e, CURLOPT_URL, p->dl->url) ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") ||
	    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https") ||
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) ||
	    curl_easy_setopt(e, CURLOPT_PROXY, "") ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms) ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)p->timeout_ms) ||
	    curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L) ||
	    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)pu->limit) ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "mayday-cpe") ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, pu) ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf))
		return MAYDAY_E_INTERNAL;
	return tx_mtls_apply(tls, e, p->pin_sha256, NULL);
}

static enum update_status fail(struct update_result *res, enum update_status st,
			       const char *what)
{
	res->status = st;
	snprintf(res->detail, sizeof(res->detail), "%s", what);
	return st;
}

/* Runs the transfer into the installer thread; *res is the installer's,
 * or says which set-up step failed. */
/* What a failed transfer tells the ACS (TR-069 A.5.1), beyond "download
 * failure" (9010): the file server could not be reached or is not the one
 * the device trusts (9015), it did not accept the device (9012), it has no
 * such file (9016), or the transfer broke off once under way (9017). */
static unsigned transfer_fault(CURLcode cc, long http, uint64_t received)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PEER_FAILED_VERIFICATION:
		return CWMP_CPE_CONTACT_FAILURE;
	case CURLE_SSL_CONNECT_ERROR:
		return CWMP_CPE_SERVER_AUTH_FAILURE;
	case CURLE_HTTP_RETURNED_ERROR:
		if (http == 401 || http == 403 || http == 407)
			return CWMP_CPE_SERVER_AUTH_FAILURE;
		if (http == 404 || http == 410)
			return CWMP_CPE_ACCESS_FAILURE;
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		return received ? CWMP_CPE_COMPLETE_FAILURE : CWMP_CPE_CONTACT_FAILURE;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return received ? CWMP_CPE_COMPLETE_FAILURE : 0;
	default:
		return 0;
	}
}

static enum update_status pump_run(const struct cpe_download_params *p,
				   const struct update_params *install, struct update_result *res)
{
	struct pump pu = { .fd = { -1, -1 }, .limit = p->dl->file_size, .p = p,
			   .install = install, .res = res };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct tx_mtls *tls = NULL;
	CURL *e = NULL;
	pthread_t th;
	CURLcode cc;

	atomic_init(&pu.transfer_failed, 0);
	if (tx_mtls_load("cpe", p->flash, p->rot, p->ca, p->cert, &tls) != MAYDAY_OK) {
		fail(res, UPDATE_E_INTERNAL, "cannot load the TLS credentials");
		goto out;
	}
	e = curl_easy_init();
	if (!e || set_up(e, tls, p, &pu, errbuf) != MAYDAY_OK) {
		fail(res, UPDATE_E_INTERNAL, "cannot set up the HTTP client");
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pu.fd) != 0) {
		fail(res, UPDATE_E_INTERNAL, "cannot create the stream socket pair");
		goto out;
	}
	if (pthread_create(&th, NULL, install_thread, &pu) != 0) {
		close(pu.fd[1]);
		fail(res, UPDATE_E_INTERNAL, "cannot start the installer thread");
		goto out;
	}
	cc = curl_easy_perform(e);
	if (cc != CURLE_OK)
		atomic_store(&pu.transfer_failed, 1);
	shutdown(pu.fd[0], SHUT_WR);
	pthread_join(th, NULL);
	if (cc != CURLE_OK && res->status == UPDATE_E_STREAM) {
		long http = 0;
		if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http) != CURLE_OK)
			http = 0;
		res->transfer_fault = pu.too_big ? 0 : transfer_fault(cc, http, pu.received);
		snprintf(res->detail, sizeof(res->detail), "download failed: %.140s",
			 pu.too_big || cc == CURLE_FILESIZE_EXCEEDED
				 ? "more bytes than the announced FileSize"
				 : errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
out:
	if (pu.fd[0] >= 0)
		close(pu.fd[0]);
	if (e)
		curl_easy_cleanup(e); /* before tls: the handle's TLS set-up points into it */
	tx_mtls_free(tls);
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
