/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docs/protocol.md §10.1: every negative vector, read from the document
 * itself (between its NEGATIVE VECTORS markers), must be refused with the
 * error its heading names. The receiver judged here is §15's model in a few
 * lines: the size limit, mayday_indication_open, the signature with the
 * enrolled (test) key, then the counter rule of §6.1 against a receiver that
 * holds the §10 signed indication (mark 42). The same model must take the
 * §10 indication itself (a retransmission) and a new counter, so a judge that
 * refused everything would fail here.
 *
 * usage: test_negative_vectors docs/protocol.md
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mayday/keys.h"
#include "mayday/limits.h"
#include "test_vectors.h"

#define MARK 42u

static const char *protocol_md;

struct judge {
	EVP_PKEY *pub;
	uint8_t stored_digest[MAYDAY_DIGEST_LEN];   /* payload of the §10 indication */
};

static const char *err_name(enum mayday_err e)
{
	switch (e) {
	case MAYDAY_OK: return "STORED";
	case MAYDAY_E_MALFORMED: return "MAYDAY_E_MALFORMED";
	case MAYDAY_E_TOOBIG: return "MAYDAY_E_TOOBIG";
	case MAYDAY_E_CRITICAL: return "MAYDAY_E_CRITICAL";
	case MAYDAY_E_UNSUPPORTED: return "MAYDAY_E_UNSUPPORTED";
	case MAYDAY_E_SIGNATURE: return "MAYDAY_E_SIGNATURE";
	case MAYDAY_E_KEY: return "MAYDAY_E_KEY";
	default: return "other";
	}
}

/* What §15 says a receiver does with msg: an error name, "REJECTED" (§6.1,
 * status 2) or "STORED". */
