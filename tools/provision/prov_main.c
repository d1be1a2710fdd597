/* SPDX-License-Identifier: Apache-2.0 */
/* mayday-provision: dispatch to the subcommand named by argv[1]; --help and
 * --version (to stdout, exit 0) stand in its place. */
#include <stdio.h>
#include <string.h>

#include "prov_cmd.h"
#include "prov_log.h"
#include "mayday_version.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "init", prov_init_main, "create the vendor key, operator CA and H(e)MS credentials" },
	{ "device", prov_device_main, "make a device (RoT, DCF partition, signed slot A)" },
	{ "tamper", prov_tamper_main, "make a device fail one integrity check (tests, demos)" },
	{ "dcf-conf", prov_dcf_conf_main, "replace a device's dcf.conf and re-sign its DCF partition" },
	{ "bundle", prov_bundle_main, "sign an image into a bundle; bundle info|verify read one" },
	{ "revoke", prov_revoke_main, "put a device's certificate on the operator CA's CRL" },
};

static void usage(FILE *to)
{
	fprintf(to, "usage: mayday-provision COMMAND [OPTIONS]   (COMMAND --help for its options)\n"
		    "       mayday-provision --help | --version\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(to, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(to, "exit: %d ok, %d error, %d usage, %d bundle rejected (bundle info|verify)\n",
		PROV_EXIT_OK, PROV_EXIT_ERROR, PROV_EXIT_USAGE, PROV_EXIT_REJECTED);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return PROV_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return fflush(stdout) == 0 ? PROV_EXIT_OK : PROV_EXIT_ERROR;
	}
	if (strcmp(argv[1], "--version") == 0) {
		fputs(MAYDAY_VERSION_LINE("mayday-provision"), stdout);
		return fflush(stdout) == 0 ? PROV_EXIT_OK : PROV_EXIT_ERROR;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	prov_log_error("unknown command \"%s\"", argv[1]);
	usage(stderr);
	return PROV_EXIT_USAGE;
}
