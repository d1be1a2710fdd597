/* Test vectors and shared test helpers (see test_vectors.h). */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "mayday/keys.h"
#include "test_vectors.h"

const char tv_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYL0cvVXbWnwYfu95\n"
	"sd5EW9LJuV8KzYE1Qutw+u9Jal2hRANCAAQF+fgRNPvv7/llVdJm4VNRLh/ucPd2\n"
	"Gb/YuiMRMaEsM8H7BNAdbtbXgbicj87qG7PM/WcvfORfsafz7gtj/WCu\n"
	"-----END PRIVATE KEY-----\n";

const char tv_pub_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBfn4ETT77+/5ZVXSZuFTUS4f7nD3\n"
	"dhm/2LojETGhLDPB+wTQHW7W14G4nI/O6huzzP1nL3zkX7Gn8+4LY/1grg==\n"
	"-----END PUBLIC KEY-----\n";

/* BEGIN GENERATED VECTORS (mayday_gen_vectors --c) */
const char tv_evidence_hex[] =
	"a7000101010265322e342e310307040005010682a600676170702e62696e0106"
	"02030300045820ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb4"
	"10ff61f20015ad055820e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	"934ca495991b7852b855a6006b6c6962726164696f2e736f0101021a00011170"
	"0300045820000102030405060708090a0b0c0d0e0f101112131415161718191a"
	"1b1c1d1e1f055820000000000000000000000000000000000000000000000000"
	"0000000000000000";
const char tv_attach_evidence_hex[] =
	"a8000101070265322e342e31030704010501068007a40001010302010372636f"
	"6e6e656374696f6e2072656675736564";
const char tv_indication_claims_hex[] =
	"a90001016f686e622d61636d652d30303031323302182a031a6955b900046531"
	"2e302e300503061a10000000071a0800000008a7000101010265322e342e3103"
	"07040005010682a600676170702e62696e010602030300045820ba7816bf8f01"
	"cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad055820e3b0c4"
	"4298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855a6006b"
	"6c6962726164696f2e736f0101021a0001117003000458200001020304050607"
	"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0558200000000000"
	"000000000000000000000000000000000000000000000000000000";
const char tv_indication_cose_hex[] =
	"d28443a10126a1044f686e622d61636d652d30303031323358fba90001016f68"
	"6e622d61636d652d30303031323302182a031a6955b9000465312e302e300503"
	"061a10000000071a0800000008a7000101010265322e342e3103070400050106"
	"82a600676170702e62696e010602030300045820ba7816bf8f01cfea414140de"
	"5dae2223b00361a396177a9cb410ff61f20015ad055820e3b0c44298fc1c149a"
	"fbf4c8996fb92427ae41e4649b934ca495991b7852b855a6006b6c6962726164"
	"696f2e736f0101021a000111700300045820000102030405060708090a0b0c0d"
	"0e0f101112131415161718191a1b1c1d1e1f0558200000000000000000000000"
	"0000000000000000000000000000000000000000005840f4c75d3eff245b49d4"
	"f76f8d067afa0842b5e5863b526897d876951e439ba6705ec83062d3f0290146"
	"e6c7685ef291746250e857290075aa22faf55af8730c97";
const char tv_indication_eat_claims_hex[] =
	"aa061a6955b9000748000000000000002a19010058210164efca5c55f0d18317"
	"d8f46c17f483a62d4fa62a79ce8ff13b54c18493b1c1b3190109757461673a6d"
	"61796461792c323032363a6561742f3219010f8165312e302e30190111818219"
	"fde858c8a7000101010265322e342e310307040005010682a600676170702e62"
	"696e010602030300045820ba7816bf8f01cfea414140de5dae2223b00361a396"
	"177a9cb410ff61f20015ad055820e3b0c44298fc1c149afbf4c8996fb92427ae"
	"41e4649b934ca495991b7852b855a6006b6c6962726164696f2e736f0101021a"
	"000111700300045820000102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f0558200000000000000000000000000000000000000000"
	"0000000000000000000000003a000100006f686e622d61636d652d3030303132"
	"333a00010001033a000100021a100000003a000100031a08000000";
