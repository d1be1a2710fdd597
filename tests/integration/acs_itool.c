/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPE's envelopes for tests/integration/test_acs_session.sh, which
 * posts them with curl over mTLS:
 *
 *   acs_itool inform SERIAL EVENT...      Inform (OUI A1B2C3, class femto-it);
 *                                         an EVENT "CODE=KEY" carries CommandKey KEY
 *                                         (e.g. "M Reboot=rem-1-1")
 *   acs_itool gpvr FREE MAX               GetParameterValuesResponse
 *   acs_itool dlr                         DownloadResponse, Status 1
 *   acs_itool rebootr                     RebootResponse
 *   acs_itool fault CODE STRING           a CPE Fault (9000-9899)
 *   acs_itool tc COMMANDKEY FAULTCODE     TransferComplete
 *   acs_itool parse FILE                  the ACS's answer as key=value lines:
 *       kind=NAME [id=ID] and, by kind, url= key= size= (Download),
 *       key= (Reboot), fault= (Fault), names= (GetParameterValues)
 *
 * Envelopes go to stdout. Exit: 0 ok, 1 failure, 2 usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwmp.h"

static struct cwmp_msg msg;
static char buf[CWMP_ENVELOPE_MAX];

static void usage(void)
{
	fprintf(stderr, "usage: acs_itool inform SERIAL EVENT[=KEY]... | gpvr FREE MAX | dlr |"
			" rebootr | fault CODE STRING | tc KEY FAULT [STRING] | parse FILE\n");
	exit(2);
}

static void set(char *dst, size_t cap, const char *src)
{
	if (strlen(src) >= cap) {
		fprintf(stderr, "acs_itool: '%s' too long\n", src);
		exit(2);
	}
	memcpy(dst, src, strlen(src) + 1);
}

static void param(struct cwmp_param *p, const char *name, const char *value)
{
	set(p->name, sizeof(p->name), name);
	set(p->value, sizeof(p->value), value);
	p->type = CWMP_T_UINT;
}

static int parse(const char *path)
{
	struct mayday_diag diag = {0};
	FILE *f = fopen(path, "rb");
	size_t len = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f == NULL)
		return 1;
	fclose(f);
	enum mayday_err err = cwmp_parse(buf, len, &msg, &diag);
	if (err != MAYDAY_OK) {
		fprintf(stderr, "acs_itool: %s at %zu (%s)\n", mayday_strerror(err), diag.offset,
			diag.what ? diag.what : "-");
		return 1;
	}
	printf("kind=%s\nid=%s\n", cwmp_kind_name(msg.kind), msg.id);
	if (msg.kind == CWMP_DOWNLOAD)
		printf("url=%s\nkey=%s\nsize=%" PRIu32 "\nfiletype=%s\n", msg.u.download.url,
		       msg.u.download.command_key, msg.u.download.file_size,
		       msg.u.download.file_type);
	else if (msg.kind == CWMP_REBOOT)
		printf("key=%s\n", msg.u.reboot_command_key);
	else if (msg.kind == CWMP_FAULT)
		printf("fault=%" PRIu32 "\n", msg.u.fault.code);
	else if (msg.kind == CWMP_GET_PARAMETER_VALUES)
		printf("names=%" PRIu32 "\n", msg.u.gpv.n_names);
	return 0;
}

int main(int argc, char **argv)
{
	struct mayday_diag diag = {0};
	size_t len = 0;

	if (argc < 2)
		usage();
	cwmp_global_init();
	if (strcmp(argv[1], "parse") == 0 && argc == 3)
		return parse(argv[2]);
	if (strcmp(argv[1], "inform") == 0 && argc >= 4 && argc - 3 <= (int)CWMP_EVENTS_MAX) {
		struct cwmp_inform *inf = &msg.u.inform;
		msg.kind = CWMP_INFORM;
		set(inf->manufacturer, sizeof(inf->manufacturer), "mayday");
		set(inf->oui, sizeof(inf->oui), "A1B2C3");
		set(inf->product_class, sizeof(inf->product_class), "femto-it");
		set(inf->serial_number, sizeof(inf->serial_number), argv[2]);
		for (int i = 3; i < argc; i++) {
			struct cwmp_event *ev = &inf->events[i - 3];
			char *eq = strchr(argv[i], '=');
			if (eq != NULL) {
				*eq = '\0';
				set(ev->command_key, sizeof(ev->command_key), eq + 1);
			}
			set(ev->code, sizeof(ev->code), argv[i]);
		}
		inf->n_events = (uint32_t)(argc - 3);
		inf->max_envelopes = 1;
		inf->current_time = CWMP_TIME_UNKNOWN;
	} else if (strcmp(argv[1], "gpvr") == 0 && argc == 4) {
		msg.kind = CWMP_GET_PARAMETER_VALUES_RESPONSE;
		set(msg.id, sizeof(msg.id), "acs-gpv");
		param(&msg.u.gpv_response.params[0], "Device.DeviceInfo.X_A1B2C3_FreeSpace", argv[2]);
		param(&msg.u.gpv_response.params[1], "Device.DeviceInfo.X_A1B2C3_MaxImageSize",
		      argv[3]);
		msg.u.gpv_response.n_params = 2;
	} else if (strcmp(argv[1], "dlr") == 0 && argc == 2) {
		msg.kind = CWMP_DOWNLOAD_RESPONSE;
		set(msg.id, sizeof(msg.id), "acs-download");
		msg.u.download_response.status = 1;
		msg.u.download_response.start_time = CWMP_TIME_UNKNOWN;
		msg.u.download_response.complete_time = CWMP_TIME_UNKNOWN;
	} else if (strcmp(argv[1], "rebootr") == 0 && argc == 2) {
		msg.kind = CWMP_REBOOT_RESPONSE;
		set(msg.id, sizeof(msg.id), "acs-reboot");
	} else if (strcmp(argv[1], "fault") == 0 && argc == 4) {
		msg.kind = CWMP_FAULT;
		msg.u.fault.code = (uint32_t)strtoul(argv[2], NULL, 10);
		set(msg.u.fault.string, sizeof(msg.u.fault.string), argv[3]);
	} else if (strcmp(argv[1], "tc") == 0 && (argc == 4 || argc == 5)) {
		msg.kind = CWMP_TRANSFER_COMPLETE;
		set(msg.u.transfer_complete.command_key,
		    sizeof(msg.u.transfer_complete.command_key), argv[2]);
		msg.u.transfer_complete.fault.code = (uint32_t)strtoul(argv[3], NULL, 10);
		if (msg.u.transfer_complete.fault.code != 0)
			set(msg.u.transfer_complete.fault.string,
			    sizeof(msg.u.transfer_complete.fault.string),
			    argc == 5 ? argv[4] : "install failed");
		msg.u.transfer_complete.start_time = CWMP_TIME_UNKNOWN;
		msg.u.transfer_complete.complete_time = CWMP_TIME_UNKNOWN;
	} else {
		usage();
	}
	if (cwmp_emit(&msg, buf, sizeof(buf), &len, &diag) != MAYDAY_OK) {
		fprintf(stderr, "acs_itool: cannot emit (%s)\n", diag.what ? diag.what : "-");
		return 1;
	}
	return fwrite(buf, 1, len, stdout) == len ? 0 : 1;
}
