/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `device --ipsec-daemon`: the IKE daemon into the DCF partition (see
 * prov_ipsec.h). The dependency closure is the loader's own answer
 * (prov_elf.h, shared with the RoT agent's copy); the loader is the one
 * charon names. Provisioning stops at the first file that cannot be
 * resolved: a device is never made with half a daemon.
 */
#include "prov_ipsec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hal/flash.h"
#include "ipsec_daemon.h"
#include "prov_flash.h"
#include "prov_fs.h"
#include "prov_elf.h"
#include "prov_log.h"

#define LIBGCC_S        "libgcc_s.so.1"

/* Plugins swanctl may load too (libstrongswan's, not charon's): what it
 * needs to parse credentials. Charon-only plugins (kernel, socket, vici...)
 * would not even resolve in swanctl. */
static const char *const swanctl_capable[] = {
	"random", "nonce", "x509", "openssl", "pem", "pkcs1", "pkcs7", "pkcs8", "pkcs12",
	"pubkey", "sshkey", "aes", "des", "sha1", "sha2", "md5", "hmac", "gcm", "gmp",
	"curve25519", "kdf",
};

static const char *const cred_types[] = {
	"x509", "x509ca", "x509crl", "pubkey", "private", "rsa", "ecdsa", "pkcs8", "pkcs12",
};

static int regular(const char *option, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, R_OK) != 0) {
		prov_log_error("--%s: %s is not a readable file", option, path);
		return 0;
	}
	return 1;
}

static int in_list(const char *const *list, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

/* "a, b c" -> "a b c" into ip->plugin_list (and swanctl's subset), each
 * plugin file present in DIR/plugins. */
static int check_plugins(struct prov_ipsec *ip)
{
	const char *s = ip->plugins ? ip->plugins : PROV_IPSEC_DEFAULT_PLUGINS;
	char path[PROV_PATH_MAX];
	size_t out = 0, sout = 0;

	ip->plugin_list[0] = ip->swanctl_plugin_list[0] = '\0';
	while (*s) {
		size_t n = strcspn(s, " ,");
		if (n == 0) {
			s++;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
			      s[i] == '-'))
				goto bad;
		if (n > 32 || out + n + 1 > DCF_PLUGINS_MAX)
			goto bad;
		snprintf(path, sizeof(path), "%s/plugins/libstrongswan-%.*s.so", ip->dir, (int)n, s);
		if (!regular("ipsec-plugins", path))
			return 0;
		out += (size_t)snprintf(ip->plugin_list + out, sizeof(ip->plugin_list) - out, "%s%.*s",
					out ? " " : "", (int)n, s);
		if (in_list(swanctl_capable, sizeof(swanctl_capable) / sizeof(swanctl_capable[0]),
			    s, n))
			sout += (size_t)snprintf(ip->swanctl_plugin_list + sout,
						 sizeof(ip->swanctl_plugin_list) - sout, "%s%.*s",
						 sout ? " " : "", (int)n, s);
		s += n;
	}
	if (out == 0)
		goto bad;
	return 1;
bad:
	prov_log_error("--ipsec-plugins must be strongSwan plugin names ([a-z0-9-], up to 32 "
		       "each, %d bytes in all) separated by spaces or commas", DCF_PLUGINS_MAX);
	return 0;
}

static int check_cred(const char *spec)
{
	const char *colon = strchr(spec, ':'), *base;
	size_t tlen = colon ? (size_t)(colon - spec) : 0;
	char name[2 * MAYDAY_NAME_MAX];

	if (!colon || !in_list(cred_types, sizeof(cred_types) / sizeof(cred_types[0]), spec, tlen)) {
		prov_log_error("--ipsec-cred must be TYPE:FILE with TYPE one of x509, x509ca, "
			       "x509crl, pubkey, private, rsa, ecdsa, pkcs8, pkcs12, not \"%s\"", spec);
		return 0;
	}
	if (!regular("ipsec-cred", colon + 1))
		return 0;
	base = strrchr(colon + 1, '/');
	base = base ? base + 1 : colon + 1;
	snprintf(name, sizeof(name), "%s%.*s.%s", IPSEC_DAEMON_CRED_PREFIX, (int)tlen, spec, base);
	if (strlen(name) > MAYDAY_NAME_MAX || !mayday_name_is_safe(name)) {
		prov_log_error("--ipsec-cred %s: the file name must be of [A-Za-z0-9._-] and "
			       "short enough for \"%s\" to fit %d bytes", spec, name, MAYDAY_NAME_MAX);
		return 0;
	}
	return 1;
}

