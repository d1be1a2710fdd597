/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 signing (prov_pkcs11.h) on the C API (the OASIS header as p11-kit
 * ships it), so no OpenSSL engine or provider sits between us and the
 * token: the module is dlopen'ed, its function list called directly. One
 * session, opened at prov_pkcs11_open and closed at prov_pkcs11_close; the
 * PIN is wiped as soon as C_Login has it.
 */
#include "prov_pkcs11.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <p11-kit/pkcs11.h>

#include "mayday/limits.h"
#include "prov_fs.h"
#include "prov_log.h"
#include "prov_p11uri.h"

#define P256_POINT_LEN 65   /* uncompressed: 04 || X || Y */

struct prov_pkcs11 {
	void *lib;                    /* dlopen handle */
	CK_FUNCTION_LIST_PTR fn;
	bool initialized;             /* we called C_Initialize: we finalize */
	CK_SESSION_HANDLE session;
	bool have_session, logged_in;
	CK_OBJECT_HANDLE key;
	EVP_PKEY *pub;                /* from the token's public key object */
	bool checked;                 /* a signature was verified with `pub` */
	char what[400];               /* "token T object O", for messages */
};

static const char *rv_name(CK_RV rv)
{
	switch (rv) {
	case CKR_PIN_INCORRECT: return "wrong PIN (CKR_PIN_INCORRECT)";
	case CKR_PIN_LOCKED: return "the PIN is locked (CKR_PIN_LOCKED)";
	case CKR_PIN_LEN_RANGE: return "PIN of a wrong length (CKR_PIN_LEN_RANGE)";
	case CKR_TOKEN_NOT_PRESENT: return "no token (CKR_TOKEN_NOT_PRESENT)";
	case CKR_KEY_TYPE_INCONSISTENT: return "not an EC key (CKR_KEY_TYPE_INCONSISTENT)";
	case CKR_MECHANISM_INVALID: return "CKM_ECDSA not supported (CKR_MECHANISM_INVALID)";
	case CKR_USER_NOT_LOGGED_IN: return "not logged in (CKR_USER_NOT_LOGGED_IN)";
	case CKR_DEVICE_ERROR: return "device error (CKR_DEVICE_ERROR)";
	default: return NULL;
	}
}

static enum mayday_err ck_fail(const char *call, CK_RV rv)
{
	const char *name = rv_name(rv);

	if (name)
		prov_log_error("PKCS#11 %s: %s", call, name);
	else
		prov_log_error("PKCS#11 %s failed: CKR 0x%08lx", call, (unsigned long)rv);
	return rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED ? MAYDAY_E_PERM : MAYDAY_E_KEY;
}

/* CK_TOKEN_INFO's text fields are blank-padded, not NUL-terminated. */
static bool field_matches(const CK_UTF8CHAR *field, size_t cap, const char *want)
{
	size_t n = strlen(want);

	if (!*want)
		return true;
	if (n > cap || memcmp(field, want, n) != 0)
		return false;
	for (size_t i = n; i < cap; i++)
		if (field[i] != ' ')
			return false;
	return true;
}

/* The module is code run with the signer's rights and the vendor key's PIN:
 * an absolute path (never dlopen's search path), a regular file owned by
 * root or by us and writable by nobody else, loaded through the descriptor
 * that was checked so a rename in between cannot swap it. */
static enum mayday_err load_module(struct prov_pkcs11 *p, const char *path)
{
	CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
	CK_RV rv;
	char fdpath[64];
	struct stat st;
	int fd;

