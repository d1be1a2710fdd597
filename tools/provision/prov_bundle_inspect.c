/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bundle info BUNDLE [--json]` prints a bundle's manifest without trusting
 * it (signature and payloads not checked: say so); `bundle verify BUNDLE
 * --vendor-pub PEM [--json]` checks the signature with the vendor's public
 * key, then every component's size and digest, streaming (prov_bundle_read.h).
 * Exit: 0 decoded / verified, 1 could not run (no file, no key), 2 usage,
 * 3 the bundle is rejected (the reason and its byte offset on stderr, and
 * in the JSON).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "mayday/keys.h"
#include "prov_bundle_read.h"
#include "prov_cmd.h"
#include "prov_log.h"

#define PROV_PATH_SHOWN 1024  /* bytes of the bundle's path shown as text, at most */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-provision bundle info BUNDLE [--json]\n"
		"       mayday-provision bundle verify BUNDLE --vendor-pub PEM [--json]\n"
		"  info prints the manifest (class, version, anti-rollback, components with\n"
		"  sizes and SHA-256), unverified; verify checks the signature with PEM, then\n"
		"  each component's size and digest.\n"
		"  exit: %d ok, %d error, %d usage, %d bundle rejected\n",
		PROV_EXIT_OK, PROV_EXIT_ERROR, PROV_EXIT_USAGE, PROV_EXIT_REJECTED);
}

/* A 64-bit unsigned value: a JSON number while jansson's signed integers
 * hold it (else null), and always exact as KEY_text. */
static void set_u64(json_t *o, const char *key, uint64_t v)
{
	char text_key[64], text[24];

	json_object_set_new(o, key, v <= INT64_MAX ? json_integer((json_int_t)v) : json_null());
	snprintf(text_key, sizeof text_key, "%s_text", key);
	snprintf(text, sizeof text, "%" PRIu64, v);
	json_object_set_new(o, text_key, json_string(text));
}

/* A string from the bundle or the command line: jansson refuses invalid
 * UTF-8 (json_string gives NULL, and the key would silently vanish), so
 * such a string goes with each byte >= 0x80 written as \xNN. */
static json_t *text_value(const char *s)
{
	json_t *v = json_string(s);
	char out[4 * 300 + 1];
	size_t o = 0;

	if (v)
		return v;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < sizeof out; p++) {
		if (*p >= 0x80)
			o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return json_string(out);
}

/* For a terminal: C0 controls, DEL and the C1 controls (U+0080..U+009F, in
 * UTF-8 0xC2 0x80..0x9F) are written as \xNN, so a manifest cannot send
 * escape sequences to whoever runs bundle info. At most cap - 1 bytes. */
static const char *printable(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	for (; *p && o + 9 < cap; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			o += (size_t)snprintf(out + o, cap - o, "\\xc2\\x%02x", p[1]);
			p++;
		} else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return out;
}

static json_t *to_json(const char *path, const struct prov_bundle_check *c, int verify)
{
	json_t *o = json_object(), *comps = json_array();
	char hex[2 * MAYDAY_DIGEST_LEN + 1];

	json_object_set_new(o, "bundle", text_value(path));
	if (verify) {
		json_object_set_new(o, "verified", json_boolean(c->signature_ok && c->payloads_ok));
		json_object_set_new(o, "signature_ok", json_boolean(c->signature_ok));
		json_object_set_new(o, "payloads_ok", json_boolean(c->payloads_ok));
	} else {
		json_object_set_new(o, "verified", json_false());
	}
	if (c->error[0]) {
		json_object_set_new(o, "error", text_value(c->error));
		json_object_set_new(o, "error_offset", json_integer((json_int_t)c->error_offset));
	}
	if (!c->decoded) {
		json_decref(comps);
		return o;
	}
	json_object_set_new(o, "format", json_integer(1));
	json_object_set_new(o, "manifest_bytes", json_integer(c->manifest_len));
	json_object_set_new(o, "class", text_value(c->m.product_class));
	json_object_set_new(o, "image_version", text_value(c->m.image_version));
	/* 64-bit unsigned values; JSON readers are exact to 2^53 and jansson's
	 * integers are signed: each also goes as a decimal string, and as a
	 * number only while it fits one (else null). */
	set_u64(o, "rollback", c->m.rollback);
	json_object_set_new(o, "entry", text_value(c->m.entry));
	set_u64(o, "payload_bytes", c->payload_bytes);
	for (uint32_t i = 0; i < c->m.n_trv; i++) {
		const struct mayday_trv *t = &c->m.trv[i];
		json_t *e = json_object();
		mayday_hex(t->digest, sizeof t->digest, hex);
		json_object_set_new(e, "name", text_value(t->name));
		set_u64(e, "size", t->size);
		json_object_set_new(e, "sha256", json_string(hex));
		json_object_set_new(e, "designated", json_boolean(t->designated));
		json_array_append_new(comps, e);
	}
	json_object_set_new(o, "components", comps);
	return o;
}

static void print_text(const char *path, const struct prov_bundle_check *c, int verify)
{
	char hex[2 * MAYDAY_DIGEST_LEN + 1];
	char p1[4 * PROV_PATH_SHOWN + 1], p2[4 * sizeof c->m.product_class + 1],
		p3[4 * sizeof c->m.image_version + 1];

	if (!c->decoded)
		return;
	printf("bundle %s: %s\n", printable(path, p1, sizeof p1),
	       verify ? "verified (signature, every component's size and SHA-256)"
		      : "NOT verified (bundle verify checks it)");
	printf("class %s\nimage-version %s\nanti-rollback %" PRIu64 "\nentry %s\n"
	       "manifest %" PRIu32 " bytes, payload %" PRIu64 " bytes, %u components:\n",
	       printable(c->m.product_class, p2, sizeof p2),
	       printable(c->m.image_version, p3, sizeof p3), c->m.rollback, c->m.entry,
	       c->manifest_len, c->payload_bytes, c->m.n_trv);
	for (uint32_t i = 0; i < c->m.n_trv; i++) {
		const struct mayday_trv *t = &c->m.trv[i];
		mayday_hex(t->digest, sizeof t->digest, hex);
		printf("  %-24s %12" PRIu64 "  sha256:%s%s\n", t->name, t->size, hex,
		       t->designated ? "  designated" : "");
	}
}

int prov_bundle_inspect_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vendor-pub", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const int verify = strcmp(argv[0], "verify") == 0;
	const char *pub_path = NULL, *path;
	struct prov_bundle_check *c = NULL;
	EVP_PKEY *pub = NULL;
	FILE *in = NULL;
	int json = 0, opt, code = PROV_EXIT_ERROR;
	enum mayday_err rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k': pub_path = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return PROV_EXIT_OK;
		default: usage(stderr); return PROV_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || (verify && !pub_path) || (!verify && pub_path)) {
		prov_log_error(verify ? "bundle verify takes BUNDLE and --vendor-pub PEM"
				      : "bundle info takes BUNDLE (and --json)");
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	path = argv[optind];
	if (verify && (rc = mayday_key_load_public(pub_path, &pub)) != MAYDAY_OK) {
		prov_log_error("cannot load --vendor-pub %s: %s", pub_path, mayday_strerror(rc));
		return PROV_EXIT_ERROR;
	}
	c = calloc(1, sizeof *c);
	in = c ? fopen(path, "rb") : NULL;
	if (!in) {
		prov_log_error("cannot open %s", path);
		goto out;
	}
	rc = prov_bundle_check(in, pub, c);
	if (rc == MAYDAY_E_IO) {
		prov_log_error("%s: %s", path, c->error);
		goto out;
	}
	code = rc == MAYDAY_OK ? PROV_EXIT_OK : PROV_EXIT_REJECTED;
	if (rc != MAYDAY_OK)
		prov_log_error("%s: rejected at byte %" PRIu64 ": %s", path, c->error_offset,
			       c->error);
	if (json) {
		json_t *o = to_json(path, c, verify);
		if (json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			code = PROV_EXIT_ERROR;
		json_decref(o);
		putchar('\n');
	} else if (rc == MAYDAY_OK) {
		print_text(path, c, verify);
	}
	if (fflush(stdout) != 0)
		code = PROV_EXIT_ERROR;
out:
	if (in)
		fclose(in);
	free(c);
	EVP_PKEY_free(pub);
	return code;
}
