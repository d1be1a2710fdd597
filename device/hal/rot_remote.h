/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the RoT HAL: the "remote" backend's state over a connected
 * agent (rot_agent.c starts the agent, rot_remote.c talks to it).
 */
#ifndef MAYDAY_HAL_ROT_REMOTE_H
#define MAYDAY_HAL_ROT_REMOTE_H

#include <sys/types.h>

#include "rot.h"

/* Wait (HAL_ROT_AGENT_OPEN_MS) for the agent's HELLO on `fd` and check it
 * is in `role`; then *state is a hal_rot_remote_ops state that owns fd and
 * pid (its close ends the connection and reaps the agent). On error both
 * are still the caller's. */
MAYDAY_NODISCARD enum mayday_err rot_remote_connect(int fd, pid_t pid, enum hal_rot_role role,
						    void **state);

#endif