const char tv_indication_eat_cose_hex[] =
	"d28443a10126a1044f686e622d61636d652d30303031323359015baa061a6955"
	"b9000748000000000000002a19010058210164efca5c55f0d18317d8f46c17f4"
	"83a62d4fa62a79ce8ff13b54c18493b1c1b3190109757461673a6d6179646179"
	"2c323032363a6561742f3219010f8165312e302e30190111818219fde858c8a7"
	"000101010265322e342e310307040005010682a600676170702e62696e010602"
	"030300045820ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410"
	"ff61f20015ad055820e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b93"
	"4ca495991b7852b855a6006b6c6962726164696f2e736f0101021a0001117003"
	"00045820000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	"1c1d1e1f05582000000000000000000000000000000000000000000000000000"
	"000000000000003a000100006f686e622d61636d652d3030303132333a000100"
	"01033a000100021a100000003a000100031a0800000058409fb69e2115547abb"
	"24497388640523d892bd24b90a6f8158358a20696128bc8378cc2fe4f62b2d15"
	"ece02552d00bdda32e7d6b3f2747b1f68cb37522a713430e";
const char tv_ack_claims_hex[] =
	"a70001016f686e622d61636d652d30303031323302182a031903e90400050106"
	"19012c";
const char tv_ack_wait_claims_hex[] =
	"a70001016f686e622d61636d652d30303031323302182a031903e90400050306"
	"190258";
const char tv_ack_remediate_claims_hex[] =
	"a80001016f686e622d61636d652d30303031323302182a031903e90400050206"
	"0007781a68747470733a2f2f3132372e302e302e313a373534372f616373";
const char tv_ack_remediate_cose_hex[] =
	"d28443a10126a1044668656d732d31583ea80001016f686e622d61636d652d30"
	"303031323302182a031903e904000502060007781a68747470733a2f2f313237"
	"2e302e302e313a373534372f6163735840c423d7a236db2863c2991821ef1893"
	"6e61ccfcdd0699b5780db7aeb4b09d18eb45efc9eb64ccd416918b514b8dfc15"
	"b25f8e546e99251499ce05f42ea4443a05";
const char tv_ack_batch_root_claims_hex[] =
	"a3000101030258207a35b88ddcb13350443f384be0cb324fbf977c2751f52b5d"
	"4df2d654f36d7c8a";
const char tv_ack_batch_root_cose_hex[] =
	"d28443a10126a1044668656d732d315828a3000101030258207a35b88ddcb133"
	"50443f384be0cb324fbf977c2751f52b5d4df2d654f36d7c8a5840782a5fc8fa"
	"0f3f07ae4f2e84d4c9d89e5c1261396801e514e7c587ded2219e24a6b1b12114"
	"d0ee14bf11553737be663eede86638112e82a511f69b69c5ccf2b4";
const char tv_ack_batch_hex[] =
	"84583ea80001016f686e622d61636d652d30303031323302182a031903e90400"
	"0502060007781a68747470733a2f2f3132372e302e302e313a373534372f6163"
	"7302815820ddf84dff543f4714cf9dc0d288991d224fca918571209d88022fea"
	"b29376de89587bd28443a10126a1044668656d732d315828a300010103025820"
	"7a35b88ddcb13350443f384be0cb324fbf977c2751f52b5d4df2d654f36d7c8a"
	"5840782a5fc8fa0f3f07ae4f2e84d4c9d89e5c1261396801e514e7c587ded221"
	"9e24a6b1b12114d0ee14bf11553737be663eede86638112e82a511f69b69c5cc"
	"f2b4";
const char tv_manifest_claims_hex[] =
	"a700010101026b686e622d61636d652d78310365322e342e31040705666e6f72"
	"6d616c0683a400666e6f726d616c0103025820ba7816bf8f01cfea414140de5d"
	"ae2223b00361a396177a9cb410ff61f20015ad03f5a400676170702e62696e01"
	"03025820ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	"f20015ad03f5a40066524541444d450100025820e3b0c44298fc1c149afbf4c8"
	"996fb92427ae41e4649b934ca495991b7852b85503f4";
