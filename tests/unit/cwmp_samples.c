/* SPDX-License-Identifier: Apache-2.0 */
/* Sample messages shared by test_cwmp, cwmp_emit_samples and the fuzz seeds. */
#include <stdio.h>
#include <string.h>

#include "cwmp_samples.h"

const enum cwmp_kind cwmp_sample_kinds[] = {
	CWMP_INFORM,          CWMP_INFORM_RESPONSE,
	CWMP_GET_PARAMETER_VALUES, CWMP_GET_PARAMETER_VALUES_RESPONSE,
	CWMP_DOWNLOAD,        CWMP_DOWNLOAD_RESPONSE,
	CWMP_REBOOT,          CWMP_REBOOT_RESPONSE,
	CWMP_TRANSFER_COMPLETE, CWMP_TRANSFER_COMPLETE_RESPONSE,
	CWMP_GET_RPC_METHODS, CWMP_GET_RPC_METHODS_RESPONSE,
	CWMP_FAULT,
};
const size_t cwmp_sample_count = sizeof(cwmp_sample_kinds) / sizeof(cwmp_sample_kinds[0]);

static void param(struct cwmp_param *p, const char *name, const char *value, enum cwmp_ptype t)
{
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->value, sizeof(p->value), "%s", value);
	p->type = t;
}

void cwmp_sample(enum cwmp_kind kind, struct cwmp_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	snprintf(m->id, sizeof(m->id), "id-<%d>&\"'", (int)kind);
	switch (kind) {
	case CWMP_INFORM: {
		struct cwmp_inform *i = &m->u.inform;
		snprintf(i->manufacturer, sizeof(i->manufacturer), "Mayday & Sons <Femto>");
		snprintf(i->oui, sizeof(i->oui), "A1B2C3");
		snprintf(i->product_class, sizeof(i->product_class), "HeNB-1");
		snprintf(i->serial_number, sizeof(i->serial_number), "SN-0001");
		static const char *const ev[] = { "X A1B2C3 DISTRESS", CWMP_EV_BOOTSTRAP, CWMP_EV_BOOT,
			                          CWMP_EV_TRANSFER_COMPLETE, CWMP_EV_M_DOWNLOAD,
			                          CWMP_EV_M_REBOOT };
		for (size_t k = 0; k < sizeof(ev) / sizeof(ev[0]); k++)
			snprintf(i->events[k].code, sizeof(i->events[k].code), "%s", ev[k]);
		snprintf(i->events[4].command_key, sizeof(i->events[4].command_key), "ck-1");
		snprintf(i->events[5].command_key, sizeof(i->events[5].command_key), "ck-2");
		i->n_events = 6;
		i->max_envelopes = 1;
		i->current_time = 1700000000;
		i->retry_count = 2;
		param(&i->params[0], "Device.DeviceInfo.SoftwareVersion", "1.0 <beta>", CWMP_T_STRING);
		param(&i->params[1], "Device.DeviceInfo.HardwareVersion", "hw&1", CWMP_T_STRING);
		i->n_params = 2;
		break;
	}
	case CWMP_INFORM_RESPONSE:
		m->u.inform_response_max_envelopes = 1;
		break;
	case CWMP_GET_PARAMETER_VALUES:
		snprintf(m->u.gpv.names[0], sizeof(m->u.gpv.names[0]), "Device.DeviceInfo.SoftwareVersion");
		snprintf(m->u.gpv.names[1], sizeof(m->u.gpv.names[1]), "Device.DeviceInfo.FirmwareImage.");
		m->u.gpv.n_names = 2;
		break;
	case CWMP_GET_PARAMETER_VALUES_RESPONSE: {
		struct cwmp_gpv_response *r = &m->u.gpv_response;
		param(&r->params[0], "Device.DeviceInfo.SoftwareVersion", "1.0", CWMP_T_STRING);
		param(&r->params[1], "Device.X_A1B2C3_Mayday.FreeSpace", "5368709120", CWMP_T_ULONG);
		param(&r->params[2], "Device.X_A1B2C3_Mayday.Offset", "-3", CWMP_T_INT);
		param(&r->params[3], "Device.X_A1B2C3_Mayday.Distress", "true", CWMP_T_BOOL);
		param(&r->params[4], "Device.X_A1B2C3_Mayday.Since", "2023-11-14T22:13:20Z", CWMP_T_DATETIME);
		r->n_params = 5;
		break;
	}
	case CWMP_DOWNLOAD: {
		struct cwmp_download *d = &m->u.download;
		snprintf(d->command_key, sizeof(d->command_key), "remediate-42");
		snprintf(d->file_type, sizeof(d->file_type), CWMP_FILETYPE_FIRMWARE);
		snprintf(d->url, sizeof(d->url), "https://127.0.0.1:8443/v1/bundle?dev=SN-0001&t=a<b");
		snprintf(d->username, sizeof(d->username), "SN-0001");
		snprintf(d->password, sizeof(d->password), "p&ss\"w'rd");
		d->file_size = 16777216;
		snprintf(d->target_file_name, sizeof(d->target_file_name), "bundle.mdb");
		d->delay_seconds = 0;
		break;
	}
	case CWMP_DOWNLOAD_RESPONSE:
		m->u.download_response.status = 1;
		m->u.download_response.start_time = CWMP_TIME_UNKNOWN;
		m->u.download_response.complete_time = CWMP_TIME_UNKNOWN;
		break;
	case CWMP_REBOOT:
		snprintf(m->u.reboot_command_key, sizeof(m->u.reboot_command_key), "reboot-42");
		break;
	case CWMP_TRANSFER_COMPLETE: {
		struct cwmp_transfer_complete *t = &m->u.transfer_complete;
		snprintf(t->command_key, sizeof(t->command_key), "remediate-42");
		t->fault.code = CWMP_CPE_FILE_AUTH_FAILURE;
		snprintf(t->fault.string, sizeof(t->fault.string), "manifest signature <invalid>");
		t->start_time = 1700000000;
		t->complete_time = 1700000060;
		break;
	}
	case CWMP_GET_RPC_METHODS_RESPONSE: {
		static const char *const names[] = {"Inform", "GetRPCMethods", "TransferComplete"};
		for (unsigned k = 0; k < 3; k++)
			snprintf(m->u.rpc_methods.names[k], CWMP_METHOD_MAX + 1, "%s", names[k]);
		m->u.rpc_methods.n_names = 3;
		break;
	}
	case CWMP_FAULT:
		m->u.fault.code = CWMP_CPE_FILE_CORRUPTED;
		snprintf(m->u.fault.string, sizeof(m->u.fault.string), "digest mismatch & more");
		break;
	default:
		break;
	}
}
