/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl: the operator's client of maydayd's API (docs/api.md). maydayd
 * is the store's only writer; maydayctl asks it over its local socket (the
 * default), over the management listener (--api URL), or -- when maydayd
 * is not running -- runs the API's code on the store file itself (-d
 * STORE: reads always, writes only while no maydayd holds the store).
 *
 * The command table below is the list of commands and their --help;
 * docs/man/maydayctl.8 says the same for a reader. --json may stand
 * anywhere on the line (before "--"): it is taken out here, so the
 * commands never see it. "--help" (or -h) after a command prints that
 * command's usage to stdout and exits 0.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "mayday_version.h"

static const struct ctl_command commands[] = {
	{"devices", ctl_devices,
	 "devices [--state S] [--class C] [--image V] [--failed-component NAME]\n"
	 "        [--seen-before T] [--seen-after T] [--maintenance]\n"
	 "        [--limit N] [--cursor C | --all] | devices --counts",
	 "devices, filtered, one page (--all: every page); --counts: totals"},
	{"show", ctl_show, "show DEVICE", "a device, its incidents, attempts and indications"},
	{"indications", ctl_indications,
	 "indications [--device D] [--signed | --unverified] [--since T]\n"
	 "            [--limit N] [--cursor C | --all]",
	 "indications newest first, unenrolled senders' included"},
	{"enrol", ctl_enrol,
	 "enrol --device ID --class C --pubkey FILE | enrol --from RECORD [--psk-kek KEK]",
	 "enrol or re-enrol a device (from an enrolment record: with its PSK)"},
	{"revoke", ctl_revoke, "revoke DEVICE [--reason TEXT]",
	 "revoke a device's key: its indications are kept, never trusted"},
	{"export", ctl_export,
	 "export DEVICE [--psk sealed|plaintext] [--out FILE]",
	 "a device's enrolment record (without its PSK unless --psk)"},
	{"approve", ctl_approve, "approve DEVICE",
	 "approve remediation of the device's open incident (once)"},
	{"classes", ctl_classes, "classes", "product classes: devices, bundle, remediation pause"},
	{"pause", ctl_pause, "pause CLASS [--reason TEXT]", "pause remediation of a product class"},
	{"resume", ctl_resume, "resume CLASS", "resume remediation of a product class"},
	{"bundle", ctl_bundle, "bundle upload CLASS FILE",
	 "replace a class's golden bundle (signature, class and version checked)"},
	{"fleet", ctl_fleet,
	 "fleet [--since DURATION] [--by class|image|component|digest] [--class C] [--limit N]\n"
	 "      | fleet anomalies",
	 "signed indications of a window, grouped; or the fleet anomalies"},
	{"cwmp-credentials", ctl_cwmp_credentials,
	 "cwmp-credentials DEVICE [--username USER] < password",
	 "set a CPE's HTTP login to the ACS (password on stdin)"},
	{"tokens", ctl_tokens,
	 "tokens list | tokens create --name NAME --role viewer|operator|admin | tokens revoke ID",
	 "the API's bearer tokens (a new token's secret is shown once)"},
	{"whoami", ctl_whoami, "whoami", "who the API takes you for, and your role"},
	{NULL, NULL, NULL, NULL},
};

/* To stdout when asked for (--help), else to stderr beside the error. */
static void usage(FILE *to)
{
	fprintf(to,
		"usage: maydayctl [OPTIONS] COMMAND [ARGS]   (COMMAND --help: its usage)\n"
		"       maydayctl --help | --version\n"
		"options (before the command; --json anywhere):\n"
		"  --socket PATH      maydayd's API socket ($MAYDAY_SOCKET, default %s)\n"
		"  --api URL          the management listener, https://HOST:PORT ($MAYDAY_API)\n"
		"  --token-file FILE  bearer token for --api ($MAYDAY_TOKEN_FILE; never on the command line)\n"
		"  --cert FILE --key FILE  client certificate for --api;  --cacert FILE  its CAs\n"
		"  -d STORE           no maydayd: run the API on the store itself ($MAYDAY_DB;\n"
		"                     sqlite:PATH or PATH; writes refused while maydayd runs)\n"
		"  --psk-kek KEK      with -d: maydayd's PSK KEK (enrol --from, export --psk, cwmp-credentials)\n"
		"  --json             JSON output; errors as {\"error\":{\"code\",\"message\"}} on stdout\n"
		"commands:\n",
		CTL_SOCKET_DEFAULT);
	for (const struct ctl_command *k = commands; k->name; k++)
		fprintf(to, "  %-17s %s\n", k->name, k->summary);
	fprintf(to, "exit: 0 ok, 1 error, 2 usage, 3 not found, 4 not authenticated or not allowed\n");
}

