/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayd: the pre-designated network entity (H(e)MS) that receives
 * distress indications. This file is the lifecycle only:
 *
 *   arguments, configuration             errors to the terminal
 *   detach (fork, before anything opens) srv_detach.h: the parent waits
 *   become the configured user           srv_privs.h
 *   keys, sockets, store, TLS contexts   srv_pipeline_create
 *   the API's socket and listener        srv_api_listen.h (as that user:
 *                                        the socket file is maydayd's)
 *   drop every capability                srv_privs.h
 *   log destination, pidfile, threads
 *   ready                                the parent exits 0; READY=1 to a
 *                                        service manager (srv_notify.h)
 *
 * Nothing that holds the store is ever forked. SIGTERM/SIGINT stop
 * receiving, let every indication in flight commit and be acked, close the
 * store and exit 0. SIGHUP reopens the log file and reloads what can change
 * without a restart (srv_pipeline_reload).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cwmp.h"
#include "mayday/keys.h"
#include "mayday_version.h"
#include "srv_api_listen.h"
#include "srv_config.h"
#include "log.h"
#include "srv_detach.h"
#include "srv_notify.h"
#include "srv_pipeline.h"
#include "srv_privs.h"
#include "store_acs.h"
#include "store_api.h"

#define EXIT_USAGE 2

static void usage(FILE *to)
{
	fprintf(to, "usage: maydayd -c FILE [-f] [-v] [--pidfile FILE]\n"
		    "  -c, --config FILE   configuration (see maydayd.conf(5))\n"
		    "  -f, --foreground    do not detach (under a service manager)\n"
		    "  -v, --verbose       debug logging\n"
		    "  -p, --pidfile FILE  write the daemon's pid to FILE\n"
		    "  -V, --version       print the version and exit\n"
		    "  -h, --help          this text\n");
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int ok = write(fd, buf, (size_t)n) == n;
	return (close(fd) == 0 && ok) ? 0 : -1;
}

/* The configured destination, or the mode's default. */
static const char *log_dest(const struct srv_config *cfg, int foreground)
{
	if (cfg->log[0])
		return cfg->log;
	return foreground ? "stderr" : "syslog";
}

/* The API's listeners ([api]); *ac is what its handlers need, filled here
 * and borrowed by the listener for its whole life. */
static void psk_enrolled(void *arg, const uint8_t *kid, size_t kid_len)
{
	srv_pipeline_psk_forget(arg, kid, kid_len);
}

static enum mayday_err open_api(struct srv_api_listen **out, const struct srv_config *cfg,
				struct srv_pipeline *pl, struct api_config *ac)
{
	char err[512];
	*ac = (struct api_config){
		.psk_enrolled = psk_enrolled,
		.psk_enrolled_arg = pl,
		.psk_kek = cfg->psk_kek,
		.bundle_dir = cfg->acs_bundle_dir,
		.vendor_key = cfg->acs_vendor_key,
		.acs_realm = STORE_ACS_REALM,
		.bundle_max = cfg->api_bundle_max,
	};
	const struct srv_api_listen_opts o = {
		.socket_path = cfg->api_socket,
		.socket_optional = !cfg->api_socket_given,
		.socket_role = api_role_parse(cfg->api_socket_role),
		.listen = &cfg->api_listen,
		.tls_cert = cfg->api_tls_cert,
		.tls_key = cfg->api_tls_key,
		.client_ca = cfg->api_client_ca,
		.max_header = cfg->http_header_max,
		.timeout_s = cfg->api_timeout,
		.max_conns = cfg->api_connections,
		.db = cfg->db,
		.psk_kek = cfg->psk_kek,
		.api = ac,
	};
	enum mayday_err e = srv_api_listen_open(out, &o, err, sizeof(err));
	if (e != MAYDAY_OK)
		log_warnx("%s", err[0] ? err : mayday_strerror(e));
	return e;
}

