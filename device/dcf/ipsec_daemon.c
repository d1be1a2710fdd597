/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DCF's own IKE daemon (ipsec_daemon.h says what and why). Process
 * handling only: the files are the partition's, the protocol is vici.h's.
 *
 * Every wait is bounded (IPSEC_DAEMON_START_MS, IPSEC_DAEMON_STOP_MS) and
 * every child is reaped; a child that cannot set itself up (mount namespace,
 * exec) says why on stderr and exits 127, which the parent reports.
 */
#define _GNU_SOURCE
#include "ipsec_daemon.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dcf_config.h"
#include "hal/flash.h"
#include "hal/hal_spawn.h"
#include "log.h"
#include "vici.h"

#define PIDFILE_DIR "/var/run"   /* charon's compiled-in IPSEC_PIDDIR */

struct ipsec_daemon {
	pid_t pid;
	char dcf[PATH_MAX];       /* the DCF partition's directory */
	char run[PATH_MAX];       /* our directory in the run partition */
	char sock[PATH_MAX];
	char swanctl_dir[PATH_MAX];
};

static const char *const cred_types[] = {
	"x509", "x509ca", "x509crl", "pubkey", "private", "rsa", "ecdsa", "pkcs8", "pkcs12",
};

static int fmt(char *out, size_t cap, const char *f1, const char *f2, const char *f3)
{
	int n = snprintf(out, cap, "%s%s%s", f1, f2, f3);

	return n >= 0 && (size_t)n < cap;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

/* Remove `dir` and everything below it, symbolic links not followed. */
static int remove_tree(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return unlink(dir) == 0;
	return nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS) == 0;
}

/* ---- the run directory: swanctl/ as symbolic links into the partition ---- */

struct view_ctx {
	const struct ipsec_daemon *d;
	int failed;
};

/* swanctl.T.NAME -> swanctl/T/NAME */
static enum mayday_err link_cred(void *user, const char *name, uint64_t size)
{
	struct view_ctx *v = user;
	const char *type = name + strlen(IPSEC_DAEMON_CRED_PREFIX), *dot;
	char target[PATH_MAX], dir[PATH_MAX], link_path[PATH_MAX], t[16];
	size_t tlen;

	(void)size;
	if (strncmp(name, IPSEC_DAEMON_CRED_PREFIX, strlen(IPSEC_DAEMON_CRED_PREFIX)) != 0 ||
	    strcmp(name, IPSEC_DAEMON_SWANCTL_CONF) == 0)
		return MAYDAY_OK;
	dot = strchr(type, '.');
	tlen = dot ? (size_t)(dot - type) : 0;
	if (!dot || tlen >= sizeof(t) || dot[1] == '\0')
		goto skip;
	memcpy(t, type, tlen);
	t[tlen] = '\0';
	for (size_t i = 0; i < sizeof(cred_types) / sizeof(cred_types[0]); i++) {
		if (strcmp(t, cred_types[i]) != 0)
			continue;
		if (!fmt(target, sizeof(target), v->d->dcf, "/", name) ||
		    !fmt(dir, sizeof(dir), v->d->swanctl_dir, "/", t) ||
		    !fmt(link_path, sizeof(link_path), dir, "/", dot + 1))
			return MAYDAY_E_TOOBIG;
		if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || symlink(target, link_path) != 0)
			return MAYDAY_E_IO;
		return MAYDAY_OK;
	}
skip:
	log_info("ipsec: %s/%s: not a credential type swanctl knows; not used", HAL_PART_DCF, name);
	return MAYDAY_OK;
}

static enum mayday_err make_view(struct hal_flash *f, struct ipsec_daemon *d)
{
	char target[PATH_MAX], link_path[PATH_MAX];
	struct view_ctx v = { .d = d };

	/* Whatever is there (an earlier run's, or planted) goes: only what is
	 * linked here, now, points into the partition. */
	if (!remove_tree(d->run) || mkdir(d->run, 0700) != 0 || mkdir(d->swanctl_dir, 0700) != 0) {
		log_warn("ipsec: cannot make a fresh %s", d->run);
		return MAYDAY_E_IO;
	}
	if (!fmt(target, sizeof(target), d->dcf, "/", IPSEC_DAEMON_SWANCTL_CONF) ||
	    !fmt(link_path, sizeof(link_path), d->swanctl_dir, "/", IPSEC_DAEMON_SWANCTL_CONF))
		return MAYDAY_E_TOOBIG;
	if (symlink(target, link_path) != 0) {
		log_warn("ipsec: cannot link %s", link_path);
		return MAYDAY_E_IO;
	}
	enum mayday_err rc = hal_flash_list(f, HAL_PART_DCF, link_cred, &v);
	if (rc != MAYDAY_OK)
		log_info("ipsec: cannot link the credentials into %s: %s", d->swanctl_dir,
			 mayday_strerror(rc));
	return rc;
}

