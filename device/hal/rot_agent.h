/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A RoT reached through mayday-rot-agent (device/rotagent/), for programs
 * that cannot link the backend themselves: mayday-boot and mayday-dcf
 * built static (MAYDAY_DCF_STATIC) cannot link tpm2-tss, of which Debian
 * ships no static archive (docs/rot.md, "The RoT agent").
 *
 * hal_rot_open_agent starts the agent, which opens `spec` in `role` on the
 * same device and answers every RoT call over an inherited socketpair
 * (rot_wire.h); the handle it returns is an ordinary struct hal_rot (the
 * "remote" backend, rot_remote.c) and hal_rot_close stops the agent. The
 * agent is the partition's (or the TrE's) own copy, started through its own
 * dynamic loader with --inhibit-cache --library-path of its directory, in a
 * private mount namespace with an empty /etc (hal_spawn.h), so nothing of the
 * host's file system is loaded into it.
 */
#ifndef MAYDAY_HAL_ROT_AGENT_H
#define MAYDAY_HAL_ROT_AGENT_H

#include <stdbool.h>

#include "rot.h"

#define HAL_ROT_AGENT_NAME   "mayday-rot-agent" /* the agent's file name in its directory */
#define HAL_ROT_AGENT_LOADER "ld.so"            /* its dynamic loader, beside it */
#define HAL_ROT_AGENT_OPEN_MS 30000u            /* agent started and its backend open */
#define HAL_ROT_AGENT_CALL_MS 30000u            /* one call's answer (a TPM's key
						 * operations take up to ~1 s) */
#define HAL_ROT_AGENT_STOP_MS 5000u             /* close: EOF, then SIGTERM, SIGKILL */

struct hal_rot_agent_cmd {
	/* Directory of the agent: HAL_ROT_AGENT_NAME, HAL_ROT_AGENT_LOADER and
	 * the shared libraries it loads, by soname. */
	const char *dir;
	/* false: execute dir/HAL_ROT_AGENT_NAME directly, with the host's
	 * loader and libraries, in the caller's mount namespace (tests, and a
	 * build that is not static); true: through dir's loader as above. */
	bool from_dir;
	const char *device_dir;  /* the device; required */
	const char *flash_spec;  /* NULL: the HAL's default */
};

/* Start the agent per `cmd` and open `spec` (a backend the agent links:
 * "file", "tpm2:TCTI") in `role` through it. Errors: those of the agent's
 * hal_rot_open_role (MAYDAY_E_INVALID for a spec it does not know, ...),
 * MAYDAY_E_IO if it cannot be started or dies, MAYDAY_E_TIMEOUT if it does
 * not answer within HAL_ROT_AGENT_OPEN_MS; nothing is left running then.
 * A call whose answer is late, malformed or not the request's (op, role)
 * breaks the handle: it and every later call fail with MAYDAY_E_IO (or
 * MAYDAY_E_TIMEOUT), logged once. */
MAYDAY_NODISCARD enum mayday_err hal_rot_open_agent(struct hal_rot **out,
						    const struct hal_rot_agent_cmd *cmd,
						    const char *spec, enum hal_rot_role role);

/* hal_rot_open_role when this program links the backend `spec` names (or
 * `agent` is NULL), else hal_rot_open_agent with `agent`: how mayday-boot
 * and mayday-dcf open their RoT, whether they were built static or not. */
MAYDAY_NODISCARD enum mayday_err hal_rot_open_via(struct hal_rot **out, const char *spec,
						  struct hal_flash *flash, enum hal_rot_role role,
						  const struct hal_rot_agent_cmd *agent);

/* Whether this program links the backend `spec` names (its part before
 * ':'): when not, a static program opens it with hal_rot_open_agent.
 * NULL means $MAYDAY_ROT or "file", as hal_rot_open. */
bool hal_rot_spec_linked(const char *spec);

#endif
