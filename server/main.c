/*
 * maydayd: the pre-designated network entity (H(e)MS) that receives
 * distress indications. This file is the lifecycle only: arguments,
 * configuration, opening everything that can fail while errors still reach
 * the terminal, detaching, then waiting for a signal. SIGTERM/SIGINT stop
 * receiving, let every indication in flight commit and be acked, close the
 * store and exit 0.
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
#include "srv_config.h"
#include "log.h"
#include "srv_pipeline.h"

#define EXIT_USAGE 2

static void usage(void)
{
	fprintf(stderr, "usage: maydayd -c FILE [-f] [-v] [--pidfile FILE]\n"
			"  -c, --config FILE   configuration (see maydayd.conf.example)\n"
			"  -f, --foreground    do not detach\n"
			"  -v, --verbose       debug logging\n"
			"  -p, --pidfile FILE  write the daemon's pid to FILE\n");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"foreground", no_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"pidfile", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *pidfile = NULL;
	int foreground = 0, verbose = 0, c, rc = 1;
	struct srv_config cfg;
	char err[256];
	EVP_PKEY *hems = NULL;
	struct srv_pipeline *pl = NULL;
	enum mayday_err e;
	sigset_t sigs;

	while ((c = getopt_long(argc, argv, "c:fvp:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': foreground = 1; break;
		case 'v': verbose = 1; break;
		case 'p': pidfile = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return EXIT_USAGE;
		}
	}
	if (config == NULL || optind != argc) {
		usage();
		return EXIT_USAGE;
	}
	log_init("maydayd", verbose);
	cwmp_global_init();   /* before any thread parses an envelope */
	if (srv_config_load(config, &cfg, err, sizeof(err)) != MAYDAY_OK) {
		log_warnx("%s: %s", config, err);
		return EXIT_USAGE;
	}
	if ((e = mayday_key_load_private(cfg.hems_key, &hems)) != MAYDAY_OK) {
		log_warnx("hems_key %s: %s", cfg.hems_key, mayday_strerror(e));
		goto out;
	}
	/* Sockets, store and TLS context open here, while errors reach the terminal. */
	if (srv_pipeline_create(&pl, &cfg, hems) != MAYDAY_OK)
		goto out;
	if (!foreground && daemon(1, 1) != 0) {
		log_warn("daemon");
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
	log_info("running (db %s, %u workers, batch %u)", cfg.db, cfg.workers, cfg.batch);
	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("signal %d: draining in-flight indications", sig);
			break;
		}
		if (sig == SIGHUP)
			log_info("SIGHUP ignored: restart to reload the configuration");
	}
	rc = 0;
out:
	if (pl != NULL) {
		srv_pipeline_stop(pl);  /* drains: commits and acks what is in flight */
		if (rc == 0)
			srv_stats_log(srv_pipeline_stats(pl));
		srv_pipeline_destroy(pl);
	}
	EVP_PKEY_free(hems);
	if (pidfile != NULL && rc == 0)
		(void)unlink(pidfile);
	if (rc == 0)
		log_info("stopped");
	return rc;
}
