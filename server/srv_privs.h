/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Least privilege. maydayd started as root becomes the configured user
 * ([server] user) before it reads a key or opens a file, keeping only
 * CAP_NET_BIND_SERVICE, so its store and logs are created by that user and
 * its keys must be readable by it, exactly as under a service manager that
 * starts it unprivileged. Once its sockets are bound, srv_privs_done drops
 * every capability for good, ambient and bounding sets included: the
 * process that parses network input can bind nothing, read nothing root
 * could, and never regain either (no-new-privs).
 */
#ifndef MAYDAY_SRV_PRIVS_H
#define MAYDAY_SRV_PRIVS_H

#include <stddef.h>

#include "mayday/error.h"

/* As root: switches to `user` (its uid, gid and supplementary groups),
 * keeping CAP_NET_BIND_SERVICE. `user` NULL or "": stays root (the caller
 * warns). Not root: nothing to switch; `user`, if set, must be this user.
 * Call before any thread starts. `err` says what failed. */
MAYDAY_NODISCARD enum mayday_err srv_privs_switch(const char *user, char *err, size_t err_cap);
/* Drops every capability and sets no-new-privs. Call once the sockets are
 * bound, before any thread starts. */
MAYDAY_NODISCARD enum mayday_err srv_privs_done(char *err, size_t err_cap);

#endif
