/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday_gen_vectors: prints the docs/protocol.md test vectors, so the
 * document and the unit tests carry the same bytes.
 *
 *   mayday_gen_vectors --c            the C block for vectors/test_vectors.c
 *   mayday_gen_vectors --md           the Markdown for docs/protocol.md
 *   mayday_gen_vectors --corpus DIR   seed inputs for the fuzz targets
 *   mayday_gen_vectors --neg-eat N    negative vectors of message version 2,
 *                                     numbered from N, freshly signed, for
 *                                     docs/protocol.md §10.1 (pasted once:
 *                                     test_negative_vectors reads them there)
 *
 * Claims are encoded from the example structs every time. ECDSA signatures
 * are randomized, so a signed vector is made once: when test_vectors.c
 * already holds one, it is reused (and checked to carry today's claims), so
 * running this again changes nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cbor.h>
#include <openssl/sha.h>

#include "mayday/cose.h"
#include "mayday/keys.h"
#include "test_vectors.h"

struct vec {
	const char *name;
	uint8_t bytes[MAYDAY_MANIFEST_MAX];
	size_t len;
};

static void die(const char *what)
{
	fprintf(stderr, "mayday_gen_vectors: %s\n", what);
	exit(1);
}

static void check(enum mayday_err err, const char *what)
{
	if (err != MAYDAY_OK) {
		fprintf(stderr, "mayday_gen_vectors: %s: %s\n", what, mayday_strerror(err));
		exit(1);
	}
}

/* A signed vector: the stored one if any (its payload must be `claims`), else fresh. */
static void signed_vec(struct vec *out, const char *stored_hex, const struct vec *claims,
		       EVP_PKEY *key, const char *kid)
{
	struct mayday_signer signer;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };

	if (stored_hex[0]) {
		size_t len;
		uint8_t *b = tv_unhex(stored_hex, &len);

		if (len > sizeof(out->bytes))
			die("stored vector too long");
		memcpy(out->bytes, b, len);
		out->len = len;
		free(b);
	} else {
		check(mayday_signer_from_pkey(&signer, key, (const uint8_t *)kid,
					      kid ? strlen(kid) : 0), "signer");
		check(mayday_cose_sign1_encode(&signer, claims->bytes, claims->len, out->bytes,
					       sizeof(out->bytes), &out->len), "sign");
	}
	if (mayday_cose_sign1_decode(out->bytes, out->len, sizeof(out->bytes), &msg, &diag)) {
		fprintf(stderr, "mayday_gen_vectors: signed vector: %s at %zu\n", diag.what,
			diag.offset);
		exit(1);
	}
	if (msg.payload_len != claims->len || memcmp(msg.payload, claims->bytes, claims->len))
		die("stored signed vector does not carry the current claims: clear it to re-sign");
}

/* CBOR diagnostic notation (RFC 8949 §8), indented, from trusted bytes. */
static void diag_item(FILE *f, cbor_item_t *it, int indent);

static void diag_indent(FILE *f, int indent)
{
	fprintf(f, "\n%*s", indent * 2, "");
}

