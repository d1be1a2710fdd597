/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Partition verification. The manifest is checked completely before any
 * component is looked at; then every listed component is measured (on all
 * CPUs at once, boot_measure_all; the results are read in manifest order, so
 * the outcome is that of measuring one after the other), failures
 * of designated ones become evidence (all of them, not only the first, so
 * the network sees the whole picture) and failures of the others are only
 * logged. The verdict's reason is COMPONENT_MISMATCH when any designated
 * component was present but different (the stronger sign of tampering or
 * out-of-step TRVs), else COMPONENT_MISSING.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "log.h"
#include "boot_verify.h"
#include "mayday/keys.h"

static enum mayday_err check_manifest(const struct mayday_manifest *m, uint32_t kind,
				      const char *part)
{
	const char *entry = kind == MAYDAY_MANIFEST_DCF ? BOOT_DCF_ENTRY : m->entry;
	const struct mayday_trv *e;

	if (m->kind != kind) {
		log_info("%s: manifest is of kind %u, expected %u", part, m->kind, kind);
		return MAYDAY_E_INVALID;
	}
	/* The decoder guarantees the rest (mayday/manifest.h, lib/src/manifest.c):
	 * 1..MAYDAY_MANIFEST_FILES_MAX TRVs, each name a safe single path component,
	 * no name twice, the entry listed. */
	e = mayday_manifest_find(m, entry);
	if (!e) {
		log_info("%s: entry program \"%s\" is not listed in the manifest", part, entry);
		return MAYDAY_E_INVALID;
	}
	/* Code that is started must be code that is checked. */
	if (kind == MAYDAY_MANIFEST_IMAGE && !e->designated) {
		log_info("%s: entry program %s is not designated", part, entry);
		return MAYDAY_E_INVALID;
	}
	return MAYDAY_OK;
}

enum mayday_err boot_verify_manifest(struct hal_flash *f, const char *part, EVP_PKEY *vendor,
				     uint32_t kind, struct mayday_manifest *m)
{
	uint8_t buf[MAYDAY_MANIFEST_MAX];
	struct mayday_diag diag = { 0, "" };
	size_t len = 0;
	enum mayday_err rc;

	rc = hal_flash_read(f, part, BOOT_MANIFEST_NAME, buf, sizeof buf, &len);
	if (rc != MAYDAY_OK) {
		log_info("%s: cannot read %s: %s", part, BOOT_MANIFEST_NAME, mayday_strerror(rc));
		return rc;
	}
	rc = mayday_manifest_verify(buf, len, vendor, m, &diag);
	if (rc != MAYDAY_OK) {
		log_info("%s: %s rejected: %s at byte %zu (%s)", part, BOOT_MANIFEST_NAME,
			 mayday_strerror(rc), diag.offset, diag.what ? diag.what : "");
		return rc;
	}
	return check_manifest(m, kind, part);
}

uint32_t boot_verify_compare(const struct mayday_trv *trv, bool measured_ok, uint64_t size,
			     const uint8_t digest[MAYDAY_DIGEST_LEN],
			     struct mayday_component_evidence *ev)
{
	memset(ev, 0, sizeof *ev);
	/* Both names are bounded by MAYDAY_NAME_MAX; the manifest's is NUL-terminated. */
	memcpy(ev->name, trv->name, sizeof ev->name);
	ev->expected_size = trv->size;
	memcpy(ev->expected, trv->digest, MAYDAY_DIGEST_LEN);
	if (!measured_ok) {
		ev->flags = MAYDAY_COMP_MISSING;
		return ev->flags;
	}
	ev->measured_size = size;
	memcpy(ev->measured, digest, MAYDAY_DIGEST_LEN);
	if (size != trv->size)
		ev->flags |= MAYDAY_COMP_SIZE_MISMATCH;
	if (CRYPTO_memcmp(digest, trv->digest, MAYDAY_DIGEST_LEN) != 0)
		ev->flags |= MAYDAY_COMP_DIGEST_MISMATCH;
	return ev->flags;
}

static void log_failure(const char *part, const struct mayday_component_evidence *ev,
			bool designated)
{
	char want[65], got[65];

	mayday_hex(ev->expected, MAYDAY_DIGEST_LEN, want);
	if (ev->flags & MAYDAY_COMP_MISSING) {
		log_info("%s/%s: %scomponent missing or unreadable (expected %llu bytes, sha256 %s)",
			 part, ev->name, designated ? "designated " : "non-designated ",
			 (unsigned long long)ev->expected_size, want);
		return;
	}
	mayday_hex(ev->measured, MAYDAY_DIGEST_LEN, got);
	log_info("%s/%s: %scomponent mismatch: expected %llu bytes sha256 %s, measured %llu bytes sha256 %s",
		 part, ev->name, designated ? "designated " : "non-designated ",
		 (unsigned long long)ev->expected_size, want,
		 (unsigned long long)ev->measured_size, got);
}