	if (path[0] != '/') {
		prov_log_error("PKCS#11 module %s: give an absolute path", path);
		return MAYDAY_E_INVALID;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		prov_log_error("cannot open the PKCS#11 module %s: %s", path, strerror(errno));
		return MAYDAY_E_NOTFOUND;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		prov_log_error("PKCS#11 module %s: not a regular file owned by root (or by this "
			       "user) and writable by no one else: refusing to load it", path);
		close(fd);
		return MAYDAY_E_PERM;
	}
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
	p->lib = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	close(fd);
	if (!p->lib) {
		prov_log_error("cannot load the PKCS#11 module %s: %s", path, dlerror());
		return MAYDAY_E_NOTFOUND;
	}
	*(void **)&get_list = dlsym(p->lib, "C_GetFunctionList");
	if (!get_list || get_list(&p->fn) != CKR_OK || !p->fn) {
		prov_log_error("%s is not a PKCS#11 module (no C_GetFunctionList)", path);
		return MAYDAY_E_INVALID;
	}
	rv = p->fn->C_Initialize(NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return ck_fail("C_Initialize", rv);
	p->initialized = rv == CKR_OK;
	return MAYDAY_OK;
}

/* The one slot whose token matches the URI. */
static enum mayday_err find_slot(struct prov_pkcs11 *p, const struct prov_p11uri *u,
				 CK_SLOT_ID *out, CK_TOKEN_INFO *info_out)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_RV rv = p->fn->C_GetSlotList(CK_TRUE, slots, &n);
	unsigned found = 0;

	if (rv != CKR_OK)
		return ck_fail("C_GetSlotList", rv);
	if (n > 64)   /* a module must not report more than it wrote; do not trust it */
		n = 64;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO info;
		if (u->has_slot_id && slots[i] != u->slot_id)
			continue;
		if (p->fn->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		if (!field_matches(info.label, sizeof info.label, u->token) ||
		    !field_matches(info.manufacturerID, sizeof info.manufacturerID, u->manufacturer) ||
		    !field_matches(info.serialNumber, sizeof info.serialNumber, u->serial) ||
		    !field_matches(info.model, sizeof info.model, u->model))
			continue;
		if (found++ == 0) {
			*out = slots[i];
			*info_out = info;
		}
	}
	if (found == 1)
		return MAYDAY_OK;
	if (found)
		prov_log_error("%u PKCS#11 tokens match %s: name one (token=, serial=)", found,
			       p->what);
	else
		prov_log_error("no PKCS#11 token matches %s", p->what);
	return MAYDAY_E_NOTFOUND;
}

/* The path a pin-source names: a plain path, or a file: URI whose host is
 * empty or "localhost" (file:///p, file:/p); NULL for any other host, which
 * is not this machine's file. */
static const char *pin_path(const char *source)
{
	if (strncmp(source, "file:", 5) != 0)
		return source;
	source += 5;
	if (strncmp(source, "//", 2) != 0)
		return source;
	source += 2;
	if (strncmp(source, "localhost/", 10) == 0)
		return source + 9;
	return source[0] == '/' ? source : NULL;
}

/* First line of the pin-source file, at most cap - 1 bytes. Read with
 * read(2) into a buffer wiped here (no stdio copy left behind); only a
 * regular file (a FIFO or a device could block or never end); an empty PIN
 * is refused before it can spend one of the token's login attempts. */
static enum mayday_err read_pin(const char *source, char *pin, size_t cap)
{
	char buf[PROV_P11URI_PIN_MAX + 3];
	const char *path = pin_path(source);
	size_t len = 0, n = 0, want = cap + 1 < sizeof buf ? cap + 1 : sizeof buf;
	enum mayday_err rc = MAYDAY_OK;
	struct stat st;
	int fd;

