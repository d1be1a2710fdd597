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
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dcf_config.h"
#include "hal/flash.h"
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

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

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

struct spawn {
	const char *const *argv;
	const char *const *envp;
	const char *bind_over_piddir;   /* NULL: no private mount namespace */
};

static void child_fail(const char *what)
{
	dprintf(STDERR_FILENO, "mayday-dcf: ipsec: %s: %s\n", what, strerror(errno));
	_exit(127);
}

/* In the child: nothing of the DCF but stderr, and default signal handling. */
static void child_exec(const struct spawn *s)
{
	sigset_t none;
	long max_fd = sysconf(_SC_OPEN_MAX);

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		child_fail("PR_SET_PDEATHSIG");
	if (s->bind_over_piddir) {
		if (unshare(CLONE_NEWNS) != 0)
			child_fail("unshare(CLONE_NEWNS)");
		/* Nothing mounted here may leak back to the device's namespace. */
		if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			child_fail("making / private");
		if (mount(s->bind_over_piddir, PIDFILE_DIR, NULL, MS_BIND, NULL) != 0)
			child_fail("bind-mounting the run directory over " PIDFILE_DIR);
		/* An empty /etc: charon names protocols and ports (getprotobynumber,
		 * getservbyport when it prints a traffic selector, in logs and in
		 * VICI answers), and glibc would read the host's nsswitch.conf,
		 * protocols and services and load the NSS modules nsswitch.conf
		 * names, code of the normal code's file system. With nothing there
		 * glibc uses its built-in "files" and finds no names: charon prints
		 * numbers. */
		if (mount("tmpfs", "/etc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,mode=0555") != 0)
			child_fail("mounting an empty /etc");
	}
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		child_fail("dup2");
	for (long fd = 3; fd < (max_fd > 0 && max_fd < 65536 ? max_fd : 1024); fd++)
		close((int)fd);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(s->argv[0], (char *const *)s->argv, (char *const *)s->envp);
	child_fail(s->argv[0]);
}

static pid_t spawn(const struct spawn *s)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child_exec(s);
	if (pid < 0)
		log_warn("ipsec: fork");
	return pid;
}

/* Wait for pid until deadline (CLOCK_MONOTONIC ms): 1 exited (*status set),
 * 0 still running at the deadline. */
static int wait_until(pid_t pid, uint64_t deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return 1;
		if (mono_ms() >= deadline)
			return 0;
		nap_ms(10);
	}
}

static void kill_and_reap(pid_t pid, uint32_t grace_ms)
{
	int status;

	kill(pid, SIGTERM);
	if (!wait_until(pid, mono_ms() + grace_ms, &status)) {
		log_info("ipsec: pid %ld ignored SIGTERM for %u ms: killed", (long)pid, grace_ms);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

static void log_exit(const char *what, int status)
{
	if (WIFEXITED(status))
		log_info("ipsec: %s exited %d", what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_info("ipsec: %s killed by signal %d", what, WTERMSIG(status));
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
	struct spawn s = { .argv = argv, .envp = envp, .bind_over_piddir = d->run };

	d->pid = spawn(&s);
	if (d->pid < 0)
		return MAYDAY_E_IO;
	deadline = mono_ms() + IPSEC_DAEMON_START_MS;
	for (;;) {
		struct vici_conn *c = NULL;
		if (wait_until(d->pid, 0, &status)) {
			log_exit("charon", status);
			d->pid = -1;
			return MAYDAY_E_IO;
		}
		if (vici_conn_open(d->sock, 100, &c) == MAYDAY_OK) {
			vici_conn_close(c);
			return MAYDAY_OK;
		}
		if (mono_ms() >= deadline) {
			log_info("ipsec: charon did not open %s within %u ms", d->sock,
				 IPSEC_DAEMON_START_MS);
			return MAYDAY_E_TIMEOUT;
		}
		nap_ms(20);
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
	struct spawn s = { .argv = argv, .envp = envp };
	pid_t pid = spawn(&s);

	if (pid < 0)
		return MAYDAY_E_IO;
	if (!wait_until(pid, mono_ms() + IPSEC_DAEMON_START_MS, &status)) {
		log_info("ipsec: swanctl did not finish within %u ms", IPSEC_DAEMON_START_MS);
		kill_and_reap(pid, 0);
		return MAYDAY_E_TIMEOUT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_exit("swanctl --load-all", status);
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
