/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `dcf-conf --device DEVDIR --pki DIR --conf FILE`: give a device another
 * dcf.conf. The DCF partition is signed, so the new file only counts once
 * the partition's manifest lists its digest: the manifest is read back
 * verified with the vendor key (we re-sign only what the vendor signed),
 * its dcf.conf TRV replaced, and the whole re-signed.
 *
 * FILE must be a configuration the DCF accepts (its own parser decides),
 * and every DCF-partition file it names ([tls] ca, cert) must be one the
 * manifest lists, so the TrE verifies it before the DCF trusts it.
 *
 * Between writing dcf.conf and the manifest, the partition does not verify:
 * a crash there leaves a device whose TrE halts, never one that runs an
 * unverified configuration. Run it again to finish.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcf_config.h"
#include "hal/flash.h"
#include "prov_cmd.h"
#include "prov_flash.h"
#include "prov_fs.h"
#include "prov_log.h"
#include "prov_key.h"
#include "prov_manifest.h"

struct dcf_conf_args {
	const char *device, *pki, *conf, *key, *pkcs11_module;
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-provision dcf-conf --device DEVDIR --pki DIR|--key PATH|pkcs11:URI\n"
		"         [--pkcs11-module SO] --conf FILE\n"
		"  Replaces DEVDIR's dcf/%s with FILE (which the DCF must accept) and\n"
		"  re-signs the DCF partition's manifest with the vendor key (--key, else\n"
		"  DIR/vendor.key.pem; a pkcs11: key signs inside its token).\n",
		DCF_CONFIG_NAME);
}

static int parse_args(int argc, char **argv, struct dcf_conf_args *a)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "pki", required_argument, NULL, 'p' },
		{ "conf", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "pkcs11-module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*a = (struct dcf_conf_args){ 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': a->device = optarg; break;
		case 'p': a->pki = optarg; break;
		case 'c': a->conf = optarg; break;
		case 'k':
			if (!prov_key_arg_once("--key", &a->key, optarg))
				return PROV_EXIT_USAGE;
			break;
		case 'm':
			if (!prov_key_arg_once("--pkcs11-module", &a->pkcs11_module, optarg))
				return PROV_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return PROV_EXIT_USAGE;
		}
	}
	if (optind != argc || !a->device || (!a->pki && !a->key) || !a->conf) {
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	return PROV_EXIT_OK;
}

/* FILE, checked by the DCF's parser. Caller frees *text. */
static int read_conf(const char *path, uint8_t **text, size_t *len, struct dcf_config *cfg)
{
	struct dcf_config_error err;
	enum mayday_err rc = prov_fs_read_all(path, DCF_CONFIG_MAX, text, len);

	if (rc != MAYDAY_OK) {
		prov_log_error("cannot read --conf %s: %s", path, mayday_strerror(rc));
		return 0;
	}
	if (dcf_config_parse((const char *)*text, *len, cfg, &err) != MAYDAY_OK) {
		prov_log_error("the DCF would reject %s: %s%s%s", path, err.what,
			       err.key[0] ? " at " : "", err.key);
		return 0;
	}
	return 1;
}

/* A file the configuration names must be covered by the partition's manifest. */
static int listed(const struct mayday_manifest *m, const char *key, const char *name)
{
	if (!name[0] || mayday_manifest_find(m, name))
		return 1;
	prov_log_error("%s names %s, which the DCF partition's manifest does not list", key,
		       name);
	return 0;
}

static int replace_conf(const struct dcf_conf_args *a, const uint8_t *text, size_t len,
			const struct dcf_config *cfg)
{
	struct prov_key vendor;
	struct hal_flash *f = NULL;
	struct mayday_manifest m;
	struct mayday_trv *trv;
	enum mayday_err rc;
	int ok = 0;

	/* What was signed is checked with the public half of the key that
	 * re-signs: a device made with another vendor key is refused. */
	if (prov_key_open(&vendor, a->key, a->pki, a->pkcs11_module) != MAYDAY_OK)
		goto out;
	rc = hal_flash_open_provisioning(&f, a->device, "host");
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot open the device %s: %s", a->device, mayday_strerror(rc));
		goto out;
	}
	if (prov_manifest_read(f, HAL_PART_DCF, vendor.pub, &m) != MAYDAY_OK)
		goto out;
	if (m.kind != MAYDAY_MANIFEST_DCF) {
		prov_log_error("%s/%s is not a DCF manifest", HAL_PART_DCF, PROV_MANIFEST_NAME);
		goto out;
	}
	trv = NULL;
	for (uint32_t i = 0; i < m.n_trv; i++)
		if (strcmp(m.trv[i].name, DCF_CONFIG_NAME) == 0)
			trv = &m.trv[i];
	if (!trv) {
		prov_log_error("the DCF partition's manifest does not list %s", DCF_CONFIG_NAME);
		goto out;
	}
	if (!listed(&m, "[tls] ca", cfg->tls_ca) || !listed(&m, "[tls] cert", cfg->tls_cert) ||
	    !listed(&m, "[cwmp] ca", cfg->cwmp_ca) || !listed(&m, "[cwmp] cert", cfg->cwmp_cert))
		goto out;
	rc = prov_flash_put(f, HAL_PART_DCF, DCF_CONFIG_NAME, text, len, trv);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot write %s/%s: %s", HAL_PART_DCF, DCF_CONFIG_NAME,
			       mayday_strerror(rc));
		goto out;
	}
	ok = prov_manifest_write(f, HAL_PART_DCF, &m, &vendor.signer) == MAYDAY_OK;
out:
	hal_flash_close(f);
	prov_key_close(&vendor);
	return ok;
}

int prov_dcf_conf_main(int argc, char **argv)
{
	struct dcf_conf_args a;
	struct dcf_config cfg;
	uint8_t *text = NULL;
	size_t len = 0;
	int rc = parse_args(argc, argv, &a);
	int ok;

	if (rc != PROV_EXIT_OK)
		return rc < 0 ? PROV_EXIT_OK : rc;
	ok = read_conf(a.conf, &text, &len, &cfg) && replace_conf(&a, text, len, &cfg);
	free(text);
	if (ok)
		prov_log_info("%s/%s/%s replaced and the DCF partition re-signed", a.device,
			      HAL_PART_DCF, DCF_CONFIG_NAME);
	return ok ? PROV_EXIT_OK : PROV_EXIT_ERROR;
}