static const char *judge(const struct judge *j, const uint8_t *msg, size_t len)
{
	struct mayday_cose_sign1 cose;
	struct mayday_indication ind;
	struct mayday_diag diag = {0, NULL};
	uint8_t digest[MAYDAY_DIGEST_LEN];

	if (len > MAYDAY_INDICATION_MAX)
		return err_name(MAYDAY_E_TOOBIG);
	enum mayday_err e = mayday_indication_open(msg, len, &cose, &ind, &diag);
	if (e == MAYDAY_OK)
		e = mayday_cose_sign1_verify(&cose, j->pub);
	if (e != MAYDAY_OK)
		return err_name(e);
	if (strcmp(ind.device_id, "hnb-acme-000123") != 0 || ind.counter > MARK)
		return "STORED";   /* another device, or above the mark: accepted */
	mayday_sha256(cose.payload, cose.payload_len, digest);
	if (ind.counter == MARK && memcmp(digest, j->stored_digest, sizeof(digest)) == 0)
		return "STORED";   /* the retransmission: the stored outcome again */
	return "REJECTED";
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The fenced block starting at p (just after its opening ```): hex, where a
 * line "XX x N" stands for N bytes XX. Returns the byte count; *end is set
 * after the closing fence. */
static size_t block_bytes(const char *p, uint8_t *out, size_t cap, const char **end)
{
	size_t n = 0;
	const char *close = strstr(p, "```");

	assert_non_null(close);
	while (p < close) {
		const char *eol = memchr(p, '\n', (size_t)(close - p));
		unsigned byte;
		size_t count;
		if (eol == NULL)
			eol = close;
		if (sscanf(p, "%2x x %zu", &byte, &count) == 2 && strstr(p, " x ") != NULL &&
		    strstr(p, " x ") < eol) {
			assert_true(n + count <= cap);
			memset(out + n, (int)byte, count);
			n += count;
		} else {
			for (const char *q = p; q < eol; q++) {
				if (*q == ' ' || *q == '\r')
					continue;
				int hi = hexval(q[0]), lo = q + 1 < eol ? hexval(q[1]) : -1;
				if (hi < 0 || lo < 0)
					fail_msg("bad hex in a negative vector near \"%.20s\"", q);
				assert_true(n < cap);
				out[n++] = (uint8_t)(hi << 4 | lo);
				q++;
			}
		}
		p = eol + 1;
	}
	*end = close + 3;
	return n;
}

static void setup_judge(struct judge *j)
{
	size_t len;
	uint8_t *ind = tv_unhex(tv_indication_cose_hex, &len);
	struct mayday_cose_sign1 cose;
	struct mayday_indication claims;
	struct mayday_diag diag = {0, NULL};

	j->pub = tv_pub();
	assert_non_null(j->pub);
	assert_int_equal(mayday_indication_open(ind, len, &cose, &claims, &diag), MAYDAY_OK);
	mayday_sha256(cose.payload, cose.payload_len, j->stored_digest);
	free(ind);
}

/* The model takes what it must: else refusing everything would pass. */
static void test_model_accepts(void **state)
{
	struct judge j;
	struct mayday_indication ind;
	struct mayday_signer s;
	uint8_t out[MAYDAY_INDICATION_MAX];
	size_t len;
	uint8_t *v = tv_unhex(tv_indication_cose_hex, &len);
	EVP_PKEY *key = tv_key();

	(void)state;
	setup_judge(&j);
	assert_string_equal(judge(&j, v, len), "STORED");
	free(v);
	tv_example_indication(&ind);
	ind.counter = MARK + 1;
	assert_int_equal(mayday_signer_from_pkey(&s, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_indication_sign(&ind, &s, out, sizeof(out), &len), MAYDAY_OK);
	assert_string_equal(judge(&j, out, len), "STORED");
	ind.counter = MARK - 1;
	assert_int_equal(mayday_indication_sign(&ind, &s, out, sizeof(out), &len), MAYDAY_OK);
	assert_string_equal(judge(&j, out, len), "REJECTED");
	EVP_PKEY_free(key);
	EVP_PKEY_free(j.pub);
}

static void test_doc_vectors(void **state)
{
	static uint8_t msg[2 * MAYDAY_INDICATION_MAX];
	struct judge j;
	char *doc;
	const char *p, *end;
	unsigned n = 0, kinds = 0;
	const char *const required[] = {"MAYDAY_E_SIGNATURE", "MAYDAY_E_MALFORMED",
					"MAYDAY_E_TOOBIG", "MAYDAY_E_CRITICAL",
					"MAYDAY_E_UNSUPPORTED", "REJECTED"};

	(void)state;
	assert_non_null(protocol_md);
	setup_judge(&j);
	doc = slurp(protocol_md);
	p = strstr(doc, "<!-- BEGIN NEGATIVE VECTORS -->");
	end = strstr(doc, "<!-- END NEGATIVE VECTORS -->");
	assert_non_null(p);
	assert_non_null(end);
	for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++) {
		char want[64];
		snprintf(want, sizeof(want), "→ `%s`", required[k]);
		const char *hit = strstr(p, want);
		if (hit != NULL && hit < end)
			kinds++;
		else
			fail_msg("no negative vector expects %s", required[k]);
	}
	while ((p = strstr(p, "\n#### N")) != NULL && p < end) {
		const char *eol = strchr(p + 1, '\n');
		const char *arrow = strstr(p, "→ `");
		char title[128], want[40];
		assert_non_null(eol);
		assert_true(arrow != NULL && arrow < eol);
		snprintf(title, sizeof(title), "%.*s", (int)(eol - p - 1), p + 1);
		const char *tick = arrow + strlen("→ `");
		const char *close = strchr(tick, '`');
		assert_true(close != NULL && close < eol && (size_t)(close - tick) < sizeof(want));
		snprintf(want, sizeof(want), "%.*s", (int)(close - tick), tick);
		const char *fence = strstr(eol, "```\n");
		assert_true(fence != NULL && fence < end);
		size_t len = block_bytes(fence + 4, msg, sizeof(msg), &p);
		const char *got = judge(&j, msg, len);
		if (strcmp(got, want) != 0)
			fail_msg("%s: the receiver says %s", title, got);
		n++;
	}
	assert_true(n >= 15);
	assert_int_equal(kinds, sizeof(required) / sizeof(required[0]));
	print_message("%u negative vectors checked\n", n);
	free(doc);
	EVP_PKEY_free(j.pub);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_accepts),
		cmocka_unit_test(test_doc_vectors),
	};

	protocol_md = argc > 1 ? argv[1] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
