/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl cwmp-credentials DEVICE [--username USER]: provisions the HTTP
 * credentials a CPE without a client certificate logs in to the ACS with
 * (issue 12, docs/cwmp.md "Enrolling a third-party CPE"), PUT
 * /v1/devices/{device}/cwmp-credentials. The password is read from stdin
 * (one line; never from the command line, where other users could read
 * it), sent in the request's body, and maydayd stores only its HA1s under
 * the ACS realm. USER defaults to the device ID. Exit 3 if the device is
 * not enrolled.
 *
 * When maydayd has a PSK KEK (with -d: --psk-kek KEK) the answer also
 * holds the Connection Request login the ACS will use towards this CPE
 * (derived, never stored), for the operator to set as the CPE's
 * ManagementServer.ConnectionRequestUsername/Password.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ctl.h"

#define PASSWORD_MIN 8u
#define PASSWORD_MAX 128u
#define REALM "mayday-acs"   /* store_acs.h STORE_ACS_REALM, when the answer does not say */

static int read_password(struct ctl *c, char *pw, size_t cap)
{
	if (fgets(pw, (int)cap, stdin) == NULL)
		return ctl_usage(c, "no password on stdin");
	size_t n = strcspn(pw, "\r\n");
	if (pw[n] == '\0' && !feof(stdin))
		return ctl_usage(c, "password longer than %zu bytes", cap - 2);
	pw[n] = '\0';
	if (n < PASSWORD_MIN)
		return ctl_usage(c, "password shorter than %u bytes", PASSWORD_MIN);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)pw[i] < ' ' || pw[i] == 0x7f)
			return ctl_usage(c, "control character in the password");
	return CTL_OK;
}

int ctl_cwmp_credentials(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"username", required_argument, NULL, 'u'},
		{"psk-kek", required_argument, NULL, 'k'},
		{NULL, 0, NULL, 0},
	};
	char pw[PASSWORD_MAX + 2];
	const char *user = NULL;
	struct ctl_url u;
	struct ctl_answer a;
	int o, rc;
	CTL_GETOPT_RESET();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'u')
			user = optarg;
		else if (o == 'k')
			c->target.psk_kek = optarg;
		else
			return ctl_bad_option(c, argv);
	}
	if (argc - optind != 1)
		return ctl_usage(c, "expected one DEVICE");
	const char *id = argv[optind];
	ctl_url_init(&u, "/v1/devices");
	ctl_url_seg(&u, id);
	ctl_url_lit(&u, "/cwmp-credentials");
	if ((rc = ctl_url_ok(c, &u)) != CTL_OK)
		return rc;
	if ((rc = read_password(c, pw, sizeof(pw))) != CTL_OK)
		goto out;
	json_t *body = json_pack("{s:s,s:s}", "username", user ? user : id, "password", pw);
	if (body == NULL) {
		rc = ctl_usage(c, "username or password is not UTF-8");
		goto out;
	}
	if ((rc = ctl_call_json(c, "PUT", u.s, body, 0, &a)) != CTL_OK)
		goto out;
	const json_t *cr = json_object_get(a.json, "connection_request");
	const char *realm = ctl_jstr(a.json, "realm"), *name = ctl_jstr(a.json, "username");
	if (c->json) {
		/* and the flat names of before the API, which scripts read */
		json_t *o2 = json_deep_copy(a.json);
		if (realm == NULL)
			json_object_set_new(o2, "realm", json_string(REALM));
		if (json_is_object(cr)) {
			json_object_set(o2, "connection_request_username",
					json_object_get(cr, "username"));
			json_object_set(o2, "connection_request_password",
					json_object_get(cr, "password"));
		}
		rc = ctl_json_print(o2);
	} else {
		ctl_line("CWMP credentials of %s set: username %s, realm %s (stored as HA1 only)", id,
			 name ? name : user ? user : id, realm ? realm : REALM);
		if (json_is_object(cr))
			ctl_line("Connection Request login to set on the CPE: username %s, password %s",
				 ctl_jstr(cr, "username") ? ctl_jstr(cr, "username") : "?",
				 ctl_jstr(cr, "password") ? ctl_jstr(cr, "password") : "?");
	}
	ctl_answer_clear(&a);
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	return rc;
}
