/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the RoT HAL: the protocol between the "remote" RoT backend
 * (rot_remote.c, in a static mayday-boot or mayday-dcf) and
 * mayday-rot-agent (device/rotagent/), which holds a real backend (tpm2,
 * or any other) open in one role and answers the hal_rot_ops calls over an
 * inherited socketpair (docs/rot.md, "The RoT agent").
 *
 * One request, then one response, strictly alternating. Every message is a
 * fixed 12-byte header and a payload of at most ROT_WIRE_PAYLOAD_MAX bytes:
 *
 *   offset 0  u8   version    ROT_WIRE_VERSION
 *          1  u8   kind       ROT_WIRE_REQUEST or ROT_WIRE_RESPONSE
 *          2  u8   op         enum rot_wire_op
 *          3  u8   role       enum hal_rot_role of the sender's handle
 *          4  u32  status     request: 0; response: enum mayday_err
 *          8  u32  len        payload bytes that follow
 *
 * integers big-endian. Payloads (nothing where none is listed):
 *
 *   op               request                   response (status 0 only;
 *                                               an error has none)
 *   HELLO            -                          - (sent unasked by the agent
 *                                               once its backend opened or
 *                                               failed to: status = open's)
 *   DEVICE_ID        -                          1..MAYDAY_DEVICE_ID_MAX bytes
 *   SIGN             tbs, 1..ROT_WIRE_TBS_MAX   64 bytes r||s
 *   DISTRESS_PUBLIC  -                          SubjectPublicKeyInfo DER,
 *   ANCHOR           u8 which                    1..ROT_WIRE_SPKI_MAX bytes
 *   PSK_KEYS         -                          request key 32, request IV 12,
 *                                               response key 32, kid
 *                                               MAYDAY_PSK_KID_MIN..MAX bytes
 *   EXTEND           event, 32 bytes            -
 *   UNSEAL           -                          1..HAL_ROT_CREDS_MAX bytes
 *   COUNTER_READ     u8 which                   u64 value
 *   COUNTER_NEXT     u8 which                   u64 value
 *   COUNTER_ADVANCE  u8 which, u64 to           -
 *   TLS_KEY          -                          - (status: whether the
 *                                               backend has a TLS key)
 *
 * Anything else (another version or kind, an unknown op, a role that is
 * not one, a status that is not an enum mayday_err, a payload of the wrong
 * size for its op, a non-zero request status, an error response with a
 * payload) is MAYDAY_E_MALFORMED; a length over ROT_WIRE_PAYLOAD_MAX is
 * MAYDAY_E_TOOBIG and is refused before any of the payload is read. The
 * decoders below are the only parsers of these bytes on either side, and
 * each has a fuzz target (tests/fuzz/fuzz_rot_wire_request.c,
 * fuzz_rot_wire_response.c).
 *
 * Both sides check the role: the agent answers MAYDAY_E_DENIED to a request
 * whose role is not the one it was started in (and its own handle, opened
 * in that role, refuses what the role may not do, rot.h "Roles"); the
 * client drops the connection on a response whose role or op is not its
 * request's.
 */
#ifndef MAYDAY_HAL_ROT_WIRE_H
#define MAYDAY_HAL_ROT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "rot.h"

#define ROT_WIRE_VERSION     1
#define ROT_WIRE_HDR_LEN     12
#define ROT_WIRE_PAYLOAD_MAX HAL_ROT_CREDS_MAX
#define ROT_WIRE_TBS_MAX     4096 /* a COSE Sig_structure: an indication's or an ack's */
#define ROT_WIRE_SPKI_MAX    512  /* a P-256 SubjectPublicKeyInfo is 91 bytes */
#define ROT_WIRE_MSG_MAX     (ROT_WIRE_HDR_LEN + ROT_WIRE_PAYLOAD_MAX)

enum rot_wire_kind {
	ROT_WIRE_REQUEST  = 1,
	ROT_WIRE_RESPONSE = 2
};

enum rot_wire_op {
	ROT_WIRE_HELLO = 1,
	ROT_WIRE_DEVICE_ID,
	ROT_WIRE_SIGN,
	ROT_WIRE_DISTRESS_PUBLIC,
	ROT_WIRE_ANCHOR,
	ROT_WIRE_PSK_KEYS,
	ROT_WIRE_EXTEND,
	ROT_WIRE_UNSEAL,
	ROT_WIRE_COUNTER_READ,
	ROT_WIRE_COUNTER_NEXT,
	ROT_WIRE_COUNTER_ADVANCE,
	ROT_WIRE_TLS_KEY,
	ROT_WIRE_OP__END
};

/* A decoded message. `data` points into the decoded buffer, which must
 * outlive it. */
struct rot_wire_msg {
	enum rot_wire_kind kind;
	enum rot_wire_op op;
	enum hal_rot_role role;
	enum mayday_err status;
	uint32_t which;        /* ANCHOR, COUNTER_*: the request's index */
	uint64_t value;        /* COUNTER_ADVANCE request, COUNTER_READ/NEXT response */
	const uint8_t *data;   /* the payload (SIGN tbs, EXTEND event, byte answers) */
	size_t len;
};

/* The payload length announced by a header (the first ROT_WIRE_HDR_LEN
 * bytes of a message): MAYDAY_E_TOOBIG above ROT_WIRE_PAYLOAD_MAX, so a
 * reader knows how much more to read, bounded, before decoding. */
MAYDAY_NODISCARD enum mayday_err rot_wire_payload_len(const uint8_t hdr[ROT_WIRE_HDR_LEN],
						      size_t *len);

/* Decode one whole message (header and payload, exactly `len` bytes) of
 * `kind`. MAYDAY_E_MALFORMED / MAYDAY_E_TOOBIG as above; on error *out is
 * zeroed. `which` is checked against the counter or anchor count. */
MAYDAY_NODISCARD enum mayday_err rot_wire_decode(const uint8_t *in, size_t len,
						 enum rot_wire_kind kind, struct rot_wire_msg *out);

/* Encode `m` (its payload fields as the table says for m->kind, m->op and
 * m->status) into out; *len the message's size. MAYDAY_E_INVALID if m is not
 * something rot_wire_decode accepts, MAYDAY_E_TOOBIG if cap is too small. */
MAYDAY_NODISCARD enum mayday_err rot_wire_encode(const struct rot_wire_msg *m, uint8_t *out,
						 size_t cap, size_t *len);

/* Blocking I/O on a stream socket, every read and write bounded by
 * `deadline_ms` (CLOCK_MONOTONIC, rot_wire_now_ms): MAYDAY_E_TIMEOUT past
 * it, MAYDAY_E_IO on a closed or failed socket (no SIGPIPE), then
 * rot_wire_decode's errors. rot_wire_recv reads one message into buf
 * (ROT_WIRE_MSG_MAX bytes) and decodes it into *out. */
MAYDAY_NODISCARD enum mayday_err rot_wire_send(int fd, const uint8_t *msg, size_t len,
					       uint64_t deadline_ms);
MAYDAY_NODISCARD enum mayday_err rot_wire_recv(int fd, enum rot_wire_kind kind, uint8_t *buf,
					       uint64_t deadline_ms, struct rot_wire_msg *out);
uint64_t rot_wire_now_ms(void);
const char *rot_wire_op_name(enum rot_wire_op op);

#endif
