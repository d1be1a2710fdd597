/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maydayctl cwmp-credentials DEVICE [--username USER]: provisions the HTTP
 * credentials a CPE without a client certificate logs in to the ACS with
 * (issue 12, docs/cwmp.md "Enrolling a third-party CPE"). The password is
 * read from stdin (one line; never from the command line, where other
 * users could read it), and only its HA1s under the ACS realm are stored
 * (store_acs.h). USER defaults to the device ID. Exit 3 if the device is
 * not enrolled.
 *
 * With --psk-kek KEK (the file maydayd's [server] psk_kek names) it also
 * prints the Connection Request login the ACS will use towards this CPE
 * (srv_acs_auth_cr_password: derived, never stored), for the operator to
 * set as the CPE's ManagementServer.ConnectionRequestUsername/Password.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "ctl.h"
#include "mayday/kek.h"
#include "srv_acs_auth.h"
#include "store_acs.h"

#define PASSWORD_MIN 8u

static int read_password(char *pw, size_t cap)
{
	if (fgets(pw, (int)cap, stdin) == NULL) {
		fprintf(stderr, "maydayctl cwmp-credentials: no password on stdin\n");
		return CTL_USAGE;
	}
	size_t n = strcspn(pw, "\r\n");
	if (pw[n] == '\0' && !feof(stdin)) {
		fprintf(stderr, "maydayctl cwmp-credentials: password longer than %zu bytes\n",
			cap - 2);
		return CTL_USAGE;
	}
	pw[n] = '\0';
	if (n < PASSWORD_MIN) {
		fprintf(stderr, "maydayctl cwmp-credentials: password shorter than %u bytes\n",
			PASSWORD_MIN);
		return CTL_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)pw[i] < ' ' || pw[i] == 0x7f) {
			fprintf(stderr, "maydayctl cwmp-credentials: control character in the"
				" password\n");
			return CTL_USAGE;
		}
	return CTL_OK;
}

int ctl_cwmp_credentials(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"username", required_argument, NULL, 'u'},
		{"psk-kek", required_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct store_acs_cred cred;
	char pw[SRV_ACS_AUTH_FIELD_MAX + 2], hex[SRV_ACS_HEX_MAX + 1];
	const char *user = NULL, *kek_path = NULL;
	char cr_pw[SRV_ACS_CR_PW_LEN + 1] = "";
	int o, rc;
	optind = 0;   /* 0: glibc starts afresh, so options may follow DEVICE (main's "+" stopped) */
	while ((o = getopt_long(argc, argv, "u:k:j", opts, NULL)) != -1) {
		if (o == 'u')
			user = optarg;
		else if (o == 'k')
			kek_path = optarg;
		else if (o == 'j')
			c->json = true;
		else
			return CTL_USAGE;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "maydayctl cwmp-credentials: expected one DEVICE\n");
		return CTL_USAGE;
	}
	memset(&cred, 0, sizeof(cred));
	if (user == NULL)
		user = argv[optind];
	if (strlen(argv[optind]) >= sizeof(cred.device_id) ||
	    strlen(user) >= sizeof(cred.username)) {
		fprintf(stderr, "maydayctl cwmp-credentials: device ID or username too long\n");
		return CTL_USAGE;
	}
	strcpy(cred.device_id, argv[optind]);
	strcpy(cred.username, user);
	if ((rc = read_password(pw, sizeof(pw))) != CTL_OK)
		goto out;
	if (kek_path != NULL) {
		uint8_t kek[MAYDAY_KEK_LEN], key[SRV_ACS_CR_KEY_LEN];
		enum mayday_err kerr = mayday_kek_load(kek_path, kek);
		if (kerr != MAYDAY_OK) {
			fprintf(stderr, "maydayctl cwmp-credentials: KEK %s: %s\n", kek_path,
				mayday_strerror(kerr));
			rc = CTL_FAIL;
			goto out;
		}
		srv_acs_auth_cr_key(kek, sizeof(kek), key);
		srv_acs_auth_cr_password(key, cred.device_id, cr_pw);
		OPENSSL_cleanse(kek, sizeof(kek));
		OPENSSL_cleanse(key, sizeof(key));
	}
	rc = CTL_FAIL;
	if (srv_acs_digest_ha1(SRV_ACS_MD5, cred.username, STORE_ACS_REALM, pw, hex) != MAYDAY_OK)
		goto out;
	memcpy(cred.ha1_md5, hex, STORE_ACS_HA1_MD5_HEX + 1);
	if (srv_acs_digest_ha1(SRV_ACS_SHA256, cred.username, STORE_ACS_REALM, pw, hex) !=
	    MAYDAY_OK)
		goto out;
	memcpy(cred.ha1_sha256, hex, STORE_ACS_HA1_SHA256_HEX + 1);
	cred.set_at = (int64_t)time(NULL);
	enum mayday_err err = store_acs_cred_set(c->st, &cred);
	if (err == MAYDAY_E_NOTFOUND) {
		fprintf(stderr, "maydayctl: no device '%s'\n", cred.device_id);
		rc = CTL_NOTFOUND;
		goto out;
	}
	if (err == MAYDAY_E_MISMATCH || err == MAYDAY_E_INVALID) {
		fprintf(stderr, "maydayctl cwmp-credentials: username '%s' %s\n", cred.username,
			err == MAYDAY_E_MISMATCH ? "belongs to another device"
						 : "is not 1..64 printable characters without"
						   " ':', '\"' or '\\'");
		rc = CTL_USAGE;
		goto out;
	}
	if (err != MAYDAY_OK) {
		rc = ctl_store_fail(c, "storing credentials", err);
		goto out;
	}
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "device_id", json_string(cred.device_id));
		json_object_set_new(j, "username", json_string(cred.username));
		json_object_set_new(j, "realm", json_string(STORE_ACS_REALM));
		if (cr_pw[0]) {
			json_object_set_new(j, "connection_request_username",
					    json_string(SRV_ACS_CR_USERNAME));
			json_object_set_new(j, "connection_request_password", json_string(cr_pw));
		}
		rc = ctl_json_print(j);
	} else {
		ctl_line("CWMP credentials of %s set: username %s, realm %s (stored as HA1 only)",
			 cred.device_id, cred.username, STORE_ACS_REALM);
		if (cr_pw[0])
			ctl_line("Connection Request login to set on the CPE: username %s, password %s",
				 SRV_ACS_CR_USERNAME, cr_pw);
		rc = CTL_OK;
	}
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(hex, sizeof(hex));
	OPENSSL_cleanse(cr_pw, sizeof(cr_pw));
	return rc;
}
