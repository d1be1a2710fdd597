/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared tables of the CWMP codec: namespace URIs and method names, which
 * the emitter writes and the parser matches, so the two cannot drift.
 */
#include <string.h>

#include "cwmp.h"

static const char *const ns_uris[CWMP_NS__COUNT] = {
	[CWMP_NS_1_2] = "urn:dslforum-org:cwmp-1-2",
	[CWMP_NS_1_0] = "urn:dslforum-org:cwmp-1-0",
	[CWMP_NS_1_1] = "urn:dslforum-org:cwmp-1-1",
	[CWMP_NS_1_3] = "urn:dslforum-org:cwmp-1-3",
	[CWMP_NS_1_4] = "urn:dslforum-org:cwmp-1-4",
};

static const char *const kind_names[CWMP_KIND__COUNT] = {
	[CWMP_EMPTY] = "",
	[CWMP_INFORM] = "Inform",
	[CWMP_INFORM_RESPONSE] = "InformResponse",
	[CWMP_GET_PARAMETER_VALUES] = "GetParameterValues",
	[CWMP_GET_PARAMETER_VALUES_RESPONSE] = "GetParameterValuesResponse",
	[CWMP_DOWNLOAD] = "Download",
	[CWMP_DOWNLOAD_RESPONSE] = "DownloadResponse",
	[CWMP_REBOOT] = "Reboot",
	[CWMP_REBOOT_RESPONSE] = "RebootResponse",
	[CWMP_TRANSFER_COMPLETE] = "TransferComplete",
	[CWMP_TRANSFER_COMPLETE_RESPONSE] = "TransferCompleteResponse",
	[CWMP_GET_RPC_METHODS] = "GetRPCMethods",
	[CWMP_GET_RPC_METHODS_RESPONSE] = "GetRPCMethodsResponse",
	[CWMP_FAULT] = "Fault",
	[CWMP_OTHER] = "",
};

void cwmp_global_init(void)
{
	/* nothing to do: expat keeps no global state (kept for callers, see cwmp.h) */
}

const char *cwmp_ns_uri(enum cwmp_ns ns)
{
	if ((unsigned)ns >= CWMP_NS__COUNT)
		return ns_uris[CWMP_NS_1_2];
	return ns_uris[ns];
}

const char *cwmp_kind_name(enum cwmp_kind kind)
{
	if ((unsigned)kind >= CWMP_KIND__COUNT)
		return "";
	return kind_names[kind];
}

bool cwmp_inform_has_event(const struct cwmp_inform *inf, const char *code)
{
	for (uint32_t i = 0; i < inf->n_events && i < CWMP_EVENTS_MAX; i++)
		if (strcmp(inf->events[i].code, code) == 0)
			return true;
	return false;
}

enum mayday_err cwmp_distress_event(const char *oui, char buf[CWMP_EVENTCODE_MAX + 1])
{
	if (strlen(oui) != CWMP_OUI_LEN || strspn(oui, "0123456789ABCDEF") != CWMP_OUI_LEN)
		return MAYDAY_E_INVALID;
	memcpy(buf, "X ", 2);
	memcpy(buf + 2, oui, CWMP_OUI_LEN);
	memcpy(buf + 2 + CWMP_OUI_LEN, " " CWMP_EV_DISTRESS_NAME, sizeof(" " CWMP_EV_DISTRESS_NAME));
	return MAYDAY_OK;
}