enum mayday_err boot_verify_partition(struct boot_measure *meas, struct hal_flash *f,
				      const char *part, EVP_PKEY *vendor,
				      const struct boot_verify_policy *policy,
				      struct boot_verify_report *rep)
{
	struct boot_measure_result measured[MAYDAY_MANIFEST_FILES_MAX];
	const struct mayday_manifest *m = &rep->manifest;
	bool mismatch = false;
	enum mayday_err rc;

	memset(rep, 0, sizeof *rep);
	rc = boot_verify_manifest(f, part, vendor, policy->kind, &rep->manifest);
	if (rc != MAYDAY_OK) {
		memset(&rep->manifest, 0, sizeof rep->manifest);
		if (boot_measure_fatal(rc))
			return rc;
		rep->reason = MAYDAY_REASON_MANIFEST_INVALID;
		return MAYDAY_OK;
	}
	rep->have_manifest = true;
	if (m->rollback < policy->min_rollback) {
		log_info("%s: manifest anti-rollback value %llu is below the RoT's %llu", part,
			 (unsigned long long)m->rollback, (unsigned long long)policy->min_rollback);
		rep->reason = MAYDAY_REASON_ROLLBACK;
		return MAYDAY_OK;
	}

	/* Hashed on all workers at once; the verdict below walks the results in
	 * manifest order, so evidence, logs and the first fatal error are those
	 * of measuring one component after the other. */
	rc = boot_measure_all(meas, f, part, m->trv, m->n_trv, measured);
	if (rc != MAYDAY_OK)
		return rc; /* not reached: the decoder bounds n_trv */
	for (uint32_t i = 0; i < m->n_trv; i++) {
		const struct mayday_trv *trv = &m->trv[i];
		const struct boot_measure_result *res = &measured[i];
		bool designated = trv->designated || policy->all_designated;
		struct mayday_component_evidence ev;

		rc = res->rc;
		if (boot_measure_fatal(rc))
			return rc;
		if (rc != MAYDAY_OK)
			log_info("%s/%s: cannot measure: %s", part, trv->name, mayday_strerror(rc));
		if (boot_verify_compare(trv, rc == MAYDAY_OK, res->size, res->digest, &ev) == 0)
			continue;
		log_failure(part, &ev, designated);
		if (!designated) {
			rep->n_ignored++;
			continue;
		}
		if (!(ev.flags & MAYDAY_COMP_MISSING))
			mismatch = true;
		/* A DCF manifest may list more files than an indication carries
		 * failures (MAYDAY_MANIFEST_FILES_MAX > MAYDAY_MAX_COMPONENTS): the
		 * first ones are reported, the partition fails either way. */
		if (rep->n_failed < MAYDAY_MAX_COMPONENTS)
			rep->failed[rep->n_failed++] = ev;
	}
	if (rep->n_failed > 0)
		rep->reason = mismatch ? MAYDAY_REASON_COMPONENT_MISMATCH
				       : MAYDAY_REASON_COMPONENT_MISSING;
	return MAYDAY_OK;
}

struct listing {
	const struct mayday_manifest *m;
	char *extra;
};

static enum mayday_err listed(void *ctx, const char *name, uint64_t size)
{
	struct listing *l = ctx;

	(void)size;
	if (strcmp(name, BOOT_MANIFEST_NAME) == 0 || mayday_manifest_find(l->m, name) != NULL)
		return MAYDAY_OK;
	/* hal_flash_list passes valid names only: at most 64 bytes. */
	snprintf(l->extra, BOOT_NAME_CAP, "%s", name);
	return MAYDAY_E_MISMATCH; /* the first one is enough: stop listing */
}

enum mayday_err boot_verify_listing(struct hal_flash *f, const char *part,
				    const struct mayday_manifest *m,
				    char extra[BOOT_NAME_CAP])
{
	struct listing l = { m, extra };
	enum mayday_err rc;

	extra[0] = '\0';
	rc = hal_flash_list(f, part, listed, &l);
	if (rc == MAYDAY_E_MISMATCH)
		log_info("%s/%s: file not listed in %s; the partition holds more than was signed",
			 part, extra, BOOT_MANIFEST_NAME);
	else if (rc != MAYDAY_OK)
		log_info("%s: cannot list the partition: %s", part, mayday_strerror(rc));
	return rc;
}