static void diag_hex(FILE *f, const uint8_t *p, size_t n)
{
	fputs("h'", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputs("'", f);
}

static bool is_container(cbor_item_t *it)
{
	return cbor_typeof(it) == CBOR_TYPE_ARRAY || cbor_typeof(it) == CBOR_TYPE_MAP;
}

/* Up to two scalar entries: printed on one line. */
static bool small(cbor_item_t *it)
{
	if (cbor_typeof(it) == CBOR_TYPE_ARRAY) {
		for (size_t i = 0; i < cbor_array_size(it); i++)
			if (is_container(cbor_array_handle(it)[i]))
				return false;
		return cbor_array_size(it) <= 2;
	}
	for (size_t i = 0; i < cbor_map_size(it); i++)
		if (is_container(cbor_map_handle(it)[i].value))
			return false;
	return cbor_map_size(it) <= 2;
}

static void diag_item(FILE *f, cbor_item_t *it, int indent)
{
	switch (cbor_typeof(it)) {
	case CBOR_TYPE_UINT:
		fprintf(f, "%" PRIu64, cbor_get_int(it));
		break;
	case CBOR_TYPE_NEGINT:
		fprintf(f, "-%" PRIu64, cbor_get_int(it) + 1);
		break;
	case CBOR_TYPE_BYTESTRING:
		diag_hex(f, cbor_bytestring_handle(it), cbor_bytestring_length(it));
		break;
	case CBOR_TYPE_STRING:
		fprintf(f, "\"%.*s\"", (int)cbor_string_length(it),
			(const char *)cbor_string_handle(it));
		break;
	case CBOR_TYPE_ARRAY: {
		cbor_item_t **items = cbor_array_handle(it);
		size_t n = cbor_array_size(it);
		bool flat = small(it);

		fputs("[", f);
		for (size_t i = 0; i < n; i++) {
			if (!flat)
				diag_indent(f, indent + 1);
			diag_item(f, items[i], indent + 1);
			if (i + 1 < n)
				fputs(flat ? ", " : ",", f);
		}
		if (n && !flat)
			diag_indent(f, indent);
		fputs("]", f);
		break;
	}
	case CBOR_TYPE_MAP: {
		struct cbor_pair *pairs = cbor_map_handle(it);
		size_t n = cbor_map_size(it);
		bool flat = small(it);

		fputs("{", f);
		for (size_t i = 0; i < n; i++) {
			if (!flat)
				diag_indent(f, indent + 1);
			diag_item(f, pairs[i].key, indent + 1);
			fputs(": ", f);
			diag_item(f, pairs[i].value, indent + 1);
			if (i + 1 < n)
				fputs(flat ? ", " : ",", f);
		}
		if (n && !flat)
			diag_indent(f, indent);
		fputs("}", f);
		break;
	}
	case CBOR_TYPE_FLOAT_CTRL:
		if (cbor_is_bool(it))
			fputs(cbor_get_bool(it) ? "true" : "false", f);
		else if (cbor_is_null(it))
			fputs("null", f);
		else
			die("unexpected simple value");
		break;
	default:
		die("unexpected CBOR type");
	}
}

static void diag_bytes(FILE *f, const uint8_t *p, size_t n)
{
	struct cbor_load_result res;
	cbor_item_t *it = cbor_load(p, n, &res);

	if (!it || res.read != n)
		die("vector is not one CBOR item");
	diag_item(f, it, 0);
	cbor_decref(&it);
}

static void hex_block(FILE *f, const struct vec *v)
{
	for (size_t i = 0; i < v->len; i++) {
		fprintf(f, "%02x", v->bytes[i]);
		if (i % 32 == 31 || i + 1 == v->len)
			fputs("\n", f);
	}
}

static void md_claims(const char *title, const struct vec *v)
{
	printf("#### %s (%zu bytes)\n\n```\n", title, v->len);
	hex_block(stdout, v);
	printf("```\n\nDiagnostic notation:\n\n```\n");
	diag_bytes(stdout, v->bytes, v->len);
	printf("\n```\n\n");
}

static void md_signed(const char *title, const struct vec *v, const char *payload_title)
{
	static struct {
		struct tv_cbor cbor;
		struct vec v;
	} tbs;
	struct mayday_cose_sign1 msg;
	struct mayday_diag d = { 0 };

	check(mayday_cose_sign1_decode(v->bytes, v->len, sizeof(v->bytes), &msg, &d), "decode");
	printf("#### %s (%zu bytes)\n\n```\n", title, v->len);
	hex_block(stdout, v);
	printf("```\n\nDiagnostic notation:\n\n```\n18([\n  << ");
	diag_bytes(stdout, msg.protected_hdr, msg.protected_len);
	printf(" >>,\n  {");
	if (msg.kid_len) {
		printf("4: ");
		diag_hex(stdout, msg.kid, msg.kid_len);
		printf(" / \"%.*s\" /", (int)msg.kid_len, (const char *)msg.kid);
	}
	printf("},\n  << %s >>,\n  ", payload_title);
	diag_hex(stdout, msg.signature, MAYDAY_ES256_SIG_LEN);
	printf("\n])\n```\n\n");

	/* ["Signature1", protected, h'', payload]: what the signature covers. */
	tvc_init(&tbs.cbor);
	tvc_array(&tbs.cbor, 4);
	tvc_tstr(&tbs.cbor, "Signature1");
	tvc_bstr(&tbs.cbor, msg.protected_hdr, msg.protected_len);
	tvc_bstr(&tbs.cbor, NULL, 0);
	tvc_bstr(&tbs.cbor, msg.payload, msg.payload_len);
	memcpy(tbs.v.bytes, tbs.cbor.buf, tbs.cbor.len);
	tbs.v.len = tbs.cbor.len;
	printf("Sig_structure (the bytes signed, %zu bytes):\n\n```\n", tbs.v.len);
	hex_block(stdout, &tbs.v);
	printf("```\n\n");
}

static void c_line(const char *name, const struct vec *v)
{
	printf("const char %s[] =", name);
	for (size_t i = 0; i < v->len; i++) {
		if (i % 32 == 0)
			printf("\n\t\"");
		printf("%02x", v->bytes[i]);
		if (i % 32 == 31 || i + 1 == v->len)
			printf("\"");
	}
	if (v->len == 0)
		printf(" \"\"");
	printf(";\n");
}

static void write_seed(const char *dir, const char *sub, const char *name, const struct vec *v)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die("mkdir");
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(v->bytes, 1, v->len, f) != v->len || fclose(f) != 0)
		die("write seed");
}