	if (!path) {
		prov_log_error("pin-source %s: a file: URI must name this machine (no host)",
			       source);
		return MAYDAY_E_INVALID;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		prov_log_error("pin-source %s: %s", path, strerror(errno));
		return errno == ENOENT ? MAYDAY_E_NOTFOUND : MAYDAY_E_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		prov_log_error("pin-source %s: not a regular file", path);
		close(fd);
		return MAYDAY_E_INVALID;
	}
	while (len < want) {
		ssize_t got = read(fd, buf + len, want - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			prov_log_error("pin-source %s: %s", path, strerror(errno));
			rc = MAYDAY_E_IO;
		}
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	while (rc == MAYDAY_OK && n < len && buf[n] != '\n' && buf[n] != '\r' && buf[n] != '\0')
		n++;
	if (rc == MAYDAY_OK && n >= cap) {
		prov_log_error("pin-source %s: the PIN is longer than %zu bytes", path, cap - 1);
		rc = MAYDAY_E_TOOBIG;
	} else if (rc == MAYDAY_OK && n == 0) {
		prov_log_error("pin-source %s: the PIN is empty", path);
		rc = MAYDAY_E_INVALID;
	} else if (rc == MAYDAY_OK) {
		memcpy(pin, buf, n);
		pin[n] = '\0';
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return rc;
}

static enum mayday_err login(struct prov_pkcs11 *p, struct prov_p11uri *u,
			     const CK_TOKEN_INFO *info)
{
	CK_RV rv;
	enum mayday_err rc = MAYDAY_OK;

	if (u->pin_source[0])
		rc = read_pin(u->pin_source, u->pin, sizeof u->pin);
	else if (!u->has_pin && (info->flags & CKF_LOGIN_REQUIRED)) {
		prov_log_error("the token of %s needs a PIN: pin-value= or pin-source= in the URI",
			       p->what);
		return MAYDAY_E_PERM;
	} else if (!u->has_pin)
		return MAYDAY_OK;
	if (rc != MAYDAY_OK)
		return rc;
	rv = p->fn->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)u->pin, strlen(u->pin));
	OPENSSL_cleanse(u->pin, sizeof u->pin);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return ck_fail("C_Login", rv);
	p->logged_in = rv == CKR_OK;
	return MAYDAY_OK;
}

/* The objects of class `cls` matching label and/or id; *n of them (0..2). */
static enum mayday_err find(struct prov_pkcs11 *p, CK_OBJECT_CLASS cls, const char *label,
			    const uint8_t *id, size_t id_len, CK_OBJECT_HANDLE out[2],
			    CK_ULONG *n)
{
	CK_KEY_TYPE type = CKK_EC;
	CK_ATTRIBUTE t[4] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_KEY_TYPE, &type, sizeof type },
	};
	CK_ULONG nt = 2;
	CK_RV rv;

	if (label && *label)
		t[nt++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	if (id_len)
		t[nt++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	rv = p->fn->C_FindObjectsInit(p->session, t, nt);
	if (rv != CKR_OK)
		return ck_fail("C_FindObjectsInit", rv);
	rv = p->fn->C_FindObjects(p->session, out, 2, n);
	p->fn->C_FindObjectsFinal(p->session);
	return rv == CKR_OK ? MAYDAY_OK : ck_fail("C_FindObjects", rv);
}

static enum mayday_err public_key(struct prov_pkcs11 *p, CK_OBJECT_HANDLE obj)
{
	static const uint8_t p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					    0x3d, 0x03, 0x01, 0x07 };
	static char group[] = "prime256v1";
	uint8_t params[32], point[80];
	CK_ATTRIBUTE t[2] = { { CKA_EC_PARAMS, params, sizeof params },
			      { CKA_EC_POINT, point, sizeof point } };
	const uint8_t *q = point;
	CK_RV rv = p->fn->C_GetAttributeValue(p->session, obj, t, 2);
	EVP_PKEY_CTX *ctx = NULL;
	enum mayday_err rc = MAYDAY_E_KEY;

	if (rv != CKR_OK)
		return ck_fail("C_GetAttributeValue(CKA_EC_POINT)", rv);
	if (t[0].ulValueLen != sizeof p256_oid || memcmp(params, p256_oid, sizeof p256_oid)) {
		prov_log_error("%s is not a P-256 key", p->what);
		return MAYDAY_E_KEY;
	}
	/* CKA_EC_POINT is DER (an OCTET STRING around the point) by the
	 * standard; some modules give the bare point. */
	if (t[1].ulValueLen == P256_POINT_LEN + 2 && point[0] == 0x04 &&
	    point[1] == P256_POINT_LEN)
		q = point + 2;
	else if (t[1].ulValueLen != P256_POINT_LEN)
		q = NULL;
	if (!q || q[0] != 0x04) {
		prov_log_error("%s: cannot read its public point", p->what);
		return MAYDAY_E_KEY;
	}
	OSSL_PARAM op[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)q, P256_POINT_LEN),
		OSSL_PARAM_END,
	};
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &p->pub, EVP_PKEY_PUBLIC_KEY, op) == 1)
		rc = MAYDAY_OK;
	else
		prov_log_error("%s: its public point is not on P-256", p->what);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static enum mayday_err find_key(struct prov_pkcs11 *p, const struct prov_p11uri *u)
{
	CK_OBJECT_HANDLE h[2], pubh[2];
	CK_ULONG n = 0;
	uint8_t id[PROV_P11URI_ID_MAX];
	CK_ATTRIBUTE ida = { CKA_ID, id, sizeof id };
	enum mayday_err rc = find(p, CKO_PRIVATE_KEY, u->object, u->id, u->id_len, h, &n);

	if (rc != MAYDAY_OK)
		return rc;
	if (n != 1) {
		prov_log_error(n ? "more than one EC private key matches %s: name one (object=, id=)"
				 : "no EC private key matches %s (wrong object=/id=, or not logged in?)",
			       p->what);
		return MAYDAY_E_NOTFOUND;
	}
	p->key = h[0];
	/* A key that wants C_Login(CKU_CONTEXT_SPECIFIC) before each signature is
	 * not supported: say so now rather than fail at the first C_Sign. */
	CK_BBOOL always = CK_FALSE;
	CK_ATTRIBUTE aa = { CKA_ALWAYS_AUTHENTICATE, &always, sizeof always };
	if (p->fn->C_GetAttributeValue(p->session, p->key, &aa, 1) == CKR_OK && always == CK_TRUE) {
		prov_log_error("%s: CKA_ALWAYS_AUTHENTICATE is set (a PIN per signature): not "
			       "supported", p->what);
		return MAYDAY_E_KEY;
	}
	/* Its public half: the public object with the same CKA_ID (or label). */
	if (p->fn->C_GetAttributeValue(p->session, p->key, &ida, 1) != CKR_OK ||
	    ida.ulValueLen > sizeof id)
		ida.ulValueLen = 0;
	rc = find(p, CKO_PUBLIC_KEY, ida.ulValueLen ? NULL : u->object, id, ida.ulValueLen, pubh,
		  &n);
	if (rc == MAYDAY_OK && n != 1) {
		prov_log_error("%s: %s public key object with the private key's CKA_ID", p->what,
			       n ? "more than one" : "no");
		rc = MAYDAY_E_NOTFOUND;
	}
	return rc == MAYDAY_OK ? public_key(p, pubh[0]) : rc;
}

