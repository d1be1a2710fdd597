/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the golden bundle check of the API's upload and maydayd's load
 * (server/api/api_bundle_check.c) with the protocol.md test key: any bytes
 * as a bundle of any class the input names. An accepted bundle is exactly
 * the input, of a version above 0.
 */
#include <stdlib.h>
#include <string.h>

#include "api_bundle.h"
#include "test_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t left;
};

static bool read_mem(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	if (n > m->left)
		return false;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub;
	static const char *const classes[] = {"femto-test", "femto-x1", "femto-a"};
	struct api_bundle_info info;
	char why[256];
	if (!pub)
		pub = tv_pub();
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		struct mem m = {data, size};
		/* the length claimed may exceed what is there: the reader says so */
		uint64_t claimed = size + (i == 2 ? 1 : 0);
		enum mayday_err err = api_bundle_check(read_mem, &m, claimed, pub, classes[i], &info,
						       why, sizeof(why));
		if (err == MAYDAY_OK && (claimed != size || info.size != size ||
					 info.version == 0 || m.left != 0))
			abort();
		if (err != MAYDAY_OK && why[0] == '\0' && err != MAYDAY_E_NOMEM &&
		    err != MAYDAY_E_INTERNAL)
			abort();
	}
	return 0;
}
