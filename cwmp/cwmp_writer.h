/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded XML writer, private to the CWMP emitter. It writes straight
 * into the caller's buffer and allocates nothing: the first write that
 * does not fit marks the writer full and every later call is a no-op, so
 * callers chain calls and look at the outcome once (cwmp_writer_finish).
 * It escapes what XML requires in text and attribute values, and refuses
 * characters XML 1.0 cannot carry at all; whether a string is valid UTF-8
 * is the caller's check (the emitter checks every field before writing).
 * Output form: an element that gets no text and no children is written
 * "<a/>", one whose text is empty "<a></a>".
 */
#ifndef MAYDAY_CWMP_WRITER_H
#define MAYDAY_CWMP_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "mayday/error.h"

#define CWMP_WRITER_DEPTH 8u   /* the emitter nests at most 7 elements */

struct cwmp_writer {
	char *out;                 /* the caller's buffer, not owned */
	size_t cap;
	size_t len;
	bool full;                 /* a write did not fit */
	bool misuse;               /* a bad character, too deep, attribute after content */
	bool tag_open;             /* "<name attrs" written, its '>' not yet */
	unsigned depth;
	const char *names[CWMP_WRITER_DEPTH];   /* must outlive their element */
};

/* Writes into out[0..cap). */
void cwmp_writer_init(struct cwmp_writer *w, char *out, size_t cap);

/* Each returns false once the writer has failed (full or misused). */
bool cwmp_writer_raw(struct cwmp_writer *w, const char *s);   /* unescaped, outside elements */
bool cwmp_writer_start(struct cwmp_writer *w, const char *name);
bool cwmp_writer_attr(struct cwmp_writer *w, const char *name, const char *value);
bool cwmp_writer_text(struct cwmp_writer *w, const char *text);
bool cwmp_writer_end(struct cwmp_writer *w);

/* The outcome: MAYDAY_OK and *len; MAYDAY_E_TOOBIG if something did not
 * fit; MAYDAY_E_INVALID if the writer was misused or an element is still
 * open. *len is 0 on error. */
MAYDAY_NODISCARD enum mayday_err cwmp_writer_finish(const struct cwmp_writer *w, size_t *len);

#endif
