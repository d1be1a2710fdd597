/* SPDX-License-Identifier: Apache-2.0 */
/* Names of the error values, for logs. */
#include "mayday/error.h"

static const char *const names[MAYDAY_E__COUNT] = {
	[MAYDAY_OK] = "ok",
	[MAYDAY_E_NOMEM] = "out of memory",
	[MAYDAY_E_MALFORMED] = "malformed input",
	[MAYDAY_E_TOOBIG] = "exceeds a limit",
	[MAYDAY_E_CRITICAL] = "unknown critical field",
	[MAYDAY_E_UNSUPPORTED] = "unsupported version or algorithm",
	[MAYDAY_E_SIGNATURE] = "signature does not verify",
	[MAYDAY_E_KEY] = "key missing, unreadable or of the wrong type",
	[MAYDAY_E_IO] = "I/O error",
	[MAYDAY_E_POWER] = "power cut",
	[MAYDAY_E_NOTFOUND] = "not found",
	[MAYDAY_E_ROLLBACK] = "rollback",
	[MAYDAY_E_MISMATCH] = "measurement mismatch",
	[MAYDAY_E_INVALID] = "invalid argument",
	[MAYDAY_E_TIMEOUT] = "timeout",
	[MAYDAY_E_REPLAY] = "replay",
	[MAYDAY_E_INTERNAL] = "internal error",
	[MAYDAY_E_PERM] = "secret file is accessible by group or others (chmod 600 it)",
	[MAYDAY_E_DENIED] = "not allowed in this role",
	[MAYDAY_E_EXISTS] = "already exists",
	[MAYDAY_E_RETRY] = "lost to a concurrent transaction (try again)",
};

const char *mayday_strerror(enum mayday_err err)
{
	if ((unsigned)err >= MAYDAY_E__COUNT || !names[err])
		return "unknown error";
	return names[err];
}
