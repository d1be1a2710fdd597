/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CWMP decoder, private to the codec: it is fed one element event at a
 * time by the XML parser (cwmp_parse.c) and maps what it knows, by local
 * name, into the caller's struct cwmp_msg. It owns no memory: the state
 * below, including the text of the one leaf element open at a time, is
 * bounded and lives wherever the caller puts it (on cwmp_parse's stack).
 */
#ifndef MAYDAY_CWMP_DECODE_H
#define MAYDAY_CWMP_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cwmp.h"

/* Between a namespace URI and a local name in the parser's names: a
 * character no local name can hold, so the last one splits the two. */
#define CWMP_DECODE_NS_SEP '\n'

struct cwmp_decode_frame {
	uint8_t role;              /* what the element is to us (cwmp_decode.c) */
	uint32_t seen;             /* a bit per known child seen: duplicates are refused */
	size_t at;                 /* byte offset of its start tag */
};

struct cwmp_decode {
	struct cwmp_msg *msg;      /* the caller's, written as elements end */
	unsigned depth;            /* elements open */
	struct cwmp_decode_frame stack[CWMP_DEPTH_MAX];
	int ns_header, ns_body;    /* cwmp namespace of cwmp:ID and of the method, or -1 */
	bool fault_done;           /* the SOAP Fault's cwmp:Fault detail was read */
	/* the leaf being read: its kind, where it goes, its text so far */
	uint8_t leaf;
	void *dst;
	size_t cap;                /* bytes dst holds, NUL included */
	uint32_t *count;           /* incremented once the leaf is stored, or NULL */
	size_t used;
	bool over;                 /* text beyond cap (kept up to cap if truncating) */
	char text[CWMP_VALUE_MAX + 1];
	/* the first error: why, and the offset of the element it concerns */
	const char *why;
	size_t err_at;
};

void cwmp_decode_init(struct cwmp_decode *d, struct cwmp_msg *msg);

/*
 * Events in document order. name is "URI<sep>local" or "local"; attrs is
 * expat's NULL-terminated name/value array; at is the start tag's offset.
 * Each returns MAYDAY_OK or the error, with d->why and d->err_at set.
 */
MAYDAY_NODISCARD enum mayday_err cwmp_decode_start(struct cwmp_decode *d, const char *name,
                                                   const char **attrs, size_t at);
MAYDAY_NODISCARD enum mayday_err cwmp_decode_text(struct cwmp_decode *d, const char *s,
                                                  size_t len);
MAYDAY_NODISCARD enum mayday_err cwmp_decode_end(struct cwmp_decode *d);

/* After the whole document: sets msg->ns (the method's, else cwmp:ID's). */
void cwmp_decode_finish(struct cwmp_decode *d);

#endif