int prov_ipsec_check(struct prov_ipsec *ip)
{
	char path[PROV_PATH_MAX];

	if (!ip->daemon) {
		if (ip->swanctl || ip->plugins || ip->conf || ip->n_creds) {
			prov_log_error("--ipsec-swanctl, --ipsec-plugins, --ipsec-conf and "
				       "--ipsec-cred need --ipsec-daemon");
			return 0;
		}
		return 1;
	}
	const char *dir = strcmp(ip->daemon, "auto") == 0 ? PROV_IPSEC_AUTO_DIR : ip->daemon;
	if (strlen(dir) >= sizeof(ip->dir)) {
		prov_log_error("--ipsec-daemon: path too long");
		return 0;
	}
	snprintf(ip->dir, sizeof(ip->dir), "%s", dir);
	/* A vendor's tree has swanctl beside charon; Debian puts it in /usr/sbin. */
	snprintf(ip->swanctl_path, sizeof(ip->swanctl_path), "%s/%s", ip->dir,
		 IPSEC_DAEMON_SWANCTL);
	if (ip->swanctl)
		snprintf(ip->swanctl_path, sizeof(ip->swanctl_path), "%s", ip->swanctl);
	else if (!prov_fs_exists(ip->swanctl_path))
		snprintf(ip->swanctl_path, sizeof(ip->swanctl_path), "%s", PROV_IPSEC_AUTO_SWANCTL);
	snprintf(path, sizeof(path), "%s/%s", ip->dir, IPSEC_DAEMON_CHARON);
	if (!regular("ipsec-daemon", path) || !regular("ipsec-swanctl", ip->swanctl_path))
		return 0;
	if (!ip->conf) {
		prov_log_error("--ipsec-daemon needs --ipsec-conf (swanctl.conf with the distress "
			       "connection)");
		return 0;
	}
	if (!regular("ipsec-conf", ip->conf) || !check_plugins(ip))
		return 0;
	for (unsigned i = 0; i < ip->n_creds; i++)
		if (!check_cred(ip->creds[i]))
			return 0;
	return 1;
}

/* ---- the plan: which host file becomes which partition file ------------ */

static int make_plan(const struct prov_ipsec *ip, struct prov_elf_plan *p, char *loader,
		     size_t cap)
{
	char charon[PROV_PATH_MAX], plugin[PROV_PATH_MAX];
	const char *s = ip->plugin_list;

	snprintf(charon, sizeof(charon), "%s/%s", ip->dir, IPSEC_DAEMON_CHARON);
	if (!prov_elf_interp(charon, loader, cap) || !prov_elf_plan_add(p, IPSEC_DAEMON_LOADER, loader, 0755) ||
	    !prov_elf_plan_add(p, IPSEC_DAEMON_CHARON, charon, 0755) ||
	    !prov_elf_plan_add(p, IPSEC_DAEMON_SWANCTL, ip->swanctl_path, 0755) ||
	    !prov_elf_add_closure(p, loader, charon) || !prov_elf_add_closure(p, loader, ip->swanctl_path))
		return 0;
	while (*s) {
		size_t n = strcspn(s, " ");
		char name[MAYDAY_NAME_MAX + 1];
		snprintf(name, sizeof(name), "libstrongswan-%.*s.so", (int)n, s);
		snprintf(plugin, sizeof(plugin), "%s/plugins/%s", ip->dir, name);
		if (!prov_elf_plan_add(p, name, plugin, 0644) || !prov_elf_add_closure(p, loader, plugin))
			return 0;
		s += n;
		s += *s == ' ';
	}
	if (!p->libc_dir[0]) {
		prov_log_error("%s: no libc.so.6 in its dependencies", charon);
		return 0;
	}
	/* glibc dlopens it for pthread_cancel, which charon's threads use. */
	snprintf(plugin, sizeof(plugin), "%s/%s", p->libc_dir, LIBGCC_S);
	if (!regular("ipsec-daemon", plugin))
		return 0;
	return prov_elf_plan_add(p, LIBGCC_S, plugin, 0644);
}

/* ---- writing ------------------------------------------------------------ */