const char tv_manifest_cose_hex[] =
	"d28443a10126a058b6a700010101026b686e622d61636d652d78310365322e34"
	"2e31040705666e6f726d616c0683a400666e6f726d616c0103025820ba7816bf"
	"8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad03f5a400"
	"676170702e62696e0103025820ba7816bf8f01cfea414140de5dae2223b00361"
	"a396177a9cb410ff61f20015ad03f5a40066524541444d450100025820e3b0c4"
	"4298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85503f458"
	"4027a0fa6ddf6e576820d55f4e8748953db1fbbacd08398ab53bb1c116cc8609"
	"460b9804eaead1f5f82798db7781753d7cd7233f1f67c6cf89903aa6039cc609"
	"cb";
/* END GENERATED VECTORS */

/* SHA-256("abc") and SHA-256(""): digests anyone can check. */
static const uint8_t sha256_abc[MAYDAY_DIGEST_LEN] = {
	0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
	0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};
static const uint8_t sha256_empty[MAYDAY_DIGEST_LEN] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

void tv_example_evidence(struct mayday_evidence *ev)
{
	struct mayday_component_evidence *c;

	memset(ev, 0, sizeof(*ev));
	ev->reason = MAYDAY_REASON_COMPONENT_MISMATCH;
	strcpy(ev->image_version, "2.4.1");
	ev->manifest_rollback = 7;
	ev->slot = 0;
	ev->boot_attempts = 1;
	ev->n_failed = 2;

	/* A truncated component: expected "abc", found an empty file. */
	c = &ev->failed[0];
	strcpy(c->name, "app.bin");
	c->flags = MAYDAY_COMP_SIZE_MISMATCH | MAYDAY_COMP_DIGEST_MISMATCH;
	c->expected_size = 3;
	c->measured_size = 0;
	memcpy(c->expected, sha256_abc, MAYDAY_DIGEST_LEN);
	memcpy(c->measured, sha256_empty, MAYDAY_DIGEST_LEN);

	/* A missing component: measured digest all zero. */
	c = &ev->failed[1];
	strcpy(c->name, "libradio.so");
	c->flags = MAYDAY_COMP_MISSING;
	c->expected_size = 70000;
	c->measured_size = 0;
	for (int i = 0; i < MAYDAY_DIGEST_LEN; i++)
		c->expected[i] = (uint8_t)i;
}

void tv_example_attach_evidence(struct mayday_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->reason = MAYDAY_REASON_ATTACH_FAILED;
	strcpy(ev->image_version, "2.4.1");
	ev->manifest_rollback = 7;
	ev->slot = 1;
	ev->boot_attempts = 1;
	ev->attach.stage = MAYDAY_ATTACH_SEGW_UNREACHABLE;
	ev->attach.tries = 3;
	ev->attach.episodes = 1;
	strcpy(ev->attach.last_error, "connection refused");
}

void tv_example_indication(struct mayday_indication *ind)
{
	memset(ind, 0, sizeof(*ind));
	strcpy(ind->device_id, "hnb-acme-000123");
	ind->counter = 42;
	ind->time = 1767225600; /* 2026-01-01T00:00:00Z */
	strcpy(ind->dcf_version, "1.0.0");
	ind->transport = MAYDAY_TRANSPORT_TLS;
	ind->free_space = 268435456;
	ind->max_image_size = 134217728;
	tv_example_evidence(&ind->evidence);
}

/* The §10 indication, sent as message version 2. */
void tv_example_indication_eat(struct mayday_indication *ind)
{
	tv_example_indication(ind);
	ind->claims = MAYDAY_CLAIMS_EAT;
}

void tv_example_ack(struct mayday_ack *ack)
{
	memset(ack, 0, sizeof(*ack));
	strcpy(ack->device_id, "hnb-acme-000123");
	ack->counter = 42;
	ack->incident_id = 1001;
	ack->status = MAYDAY_ACK_STORED;
	ack->action = MAYDAY_ACTION_RETRY_AFTER;
	ack->retry_after = 300;
}