/* Replaces the first `n` bytes equal to `from` in v with `to` (len_to
 * bytes), shifting the rest. */
static void patch(struct vec *v, const void *from, size_t n, const void *to, size_t len_to)
{
	uint8_t *at = NULL;

	for (size_t i = 0; i + n <= v->len && !at; i++)
		if (memcmp(v->bytes + i, from, n) == 0)
			at = v->bytes + i;
	if (!at || v->len - n + len_to > sizeof(v->bytes))
		die("patch: pattern not found");
	memmove(at + len_to, at + n, v->len - (size_t)(at - v->bytes) - n);
	memcpy(at, to, len_to);
	v->len = v->len - n + len_to;
}

static void neg_vec(unsigned *n, const char *title, const char *err, const char *how,
		    const struct vec *claims, EVP_PKEY *key)
{
	static struct vec s;

	signed_vec(&s, "", claims, key, "hnb-acme-000123");
	printf("#### N%u. %s → `%s`\n\n%s\n\n```\n", (*n)++, title, err, how);
	hex_block(stdout, &s);
	printf("```\n\n");
}

/* Negative vectors of message version 2 (§10.1), each one deviation from
 * the §10 version 2 indication, validly signed. */
static void neg_eat(unsigned n, const struct vec *eat, EVP_PKEY *key)
{
	static struct vec v;
	struct mayday_indication i;
	uint8_t ueid[33], other[33];

	ueid[0] = other[0] = 0x01;
	mayday_sha256("hnb-acme-000123", 15, ueid + 1);
	mayday_sha256("hnb-acme-000124", 15, other + 1);
	v = *eat;
	patch(&v, ueid, sizeof(ueid), other, sizeof(other));
	neg_vec(&n, "Version 2: ueid of another device", "MAYDAY_E_MALFORMED",
		"The §10 version 2 claims with `ueid` = `01` ‖ SHA-256(\"hnb-acme-000124\"), "
		"device ID `hnb-acme-000123`; validly signed.", &v, key);
	v = *eat;
	patch(&v, "eat/2", 5, "eat/3", 5);
	neg_vec(&n, "Version 2: another EAT profile", "MAYDAY_E_UNSUPPORTED",
		"`eat_profile` = `\"tag:mayday,2026:eat/3\"`; validly signed.", &v, key);
	v = *eat;
	patch(&v, "\x07\x48\x00\x00\x00\x00\x00\x00\x00\x2a", 10,
	      "\x07\x47\x00\x00\x00\x00\x00\x00\x2a", 9);
	neg_vec(&n, "Version 2: cti of 7 bytes", "MAYDAY_E_MALFORMED",
		"`cti` of 7 bytes (`47 0000000000002a`) instead of 8 (`48 000000000000002a`); "
		"validly signed.",
		&v, key);
	tv_example_indication_eat(&i);
	i.counter = 41;
	check(mayday_indication_encode_claims(&i, v.bytes, sizeof(v.bytes), &v.len), "neg");
	neg_vec(&n, "Version 2: counter below the mark", "REJECTED",
		"The §10 version 2 claims with counter 41; validly signed. The receiver holds the "
		"§10 (version 1) indication, mark 42: the counter rule spans both versions.", &v, key);
	neg_vec(&n, "Version 2 under a counter stored as version 1", "REJECTED",
		"The §10 version 2 claims (counter 42), freshly signed. The receiver holds the §10 "
		"version 1 indication under counter 42: the same indication in the other version is "
		"other claims under a stored counter.", eat, key);
}

/* RFC 9162 hashes, over OpenSSL's SHA-256 directly (not libmayday's tree). */
static void rfc_leaf(const struct vec *d, uint8_t out[32])
{
	uint8_t buf[MAYDAY_ACK_MAX + 1];

	buf[0] = 0x00;
	memcpy(buf + 1, d->bytes, d->len);
	SHA256(buf, d->len + 1, out);
}

static void rfc_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	SHA256(buf, sizeof(buf), out);
}

struct batch_vec {
	uint8_t leaf[3][32], node01[32], root[32];
	struct vec root_claims, root_cose, ack;
};