static void reload(struct srv_pipeline *pl)
{
	(void)srv_notify("RELOADING=1");
	if (log_reopen() != 0)
		log_warn("SIGHUP: reopening the log");
	srv_pipeline_reload(pl);
	(void)srv_notify("READY=1");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"foreground", no_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"pidfile", required_argument, NULL, 'p'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *pidfile = NULL;
	int foreground = 0, verbose = 0, c, rc = 1;
	struct srv_config cfg;
	struct srv_detach detach = {.fd = -1};
	char err[512];
	EVP_PKEY *hems = NULL;
	struct srv_pipeline *pl = NULL;
	struct srv_api_listen *api = NULL;
	struct api_config api_cfg;
	int writer = -1;
	enum mayday_err e;
	sigset_t sigs;

	while ((c = getopt_long(argc, argv, "c:fvp:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': foreground = 1; break;
		case 'v': verbose = 1; break;
		case 'p': pidfile = optarg; break;
		case 'V': fputs(MAYDAY_VERSION_LINE("maydayd"), stdout); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (config == NULL || optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_init("maydayd", verbose);
	cwmp_global_init();   /* before any thread parses an envelope */
	if (srv_config_load(config, &cfg, err, sizeof(err)) != MAYDAY_OK) {
		log_warnx("%s: %s", config, err);
		return EXIT_USAGE;
	}
	if (!foreground && srv_detach_begin(&detach) != MAYDAY_OK)
		goto out;
	if (srv_privs_switch(cfg.user, err, sizeof(err)) != MAYDAY_OK) {
		log_warnx("%s", err);
		goto out;
	}
	if (geteuid() == 0)
		log_warnx("running as root: set [server] user to run as an unprivileged user");
	/* maydayd is the store's only writer (issue 13): held until exit, so
	 * a second maydayd and the offline writers refuse instead of writing
	 * behind this one's back. Before any listener opens. */
	if ((e = store_writer_lock(cfg.db, &writer, err, sizeof(err))) != MAYDAY_OK) {
		log_warnx("%s", err);
		goto out;
	}
	if ((e = mayday_key_load_private(cfg.hems_key, &hems)) != MAYDAY_OK) {
		log_warnx("hems_key %s: %s", cfg.hems_key, mayday_strerror(e));
		goto out;
	}
	/* Sockets, store and TLS contexts open here, in the process that uses
	 * them, while errors still reach the terminal. */
	if (srv_pipeline_create(&pl, &cfg, hems) != MAYDAY_OK)
		goto out;
	if (open_api(&api, &cfg, pl, &api_cfg) != MAYDAY_OK)
		goto out;
	if (srv_privs_done(err, sizeof(err)) != MAYDAY_OK) {
		log_warnx("dropping capabilities: %s", err);
		goto out;
	}
	if (log_open(log_dest(&cfg, foreground), err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		goto out;
	}
	if (pidfile != NULL && write_pidfile(pidfile) != 0) {
		log_warn("pidfile %s", pidfile);
		goto out;
	}
	/* Threads inherit the mask; only this thread takes the signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGPIPE);   /* a client gone mid-answer is not a reason to die */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (srv_pipeline_run(pl) != MAYDAY_OK) {
		log_warnx("cannot start threads");
		goto out;
	}
	if (api != NULL) {
		if (srv_api_listen_start(api) != MAYDAY_OK) {
			log_warnx("cannot start the API's thread");
			goto out;
		}
		if (srv_api_listen_socket(api)[0])
			log_info("listening on api socket %s", srv_api_listen_socket(api));
		if (srv_api_listen_bound(api)[0])
			log_info("listening on api %s", srv_api_listen_bound(api));
	}
	log_info("running (db %s, %u workers, batch %u)", cfg.db, cfg.workers, cfg.batch);
	srv_detach_ready(&detach, log_to_stderr());
	(void)srv_notify("READY=1");
	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("signal %d: draining in-flight indications", sig);
			(void)srv_notify("STOPPING=1");
			break;
		}
		if (sig == SIGHUP)
			reload(pl);
	}
	rc = 0;
out:
	srv_api_listen_destroy(api);   /* first: no write comes in while the pipeline drains */
	if (pl != NULL) {
		srv_pipeline_stop(pl);  /* drains: commits and acks what is in flight */
		if (rc == 0)
			srv_stats_log(srv_pipeline_stats(pl));
		srv_pipeline_destroy(pl);
	}
	EVP_PKEY_free(hems);
	store_writer_unlock(&writer);
	if (pidfile != NULL && rc == 0)
		(void)unlink(pidfile);
	if (rc == 0)
		log_info("stopped");
	return rc;
}
