/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the ACS's Authorization header parser (srv_acs_auth.c), which
 * reads what any TLS client sends before it is authenticated, and the
 * challenge parser, which reads what a CPE answers a Connection Request. Whatever
 * parses must be a scheme with NUL-terminated, bounded fields, and checking
 * it must neither crash nor accept a response computed from nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srv_acs_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[SRV_ACS_NONCE_KEY_LEN] = {1};
	struct srv_acs_authz a;
	char header[SRV_ACS_AUTH_HEADER_MAX + 2];
	if (size > SRV_ACS_AUTH_HEADER_MAX + 1)
		return 0;
	memcpy(header, data, size);
	header[size] = '\0';
	/* the same text as a CPE's challenge to a Connection Request */
	if (srv_acs_challenge_parse(header, &a) == MAYDAY_OK &&
	    (a.scheme != SRV_ACS_AUTH_DIGEST || strcmp(a.qop, "auth") != 0 ||
	     strnlen(a.realm, sizeof(a.realm)) == sizeof(a.realm) ||
	     strnlen(a.nonce, sizeof(a.nonce)) == sizeof(a.nonce)))
		abort();
	if (srv_acs_auth_parse(header, &a) != MAYDAY_OK) {
		if (a.scheme != 0 || a.username[0] != '\0')
			abort();   /* no partial state */
		return 0;
	}
	if ((a.scheme != SRV_ACS_AUTH_BASIC && a.scheme != SRV_ACS_AUTH_DIGEST) ||
	    strnlen(a.username, sizeof(a.username)) == sizeof(a.username) ||
	    strnlen(a.nonce, sizeof(a.nonce)) == sizeof(a.nonce) ||
	    strnlen(a.response, sizeof(a.response)) == sizeof(a.response) ||
	    strnlen(a.nc, sizeof(a.nc)) == sizeof(a.nc) || a.username[0] == '\0')
		abort();
	/* an all-zero HA1 of the right length is no one's: never a match
	 * unless the fuzzer found a preimage */
	static const char zero_md5[] = "00000000000000000000000000000000";
	(void)srv_acs_digest_ok(&a, "POST", zero_md5);
	(void)srv_acs_basic_ok(&a, "mayday-acs", zero_md5);
	(void)srv_acs_nonce_check(key, a.nonce, 1700000000);
	return 0;
}
