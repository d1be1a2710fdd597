/* SPDX-License-Identifier: Apache-2.0 */
/* `bundle info` / `bundle verify`'s reader (tools/provision/prov_bundle_read.c)
 * on arbitrary files: decode only, then verify with a fixed key. Whatever it
 * reads, a bundle either verifies or is rejected with a reason.
 *
 * The key is fixed, not generated per run, so the seed corpus's bundles
 * verify and the fuzzer reaches the payload streaming behind the signature
 * check (mutations of payload bytes keep a valid manifest). The seeds were
 * made with its private half, tests/fuzz/fuzz_prov_bundle.key.pem (a test
 * key, nothing else trusts it):
 *   mayday-provision bundle --key tests/fuzz/fuzz_prov_bundle.key.pem \
 *       --image DIR --out tests/corpus/fuzz_prov_bundle/valid-image.bundle ...
 * and truncated.bundle is its first 300 bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "mayday/keys.h"
#include "prov_bundle_read.h"

static const char fuzz_vendor_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnXKKGQCQsQ0zk+QI/kWygZqflBH5\n"
	"TTlw/lX04/U16NmYJRCVJ0cNXEG4kAQmE9DrasIvQPyLQmB5yoTGmkPjqg==\n"
	"-----END PUBLIC KEY-----\n";

static EVP_PKEY *key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prov_bundle_check c;
	FILE *in;

	if (!key && mayday_key_public_from_pem((const uint8_t *)fuzz_vendor_pub,
						strlen(fuzz_vendor_pub), &key) != MAYDAY_OK)
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
