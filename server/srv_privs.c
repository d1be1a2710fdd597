/* SPDX-License-Identifier: Apache-2.0 */
/*
 * See srv_privs.h. The order matters: supplementary groups and the gid go
 * first (they need root), PR_SET_KEEPCAPS keeps the permitted set across
 * setresuid, and then libcap narrows it to the one capability binding a
 * port below 1024 needs.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "srv_privs.h"

static enum mayday_err fail(char *err, size_t cap, const char *what)
{
	snprintf(err, cap, "%s: %s", what, strerror(errno));
	return MAYDAY_E_INTERNAL;
}

static enum mayday_err set_caps(const cap_value_t *keep, int n, char *err, size_t cap)
{
	cap_t c = cap_init();   /* every set empty */
	if (c == NULL)
		return fail(err, cap, "cap_init");
	if (n > 0 && (cap_set_flag(c, CAP_PERMITTED, n, keep, CAP_SET) != 0 ||
		      cap_set_flag(c, CAP_EFFECTIVE, n, keep, CAP_SET) != 0)) {
		cap_free(c);
		return fail(err, cap, "cap_set_flag");
	}
	int rc = cap_set_proc(c);
	cap_free(c);
	return rc == 0 ? MAYDAY_OK : fail(err, cap, "cap_set_proc");
}

enum mayday_err srv_privs_switch(const char *user, char *err, size_t err_cap)
{
	static const cap_value_t bind[] = {CAP_NET_BIND_SERVICE};
	struct passwd pw, *found = NULL;
	char buf[4096];
	if (user == NULL || user[0] == '\0')
		return MAYDAY_OK;
	int rc = getpwnam_r(user, &pw, buf, sizeof(buf), &found);
	if (found == NULL) {
		snprintf(err, err_cap, "user '%s': %s", user, rc != 0 ? strerror(rc) : "no such user");
		return MAYDAY_E_NOTFOUND;
	}
	if (geteuid() != 0) {
		if (geteuid() != pw.pw_uid) {
			snprintf(err, err_cap, "user '%s': running as uid %ld, not root, cannot switch",
				 user, (long)geteuid());
			return MAYDAY_E_INVALID;
		}
		return MAYDAY_OK;
	}
	if (pw.pw_uid == 0) {
		snprintf(err, err_cap, "user '%s' is root: name an unprivileged user", user);
		return MAYDAY_E_INVALID;
	}
	if (initgroups(pw.pw_name, pw.pw_gid) != 0)
		return fail(err, err_cap, "initgroups");
	if (setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0)
		return fail(err, err_cap, "setresgid");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		return fail(err, err_cap, "PR_SET_KEEPCAPS");
	if (setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0)
		return fail(err, err_cap, "setresuid");
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return set_caps(bind, 1, err, err_cap);
}

enum mayday_err srv_privs_done(char *err, size_t err_cap)
{
	/* Nothing held (an unprivileged start): nothing to drop, and dropping
	 * the bounding set needs CAP_SETPCAP. */
	cap_t now = cap_get_proc();
	cap_t none = cap_init();
	int held = now != NULL && none != NULL && cap_compare(now, none) != 0;
	cap_free(now);
	cap_free(none);
	if (held) {
		if (cap_reset_ambient() != 0 && errno != EINVAL)
			return fail(err, err_cap, "cap_reset_ambient");
		enum mayday_err e = set_caps(NULL, 0, err, err_cap);
		if (e != MAYDAY_OK)
			return e;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return fail(err, err_cap, "PR_SET_NO_NEW_PRIVS");
	return MAYDAY_OK;
}
