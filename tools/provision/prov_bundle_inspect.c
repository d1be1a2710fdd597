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

static json_t *to_json(const char *path, const struct prov_bundle_check *c, int verify)
{
	json_t *o = json_object(), *comps = json_array();
	char hex[2 * MAYDAY_DIGEST_LEN + 1];

	json_object_set_new(o, "bundle", json_string(path));
	if (verify) {
		json_object_set_new(o, "verified", json_boolean(c->signature_ok && c->payloads_ok));
		json_object_set_new(o, "signature_ok", json_boolean(c->signature_ok));
		json_object_set_new(o, "payloads_ok", json_boolean(c->payloads_ok));
	} else {
		json_object_set_new(o, "verified", json_false());
	}
	if (c->error[0]) {
		json_object_set_new(o, "error", json_string(c->error));
		json_object_set_new(o, "error_offset", json_integer((json_int_t)c->error_offset));
	}
	if (!c->decoded) {
		json_decref(comps);
		return o;
	}
	json_object_set_new(o, "format", json_integer(1));
	json_object_set_new(o, "manifest_bytes", json_integer(c->manifest_len));
	json_object_set_new(o, "class", json_string(c->m.product_class));
	json_object_set_new(o, "image_version", json_string(c->m.image_version));
	/* The counter is 64 bits unsigned; JSON readers are exact to 2^53 and
	 * jansson's integers are signed: it also goes as a decimal string, and
	 * as a number only while it fits one (else null). */
	json_object_set_new(o, "rollback", c->m.rollback <= INT64_MAX
						   ? json_integer((json_int_t)c->m.rollback)
						   : json_null());
	char rb[24];
	snprintf(rb, sizeof rb, "%" PRIu64, c->m.rollback);
	json_object_set_new(o, "rollback_text", json_string(rb));
	json_object_set_new(o, "entry", json_string(c->m.entry));
	json_object_set_new(o, "payload_bytes", json_integer((json_int_t)c->payload_bytes));
	for (uint32_t i = 0; i < c->m.n_trv; i++) {
		const struct mayday_trv *t = &c->m.trv[i];
		json_t *e = json_object();
		mayday_hex(t->digest, sizeof t->digest, hex);
		json_object_set_new(e, "name", json_string(t->name));
		json_object_set_new(e, "size", json_integer((json_int_t)t->size));
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

	if (!c->decoded)
		return;
	printf("bundle %s: %s\n", path,
	       verify ? "verified (signature, every component's size and SHA-256)"
		      : "NOT verified (bundle verify checks it)");
	printf("class %s\nimage-version %s\nanti-rollback %" PRIu64 "\nentry %s\n"
	       "manifest %" PRIu32 " bytes, payload %" PRIu64 " bytes, %u components:\n",
	       c->m.product_class, c->m.image_version, c->m.rollback, c->m.entry,
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