static int conf_text(const struct prov_ipsec *ip, char *out, size_t cap, size_t *len)
{
	int n = snprintf(out, cap,
		"# strongswan.conf of the DCF partition, written by mayday-provision and\n"
		"# signed with it. The DCF starts charon from the partition and preloads\n"
		"# exactly these plugins from it (docs/ipsec.md); nothing is included from\n"
		"# the host. /var/run is the DCF's run directory in charon's own mount\n"
		"# namespace.\n"
		"charon {\n"
		"  load_modular = no\n"
		"  load = %s\n"
		"  plugins {\n"
		"    vici {\n"
		"      socket = unix://%s/%s\n"
		"    }\n"
		"    openssl {\n"
		"      # the legacy provider is a module file outside the partition\n"
		"      load_legacy = no\n"
		"    }\n"
		"  }\n"
		"  filelog {\n"
		"    stderr {\n"
		"      default = 1\n"
		"    }\n"
		"  }\n"
		"}\n"
		"swanctl {\n"
		"  load = %s\n"
		"  plugins {\n"
		"    openssl {\n"
		"      load_legacy = no\n"
		"    }\n"
		"  }\n"
		"}\n",
		ip->plugin_list, "/var/run", IPSEC_DAEMON_SOCKET, ip->swanctl_plugin_list);

	if (n < 0 || (size_t)n >= cap)
		return 0;
	*len = (size_t)n;
	return 1;
}

static struct mayday_trv *next(struct mayday_manifest *m)
{
	if (m->n_trv >= MAYDAY_MANIFEST_FILES_MAX) {
		prov_log_error("the DCF partition would hold more than the %d files one manifest "
			       "lists", MAYDAY_MANIFEST_FILES_MAX);
		return NULL;
	}
	struct mayday_trv *t = &m->trv[m->n_trv++];
	t->designated = true;
	return t;
}

static int copy(struct hal_flash *f, struct mayday_manifest *m, const char *name,
		const char *src, unsigned mode, uint64_t *bytes)
{
	struct mayday_trv *t = next(m);
	enum mayday_err rc;

	if (!t)
		return 0;
	rc = prov_flash_copy_in(f, HAL_PART_DCF, name, src, mode, t);
	if (rc != MAYDAY_OK) {
		prov_log_error("cannot copy %s into %s/%s: %s", src, HAL_PART_DCF, name,
			       mayday_strerror(rc));
		return 0;
	}
	*bytes += t->size;
	return 1;
}

int prov_ipsec_write(struct hal_flash *f, const struct prov_ipsec *ip, struct mayday_manifest *m)
{
	struct prov_elf_plan *p;
	char loader[PROV_PATH_MAX], conf[4096], name[2 * MAYDAY_NAME_MAX];
	uint64_t bytes = 0;
	uint32_t first = m->n_trv;
	size_t len = 0;
	int ok = 0;

	if (!ip->daemon)
		return 1;
	p = calloc(1, sizeof(*p));
	if (!p) {
		prov_log_error("out of memory");
		return 0;
	}
	if (!make_plan(ip, p, loader, sizeof(loader)))
		goto out;
	for (unsigned i = 0; i < p->n; i++) {
		/* A library the partition holds already (one soname, one file: the
		 * DCF's own, resolved by the same loader) serves the daemon too. */
		if (mayday_manifest_find(m, p->files[i].name)) {
			prov_log_info("%s/%s: already in the partition, shared with the IKE daemon",
				      HAL_PART_DCF, p->files[i].name);
			continue;
		}
		if (!copy(f, m, p->files[i].name, p->files[i].src, p->files[i].mode, &bytes))
			goto out;
	}
	struct mayday_trv *t = next(m);
	if (!t || !conf_text(ip, conf, sizeof(conf), &len))
		goto out;
	if (prov_flash_put(f, HAL_PART_DCF, IPSEC_DAEMON_CONF, conf, len, t) != MAYDAY_OK) {
		prov_log_error("cannot write %s/%s", HAL_PART_DCF, IPSEC_DAEMON_CONF);
		goto out;
	}
	bytes += t->size;
	/* Secrets inside: readable by the DCF (root) only. */
	if (!copy(f, m, IPSEC_DAEMON_SWANCTL_CONF, ip->conf, 0600, &bytes))
		goto out;
	for (unsigned i = 0; i < ip->n_creds; i++) {
		const char *colon = strchr(ip->creds[i], ':'), *base = strrchr(colon + 1, '/');
		base = base ? base + 1 : colon + 1;
		snprintf(name, sizeof(name), "%s%.*s.%s", IPSEC_DAEMON_CRED_PREFIX,
			 (int)(colon - ip->creds[i]), ip->creds[i], base);
		if (!copy(f, m, name, colon + 1, 0600, &bytes))
			goto out;
	}
	prov_log_info("IKE daemon in the DCF partition: %" PRIu32 " files, %" PRIu64
		      " bytes (charon, swanctl, plugins: %s; loader %s)",
		      m->n_trv - first, bytes, ip->plugin_list, loader);
	ok = 1;
out:
	free(p);
	return ok;
}
