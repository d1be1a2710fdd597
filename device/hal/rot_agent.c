/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting mayday-rot-agent for hal_rot_open_agent (rot_agent.h). The
 * agent gets one end of a socketpair as descriptor HAL_SPAWN_FD, the
 * device and flash spec of the caller, the backend spec and the role, and
 * an environment of OPENSSL_CONF=/dev/null only; the connection's first
 * message is its HELLO (rot_remote.c).
 */
#include "rot_agent.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rot_backend.h"
#include "rot_remote.h"
#include "hal_spawn.h"

static const char *role_name(enum hal_rot_role role)
{
	switch (role) {
	case HAL_ROT_ROLE_TRE:
		return "tre";
	case HAL_ROT_ROLE_DCF:
		return "dcf";
	case HAL_ROT_ROLE_NORMAL:
		return "normal";
	}
	return NULL;
}

static int join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n > 0 && (size_t)n < cap;
}

enum mayday_err hal_rot_open_agent(struct hal_rot **out, const struct hal_rot_agent_cmd *cmd,
				   const char *spec, enum hal_rot_role role)
{
	char agent[PATH_MAX], loader[PATH_MAX], fd_arg[8];
	const char *envp[] = { "OPENSSL_CONF=/dev/null", NULL };
	const char *argv[20];
	const char *rname = role_name(role);
	size_t n = 0;
	int sv[2];
	pid_t pid;
	void *state = NULL;
	enum mayday_err err;

	if (out == NULL)
		return MAYDAY_E_INVALID;
	*out = NULL;
	if (cmd == NULL || cmd->dir == NULL || cmd->device_dir == NULL || rname == NULL)
		return MAYDAY_E_INVALID;
	if (spec == NULL) {
		spec = getenv("MAYDAY_ROT");
		if (spec == NULL || spec[0] == '\0')
			spec = "file";
	}
	if (!join(agent, sizeof(agent), cmd->dir, HAL_ROT_AGENT_NAME) ||
	    !join(loader, sizeof(loader), cmd->dir, HAL_ROT_AGENT_LOADER))
		return MAYDAY_E_TOOBIG;
	/* The loader's library path is split at colons. */
	if (cmd->from_dir && strchr(cmd->dir, ':'))
		return MAYDAY_E_TOOBIG;
	snprintf(fd_arg, sizeof(fd_arg), "%d", HAL_SPAWN_FD);
	if (cmd->from_dir) {
		argv[n++] = loader;
		argv[n++] = "--inhibit-cache";
		argv[n++] = "--library-path";
		argv[n++] = cmd->dir;
		argv[n++] = "--argv0";
		argv[n++] = HAL_ROT_AGENT_NAME;
	}
	argv[n++] = agent;
	argv[n++] = "--fd";
	argv[n++] = fd_arg;
	argv[n++] = "--device";
	argv[n++] = cmd->device_dir;
	if (cmd->flash_spec) {
		argv[n++] = "--flash";
		argv[n++] = cmd->flash_spec;
	}
	argv[n++] = "--rot";
	argv[n++] = spec;
	argv[n++] = "--role";
	argv[n++] = rname;
	argv[n] = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_warn("rot-agent: socketpair");
		return MAYDAY_E_IO;
	}
	struct hal_spawn s = { .tag = "rot-agent", .argv = argv, .envp = envp,
			       .private_mounts = cmd->from_dir, .keep_fd = sv[1] };
	pid = hal_spawn(&s);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return MAYDAY_E_IO;
	}
	err = rot_remote_connect(sv[0], pid, role, &state);
	if (err != MAYDAY_OK) {
		int status;
		close(sv[0]);
		if (hal_spawn_wait_until(pid, hal_spawn_now_ms() + HAL_ROT_AGENT_STOP_MS, &status))
			hal_spawn_log_exit("rot-agent", agent, status);
		else
			hal_spawn_kill("rot-agent", pid, HAL_ROT_AGENT_STOP_MS);
		log_info("rot-agent: %s did not open %s (role %s): %s", agent, spec, rname,
			 mayday_strerror(err));
		return err;
	}
	return hal_rot_adopt(out, &hal_rot_remote_ops, state, role);
}

enum mayday_err hal_rot_open_via(struct hal_rot **out, const char *spec, struct hal_flash *flash,
				 enum hal_rot_role role, const struct hal_rot_agent_cmd *agent)
{
	if (agent == NULL || hal_rot_spec_linked(spec))
		return hal_rot_open_role(out, spec, flash, role);
	log_info("rot: %s is not linked into this program: opened through %s/%s", spec,
		 agent->dir, HAL_ROT_AGENT_NAME);
	return hal_rot_open_agent(out, agent, spec, role);
}
