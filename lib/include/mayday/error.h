/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error values shared by libmayday, the device code and the daemon.
 *
 * Errors are values: every fallible call returns an enum mayday_err and is
 * marked MAYDAY_NODISCARD. Decoders of hostile bytes additionally fill a
 * struct mayday_diag with the byte offset where the input went wrong and a
 * short static description, so a rejection can be logged once, precisely.
 */
#ifndef MAYDAY_ERROR_H
#define MAYDAY_ERROR_H

#include <stddef.h>

#define MAYDAY_NODISCARD __attribute__((warn_unused_result))

enum mayday_err {
	MAYDAY_OK = 0,
	MAYDAY_E_NOMEM,       /* allocation failed */
	MAYDAY_E_MALFORMED,   /* input is not well-formed for its format */
	MAYDAY_E_TOOBIG,      /* input or output exceeds a stated limit */
	MAYDAY_E_CRITICAL,    /* unknown critical field or header parameter */
	MAYDAY_E_UNSUPPORTED, /* well-formed, but a version/algorithm we do not implement */
	MAYDAY_E_SIGNATURE,   /* signature or MAC does not verify */
	MAYDAY_E_KEY,         /* key missing, unreadable or of the wrong type */
	MAYDAY_E_IO,          /* a read, write, fsync or rename failed */
	MAYDAY_E_POWER,       /* simulated power cut: the device is "off" from here on */
	MAYDAY_E_NOTFOUND,    /* a named item (file, component, device, key) is absent */
	MAYDAY_E_ROLLBACK,    /* counter or version would go backwards */
	MAYDAY_E_MISMATCH,    /* measured value differs from the reference value */
	MAYDAY_E_INVALID,     /* caller passed an invalid argument or config */
	MAYDAY_E_TIMEOUT,     /* deadline passed */
	MAYDAY_E_REPLAY,      /* already seen (device, counter) with different content */
	MAYDAY_E_INTERNAL,    /* a library call failed in a way the input cannot explain */
	MAYDAY_E_PERM,        /* a secret's file is open to group or others */
	MAYDAY_E_DENIED,      /* the caller's role may not have this (a RoT role, hal/rot.h) */
	MAYDAY_E_EXISTS,      /* a name that must be unique is taken (an API token's) */
	MAYDAY_E_RETRY,       /* a transaction lost to a concurrent one (deadlock, serialization
			       * failure): nothing of it was kept; doing it again may succeed */
	MAYDAY_E__COUNT
};

/* Where and why a decoder rejected its input. `what` is a static string. */
struct mayday_diag {
	size_t offset;
	const char *what;
};

/* Static, never NULL. */
const char *mayday_strerror(enum mayday_err err);

#endif
