/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `device --ipsec-daemon`: the IKE daemon into the DCF partition.
 *
 * For the ipsec method the DCF starts strongSwan's charon itself, from its
 * own partition (device/dcf/ipsec_daemon.h has the layout and how it is
 * run), so everything the daemon executes, maps and reads is measured by
 * the TrE with the rest of the partition. This copies, each listed in the
 * DCF manifest: the dynamic loader, charon, swanctl, the plugins named by
 * --ipsec-plugins (nothing else of the plugin directory), the ELF dependency
 * closure of all of them as the host's loader resolves it (`ld.so --list`),
 * plus libgcc_s.so.1, which glibc dlopens for thread cancellation; a
 * strongswan.conf written here (the plugin lists, the VICI socket, logging
 * to stderr, OpenSSL's legacy provider off); the vendor's swanctl.conf
 * (--ipsec-conf: the distress connection and its secrets) and credentials
 * (--ipsec-cred TYPE:FILE).
 */
#ifndef MAYDAY_PROV_IPSEC_H
#define MAYDAY_PROV_IPSEC_H

#include <stdint.h>

#include "dcf_config.h"
#include "mayday/manifest.h"

struct hal_flash;

#define PROV_IPSEC_AUTO_DIR      "/usr/lib/ipsec"     /* Debian's charon and plugins/ */
#define PROV_IPSEC_AUTO_SWANCTL  "/usr/sbin/swanctl"
#define PROV_IPSEC_DEFAULT_PLUGINS "nonce x509 openssl pem kdf kernel-netlink socket-default vici"
#define PROV_IPSEC_CREDS_MAX     8

struct prov_ipsec {
	const char *daemon;    /* --ipsec-daemon DIR|auto; NULL: no daemon in the partition */
	const char *swanctl;   /* --ipsec-swanctl PATH */
	const char *plugins;   /* --ipsec-plugins LIST (spaces or commas) */
	const char *conf;      /* --ipsec-conf FILE */
	const char *creds[PROV_IPSEC_CREDS_MAX]; /* --ipsec-cred TYPE:FILE */
	unsigned n_creds;
	/* Filled by prov_ipsec_check: */
	char dir[1024];                                 /* charon's directory */
	char swanctl_path[4096];                        /* --ipsec-swanctl or its default */
	char plugin_list[DCF_PLUGINS_MAX + 1];          /* charon's, space-separated */
	char swanctl_plugin_list[DCF_PLUGINS_MAX + 1];  /* swanctl's subset */
};

/* Check the options (each failure logged once, naming the option) before
 * anything is written; fills the computed fields. 1 if usable, or if no
 * --ipsec-* option was given at all. */
int prov_ipsec_check(struct prov_ipsec *ip);

/* Copy the daemon into the DCF partition, appending one designated TRV per
 * file to m; logs the count and bytes. 1 on success; 0 with the reason
 * logged (including: the manifest would exceed MAYDAY_MANIFEST_FILES_MAX). */
int prov_ipsec_write(struct hal_flash *f, const struct prov_ipsec *ip,
		     struct mayday_manifest *m);

#endif