/* The §7.2 example: leaves = the retry-after, wait and remediate claims;
 * MTH = H(0x01 || H(0x01 || l0 || l1) || l2); leaf 2's path = [node 0-1]. */
static void batch_vectors(struct batch_vec *b, const struct vec *l0, const struct vec *l1,
			  const struct vec *l2, EVP_PKEY *key)
{
	struct tv_cbor c;

	rfc_leaf(l0, b->leaf[0]);
	rfc_leaf(l1, b->leaf[1]);
	rfc_leaf(l2, b->leaf[2]);
	rfc_node(b->leaf[0], b->leaf[1], b->node01);
	rfc_node(b->node01, b->leaf[2], b->root);
	tvc_init(&c);
	tvc_map(&c, 3);
	tvc_uint(&c, 0);
	tvc_uint(&c, 1);
	tvc_uint(&c, 1);
	tvc_uint(&c, 3);
	tvc_uint(&c, 2);
	tvc_bstr(&c, b->root, 32);
	memcpy(b->root_claims.bytes, c.buf, c.len);
	b->root_claims.len = c.len;
	signed_vec(&b->root_cose, tv_ack_batch_root_cose_hex, &b->root_claims, key, TV_ACK_KID);
	tvc_init(&c);
	tvc_array(&c, 4);
	tvc_bstr(&c, l2->bytes, l2->len);
	tvc_uint(&c, 2);
	tvc_array(&c, 1);
	tvc_bstr(&c, b->node01, 32);
	tvc_bstr(&c, b->root_cose.bytes, b->root_cose.len);
	memcpy(b->ack.bytes, c.buf, c.len);
	b->ack.len = c.len;
}

static void md_hash(const char *name, const uint8_t h[32])
{
	printf("%-28s", name);
	for (int i = 0; i < 32; i++)
		printf("%02x", h[i]);
	printf("\n");
}

static void md_batch(const struct batch_vec *b)
{
	printf("#### Batch acknowledgement tree (3 leaves)\n\n"
	       "Leaves: the retry-after, wait and remediate claims above, in that order.\n\n```\n");
	md_hash("leaf 0 = H(00 || retry)", b->leaf[0]);
	md_hash("leaf 1 = H(00 || wait)", b->leaf[1]);
	md_hash("leaf 2 = H(00 || remediate)", b->leaf[2]);
	md_hash("node = H(01 || l0 || l1)", b->node01);
	md_hash("root = H(01 || node || l2)", b->root);
	printf("```\n\n");
	md_claims("Batch root claims", &b->root_claims);
	md_signed("Signed batch root", &b->root_cose, "batch root claims above");
	printf("#### Batch acknowledgement, remediate, leaf 2 of 3 (%zu bytes)\n\n```\n",
	       b->ack.len);
	hex_block(stdout, &b->ack);
	printf("```\n\nDiagnostic notation:\n\n```\n[\n  << remediate claims above >>,\n  2,\n"
	       "  [h'");
	for (int i = 0; i < 32; i++)
		printf("%02x", b->node01[i]);
	printf("'],\n  << signed batch root above >>\n]\n```\n\n");
}

