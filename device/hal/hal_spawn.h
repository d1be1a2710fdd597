/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting a program of a verified partition (or of the TrE's storage)
 * from the static TrE or DCF: the IPsec method's charon and swanctl
 * (device/dcf/ipsec_daemon.c) and the RoT agent (rot_agent.c). One place
 * for what such a child must not inherit and for bounded waits on it.
 *
 * The child gets nothing of its parent but stderr (stdout is made stderr),
 * `keep_fd` as descriptor HAL_SPAWN_FD when one is given, default signal
 * handling and an empty signal mask, SIGTERM when the parent dies
 * (PR_SET_PDEATHSIG), and exactly `envp`. With `private_mounts` it runs in
 * a private mount namespace (nothing mounted there leaks back) whose /etc
 * is an empty read-only tmpfs -- glibc would otherwise read the host's
 * nsswitch.conf, protocols, services, ld.so.cache paths... and load the
 * NSS modules named there, code of the normal code's file system -- and,
 * when `bind_src` is set, with bind_src bind-mounted over bind_dst. A
 * child that cannot set itself up says why on stderr and exits 127.
 */
#ifndef MAYDAY_HAL_SPAWN_H
#define MAYDAY_HAL_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define HAL_SPAWN_FD 3

struct hal_spawn {
	const char *tag;                /* log prefix: "ipsec", "rot-agent" */
	const char *const *argv;        /* argv[0] is executed */
	const char *const *envp;
	bool private_mounts;
	const char *bind_src, *bind_dst; /* with private_mounts; NULL: none */
	int keep_fd;                    /* -1: none */
};

/* fork and exec; the child's pid, or -1 (logged). */
pid_t hal_spawn(const struct hal_spawn *s);
uint64_t hal_spawn_now_ms(void); /* CLOCK_MONOTONIC */
void hal_spawn_nap_ms(unsigned ms);
/* Wait for pid until deadline (hal_spawn_now_ms): 1 exited (*status set),
 * 0 still running at the deadline. */
int hal_spawn_wait_until(pid_t pid, uint64_t deadline_ms, int *status);
/* SIGTERM, SIGKILL after grace_ms, reaped either way. */
void hal_spawn_kill(const char *tag, pid_t pid, uint32_t grace_ms);
/* "TAG: WHAT exited N" / "killed by signal N" */
void hal_spawn_log_exit(const char *tag, const char *what, int status);

#endif