static enum mayday_err check_pair(struct prov_pkcs11 *p);

enum mayday_err prov_pkcs11_open(struct prov_pkcs11 **out, const char *uri, const char *module)
{
	struct prov_p11uri *u = calloc(1, sizeof *u);
	struct prov_pkcs11 *p = calloc(1, sizeof *p);
	CK_SLOT_ID slot = 0;
	CK_TOKEN_INFO info = { 0 };
	const char *why = NULL;
	size_t at = 0;
	enum mayday_err rc = u && p ? MAYDAY_OK : MAYDAY_E_NOMEM;
	CK_RV rv;

	*out = p;
	if (rc == MAYDAY_OK && (rc = prov_p11uri_parse(uri, u, &why, &at)) != MAYDAY_OK)
		prov_log_error("--key: not a usable PKCS#11 URI: %s (at byte %zu)", why, at);
	if (rc != MAYDAY_OK)
		goto out;
	snprintf(p->what, sizeof p->what, "token \"%s\" object \"%s\"%s", u->token, u->object,
		 u->has_id ? " (id given)" : "");
	/* --pkcs11-module is the operator's choice; a URI (perhaps pasted from
	 * elsewhere) naming another module is refused, not obeyed. */
	if (module && u->module_path[0] && strcmp(module, u->module_path) != 0) {
		prov_log_error("--key: the URI's module-path %s is not --pkcs11-module %s",
			       u->module_path, module);
		rc = MAYDAY_E_INVALID;
		goto out;
	}
	if (!module && u->module_path[0])
		module = u->module_path;
	if (!module) {
		prov_log_error("--key %s: no PKCS#11 module (module-path= in the URI, or "
			       "--pkcs11-module)", "pkcs11:...");
		rc = MAYDAY_E_INVALID;
		goto out;
	}
	if ((rc = load_module(p, module)) != MAYDAY_OK ||
	    (rc = find_slot(p, u, &slot, &info)) != MAYDAY_OK)
		goto out;
	rv = p->fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &p->session);
	if (rv != CKR_OK) {
		rc = ck_fail("C_OpenSession", rv);
		goto out;
	}
	p->have_session = true;
	if ((rc = login(p, u, &info)) == MAYDAY_OK)
		rc = find_key(p, u);
	if (rc == MAYDAY_OK)
		rc = check_pair(p);
