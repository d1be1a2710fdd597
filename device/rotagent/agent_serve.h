/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-rot-agent's server side: the answer to each request of the RoT
 * agent protocol (device/hal/rot_wire.h) from a RoT handle opened in one
 * role. In a file of its own so tests and the fuzz target drive it
 * without a process.
 */
#ifndef MAYDAY_AGENT_SERVE_H
#define MAYDAY_AGENT_SERVE_H

#include <stdint.h>

#include "rot.h"
#include "rot_wire.h"

#define AGENT_SERVE_MSG_MS 5000u /* a request's bytes, once its first arrived */

/* Answer `req` (decoded, a ROT_WIRE_REQUEST) with `rot`, whose role is
 * the agent's: a request in another role is MAYDAY_E_DENIED, unasked.
 * *resp's data points into `scratch` (ROT_WIRE_PAYLOAD_MAX bytes), which
 * may then hold a secret (PSK keys, credentials): the caller wipes it once
 * the answer is sent. */
void agent_serve_answer(struct hal_rot *rot, const struct rot_wire_msg *req, uint8_t *scratch,
			struct rot_wire_msg *resp);

/* Serve requests on fd until the client closes it (0) or breaks the
 * protocol (1: a malformed or late request, logged once; the stream may be
 * out of step, so the agent stops). */
int agent_serve_loop(struct hal_rot *rot, int fd);

#endif
