/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `device`: make one device directory from the PKI and two programs.
 *
 *   rot/     identity, a freshly generated distress key (it exists nowhere
 *            else), anchors: vendor key, H(e)MS key (hal_rot_file_provision),
 *            normal code's device credentials, sealed (prov_normal.h),
 *            and a fresh PSK with its random psk_kid for the PSK method
 *            (hal_rot_file_provision_psk), whichever methods dcf.conf lists,
 *            so the method can be switched on later by a new dcf.conf alone.
 *            With --rot tpm2 --tcti TCTI the RoT is that TPM instead
 *            (hal_rot_tpm2_provision): the distress key and the device
 *            credentials' key are made inside it, the PSK's HKDF key and
 *            the seal secret go into it, and rot/ holds only the sealed
 *            credentials blob (certificates, no key: the device
 *            credentials certificate is issued for the TPM key's public
 *            half, prov_normal_chain); the DCF certificate and the
 *            enrolment carry the distress key's public half
 *   dcf/     mayday-dcf, dcf.conf, hems.pub.pem, dcf-cert.pem (the device's
 *            TLS client certificate), operator-ca.pem (the CA that vouches
 *            for the H(e)MS's TLS server), with --ipsec-daemon the IKE
 *            daemon the DCF starts for the ipsec method (prov_ipsec.h),
 *            manifest.cose (MAYDAY_MANIFEST_DCF, every file designated)
 *   state/   normal.conf, normal code's own settings (prov_normal.h)
 *   slot_a/  comp-<i>.bin, normal, notes.txt, manifest.cose
 *            (MAYDAY_MANIFEST_IMAGE with the TRVs; notes.txt not designated)
 *
 * Every device file is written through the flash HAL and hashed as it is
 * written, so the TRVs are the digests of exactly the bytes on flash.
 * dcf.conf (prov_conf_text.c) is checked with the DCF's own parser before
 * it is written: a device is never made with a configuration its DCF would
 * reject. The
 * device's public key and certificate are also left in PKI/devices/ for
 * enrolment, with --enrol done here directly, and so is its enrolment
 * record, PKI/devices/<ID>.enrolment.json (docs/protocol.md §14: ID, class,
 * distress key, and the PSK with its kid sealed under the PKI's KEK,
 * PKI/psk.kek, the file maydayd's psk_kek names), which `maydayctl enrol
 * --from` imports into any store kept under that KEK. The PSK is in clear
 * only in the device's RoT: the store holds it sealed under the same KEK,
 * and so does the record. Provisioning holds the KEK anyway, as it holds
 * the CA key: handing the PSK to maydayd instead would mean an enrolment
 * API on the daemon for a secret the tool already has.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/x509.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dcf_config.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/file.h"
#include "mayday/keys.h"
#include "mayday/manifest.h"
#include "mayday/psk.h"
#include "mayday_version.h"
#include "prov_args.h"
#include "prov_cmd.h"
#include "prov_conf_text.h"
#include "prov_flash.h"
#include "prov_ipsec.h"
#include "prov_fs.h"
#include "prov_log.h"
#include "prov_manifest.h"
#include "prov_normal.h"
#include "prov_key.h"
#include "prov_pki.h"
#include "prov_rotagent.h"
#include "prov_x509.h"
#include "enrol_rec.h"
#include "mayday/kek.h"
#include "store.h"
#include "store_api.h"

#define DEFAULT_COMPONENTS     3
#define DEFAULT_COMPONENT_SIZE 4096
#define DEFAULT_IMAGE_VERSION  "1.0.0"
#define DEFAULT_ROLLBACK       1
#define DEFAULT_MAX_IMAGE      (UINT64_C(256) << 20)
#define MAX_COMPONENT_SIZE     (UINT64_C(1) << 40)
#define DEVICE_CERT_DAYS       3650
/* comp-<i>.bin plus the entry program and notes.txt must fit one manifest. */
#define MAX_COMPONENTS         (MAYDAY_MAX_COMPONENTS - 2)

#define DCF_PROGRAM   "mayday-dcf"
#define DCF_HEMS_PUB  "hems.pub.pem"
#define NORMAL_ENTRY  "normal"
#define NOTES_NAME    "notes.txt"

struct device_args {
	const char *pki, *out, *id, *class_, *dcf_bin, *normal_bin;
	const char *image_version, *enrol;
	const char *key, *pkcs11_module;   /* --key, --pkcs11-module (prov_key.h) */
	uint64_t components, component_size, rollback, max_image_size;
	int tls_pin;
	const char *rot;         /* --rot: "file" (default) or "tpm2" */
	const char *tcti;        /* --tcti, with --rot tpm2 */
	uint64_t pcr;            /* --pcr, with --rot tpm2; 0: the backend's default */
	const char *owner_auth;  /* --owner-auth-file, with --rot tpm2; NULL: the default */
	struct prov_conf conf;   /* the dcf.conf options */
	struct prov_ipsec ipsec; /* the IKE daemon of the partition (--ipsec-daemon ...) */
	const char *rot_agent;   /* --rot-agent PATH: mayday-rot-agent (prov_rotagent.h) */
};

struct keys {
	struct prov_key vendor; /* signs the manifests; vendor.pub anchors them */
	EVP_PKEY *hems_pub;  /* verifies acknowledgements: the RoT anchor */
	X509 *tls_cert;      /* the H(e)MS TLS server's: --tls-pin pins its key */
	EVP_PKEY *ca_key;
	X509 *ca_cert;
	EVP_PKEY *device;    /* the new distress key */
	uint8_t psk[MAYDAY_PSK_LEN];      /* the new PSK; wiped before exit */
	uint8_t kid[MAYDAY_PSK_KID_GEN];  /* its psk_kid */
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mayday-provision device --pki DIR --out DEVDIR --id ID --class CLASS\n"
		"         --dcf-bin PATH --normal-bin PATH  H(E)MS...\n"
		"         [--methods LIST] [--components N] [--component-size BYTES]\n"
		"         [--image-version V] [--rollback R] [--max-image-size BYTES]\n"
		"         [--enrol sqlite:DBPATH] [--rot file|tpm2 --tcti TCTI [--pcr N]\n"
		"         [--owner-auth-file FILE]] [--key PATH|pkcs11:URI [--pkcs11-module SO]]\n"
		"  Makes the device DEVDIR (which must not exist or be empty): RoT with a new\n"
		"  distress key, the DCF partition (PATH of mayday-dcf, its dcf.conf, the\n"
		"  device's TLS certificate and the operator CA, signed manifest) and slot A\n"
		"  (the normal entry program, N random components of BYTES each, signed TRV\n"
		"  manifest). Defaults: N=%d, BYTES=%d, V=%s, R=%d. Normal code gets its own\n"
		"  device key and certificate (OU " MAYDAY_DEVICE_CERT_OU "), sealed in the RoT\n"
		"  for verified start-ups only, and state/normal.conf. Every device gets a PSK\n"
		"  for the PSK method in its RoT. --enrol enrols the key and the PSK (sealed\n"
		"  under the PKI's psk.kek). The enrolment record (maydayctl enrol --from)\n"
		"  is left in DIR/devices/ID.enrolment.json, its PSK sealed the same way.\n"
		"  --key signs the manifests with another vendor key than DIR/vendor.key.pem:\n"
		"  a PEM file, or pkcs11:URI for a key in a PKCS#11 token (HSM), which never\n"
		"  leaves it; the devices then anchor that key's public half.\n"
		"  H(E)MS: where the DCF sends its distress indication, one or more of\n"
		"    --hems-tls URL             https://ADDRESS:PORT/v1/distress (mutual TLS 1.3)\n"
		"      --tls-server-name NAME   name the server certificate must carry (%s)\n"
		"      --tls-pin                also pin the PKI's H(e)MS TLS key (SHA-256 of its SPKI)\n"
		"    --hems-ipsec-endpoint A:P  through the CHILD_SA, with --ipsec-vici PATH\n"
		"      [--ipsec-child NAME]     (default distress)\n"
		"      or the IKE daemon in the DCF partition, which the DCF starts itself:\n"
		"      --ipsec-daemon DIR|auto  charon and plugins/ (auto: %s)\n"
		"      --ipsec-conf FILE        swanctl.conf: the distress connection, secrets\n"
		"      [--ipsec-cred TYPE:FILE] a credential for swanctl/TYPE/ (repeatable)\n"
		"      [--ipsec-plugins LIST]   charon's plugins (%s)\n"
		"      [--ipsec-swanctl PATH]   (DIR/swanctl, else %s)\n"
		"    --hems-psk A:P             PSK-sealed datagrams\n"
		"    --hems-udp A:P             plain UDP   (--hems udp:A:P is the same)\n"
		"    --hems-http URL            http://ADDRESS:PORT/v1/distress\n"
		"  --rot tpm2 --tcti TCTI  the RoT is the TPM 2.0 behind TCTI (device:/dev/tpmrm0,\n"
		"                 swtpm:path=SOCK): the distress key is made inside it, the DCF\n"
		"                 certificate and the enrolment use its public half; the device\n"
		"                 then runs with --rot tpm2:TCTI. --pcr: the measurement PCR, 8..15\n"
		"                 (default 15). The TPM's owner and lockout authorization are set\n"
		"                 to --owner-auth-file FILE's bytes, by default\n"
		"                 PKI/devices/ID.tpm-owner-auth (made, random, if absent; needed\n"
		"                 to provision that TPM again).\n"
		"                 Default --rot file: the RoT partition of --out.\n"
		"  --rot-agent PATH  mayday-rot-agent, with its loader and libraries, into the\n"
		"  DCF partition (measured) and DEVDIR/tre/: how a static mayday-boot and\n"
		"  mayday-dcf reach a RoT backend they do not link (docs/rot.md). With --rot\n"
		"  tpm2 the default is this build's (%s).\n"
		"  --methods LIST  the order to try them, e.g. tls,plain-udp (default: the order\n"
		"  above). Addresses are numeric; [v6] in brackets.\n",
		DEFAULT_COMPONENTS, DEFAULT_COMPONENT_SIZE, DEFAULT_IMAGE_VERSION,
		DEFAULT_ROLLBACK, PROV_HEMS_DNS, PROV_IPSEC_AUTO_DIR, PROV_IPSEC_DEFAULT_PLUGINS,
		PROV_IPSEC_AUTO_SWANCTL, MAYDAY_ROT_AGENT_BUILT);
}

/* Each option at most once: a second value would silently win otherwise. */
static int set_once(const char *option, const char **slot, const char *value)
{
	if (*slot) {
		prov_log_error("%s given twice", option);
		return 0;
	}
	*slot = value;
	return 1;
}

static int parse_args(int argc, char **argv, struct device_args *a)
{
	enum {
		OPT_METHODS = 256, OPT_TLS, OPT_TLS_NAME, OPT_TLS_PIN, OPT_HTTP, OPT_UDP, OPT_PSK,
		OPT_IPSEC_EP, OPT_IPSEC_VICI, OPT_IPSEC_CHILD, OPT_IPSEC_DAEMON, OPT_IPSEC_CONF,
		OPT_IPSEC_CRED, OPT_IPSEC_PLUGINS, OPT_IPSEC_SWANCTL, OPT_ROT, OPT_TCTI, OPT_PCR,
		OPT_KEY, OPT_PKCS11_MODULE, OPT_ROT_AGENT, OPT_OWNER_AUTH
	};
	static const struct option longopts[] = {
		{ "pki", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "id", required_argument, NULL, 'i' },
		{ "class", required_argument, NULL, 'c' },
		{ "hems", required_argument, NULL, 'H' },
		{ "methods", required_argument, NULL, OPT_METHODS },
		{ "hems-tls", required_argument, NULL, OPT_TLS },
		{ "tls-server-name", required_argument, NULL, OPT_TLS_NAME },
		{ "tls-pin", no_argument, NULL, OPT_TLS_PIN },
		{ "hems-http", required_argument, NULL, OPT_HTTP },
		{ "hems-udp", required_argument, NULL, OPT_UDP },
		{ "hems-psk", required_argument, NULL, OPT_PSK },
		{ "hems-ipsec-endpoint", required_argument, NULL, OPT_IPSEC_EP },
		{ "ipsec-vici", required_argument, NULL, OPT_IPSEC_VICI },
		{ "ipsec-child", required_argument, NULL, OPT_IPSEC_CHILD },
		{ "ipsec-daemon", required_argument, NULL, OPT_IPSEC_DAEMON },
		{ "ipsec-conf", required_argument, NULL, OPT_IPSEC_CONF },
		{ "ipsec-cred", required_argument, NULL, OPT_IPSEC_CRED },
		{ "ipsec-plugins", required_argument, NULL, OPT_IPSEC_PLUGINS },
		{ "ipsec-swanctl", required_argument, NULL, OPT_IPSEC_SWANCTL },
		{ "rot-agent", required_argument, NULL, OPT_ROT_AGENT },
		{ "dcf-bin", required_argument, NULL, 'd' },
		{ "normal-bin", required_argument, NULL, 'n' },
		{ "components", required_argument, NULL, 'N' },
		{ "component-size", required_argument, NULL, 'S' },
		{ "image-version", required_argument, NULL, 'v' },
		{ "rollback", required_argument, NULL, 'r' },
		{ "max-image-size", required_argument, NULL, 'm' },
		{ "enrol", required_argument, NULL, 'e' },
		{ "rot", required_argument, NULL, OPT_ROT },
		{ "tcti", required_argument, NULL, OPT_TCTI },
		{ "pcr", required_argument, NULL, OPT_PCR },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "pkcs11-module", required_argument, NULL, OPT_PKCS11_MODULE },
		{ "owner-auth-file", required_argument, NULL, OPT_OWNER_AUTH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct prov_conf *conf = &a->conf;
	int c, ok = 1;

	*a = (struct device_args){
		.image_version = DEFAULT_IMAGE_VERSION,
		.components = DEFAULT_COMPONENTS,
		.component_size = DEFAULT_COMPONENT_SIZE,
		.rollback = DEFAULT_ROLLBACK,
		.max_image_size = DEFAULT_MAX_IMAGE,
		.rot = "file",
	};
	optind = 1;
	while (ok && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': a->pki = optarg; break;
		case 'o': a->out = optarg; break;
		case 'i': a->id = optarg; break;
		case 'c': a->class_ = optarg; break;
		case 'd': a->dcf_bin = optarg; break;
		case 'n': a->normal_bin = optarg; break;
		case 'v': a->image_version = optarg; break;
		case 'e': a->enrol = optarg; break;
		case 'H':
			/* The original spelling, kept for scripts: udp:A:P = --hems-udp A:P. */
			if (strncmp(optarg, "udp:", 4) != 0) {
				prov_log_error("--hems must be udp:HOST:PORT, not \"%s\" (see "
					       "--hems-tls, --hems-http, ... for the other methods)",
					       optarg);
				return PROV_EXIT_USAGE;
			}
			ok = set_once("--hems-udp/--hems", &conf->udp, optarg + 4);
			break;
		case OPT_KEY: ok = set_once("--key", &a->key, optarg); break;
		case OPT_PKCS11_MODULE:
			ok = set_once("--pkcs11-module", &a->pkcs11_module, optarg);
			break;
		case OPT_METHODS: ok = set_once("--methods", &conf->methods, optarg); break;
		case OPT_ROT: a->rot = optarg; break;
		case OPT_TCTI: ok = set_once("--tcti", &a->tcti, optarg); break;
		case OPT_PCR:
			if (!prov_args_u64("pcr", optarg, 8, 15, &a->pcr))
				ok = 0;
			break;
		case OPT_OWNER_AUTH: a->owner_auth = optarg; break;
		case OPT_TLS: ok = set_once("--hems-tls", &conf->tls_url, optarg); break;
		case OPT_TLS_NAME:
			ok = set_once("--tls-server-name", &conf->tls_server_name, optarg);
			break;
		case OPT_TLS_PIN: a->tls_pin = 1; break;
		case OPT_HTTP: ok = set_once("--hems-http", &conf->http_url, optarg); break;
		case OPT_UDP: ok = set_once("--hems-udp/--hems", &conf->udp, optarg); break;
		case OPT_PSK: ok = set_once("--hems-psk", &conf->psk, optarg); break;
		case OPT_IPSEC_EP:
			ok = set_once("--hems-ipsec-endpoint", &conf->ipsec_endpoint, optarg);
			break;
		case OPT_IPSEC_VICI: ok = set_once("--ipsec-vici", &conf->ipsec_vici, optarg); break;
		case OPT_IPSEC_CHILD:
			ok = set_once("--ipsec-child", &conf->ipsec_child, optarg);
			break;
		case OPT_IPSEC_DAEMON:
			ok = set_once("--ipsec-daemon", &a->ipsec.daemon, optarg);
			break;
		case OPT_IPSEC_CONF: ok = set_once("--ipsec-conf", &a->ipsec.conf, optarg); break;
		case OPT_IPSEC_PLUGINS:
			ok = set_once("--ipsec-plugins", &a->ipsec.plugins, optarg);
			break;
		case OPT_IPSEC_SWANCTL:
			ok = set_once("--ipsec-swanctl", &a->ipsec.swanctl, optarg);
			break;
		case OPT_ROT_AGENT: ok = set_once("--rot-agent", &a->rot_agent, optarg); break;
		case OPT_IPSEC_CRED:
			if (a->ipsec.n_creds == PROV_IPSEC_CREDS_MAX) {
				prov_log_error("--ipsec-cred at most %d times", PROV_IPSEC_CREDS_MAX);
				return PROV_EXIT_USAGE;
			}
			a->ipsec.creds[a->ipsec.n_creds++] = optarg;
			break;
		case 'N':
			if (!prov_args_u64("components", optarg, 1, MAX_COMPONENTS, &a->components))
				return PROV_EXIT_USAGE;
			break;
		case 'S':
			if (!prov_args_u64("component-size", optarg, 1, MAX_COMPONENT_SIZE,
					   &a->component_size))
				return PROV_EXIT_USAGE;
			break;
		case 'r':
			if (!prov_args_u64("rollback", optarg, 0, UINT64_MAX, &a->rollback))
				return PROV_EXIT_USAGE;
			break;
		case 'm':
			if (!prov_args_u64("max-image-size", optarg, 1, DCF_MAX_IMAGE_SIZE_MAX,
					   &a->max_image_size))
				return PROV_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return PROV_EXIT_USAGE;
		}
	}
	if (!ok)
		return PROV_EXIT_USAGE;
	if (optind != argc || !a->pki || !a->out || !a->id || !a->class_ || !a->dcf_bin ||
	    !a->normal_bin) {
		if (optind != argc)
			prov_log_error("unexpected argument \"%s\"", argv[optind]);
		else
			prov_log_error("--pki, --out, --id, --class, --dcf-bin and --normal-bin "
				       "are required");
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	if (!prov_args_name("id", a->id, MAYDAY_DEVICE_ID_MAX) ||
	    !prov_args_name("class", a->class_, MAYDAY_CLASS_MAX) ||
	    !prov_args_name("image-version", a->image_version, MAYDAY_VERSION_STR_MAX))
		return PROV_EXIT_USAGE;
	if (strcmp(a->rot, "file") != 0 && strcmp(a->rot, "tpm2") != 0) {
		prov_log_error("--rot must be file or tpm2, not \"%s\"", a->rot);
		return PROV_EXIT_USAGE;
	}
	/* The static mayday-boot and mayday-dcf reach the TPM through the agent. */
	if (strcmp(a->rot, "tpm2") == 0 && !a->rot_agent)
		a->rot_agent = MAYDAY_ROT_AGENT_BUILT;
	if ((strcmp(a->rot, "tpm2") == 0) != (a->tcti != NULL) ||
	    ((a->pcr != 0 || a->owner_auth != NULL) && a->tcti == NULL)) {
		prov_log_error("--rot tpm2 needs --tcti (and only it takes --tcti, --pcr and "
			       "--owner-auth-file)");
		return PROV_EXIT_USAGE;
	}
	if ((conf->tls_server_name || a->tls_pin) && !conf->tls_url) {
		prov_log_error("--tls-server-name and --tls-pin need --hems-tls");
		return PROV_EXIT_USAGE;
	}
	if (a->ipsec.daemon && conf->ipsec_vici) {
		prov_log_error("--ipsec-vici names a daemon already running; --ipsec-daemon puts "
			       "one into the DCF partition: not both");
		return PROV_EXIT_USAGE;
	}
	if (conf->tls_url && !conf->tls_server_name)
		conf->tls_server_name = PROV_HEMS_DNS; /* what `init` certifies */
	conf->device_id = a->id;
	conf->version = MAYDAY_VERSION;
	conf->product_class = a->class_;
	conf->max_image_size = a->max_image_size;
	return PROV_EXIT_OK;
}

/* SHA-256 of the DER SubjectPublicKeyInfo: what [tls] pin_sha256 holds. */
static int spki_sha256(EVP_PKEY *key, uint8_t digest[MAYDAY_DIGEST_LEN])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(key, &der);

	if (n <= 0) {
		prov_log_error("cannot encode the H(e)MS TLS key for --tls-pin");
		return 0;
	}
	mayday_sha256(der, (size_t)n, digest);
	OPENSSL_free(der);
	return 1;
}

static int load_keys(const struct device_args *a, struct keys *k)
{
	/* The anchor is the public half of the key that signs, so the two can
	 * never disagree (a token key's comes from the token). */
	return prov_key_open(&k->vendor, a->key, a->pki, a->pkcs11_module) == MAYDAY_OK &&
	       prov_pki_load_public(a->pki, PROV_PKI_HEMS_PUB, &k->hems_pub) == MAYDAY_OK &&
	       prov_pki_load_private(a->pki, PROV_PKI_CA_KEY, &k->ca_key) == MAYDAY_OK &&
	       prov_pki_load_cert(a->pki, PROV_PKI_CA_CERT, &k->ca_cert) == MAYDAY_OK &&
	       (!a->tls_pin ||
		prov_pki_load_cert(a->pki, PROV_PKI_TLS_CERT, &k->tls_cert) == MAYDAY_OK);
}

/* Logs the failure of writing PART/NAME once. */
static int wrote(enum mayday_err rc, const char *part, const char *name)
{
	if (rc != MAYDAY_OK)
		prov_log_error("cannot write %s/%s: %s", part, name, mayday_strerror(rc));
	return rc == MAYDAY_OK;
}

static struct mayday_trv *next_trv(struct mayday_manifest *m, bool designated)
{
	struct mayday_trv *t = &m->trv[m->n_trv++];

	t->designated = designated;
	return t;
}

static int make_dcf_partition(struct hal_flash *f, const struct device_args *a,
			      const struct keys *k, const char *conf, size_t conf_len,
			      const char *cert_pem, size_t cert_len)
{
	struct mayday_manifest m = { .kind = MAYDAY_MANIFEST_DCF, .rollback = 0 };
	char hems_pem[1024];
	size_t hems_len = 0, ca_len = 0;
	char *ca_pem = NULL;
	enum mayday_err rc;
	int ok;

	snprintf(m.product_class, sizeof(m.product_class), "%s", a->class_);
	snprintf(m.image_version, sizeof(m.image_version), "%s", MAYDAY_VERSION);
	snprintf(m.entry, sizeof(m.entry), "%s", DCF_PROGRAM);
	rc = mayday_key_public_to_pem(k->hems_pub, hems_pem, sizeof(hems_pem), &hems_len);
	if (rc == MAYDAY_OK)
		rc = prov_x509_to_pem(k->ca_cert, &ca_pem, &ca_len);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot encode the H(e)MS key or the operator CA: %s",
			       mayday_strerror(rc));
		free(ca_pem);
		return 0;
	}
	rc = prov_manifest_build_from(&m, a->dcf_bin);
	if (rc != MAYDAY_OK) {
		free(ca_pem);
		return 0;
	}
	rc = prov_flash_copy_in(f, HAL_PART_DCF, DCF_PROGRAM, a->dcf_bin, 0755,
				next_trv(&m, true));
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot copy --dcf-bin %s into %s/%s: %s", a->dcf_bin, HAL_PART_DCF,
			       DCF_PROGRAM, mayday_strerror(rc));
		free(ca_pem);
		return 0;
	}
	ok = wrote(prov_flash_put(f, HAL_PART_DCF, DCF_CONFIG_NAME, conf, conf_len,
				  next_trv(&m, true)), HAL_PART_DCF, DCF_CONFIG_NAME) &&
	     wrote(prov_flash_put(f, HAL_PART_DCF, DCF_HEMS_PUB, hems_pem, hems_len,
				  next_trv(&m, true)), HAL_PART_DCF, DCF_HEMS_PUB) &&
	     wrote(prov_flash_put(f, HAL_PART_DCF, PROV_DCF_CERT_NAME, cert_pem, cert_len,
				  next_trv(&m, true)), HAL_PART_DCF, PROV_DCF_CERT_NAME) &&
	     wrote(prov_flash_put(f, HAL_PART_DCF, PROV_DCF_CA_NAME, ca_pem, ca_len,
				  next_trv(&m, true)), HAL_PART_DCF, PROV_DCF_CA_NAME) &&
	     prov_ipsec_write(f, &a->ipsec, &m) &&
	     (!a->rot_agent || prov_rotagent_write(f, a->out, a->rot_agent, &m)) &&
	     prov_manifest_write(f, HAL_PART_DCF, &m, &k->vendor.signer) == MAYDAY_OK;
	if (ok) {
		uint64_t total = 0;
		for (uint32_t i = 0; i < m.n_trv; i++)
			total += m.trv[i].size;
		prov_log_info("DCF partition: %" PRIu32 " files, %" PRIu64 " bytes, manifest "
			      "not counted", m.n_trv, total);
		if (m.build_commit[0])
			prov_log_info("DCF build: commit %s, toolchain %s", m.build_commit,
				      m.build_toolchain);
	}
	free(ca_pem);
	return ok;
}

static const char notes[] =
	"Release notes of this image. Not designated: a change here is measured\n"
	"and reported, but does not fail secure start-up.\n";

/* An image its own device could not take again is no factory image: a
 * golden bundle made from it would be refused by its whole class. */
static int image_fits(const struct device_args *a)
{
	struct stat st;

	if (stat(a->normal_bin, &st) != 0)
		return 0; /* readable() has said why */
	uint64_t total = a->components * a->component_size + (uint64_t)st.st_size +
			 (sizeof(notes) - 1);
	if (total <= a->max_image_size)
		return 1;
	prov_log_error("the image (%" PRIu64 " bytes: components, normal-bin, notes) exceeds "
		       "--max-image-size %" PRIu64, total, a->max_image_size);
	return 0;
}

static int make_slot_a(struct hal_flash *f, const struct device_args *a, const struct keys *k)
{
	struct mayday_manifest m = { .kind = MAYDAY_MANIFEST_IMAGE, .rollback = a->rollback };
	char name[MAYDAY_NAME_MAX + 1];
	enum mayday_err rc;

	snprintf(m.product_class, sizeof(m.product_class), "%s", a->class_);
	snprintf(m.image_version, sizeof(m.image_version), "%s", a->image_version);
	snprintf(m.entry, sizeof(m.entry), "%s", NORMAL_ENTRY);
	for (uint64_t i = 0; i < a->components; i++) {
		snprintf(name, sizeof(name), "comp-%" PRIu64 ".bin", i);
		if (!wrote(prov_flash_put_random(f, HAL_PART_SLOT_A, name, a->component_size,
						 next_trv(&m, true)), HAL_PART_SLOT_A, name))
			return 0;
	}
	rc = prov_flash_copy_in(f, HAL_PART_SLOT_A, NORMAL_ENTRY, a->normal_bin, 0755,
				next_trv(&m, true));
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot copy --normal-bin %s into %s/%s: %s", a->normal_bin,
			       HAL_PART_SLOT_A, NORMAL_ENTRY, mayday_strerror(rc));
		return 0;
	}
	return wrote(prov_flash_put(f, HAL_PART_SLOT_A, NOTES_NAME, notes, sizeof(notes) - 1,
				    next_trv(&m, false)), HAL_PART_SLOT_A, NOTES_NAME) &&
	       prov_manifest_write(f, HAL_PART_SLOT_A, &m, &k->vendor.signer) == MAYDAY_OK;
}

/* PKI/devices/<ID>.pub.pem and <ID>.pem, for enrolment later or elsewhere. */
static int save_device_credentials(const struct device_args *a, EVP_PKEY *key,
				   const char *cert_pem, size_t cert_len)
{
	char dir[PROV_PATH_MAX], path[PROV_PATH_MAX], name[MAYDAY_DEVICE_ID_MAX + 16];
	enum mayday_err rc;

	rc = prov_fs_join(dir, sizeof(dir), a->pki, PROV_PKI_DEVICES);
	if (rc == MAYDAY_OK)
		rc = prov_fs_mkdirs(dir, 0700);
	snprintf(name, sizeof(name), "%s.pub.pem", a->id);
	if (rc == MAYDAY_OK)
		rc = prov_fs_join(path, sizeof(path), dir, name);
	if (rc == MAYDAY_OK)
		rc = mayday_key_save_public(key, path);
	snprintf(name, sizeof(name), "%s.pem", a->id);
	if (rc == MAYDAY_OK)
		rc = prov_fs_join(path, sizeof(path), dir, name);
	if (rc == MAYDAY_OK)
		rc = mayday_file_write_durable(path, cert_pem, cert_len, 0644);
	if (rc != MAYDAY_OK)
		prov_log_error("cannot save the device key/certificate in %s: %s", dir,
			       mayday_strerror(rc));
	return rc == MAYDAY_OK;
}

/* PKI/devices/<ID>.enrolment.json, mode 0600: the record `maydayctl enrol
 * --from` imports, its PSK sealed under PKI/psk.kek. */
static int save_enrolment_record(const struct device_args *a, const struct keys *k)
{
	char path[PROV_PATH_MAX], dir[PROV_PATH_MAX], name[MAYDAY_DEVICE_ID_MAX + 32];
	uint8_t kek[MAYDAY_KEK_LEN];
	struct enrol_rec r = { 0 };
	char *text = NULL;
	size_t len = 0;
	enum mayday_err rc;

	snprintf(r.device_id, sizeof(r.device_id), "%s", a->id);
	snprintf(r.product_class, sizeof(r.product_class), "%s", a->class_);
	rc = enrol_rec_set_key(&r, k->device);
	if (rc == MAYDAY_OK)
		rc = prov_fs_join(path, sizeof(path), a->pki, PROV_PKI_PSK_KEK);
	if (rc == MAYDAY_OK)
		rc = mayday_kek_load(path, kek);
	if (rc == MAYDAY_OK)
		rc = enrol_rec_put_psk(&r, k->kid, sizeof(k->kid), k->psk, kek);
	OPENSSL_cleanse(kek, sizeof(kek));
	if (rc == MAYDAY_OK)
		rc = enrol_rec_format(&r, &text, &len);
	snprintf(name, sizeof(name), "%s.enrolment.json", a->id);
	if (rc == MAYDAY_OK)
		rc = prov_fs_join(dir, sizeof(dir), a->pki, PROV_PKI_DEVICES);
	if (rc == MAYDAY_OK)
		rc = prov_fs_join(path, sizeof(path), dir, name);
	if (rc == MAYDAY_OK)
		rc = mayday_file_write_durable(path, text, len, 0600);
	if (rc != MAYDAY_OK)
		prov_log_error("cannot write the enrolment record of %s: %s", a->id,
			       mayday_strerror(rc));
	free(text);
	enrol_rec_wipe(&r);
	return rc == MAYDAY_OK;
}

static int enrol(const struct device_args *a, const struct keys *k)
{
	struct store *st = NULL;
	char pem[1024], kek[PROV_PATH_MAX];
	size_t len = 0;
	enum mayday_err rc;

	rc = mayday_key_public_to_pem(k->device, pem, sizeof(pem), &len);
	if (rc == MAYDAY_OK && (rc = store_open(&st, a->enrol)) != MAYDAY_OK) {
		prov_log_error("cannot open the store %s: %s", a->enrol, mayday_strerror(rc));
		return 0;
	}
	if (rc == MAYDAY_OK)
		rc = store_enrol(st, a->id, a->class_, pem);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot enrol %s in %s: %s", a->id, a->enrol, mayday_strerror(rc));
		goto out;
	}
	rc = prov_fs_join(kek, sizeof(kek), a->pki, PROV_PKI_PSK_KEK);
	if (rc == MAYDAY_OK)
		rc = store_psk_kek(st, kek);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot use the PSK key-encryption key %s: %s", kek,
			       mayday_strerror(rc));
		goto out;
	}
	rc = store_enrol_psk(st, a->id, k->kid, sizeof(k->kid), k->psk, sizeof(k->psk));
	if (rc == MAYDAY_E_MISMATCH)
		prov_log_error("cannot enrol the PSK of %s in %s: its random psk_kid is taken "
			       "by another device; provision the device again", a->id, a->enrol);
	else if (rc != MAYDAY_OK)
		prov_log_error("cannot enrol the PSK of %s in %s: %s", a->id, a->enrol,
			       mayday_strerror(rc));
out:
	store_close(st);
	return rc == MAYDAY_OK;
}

/* The TPM's owner/lockout authorization (hal_rot_tpm2_provision_args):
 * --owner-auth-file, else PKI/devices/<ID>.tpm-owner-auth, next to the
 * device's other records. An existing file is used as it is (a
 * re-provisioning must authorize with the value the TPM already has);
 * otherwise 32 random bytes are written there, mode 0600, durably, before
 * the TPM is touched, so the value is never lost with the TPM set to it. */
static int owner_auth(const struct device_args *a, uint8_t out[HAL_ROT_TPM2_OWNER_AUTH_MAX],
		      size_t *len)
{
	char dir[PROV_PATH_MAX], path[PROV_PATH_MAX], name[MAYDAY_DEVICE_ID_MAX + 32];
	enum mayday_err rc = MAYDAY_OK;
	FILE *fp = NULL;

	if (a->owner_auth != NULL) {
		if (strlen(a->owner_auth) >= sizeof(path))
			rc = MAYDAY_E_TOOBIG;
		else
			snprintf(path, sizeof(path), "%s", a->owner_auth);
	} else {
		rc = prov_fs_join(dir, sizeof(dir), a->pki, PROV_PKI_DEVICES);
		if (rc == MAYDAY_OK)
			rc = prov_fs_mkdirs(dir, 0700);
		snprintf(name, sizeof(name), "%s.tpm-owner-auth", a->id);
		if (rc == MAYDAY_OK)
			rc = prov_fs_join(path, sizeof(path), dir, name);
	}
	if (rc == MAYDAY_OK)
		rc = mayday_file_open_secret(path, &fp);
	if (rc == MAYDAY_OK) {
		/* one byte more than allowed tells a too long file */
		uint8_t buf[HAL_ROT_TPM2_OWNER_AUTH_MAX + 1];
		size_t n = fread(buf, 1, sizeof(buf), fp);

		fclose(fp);
		if (n < HAL_ROT_TPM2_OWNER_AUTH_MIN || n > HAL_ROT_TPM2_OWNER_AUTH_MAX) {
			prov_log_error("%s must hold %d..%d bytes (the TPM owner authorization)",
				       path, HAL_ROT_TPM2_OWNER_AUTH_MIN,
				       HAL_ROT_TPM2_OWNER_AUTH_MAX);
			OPENSSL_cleanse(buf, sizeof(buf));
			return 0;
		}
		memcpy(out, buf, n);
		*len = n;
		OPENSSL_cleanse(buf, sizeof(buf));
		prov_log_info("TPM owner authorization: %s (the one escrowed before)", path);
		return 1;
	}
	if (rc == MAYDAY_E_NOTFOUND && a->owner_auth == NULL) {
		rc = RAND_priv_bytes(out, HAL_ROT_TPM2_OWNER_AUTH_MAX) == 1 ? MAYDAY_OK
									     : MAYDAY_E_INTERNAL;
		if (rc == MAYDAY_OK)
			rc = mayday_file_write_durable(path, out, HAL_ROT_TPM2_OWNER_AUTH_MAX,
						       0600);
		if (rc == MAYDAY_OK) {
			*len = HAL_ROT_TPM2_OWNER_AUTH_MAX;
			prov_log_info("TPM owner authorization: new, escrowed in %s (keep it: "
				      "provisioning this TPM again needs it)", path);
			return 1;
		}
	}
	prov_log_error("cannot use the TPM owner authorization %s: %s", path,
		       mayday_strerror(rc));
	return 0;
}

/* The tpm2 backend's provisioning, as prov_normal's rot_key step: it makes
 * the distress key (k->device) and the device credentials' key inside the
 * TPM, and seals the bundle prov_normal_chain issues for the latter. */
struct tpm2_seal {
	const struct device_args *a;
	struct keys *k;
	struct hal_flash *f;
	uint8_t owner_auth[HAL_ROT_TPM2_OWNER_AUTH_MAX];
	size_t owner_auth_len;
	const struct prov_normal *normal; /* during tpm2_provision */
};

/* hal_rot_tpm2_provision_args.creds_issue: the certificate for the TPM's key. */
static enum mayday_err tpm2_issue(void *ctx, EVP_PKEY *creds_pub, uint8_t **pem, size_t *len)
{
	return prov_normal_chain(((struct tpm2_seal *)ctx)->normal, creds_pub, pem, len);
}

static enum mayday_err tpm2_provision(void *ctx, const struct prov_normal *p)
{
	struct tpm2_seal *t = ctx;
	const struct hal_rot_tpm2_provision_args args = {
		.tcti = t->a->tcti,
		.device_id = t->a->id,
		.vendor_pub = t->k->vendor.pub,
		.hems_pub = t->k->hems_pub,
		.psk = t->k->psk,
		.psk_kid = t->k->kid,
		.psk_kid_len = sizeof(t->k->kid),
		.creds_issue = tpm2_issue,
		.creds_issue_ctx = t,
		.flash = t->f,
		.pcr = (unsigned)t->a->pcr,
		.owner_auth = t->owner_auth,
		.owner_auth_len = t->owner_auth_len,
	};

	t->normal = p;
	return hal_rot_tpm2_provision(&args, &t->k->device);
}

/* The RoT: the file backend's items in the RoT partition, or the TPM. */
static int make_rot(struct hal_flash *f, const struct device_args *a, struct keys *k,
		    struct prov_normal *normal)
{
	struct tpm2_seal t = { .a = a, .k = k, .f = f };
	enum mayday_err rc = mayday_psk_generate(k->psk, k->kid);

	if (rc == MAYDAY_OK && strcmp(a->rot, "tpm2") == 0) {
		int ok;

		if (!owner_auth(a, t.owner_auth, &t.owner_auth_len))
			return 0; /* logged */
		normal->rot_key = tpm2_provision;
		normal->rot_key_ctx = &t;
		ok = prov_normal_make(f, normal);
		OPENSSL_cleanse(t.owner_auth, sizeof(t.owner_auth));
		if (!ok)
			return 0; /* logged */
		prov_log_info("RoT: the TPM at %s (the distress key and the device credentials' "
			      "key made inside it); run the device with --rot tpm2:%s", a->tcti,
			      a->tcti);
		return 1;
	}
	if (rc == MAYDAY_OK)
		rc = mayday_key_generate(&k->device);
	if (rc == MAYDAY_OK)
		rc = hal_rot_file_provision(f, a->id, k->device, k->vendor.pub, k->hems_pub);
	if (rc == MAYDAY_OK)
		rc = hal_rot_file_provision_psk(f, k->psk, k->kid, sizeof(k->kid));
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot provision the RoT: %s", mayday_strerror(rc));
		return 0;
	}
	return prov_normal_make(f, normal);
}

static int make_device(const struct device_args *a, struct keys *k, const char *conf,
		       size_t conf_len)
{
	struct hal_flash *f = NULL;
	X509 *cert = NULL;
	char *cert_pem = NULL;
	size_t cert_len = 0;
	enum mayday_err rc;
	int ok = 0;
	struct prov_normal normal = {
		.device_id = a->id,
		.ca_cert = k->ca_cert,
		.ca_key = k->ca_key,
		.vendor_pub = k->vendor.pub,
		.pin = a->conf.tls_pin,
		.max_image_size = a->max_image_size,
		.dcf_version = MAYDAY_VERSION,
		.cert_days = DEVICE_CERT_DAYS,
	};

	rc = prov_fs_mkdirs(a->out, 0700);
	if (rc == MAYDAY_OK)
		rc = hal_flash_open_provisioning(&f, a->out, "host");
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot open %s as a device: %s", a->out, mayday_strerror(rc));
		goto out;
	}
	if (!make_rot(f, a, k, &normal))
		goto out;
	/* the DCF certificate certifies the distress key, wherever it was made */
	rc = prov_x509_issue(k->ca_cert, k->ca_key, k->device, a->id, NULL, PROV_X509_CLIENT,
			     DEVICE_CERT_DAYS, &cert);
	if (rc == MAYDAY_OK)
		rc = prov_x509_to_pem(cert, &cert_pem, &cert_len);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot create the device certificate: %s", mayday_strerror(rc));
		goto out;
	}
	if (!make_dcf_partition(f, a, k, conf, conf_len, cert_pem, cert_len) ||
	    !make_slot_a(f, a, k) ||
	    !save_device_credentials(a, k->device, cert_pem, cert_len) ||
	    !save_enrolment_record(a, k))
		goto out;
	if (a->enrol && !enrol(a, k))
		goto out;
	ok = 1;
out:
	hal_flash_close(f);
	X509_free(cert);
	free(cert_pem);
	return ok;
}

static int readable(const char *option, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, R_OK) != 0) {
		prov_log_error("--%s %s: not a readable file", option, path);
		return 0;
	}
	return 1;
}

int prov_device_main(int argc, char **argv)
{
	struct device_args a;
	struct keys k = { 0 };
	char conf[DCF_CONFIG_MAX];
	uint8_t pin[MAYDAY_DIGEST_LEN];
	char kid_hex[2 * MAYDAY_PSK_KID_GEN + 1];
	char why[512];
	size_t conf_len = 0;
	int rc = parse_args(argc, argv, &a);
	int exit_code = PROV_EXIT_ERROR, writer = -1;

	if (rc != PROV_EXIT_OK)
		return rc < 0 ? PROV_EXIT_OK : rc;
	/* Everything that can be checked is checked before the device is touched. */
	if (prov_fs_dir_nonempty(a.out)) {
		prov_log_error("%s is not empty: refusing to overwrite a device", a.out);
		return PROV_EXIT_ERROR;
	}
	/* maydayd is the store's only writer while it runs: --enrol then
	 * refuses before anything is made (the enrolment record goes to the
	 * API instead); held to the end so no maydayd starts in between. */
	if (a.enrol && store_writer_try_lock(a.enrol, &writer, why, sizeof(why)) != MAYDAY_OK) {
		prov_log_error("cannot --enrol in %s: %s; provision without --enrol and post "
			       "DIR/devices/ID.enrolment.json to maydayd (maydayctl enrol --from)",
			       a.enrol, why);
		return PROV_EXIT_ERROR;
	}
	if (!readable("dcf-bin", a.dcf_bin) || !readable("normal-bin", a.normal_bin) ||
	    !image_fits(&a) || !prov_ipsec_check(&a.ipsec) ||
	    (a.rot_agent && !prov_rotagent_check(a.rot_agent)) || !load_keys(&a, &k))
		goto out;
	if (a.tls_pin) {
		if (!spki_sha256(X509_get0_pubkey(k.tls_cert), pin))
			goto out;
		a.conf.tls_pin = pin;
	}
	if (a.ipsec.daemon) {
		a.conf.ipsec_plugins = a.ipsec.plugin_list;
		a.conf.ipsec_swanctl_plugins = a.ipsec.swanctl_plugin_list;
	}
	if (!prov_conf_text_build(&a.conf, conf, sizeof(conf), &conf_len) ||
	    !make_device(&a, &k, conf, conf_len))
		goto out;
	for (size_t i = 0; i < sizeof(k.kid); i++)
		snprintf(kid_hex + 2 * i, 3, "%02x", k.kid[i]);
	prov_log_info("device %s (class %s) made in %s: %" PRIu64 " components of %" PRIu64
		      " bytes, image %s, psk kid %s%s%s",
		      a.id, a.class_, a.out, a.components, a.component_size, a.image_version,
		      kid_hex, a.enrol ? ", enrolled in " : "", a.enrol ? a.enrol : "");
	exit_code = PROV_EXIT_OK;
out:
	prov_key_close(&k.vendor);
	EVP_PKEY_free(k.hems_pub);
	X509_free(k.tls_cert);
	EVP_PKEY_free(k.ca_key);
	X509_free(k.ca_cert);
	EVP_PKEY_free(k.device);
	OPENSSL_cleanse(k.psk, sizeof(k.psk));
	store_writer_unlock(&writer);
	return exit_code;
}
