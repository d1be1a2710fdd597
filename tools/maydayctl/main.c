/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl: the operator's view of the incident store.
 * The store is one maydayd created (sqlite:PATH, or the PATH alone);
 * maydayctl never creates one.
 *   maydayctl -d sqlite:PATH [--json] devices [--maintenance]
 *   maydayctl -d sqlite:PATH [--json] show DEVICE
 *   maydayctl -d sqlite:PATH [--json] enrol --device ID --class C --pubkey FILE
 *   maydayctl -d sqlite:PATH [--json] enrol --from RECORD [--psk-kek KEK]
 *   maydayctl -d sqlite:PATH export DEVICE [--psk-kek KEK [--plaintext-psk]] [--out FILE]
 *   maydayctl -d sqlite:PATH [--json] approve DEVICE
 *   maydayctl -d sqlite:PATH [--json] classes
 *   maydayctl -d sqlite:PATH [--json] resume CLASS
 *   maydayctl -d sqlite:PATH [--json] fleet [--since DURATION]
 *             [--by class|image|component|digest] [--class C] [--limit N]
 *   maydayctl -d sqlite:PATH [--json] cwmp-credentials DEVICE [--username USER]
 *             [--psk-kek KEK] < password
 * Global options come before the command; --json is also accepted after it.
 * --help prints the usage to stdout and --version the version, both exit 0.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mayday_version.h"

/* To stdout when asked for (--help), else to stderr beside the error. */
static void usage(FILE *to)
{
	fprintf(to,
		"usage: maydayctl -d STORE [--json] COMMAND [ARGS]\n"
		"       maydayctl --help | --version\n"
		"  STORE: sqlite:PATH or a PATH (or $MAYDAY_DB); maydayctl never creates a store\n"
		"commands:\n"
		"  devices [--maintenance]                       enrolled devices (and those needing maintenance)\n"
		"  show DEVICE                                   a device, its incidents and indications\n"
		"  enrol --device ID --class C --pubkey FILE     enrol or re-enrol a device\n"
		"  enrol --from RECORD [--psk-kek KEK]           the same from an enrolment record (JSON)\n"
		"  export DEVICE [--psk-kek KEK [--plaintext-psk]] [--out FILE]\n"
		"                                                a device's enrolment record (PSK sealed)\n"
		"  approve DEVICE                                approve remediation of its open incident\n"
		"  classes                                       product classes, their devices and remediation pause\n"
		"  resume CLASS                                  resume remediation of a paused product class\n"
		"  fleet [--since DURATION] [--by class|image|component|digest] [--class C] [--limit N]\n"
		"                                                signed indications of a window, grouped\n"
		"  cwmp-credentials DEVICE [--username USER] [--psk-kek KEK]\n"
		"                                                set a CPE's HTTP login to the ACS (password on stdin);\n"
		"                                                with the KEK, print the ACS's Connection Request login\n"
		"exit: 0 ok, 1 error, 2 usage, 3 device (or class) not found\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct ctl c = {.db = getenv("MAYDAY_DB")};
	int o, rc;
	while ((o = getopt_long(argc, argv, "+d:jh", opts, NULL)) != -1) {
		switch (o) {
		case 'd': c.db = optarg; break;
		case 'j': c.json = true; break;
		case 'h': usage(stdout); return fflush(stdout) == 0 ? CTL_OK : CTL_FAIL;
		case 'V':
			fputs(MAYDAY_VERSION_LINE("maydayctl"), stdout);
			return fflush(stdout) == 0 ? CTL_OK : CTL_FAIL;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind >= argc || c.db == NULL) {
		usage(stderr);
		return CTL_USAGE;
	}
	const char *cmd = argv[optind];
	int (*run)(struct ctl *, int, char **) = NULL;
	if (strcmp(cmd, "devices") == 0)
		run = ctl_devices;
	else if (strcmp(cmd, "show") == 0)
		run = ctl_show;
	else if (strcmp(cmd, "enrol") == 0 || strcmp(cmd, "enroll") == 0)
		run = ctl_enrol;
	else if (strcmp(cmd, "export") == 0)
		run = ctl_export;
	else if (strcmp(cmd, "approve") == 0)
		run = ctl_approve;
	else if (strcmp(cmd, "classes") == 0)
		run = ctl_classes;
	else if (strcmp(cmd, "resume") == 0)
		run = ctl_resume;
	else if (strcmp(cmd, "fleet") == 0)
		run = ctl_fleet;
	else if (strcmp(cmd, "cwmp-credentials") == 0)
		run = ctl_cwmp_credentials;
	if (run == NULL) {
		fprintf(stderr, "maydayctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return CTL_USAGE;
	}
	/* Never create: a mistyped path must not become an empty store. */
	char why[512];
	enum mayday_err err = store_open_ex(&c.st, c.db, 0, why, sizeof(why));
	if (err != MAYDAY_OK) {
		fprintf(stderr, "maydayctl: cannot open store '%s': %s\n", c.db,
			why[0] ? why : mayday_strerror(err));
		return err == MAYDAY_E_INVALID ? CTL_USAGE : CTL_FAIL;
	}
	rc = run(&c, argc - optind, argv + optind);
	store_close(c.st);
	if (rc == CTL_USAGE)
		usage(stderr);
	fflush(stdout);
	if (ferror(stdout))
		rc = CTL_FAIL;
	return rc;
}
