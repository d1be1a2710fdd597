/* SPDX-License-Identifier: Apache-2.0 */
/* `bundle info` / `bundle verify`'s reader (tools/provision/prov_bundle_read.c)
 * on arbitrary files: decode only, then verify with a fixed key. Whatever it
 * reads, a bundle either verifies or is rejected with a reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>

#include "mayday/keys.h"
#include "prov_bundle_read.h"

static EVP_PKEY *key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prov_bundle_check c;
	FILE *in;

	if (!key && mayday_key_generate(&key) != MAYDAY_OK)
		abort();
	for (int pass = 0; pass < 2; pass++) {
		in = fmemopen((void *)data, size, "rb");
		if (!in)
			return 0;
		enum mayday_err rc = prov_bundle_check(in, pass ? key : NULL, &c);
		fclose(in);
		if (rc != MAYDAY_OK && !c.error[0])
			abort();
		if (rc != MAYDAY_OK && c.error_offset > size)
			abort();
	}
	return 0;
}
