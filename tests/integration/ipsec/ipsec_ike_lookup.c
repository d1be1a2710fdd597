/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipsec_ike_lookup VICI_SOCKET CONNECTION ADDRESS
 *
 * Test helper of the ipsec integration test: maydayd's srv_ike_identity
 * against the real SeGW charon. Prints the IKE identity owning the inner
 * ADDRESS and exits 0; otherwise prints why and exits 1 (3 when the address
 * is owned by no tunnel). CONNECTION "-" means any.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "srv_ike.h"

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct srv_ike ike;
	char id[256];
	enum mayday_err rc;

	if (argc != 4) {
		fprintf(stderr, "usage: %s VICI_SOCKET CONNECTION ADDRESS\n", argv[0]);
		return 2;
	}
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, argv[3], &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, argv[3], &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
	} else {
		fprintf(stderr, "not a numeric address: %s\n", argv[3]);
		return 2;
	}
	if (srv_ike_init(&ike, argv[1], strcmp(argv[2], "-") ? argv[2] : NULL, 3000) != MAYDAY_OK) {
		fprintf(stderr, "bad VICI socket path or connection name\n");
		return 2;
	}
	rc = srv_ike_identity(&ike, (struct sockaddr *)&ss, id, sizeof(id));
	if (rc != MAYDAY_OK) {
		fprintf(stderr, "no identity for %s: %s\n", argv[3], mayday_strerror(rc));
		return rc == MAYDAY_E_NOTFOUND ? 3 : 1;
	}
	printf("%s\n", id);
	return 0;
}
