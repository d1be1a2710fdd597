/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small client of strongSwan's VICI protocol: the control socket of the
 * IKE daemon (charon). The DCF uses it to bring up its distress CHILD_SA;
 * maydayd uses it to learn which IKE identity owns a tunnel's inner address.
 * Debian ships no VICI client header, and the protocol is small, so it is
 * spoken here directly (strongSwan's src/libcharon/plugins/vici/README.md).
 *
 * Wire format (every integer big-endian), pinned here:
 *   packet   = u32 length of the rest (1..VICI_PACKET_MAX) | u8 type
 *              | [u8 n, n bytes name]   for CMD_REQUEST, EVENT_REGISTER,
 *                                       EVENT_UNREGISTER, EVENT
 *              | [message]              for CMD_REQUEST, CMD_RESPONSE, EVENT
 *   message  = element*
 *   element  = 1 SECTION_START u8 n, name      2 SECTION_END
 *              3 KEY_VALUE u8 n, name, u16 m, value
 *              4 LIST_START u8 n, name          5 LIST_ITEM u16 m, value
 *              6 LIST_END
 * A command is answered by exactly one CMD_RESPONSE (or CMD_UNKNOWN); events
 * the client registered for (EVENT_REGISTER -> EVENT_CONFIRM or
 * EVENT_UNKNOWN) may arrive before it, e.g. one "list-sa" event per IKE SA
 * while "list-sas" runs.
 *
 * The decoder is strict and bounded: message size, section nesting, names
 * (1..255 bytes, no NUL) and element order are checked, and a rejection
 * carries a reason and the byte offset. Nothing here keeps global state;
 * a connection is used by one thread at a time. Buffers are the caller's
 * unless a function says otherwise; what the decoder hands a visitor points
 * into the caller's message and is valid during the callback only.
 *
 * Files: vici.c (messages and packets, no I/O), vici_conn.c (the socket),
 * vici_cmd.c (the commands mayday uses).
 */
#ifndef MAYDAY_VICI_H
#define MAYDAY_VICI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mayday/error.h"

#define VICI_PACKET_MAX  (128u * 1024) /* bytes after the length prefix we accept or send */
#define VICI_DEPTH_MAX   10            /* nested sections */
#define VICI_NAME_MAX    255           /* bytes of a section, key or list name */
#define VICI_VALUE_MAX   65535         /* bytes of one value (u16 length) */

enum vici_packet_type {
	VICI_CMD_REQUEST      = 0,
	VICI_CMD_RESPONSE     = 1,
	VICI_CMD_UNKNOWN      = 2,
	VICI_EVENT_REGISTER   = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM    = 5,
	VICI_EVENT_UNKNOWN    = 6,
	VICI_EVENT            = 7
};

enum vici_elem_type {
	VICI_SECTION_START = 1,
	VICI_SECTION_END   = 2,
	VICI_KEY_VALUE     = 3,
	VICI_LIST_START    = 4,
	VICI_LIST_ITEM     = 5,
	VICI_LIST_END      = 6
};

/* ---- messages: building (vici.c) -------------------------------------- */

/* Writes elements into a caller's buffer. Errors are sticky: after the first
 * (no room, bad name, unbalanced nesting) the builder ignores further calls
 * and vici_build_finish reports it. */
struct vici_builder {
	uint8_t *buf;
	size_t cap, len;
	unsigned depth;        /* open sections */
	int in_list;
	enum mayday_err err;
};

void vici_build_init(struct vici_builder *b, uint8_t *buf, size_t cap);
void vici_build_section_start(struct vici_builder *b, const char *name);
void vici_build_section_end(struct vici_builder *b);
void vici_build_kv(struct vici_builder *b, const char *name, const void *value, size_t len);
void vici_build_kv_str(struct vici_builder *b, const char *name, const char *value);
void vici_build_list_start(struct vici_builder *b, const char *name);
void vici_build_list_item(struct vici_builder *b, const void *value, size_t len);
void vici_build_list_end(struct vici_builder *b);
/* MAYDAY_OK and the message length, or the first error (MAYDAY_E_TOOBIG: no
 * room; MAYDAY_E_INVALID: bad name or nesting, including unclosed ones). */
MAYDAY_NODISCARD enum mayday_err vici_build_finish(const struct vici_builder *b, size_t *len);

/* ---- messages: decoding (vici.c) -------------------------------------- */

/* One element as the decoder sees it. Valid during the callback only. */
struct vici_elem {
	enum vici_elem_type type;
	unsigned depth;              /* sections open around it; a section's START and
				      * END have the same depth, that of its parent */
	const char *const *path;     /* path[0..depth-1]: names of those sections */
	const char *name;            /* section/key/list name; for SECTION_END the
				      * section's, for LIST_ITEM and LIST_END the list's */
	const uint8_t *value;        /* KEY_VALUE, LIST_ITEM: into the message; else NULL */
	size_t value_len;
	size_t offset;               /* of the element's type byte in the message */
};

/* Anything but MAYDAY_OK stops the decoder, which returns that value. */
typedef enum mayday_err (*vici_visit_fn)(void *user, const struct vici_elem *e);

/* Walk a message, calling fn (may be NULL: validate only) per element.
 * MAYDAY_E_MALFORMED (truncated element, unknown type, empty name or NUL in
 * a name, element out of place, message ending inside a section or list) or
 * MAYDAY_E_TOOBIG (len > VICI_PACKET_MAX, sections deeper than VICI_DEPTH_MAX)
 * with diag filled; or fn's own error (diag->offset = that element). */
MAYDAY_NODISCARD enum mayday_err vici_decode(const uint8_t *msg, size_t len, vici_visit_fn fn,
					     void *user, struct mayday_diag *diag);

/* ---- packets (vici.c) ------------------------------------------------- */

/* One packet, split. `msg` points into the parsed buffer. */
struct vici_packet {
	uint8_t type;                  /* enum vici_packet_type */
	char name[VICI_NAME_MAX + 1];  /* command or event name; "" for types without */
	const uint8_t *msg;            /* message of CMD_REQUEST, CMD_RESPONSE, EVENT; else NULL */
	size_t msg_len;
};

/* Split a packet body (what follows the u32 length). The message itself is
 * not decoded. MAYDAY_E_MALFORMED for an unknown type, a missing or empty
 * name, or trailing bytes after a packet type that carries none. */
MAYDAY_NODISCARD enum mayday_err vici_packet_parse(const uint8_t *body, size_t len,
						   struct vici_packet *p,
						   struct mayday_diag *diag);

/* Frame a packet, length prefix included, into out. `name` is ignored for
 * types without one, `msg` for types without a message. */
MAYDAY_NODISCARD enum mayday_err vici_packet_encode(uint8_t type, const char *name,
						    const uint8_t *msg, size_t msg_len,
						    uint8_t *out, size_t cap, size_t *out_len);

/* ---- a connection (vici_conn.c) --------------------------------------- */

/* One connection to charon's unix socket, for one exchange: every I/O on it
 * ends at the deadline given to vici_conn_open. Owns its socket and a
 * receive buffer of VICI_PACKET_MAX bytes. */
struct vici_conn;

/* MAYDAY_E_INVALID (path too long for sockaddr_un), MAYDAY_E_IO (no daemon
 * there), MAYDAY_E_TIMEOUT, MAYDAY_E_NOMEM. *out owned by the caller. */
MAYDAY_NODISCARD enum mayday_err vici_conn_open(const char *path, uint32_t timeout_ms,
						struct vici_conn **out);
void vici_conn_close(struct vici_conn *c);   /* NULL-safe */

MAYDAY_NODISCARD enum mayday_err vici_conn_send(struct vici_conn *c, uint8_t type,
						const char *name, const uint8_t *msg,
						size_t msg_len);
/* The next packet. p->msg stays valid until the next send, recv or close
 * on c (one buffer serves both directions).
 * MAYDAY_E_TOOBIG for a length of 0 or beyond VICI_PACKET_MAX (the
 * connection is then unusable), MAYDAY_E_IO when the peer closed,
 * MAYDAY_E_TIMEOUT at the deadline, MAYDAY_E_MALFORMED (diag) for a bad header. */
MAYDAY_NODISCARD enum mayday_err vici_conn_recv(struct vici_conn *c, struct vici_packet *p,
						struct mayday_diag *diag);

/* ---- commands (vici_cmd.c) -------------------------------------------- */

/* Ask charon to bring up CHILD_SA config `child` (and the IKE SA it needs),
 * waiting at most timeout_ms for the outcome. charon's progress lines
 * ("control-log" events) are logged at debug level. MAYDAY_OK when charon
 * answers success; MAYDAY_E_IO when it answers failure (its errmsg copied
 * into errmsg, truncated to cap), cannot be reached or the connection
 * breaks; MAYDAY_E_TIMEOUT; MAYDAY_E_MALFORMED for an answer that does not
 * decode; MAYDAY_E_INVALID for a child name that is empty or too long.
 * errmsg (cap >= 1) is always NUL-terminated, "" if there is nothing to say. */
MAYDAY_NODISCARD enum mayday_err vici_cmd_initiate(const char *path, const char *child,
						   uint32_t timeout_ms, char *errmsg, size_t cap);

/* Of one "list-sa" event message: does an ESTABLISHED IKE SA in it own the
 * inner address `addr` (textual, as inet_ntop writes it), as one of its
 * remote virtual IPs or as the single-host remote traffic selector
 * (ADDR/32 or ADDR/128, with or without a [proto/port] suffix) of one of its
 * INSTALLED CHILD_SAs? If so, MAYDAY_OK and its remote-id in id (cap bytes,
 * NUL-terminated); MAYDAY_E_NOTFOUND if not; MAYDAY_E_TOOBIG if the
 * identity does not fit cap; MAYDAY_E_MALFORMED (diag) if the message does
 * not decode, an IKE SA carries remote-id twice, or the identity is empty or
 * has bytes outside printable ASCII. */
MAYDAY_NODISCARD enum mayday_err vici_cmd_sa_match(const uint8_t *msg, size_t len,
						   const char *addr, char *id, size_t cap,
						   struct mayday_diag *diag);

/* Run "list-sas" (restricted to IKE config `ike` unless NULL) and find the
 * IKE SA owning inner address `inner` (AF_INET, AF_INET6; an IPv4-mapped
 * IPv6 address counts as its IPv4 address) as vici_cmd_sa_match says. Several
 * IKE SAs matching with the same identity are one answer; with different
 * identities the answer is MAYDAY_E_MISMATCH, never a guess.
 * MAYDAY_E_NOTFOUND if none; MAYDAY_E_INVALID for another address family;
 * MAYDAY_E_MALFORMED if any event does not decode (no identity is better
 * than one read from a garbled list); else errors as vici_conn_*. */
MAYDAY_NODISCARD enum mayday_err vici_cmd_remote_id(const char *path, const char *ike,
						    uint32_t timeout_ms,
						    const struct sockaddr *inner, char *id,
						    size_t cap);

/* Is a CHILD_SA of config `child` (its "name") INSTALLED within an
 * ESTABLISHED IKE SA? charon refuses to initiate a duplicate of an installed
 * CHILD_SA, so a caller that wants one up asks this first. MAYDAY_OK with
 * *up 0 or 1; MAYDAY_E_INVALID for an empty child name; MAYDAY_E_MALFORMED
 * if an event does not decode; else errors as vici_conn_*. */
MAYDAY_NODISCARD enum mayday_err vici_cmd_child_up(const char *path, const char *child,
						   uint32_t timeout_ms, int *up);

#endif