out:
	prov_p11uri_wipe(u);
	free(u);
	return rc;
}

/* COSE's r||s back to DER, to check it with OpenSSL. */
static bool verifies(EVP_PKEY *pub, const uint8_t digest[32], const uint8_t sig[64])
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;
	int der_len = -1;
	EVP_PKEY_CTX *ctx = NULL;
	bool ok = false;

	if (s && r && ss && ECDSA_SIG_set0(s, r, ss) == 1) {
		r = ss = NULL; /* owned by s now */
		der_len = i2d_ECDSA_SIG(s, &der);
	}
	ctx = der_len > 0 ? EVP_PKEY_CTX_new(pub, NULL) : NULL;
	ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
	     EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, 32) == 1;
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(ss);
	ECDSA_SIG_free(s);
	return ok;
}

static enum mayday_err sign(void *ctx, const uint8_t *tbs, size_t tbs_len,
			    uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	struct prov_pkcs11 *p = ctx;
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	uint8_t digest[32];
	/* Room for any signature a token could return, so C_Sign never ends in
	 * CKR_BUFFER_TOO_SMALL, which would leave the operation active. */
	uint8_t out[512];
	unsigned int dlen = 0;
	CK_ULONG len = sizeof out;
	CK_RV rv;

	if (EVP_Digest(tbs, tbs_len, digest, &dlen, EVP_sha256(), NULL) != 1)
		return MAYDAY_E_INTERNAL;
	rv = p->fn->C_SignInit(p->session, &mech, p->key);
	if (rv != CKR_OK)
		return ck_fail("C_SignInit", rv);
	rv = p->fn->C_Sign(p->session, digest, sizeof digest, out, &len);
	if (rv != CKR_OK)
		return ck_fail("C_Sign", rv);
	if (len != MAYDAY_ES256_SIG_LEN) {
		prov_log_error("%s: the token's signature is %lu bytes, not 64 (r||s)", p->what,
			       (unsigned long)len);
		return MAYDAY_E_KEY;
	}
	memcpy(sig, out, MAYDAY_ES256_SIG_LEN);
	if (!p->checked) {
		if (!verifies(p->pub, digest, sig)) {
			prov_log_error("%s: its signature does not verify with its public key "
				       "object: the token's key pair does not match", p->what);
			return MAYDAY_E_SIGNATURE;
		}
		p->checked = true;
	}
	return MAYDAY_OK;
}

/* Before anything is written with this key: one signature over a fixed
 * digest, checked with the public object (sign() does on its first call), so
 * a token whose public object belongs to another key pair fails here, not
 * after a device has been half written. */
static enum mayday_err check_pair(struct prov_pkcs11 *p)
{
	static const uint8_t probe[] = "mayday-provision: does the token's key pair match?";
	uint8_t sig[MAYDAY_ES256_SIG_LEN];

	return sign(p, probe, sizeof probe - 1, sig);
}

enum mayday_err prov_pkcs11_signer(struct prov_pkcs11 *p, struct mayday_signer *signer,
				   EVP_PKEY **pub)
{
	memset(signer, 0, sizeof *signer);
	signer->sign = sign;
	signer->ctx = p;
	if (EVP_PKEY_up_ref(p->pub) != 1)
		return MAYDAY_E_INTERNAL;
	*pub = p->pub;
	return MAYDAY_OK;
}

void prov_pkcs11_close(struct prov_pkcs11 *p)
{
	if (!p)
		return;
	if (p->logged_in)
		p->fn->C_Logout(p->session);
	if (p->have_session)
		p->fn->C_CloseSession(p->session);
	if (p->initialized)
		p->fn->C_Finalize(NULL);
	if (p->lib)
		dlclose(p->lib);
	EVP_PKEY_free(p->pub);
	free(p);
}