static void command_usage(const struct ctl_command *k, FILE *to)
{
	const char *u = k->usage;
	fprintf(to, "usage: maydayctl [OPTIONS] ");
	/* continuation lines of a usage indented under the first */
	for (; *u; u++) {
		fputc(*u, to);
		if (*u == '\n')
			fputs("                           ", to);   /* under the command */
	}
	fprintf(to, "\n  %s\n", k->summary);
}

/* Takes every "--json" out of argv (up to a "--"), so it may stand
 * anywhere; returns the new argc. */
static int take_json(int argc, char **argv, bool *json)
{
	int w = 1;
	bool rest = false;
	for (int r = 1; r < argc; r++) {
		if (!rest && strcmp(argv[r], "--") == 0)
			rest = true;
		if (!rest && strcmp(argv[r], "--json") == 0) {
			*json = true;
			continue;
		}
		argv[w++] = argv[r];
	}
	argv[w] = NULL;
	return w;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"socket", required_argument, NULL, 's'},
		{"api", required_argument, NULL, 'a'},
		{"token-file", required_argument, NULL, 't'},
		{"cert", required_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'},
		{"cacert", required_argument, NULL, 'C'},
		{"psk-kek", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct ctl c = {
		.target = {
			.db = getenv("MAYDAY_DB"),
			.socket = getenv("MAYDAY_SOCKET"),
			.api = getenv("MAYDAY_API"),
			.token_file = getenv("MAYDAY_TOKEN_FILE"),
		},
	};
	int o, rc;
	log_init("maydayctl", 0);   /* device/net's TLS setup logs why it failed */
	argc = take_json(argc, argv, &c.json);
	while ((o = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		switch (o) {
		case 'd': c.target.db = optarg; break;
		case 's': c.target.socket = optarg; c.target.db = NULL; c.target.api = NULL; break;
		case 'a': c.target.api = optarg; c.target.db = NULL; break;
		case 't': c.target.token_file = optarg; break;
		case 'c': c.target.cert = optarg; break;
		case 'k': c.target.key = optarg; break;
		case 'C': c.target.cacert = optarg; break;
		case 'K': c.target.psk_kek = optarg; break;
		case 'h': usage(stdout); return fflush(stdout) == 0 ? CTL_OK : CTL_FAIL;
		case 'V':
			fputs(MAYDAY_VERSION_LINE("maydayctl"), stdout);
			return fflush(stdout) == 0 ? CTL_OK : CTL_FAIL;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	const char *cmd = argv[optind];
	if (strcmp(cmd, "enroll") == 0)
		cmd = "enrol";
	else if (strcmp(cmd, "token") == 0)
		cmd = "tokens";
	const struct ctl_command *k = commands;
	while (k->name != NULL && strcmp(k->name, cmd) != 0)
		k++;
	if (k->name == NULL) {
		rc = ctl_error(&c, CTL_USAGE, "usage", "unknown command '%s' (maydayctl --help lists them)",
			       argv[optind]);
		if (!c.json)
			usage(stderr);
		return rc;
	}
	if (wants_help(argc - optind, argv + optind)) {
		command_usage(k, stdout);
		return fflush(stdout) == 0 ? CTL_OK : CTL_FAIL;
	}
	c.cmd = k->name;
	opterr = !c.json;   /* under --json, getopt's complaints would not be JSON */
	rc = k->run(&c, argc - optind, argv + optind);
	ctl_call_done(&c);
	if (rc == CTL_USAGE && !c.json)
		command_usage(k, stderr);
	fflush(stdout);
	if (ferror(stdout))
		rc = CTL_FAIL;
	return rc;
}
