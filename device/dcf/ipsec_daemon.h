/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF's own IKE daemon: strongSwan's charon, run from the DCF partition
 * (dcf.conf [ipsec] daemon = partition), so that every byte of code the
 * ipsec method depends on was measured by the TrE with the rest of the
 * partition (docs/ipsec.md, "The IKE daemon in the DCF partition").
 *
 * The partition holds, under these names (mayday-provision --ipsec-daemon
 * puts them there and lists each in the DCF manifest):
 *   ld.so                  the dynamic loader charon was linked for
 *   charon, swanctl        the daemon and the tool that loads its configuration
 *   lib*.so.N              the ELF dependency closure of both and of the plugins,
 *                          by soname, plus libgcc_s.so.1 (glibc dlopens it)
 *   libstrongswan-P.so     each plugin P of [ipsec] plugins / swanctl_plugins
 *   strongswan.conf        charon.load, swanctl.load, the VICI socket
 *                          unix:///var/run/charon.vici, logging to stderr
 *   swanctl.conf           the distress connection and its secrets
 *   swanctl.T.NAME         a credential, which swanctl sees as swanctl/T/NAME
 *                          (T: x509, x509ca, x509crl, pubkey, private, rsa,
 *                          ecdsa, pkcs8, pkcs12)
 *
 * Start: a fresh directory `ipsec` in the run partition (whatever was there is
 * removed first: the run partition is not the DCF's alone) holding a
 * swanctl/ view of symbolic links into the partition. charon is started as
 * `ld.so --inhibit-cache --library-path DCF --preload PLUGINS charon` with an
 * environment of STRONGSWAN_CONF and OPENSSL_CONF=/dev/null only, in a private
 * mount namespace where that run directory is bind-mounted over /var/run,
 * charon's compiled-in place for its pid file (and the VICI socket's, by
 * strongswan.conf), and /etc is an empty read-only tmpfs (glibc's NSS would
 * otherwise read the host's nsswitch.conf, protocols, services and load the
 * modules named there when charon prints a traffic selector). Preloaded plugins are found by charon's plugin loader
 * without opening its compiled-in plugin directory: it looks a plugin's
 * constructor up in the process first. Then the partition's swanctl, started
 * the same way, loads swanctl.conf and the credentials over the socket.
 * Stop: SIGTERM (SIGKILL after a grace period), the run directory removed.
 * charon also gets SIGTERM if the DCF dies (PR_SET_PDEATHSIG).
 */
#ifndef MAYDAY_IPSEC_DAEMON_H
#define MAYDAY_IPSEC_DAEMON_H

#include "mayday/error.h"

struct dcf_config;
struct hal_flash;

/* Partition names shared with mayday-provision (tools/provision/prov_ipsec.c). */
#define IPSEC_DAEMON_LOADER    "ld.so"
#define IPSEC_DAEMON_CHARON    "charon"
#define IPSEC_DAEMON_SWANCTL   "swanctl"
#define IPSEC_DAEMON_CONF      "strongswan.conf"
#define IPSEC_DAEMON_SWANCTL_CONF "swanctl.conf"
#define IPSEC_DAEMON_CRED_PREFIX  "swanctl."
#define IPSEC_DAEMON_RUN_DIR   "ipsec"            /* in the run partition */
#define IPSEC_DAEMON_SOCKET    "charon.vici"      /* in IPSEC_DAEMON_RUN_DIR */
#define IPSEC_DAEMON_START_MS  10000u             /* charon up, swanctl done: each */
#define IPSEC_DAEMON_STOP_MS   5000u              /* SIGTERM to SIGKILL */

struct ipsec_daemon;

/* If cfg lists the ipsec method with daemon = partition, start the
 * partition's charon, load its configuration, and set cfg->ipsec_vici to its
 * socket; *out is then owned by the caller (ipsec_daemon_stop). Otherwise
 * MAYDAY_OK with *out NULL and cfg untouched. Failures are logged once:
 * MAYDAY_E_TOOBIG (paths too long, or a partition path holding a space or
 * colon, which the loader's preload list cannot carry), MAYDAY_E_IO (run
 * directory, fork, charon exited or never opened its socket, swanctl
 * failed), MAYDAY_E_TIMEOUT; nothing is left running then. */
MAYDAY_NODISCARD enum mayday_err ipsec_daemon_start(struct hal_flash *f, struct dcf_config *cfg,
						    struct ipsec_daemon **out);

/* Stop the daemon (logging its peak RSS) and remove its run directory.
 * NULL-safe; frees d. */
void ipsec_daemon_stop(struct ipsec_daemon *d);

#endif