int main(int argc, char **argv)
{
	static struct vec ev, aev, ind, ind_cose, eat, eat_cose, ack, ackw, ackr, ackr_cose, man, man_cose;
	static struct batch_vec bv;
	struct mayday_evidence e;
	struct mayday_indication i;
	struct mayday_ack a;
	struct mayday_manifest m;
	EVP_PKEY *key = tv_key();

	tv_example_evidence(&e);
	check(mayday_evidence_encode(&e, ev.bytes, sizeof(ev.bytes), &ev.len), "evidence");
	tv_example_attach_evidence(&e);
	check(mayday_evidence_encode(&e, aev.bytes, sizeof(aev.bytes), &aev.len), "attach evidence");
	tv_example_indication(&i);
	check(mayday_indication_encode_claims(&i, ind.bytes, sizeof(ind.bytes), &ind.len),
	      "indication");
	tv_example_indication_eat(&i);
	check(mayday_indication_encode_claims(&i, eat.bytes, sizeof(eat.bytes), &eat.len),
	      "EAT indication");
	tv_example_ack(&a);
	check(mayday_ack_encode_claims(&a, ack.bytes, sizeof(ack.bytes), &ack.len), "ack");
	tv_example_ack_wait(&a);
	check(mayday_ack_encode_claims(&a, ackw.bytes, sizeof(ackw.bytes), &ackw.len), "ack");
	tv_example_ack_remediate(&a);
	check(mayday_ack_encode_claims(&a, ackr.bytes, sizeof(ackr.bytes), &ackr.len), "ack");
	tv_example_manifest(&m);
	check(mayday_manifest_encode_claims(&m, man.bytes, sizeof(man.bytes), &man.len),
	      "manifest");
	signed_vec(&ind_cose, tv_indication_cose_hex, &ind, key, i.device_id);
	signed_vec(&eat_cose, tv_indication_eat_cose_hex, &eat, key, i.device_id);
	signed_vec(&ackr_cose, tv_ack_remediate_cose_hex, &ackr, key, TV_ACK_KID);
	signed_vec(&man_cose, tv_manifest_cose_hex, &man, key, NULL);
	batch_vectors(&bv, &ack, &ackw, &ackr, key);
	EVP_PKEY_free(key);

	if (argc == 2 && strcmp(argv[1], "--c") == 0) {
		c_line("tv_evidence_hex", &ev);
		c_line("tv_attach_evidence_hex", &aev);
		c_line("tv_indication_claims_hex", &ind);
		c_line("tv_indication_cose_hex", &ind_cose);
		c_line("tv_indication_eat_claims_hex", &eat);
		c_line("tv_indication_eat_cose_hex", &eat_cose);
		c_line("tv_ack_claims_hex", &ack);
		c_line("tv_ack_wait_claims_hex", &ackw);
		c_line("tv_ack_remediate_claims_hex", &ackr);
		c_line("tv_ack_remediate_cose_hex", &ackr_cose);
		c_line("tv_ack_batch_root_claims_hex", &bv.root_claims);
		c_line("tv_ack_batch_root_cose_hex", &bv.root_cose);
		c_line("tv_ack_batch_hex", &bv.ack);
		c_line("tv_manifest_claims_hex", &man);
		c_line("tv_manifest_cose_hex", &man_cose);
	} else if (argc == 2 && strcmp(argv[1], "--md") == 0) {
		md_claims("Evidence", &ev);
		md_claims("Evidence, attach-failed", &aev);
		md_claims("Indication claims", &ind);
		md_signed("Signed indication", &ind_cose, "indication claims above");
		md_claims("Indication claims, version 2 (EAT)", &eat);
		md_signed("Signed indication, version 2 (EAT)", &eat_cose,
			  "version 2 claims above");
		md_claims("Acknowledgement claims, retry-after", &ack);
		md_claims("Acknowledgement claims, wait", &ackw);
		md_claims("Acknowledgement claims, remediate", &ackr);
		md_signed("Signed acknowledgement, remediate", &ackr_cose,
			  "remediate claims above");
		md_batch(&bv);
		md_claims("Manifest claims", &man);
		md_signed("Signed manifest", &man_cose, "manifest claims above");
	} else if (argc == 3 && strcmp(argv[1], "--neg-eat") == 0) {
		key = tv_key();
		neg_eat((unsigned)strtoul(argv[2], NULL, 10), &eat, key);
		EVP_PKEY_free(key);
	} else if (argc == 3 && strcmp(argv[1], "--corpus") == 0) {
		write_seed(argv[2], "fuzz_evidence", "example", &ev);
		write_seed(argv[2], "fuzz_evidence", "attach", &aev);
		write_seed(argv[2], "fuzz_indication", "claims", &ind);
		write_seed(argv[2], "fuzz_indication", "signed", &ind_cose);
		write_seed(argv[2], "fuzz_indication", "claims-eat", &eat);
		write_seed(argv[2], "fuzz_indication", "signed-eat", &eat_cose);
		write_seed(argv[2], "fuzz_ack", "claims-retry", &ack);
		write_seed(argv[2], "fuzz_ack", "claims-wait", &ackw);
		write_seed(argv[2], "fuzz_ack", "claims-remediate", &ackr);
		write_seed(argv[2], "fuzz_ack", "signed-remediate", &ackr_cose);
		write_seed(argv[2], "fuzz_ack_batch", "batch-remediate", &bv.ack);
		write_seed(argv[2], "fuzz_ack_batch", "signed-root", &bv.root_cose);
		write_seed(argv[2], "fuzz_ack_batch", "single-remediate", &ackr_cose);
		write_seed(argv[2], "fuzz_manifest", "claims", &man);
		write_seed(argv[2], "fuzz_manifest", "signed", &man_cose);
		write_seed(argv[2], "fuzz_cose", "indication", &ind_cose);
		write_seed(argv[2], "fuzz_cose", "ack", &ackr_cose);
		write_seed(argv[2], "fuzz_cose", "manifest", &man_cose);
	} else {
		fprintf(stderr, "usage: %s --c | --md | --corpus DIR | --neg-eat N\n", argv[0]);
		return 2;
	}
	return 0;
}