void tv_example_ack_remediate(struct mayday_ack *ack)
{
	tv_example_ack(ack);
	ack->action = MAYDAY_ACTION_REMEDIATE;
	ack->retry_after = 0;
	strcpy(ack->acs_url, "https://127.0.0.1:7547/acs");
}

void tv_example_ack_wait(struct mayday_ack *ack)
{
	tv_example_ack(ack);
	ack->action = MAYDAY_ACTION_WAIT;
	ack->retry_after = 600;
}

void tv_example_manifest(struct mayday_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = MAYDAY_MANIFEST_IMAGE;
	strcpy(m->product_class, "hnb-acme-x1");
	strcpy(m->image_version, "2.4.1");
	m->rollback = 7;
	strcpy(m->entry, "normal");
	m->n_trv = 3;
	strcpy(m->trv[0].name, "normal");
	m->trv[0].size = 3;
	memcpy(m->trv[0].digest, sha256_abc, MAYDAY_DIGEST_LEN);
	m->trv[0].designated = true;
	strcpy(m->trv[1].name, "app.bin");
	m->trv[1].size = 3;
	memcpy(m->trv[1].digest, sha256_abc, MAYDAY_DIGEST_LEN);
	m->trv[1].designated = true;
	strcpy(m->trv[2].name, "README");
	m->trv[2].size = 0;
	memcpy(m->trv[2].digest, sha256_empty, MAYDAY_DIGEST_LEN);
	m->trv[2].designated = false;
}

static EVP_PKEY *read_pem(const char *pem, bool private_key)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k;

	if (!b)
		abort();
	k = private_key ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)
			: PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!k)
		abort();
	return k;
}

EVP_PKEY *tv_key(void)
{
	return read_pem(tv_key_pem, true);
}

EVP_PKEY *tv_pub(void)
{
	return read_pem(tv_pub_pem, false);
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	abort();
}

uint8_t *tv_unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *out;

	if (n % 2)
		abort();
	out = malloc(n / 2 + 1); /* +1: never malloc(0) */
	if (!out)
		abort();
	for (size_t i = 0; i < n / 2; i++)
		out[i] = (uint8_t)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
	*len = n / 2;
	return out;
}

void tvc_init(struct tv_cbor *b)
{
	b->len = 0;
}

static void took(struct tv_cbor *b, size_t n)
{
	if (n == 0)
		abort();
	b->len += n;
}

#define ROOM(b) ((b)->buf + (b)->len), (sizeof((b)->buf) - (b)->len)

void tvc_uint(struct tv_cbor *b, uint64_t v) { took(b, cbor_encode_uint(v, ROOM(b))); }
void tvc_nint(struct tv_cbor *b, uint64_t n) { took(b, cbor_encode_negint(n, ROOM(b))); }
void tvc_bool(struct tv_cbor *b, bool v) { took(b, cbor_encode_bool(v, ROOM(b))); }
void tvc_map(struct tv_cbor *b, size_t n) { took(b, cbor_encode_map_start(n, ROOM(b))); }
void tvc_array(struct tv_cbor *b, size_t n) { took(b, cbor_encode_array_start(n, ROOM(b))); }
void tvc_tag(struct tv_cbor *b, uint64_t t) { took(b, cbor_encode_tag(t, ROOM(b))); }

void tvc_raw(struct tv_cbor *b, const void *p, size_t n)
{
	if (n > sizeof(b->buf) - b->len)
		abort();
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

void tvc_byte(struct tv_cbor *b, uint8_t byte)
{
	tvc_raw(b, &byte, 1);
}

void tvc_bstr(struct tv_cbor *b, const void *p, size_t n)
{
	took(b, cbor_encode_bytestring_start(n, ROOM(b)));
	tvc_raw(b, p, n);
}

void tvc_tstrn(struct tv_cbor *b, const void *p, size_t n)
{
	took(b, cbor_encode_string_start(n, ROOM(b)));
	tvc_raw(b, p, n);
}

void tvc_tstr(struct tv_cbor *b, const char *s)
{
	tvc_tstrn(b, s, strlen(s));
}