/* ---- starting a partition program ------------------------------------- */

/* "DCF/libstrongswan-A.so DCF/libstrongswan-B.so ..." for "A B ...";
 * malloc'd, NULL if out of memory. "" for no plugins. */
static char *preload_list(const char *dcf, const char *plugins)
{
	size_t words = 1, cap;
	char *out, *p;

	for (const char *s = plugins; *s; s++)
		words += *s == ' ';
	cap = strlen(plugins) + words * (strlen(dcf) + sizeof("/libstrongswan-.so ")) + 1;
	out = p = malloc(cap);
	if (!out)
		return NULL;
	*p = '\0';
	for (const char *s = plugins; *s;) {
		size_t n = strcspn(s, " ");
		p += sprintf(p, "%s%s/libstrongswan-%.*s.so", p == out ? "" : " ", dcf, (int)n, s);
		s += n;
		s += *s == ' ';
	}
	return out;
}

/* Child set-up, waits and kills: hal/hal_spawn.h, shared with the RoT agent. */
#define TAG "ipsec"

static void kill_and_reap(pid_t pid, uint32_t grace_ms)
{
	hal_spawn_kill(TAG, pid, grace_ms);
}

/* ---- the daemon ------------------------------------------------------- */

static enum mayday_err paths(struct hal_flash *f, struct ipsec_daemon *d)
{
	char charon[PATH_MAX];
	enum mayday_err rc = hal_flash_path(f, HAL_PART_DCF, IPSEC_DAEMON_CHARON, charon,
					    sizeof(charon));

	if (rc == MAYDAY_OK)
		rc = hal_flash_path(f, HAL_PART_RUN, IPSEC_DAEMON_RUN_DIR, d->run, sizeof(d->run));
	if (rc != MAYDAY_OK)
		return rc;
	size_t n = strlen(charon) - strlen("/" IPSEC_DAEMON_CHARON);
	memcpy(d->dcf, charon, n);
	d->dcf[n] = '\0';
	if (!fmt(d->sock, sizeof(d->sock), d->run, "/", IPSEC_DAEMON_SOCKET) ||
	    strlen(d->sock) > DCF_VICI_PATH_MAX ||
	    !fmt(d->swanctl_dir, sizeof(d->swanctl_dir), d->run, "/swanctl", ""))
		return MAYDAY_E_TOOBIG;
	/* The loader splits its preload list at spaces and colons. */
	if (strpbrk(d->dcf, " :"))
		return MAYDAY_E_TOOBIG;
	return MAYDAY_OK;
}

static enum mayday_err start_charon(struct ipsec_daemon *d, const char *loader,
				    const char *preload, const char *conf_env)
{
	char charon[PATH_MAX];
	const char *envp[] = { conf_env, "OPENSSL_CONF=/dev/null", NULL };
	uint64_t deadline;
	int status;

	if (!fmt(charon, sizeof(charon), d->dcf, "/", IPSEC_DAEMON_CHARON))
		return MAYDAY_E_TOOBIG;
	const char *argv[] = { loader, "--inhibit-cache", "--library-path", d->dcf,
			       "--preload", preload, "--argv0", IPSEC_DAEMON_CHARON, charon, NULL };
	struct hal_spawn s = { .tag = "mayday-dcf: " TAG, .argv = argv, .envp = envp,
			       .private_mounts = true, .bind_src = d->run,
			       .bind_dst = PIDFILE_DIR, .keep_fd = -1 };

	d->pid = hal_spawn(&s);
	if (d->pid < 0)
		return MAYDAY_E_IO;
	deadline = hal_spawn_now_ms() + IPSEC_DAEMON_START_MS;
	for (;;) {
		struct vici_conn *c = NULL;
		if (hal_spawn_wait_until(d->pid, 0, &status)) {
			hal_spawn_log_exit(TAG, "charon", status);
			d->pid = -1;
			return MAYDAY_E_IO;
		}
		if (vici_conn_open(d->sock, 100, &c) == MAYDAY_OK) {
			vici_conn_close(c);
			return MAYDAY_OK;
		}
		if (hal_spawn_now_ms() >= deadline) {
			log_info("ipsec: charon did not open %s within %u ms", d->sock,
				 IPSEC_DAEMON_START_MS);
			return MAYDAY_E_TIMEOUT;
		}
		hal_spawn_nap_ms(20);
	}
}

static enum mayday_err load_config(struct ipsec_daemon *d, const char *loader,
				   const char *preload, const char *conf_env)
{
	char swanctl[PATH_MAX], uri[PATH_MAX], dir_env[PATH_MAX];
	const char *envp[] = { conf_env, dir_env, "OPENSSL_CONF=/dev/null", NULL };
	int status;

	if (!fmt(swanctl, sizeof(swanctl), d->dcf, "/", IPSEC_DAEMON_SWANCTL) ||
	    !fmt(uri, sizeof(uri), "unix://", d->sock, "") ||
	    !fmt(dir_env, sizeof(dir_env), "SWANCTL_DIR=", d->swanctl_dir, ""))
		return MAYDAY_E_TOOBIG;
	const char *argv[] = { loader, "--inhibit-cache", "--library-path", d->dcf,
			       "--preload", preload, "--argv0", IPSEC_DAEMON_SWANCTL, swanctl,
			       "--load-all", "--noprompt", "--uri", uri, NULL };
	struct hal_spawn s = { .tag = "mayday-dcf: " TAG, .argv = argv, .envp = envp,
			       .keep_fd = -1 };
	pid_t pid = hal_spawn(&s);

	if (pid < 0)
		return MAYDAY_E_IO;
	if (!hal_spawn_wait_until(pid, hal_spawn_now_ms() + IPSEC_DAEMON_START_MS, &status)) {
		log_info("ipsec: swanctl did not finish within %u ms", IPSEC_DAEMON_START_MS);
		kill_and_reap(pid, 0);
		return MAYDAY_E_TIMEOUT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		hal_spawn_log_exit(TAG, "swanctl --load-all", status);
		return MAYDAY_E_IO;
	}
	return MAYDAY_OK;
}

static int uses_ipsec(const struct dcf_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_methods; i++)
		if (strcmp(cfg->methods[i], "ipsec") == 0)
			return 1;
	return 0;
}

enum mayday_err ipsec_daemon_start(struct hal_flash *f, struct dcf_config *cfg,
				   struct ipsec_daemon **out)
{
	struct ipsec_daemon *d;
	char loader[PATH_MAX], conf_env[PATH_MAX];
	char *charon_preload = NULL, *swanctl_preload = NULL;
	enum mayday_err rc;

	*out = NULL;
	if (!cfg->ipsec_daemon_partition || !uses_ipsec(cfg))
		return MAYDAY_OK;
	d = calloc(1, sizeof(*d));
	if (!d)
		return MAYDAY_E_NOMEM;
	d->pid = -1;
	rc = paths(f, d);
	if (rc != MAYDAY_OK) {
		d->run[0] = '\0';   /* maybe half-written: never remove a guess */
		log_info("ipsec: partition or run paths unusable for the IKE daemon: %s",
			 mayday_strerror(rc));
		goto fail;
	}
	charon_preload = preload_list(d->dcf, cfg->ipsec_plugins);
	swanctl_preload = preload_list(d->dcf, cfg->ipsec_swanctl_plugins);
	if (!charon_preload || !swanctl_preload ||
	    !fmt(loader, sizeof(loader), d->dcf, "/", IPSEC_DAEMON_LOADER) ||
	    !fmt(conf_env, sizeof(conf_env), "STRONGSWAN_CONF=", d->dcf, "/" IPSEC_DAEMON_CONF)) {
		rc = !charon_preload || !swanctl_preload ? MAYDAY_E_NOMEM : MAYDAY_E_TOOBIG;
		goto fail;
	}
	rc = make_view(f, d);
	if (rc == MAYDAY_OK)
		rc = start_charon(d, loader, charon_preload, conf_env);
	if (rc == MAYDAY_OK)
		rc = load_config(d, loader, swanctl_preload, conf_env);
	if (rc != MAYDAY_OK)
		goto fail;
	size_t sock_len = strlen(d->sock);   /* paths() bounded it by DCF_VICI_PATH_MAX */
	if (sock_len >= sizeof(cfg->ipsec_vici)) {
		rc = MAYDAY_E_TOOBIG;
		goto fail;
	}
	memcpy(cfg->ipsec_vici, d->sock, sock_len + 1);
	log_info("ipsec: IKE daemon of the DCF partition running (pid %ld), VICI socket %s",
		 (long)d->pid, d->sock);
	free(charon_preload);
	free(swanctl_preload);
	*out = d;
	return MAYDAY_OK;
fail:
	log_info("ipsec: the DCF partition's IKE daemon did not start: %s", mayday_strerror(rc));
	free(charon_preload);
	free(swanctl_preload);
	ipsec_daemon_stop(d);
	return rc;
}

void ipsec_daemon_stop(struct ipsec_daemon *d)
{
	if (!d)
		return;
	if (d->pid > 0) {
		struct rusage ru = { 0 };
		kill_and_reap(d->pid, IPSEC_DAEMON_STOP_MS);
		/* Reaped children's largest peak: charon's (swanctl is smaller), read
		 * without opening /proc, which is not the partition's either. */
		getrusage(RUSAGE_CHILDREN, &ru);
		log_info("ipsec: IKE daemon stopped (pid %ld, peak RSS of the DCF's children %ld kB)",
			 (long)d->pid, ru.ru_maxrss);
	}
	if (d->run[0] && !remove_tree(d->run))
		log_warn("ipsec: cannot remove %s", d->run);
	free(d);
}
