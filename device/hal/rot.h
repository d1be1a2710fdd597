/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root of Trust HAL: secure storage for the device ID, the distress signing
 * key, the PSK of the PSK distress method, the trust anchors, the
 * monotonic counters, and normal code's device credentials, sealed (see
 * "Roles" and "Measurement register" below; docs/rot.md).
 *
 * The signing key never leaves the RoT: callers get a mayday_signer whose
 * callback signs inside the backend (a TPM backend signs in the TPM).
 * Neither does the PSK: callers get the keys derived from it
 * (hal_rot_psk_keys).
 * Counters never go backwards through this interface and survive power
 * cuts: the new value is durable before any call that advanced it returns.
 * What stops storage-level rollback is the backend's: the file backend
 * relies on the partition's protection; the tpm2 backend on NV counters
 * plus the TPM's owner authorization (without it the counter bases could
 * be redefined: docs/rot.md "Owner and lockout authorization").
 *
 * Backends by name (the spec is "NAME" or "NAME:ARG"):
 *   "file"       embedded default; the HAL_PART_ROT partition of the flash
 *                HAL, so flash fault injection applies to it too. No ARG.
 *   "tpm2:TCTI"  a TPM 2.0 through the ESAPI (rot_tpm2*.c; docs/rot.md
 *                "TPM 2.0 backend"): TCTI "device:/dev/tpmrm0" (the
 *                kernel's resource manager, on a device),
 *                "swtpm:path=SOCK" or "swtpm:host=127.0.0.1,port=P"
 *                (swtpm, tests). Only in programs that link the tss2
 *                shared libraries (mayday_hal_tpm2); elsewhere, i.e. in the
 *                static mayday-boot and mayday-dcf, open says
 *                MAYDAY_E_UNSUPPORTED. A TPM that does not answer is
 *                MAYDAY_E_IO, logged with the TCTI.
 *
 * Roles (hal_rot_open_role). The distress key is the DCF's; the device
 * credentials (normal code's TLS key and certificate) are normal code's,
 * and released only in a start-up that verified (TR 33.820 §7.12: device
 * authentication "if and only if" the designated components verify):
 *   HAL_ROT_ROLE_TRE     mayday-boot: everything the DCF role has, plus the
 *                        measurement register and the sealed device
 *                        credentials (hal_rot_extend, hal_rot_unseal_creds)
 *   HAL_ROT_ROLE_DCF     the DCF (and hal_rot_open): distress key, PSK,
 *                        anchors, counters; the sealed credentials and the
 *                        seal secret are never loaded
 *   HAL_ROT_ROLE_NORMAL  normal code: device ID, anchors, counters, and
 *                        the device credentials' key where the backend
 *                        holds it (hal_rot_creds_tls_key, this role only);
 *                        the distress key and the PSK are never loaded, and
 *                        hal_rot_signer, hal_rot_tls_key, hal_rot_psk_keys,
 *                        hal_rot_distress_public and hal_rot_self_test say
 *                        MAYDAY_E_DENIED. Normal code gets its credentials
 *                        (certificates, and the private key unless the RoT
 *                        holds it) from the TrE (an inherited descriptor).
 * A call the role does not have fails with MAYDAY_E_DENIED before the
 * backend is asked. The backend gets the role at open too, so it loads
 * only what the role may use (the file backend) or opens only objects the
 * role may use (a TPM backend: docs/rot.md; the tpm2 backend opens the
 * device credentials' key only at the normal role's first
 * hal_rot_creds_tls_key, so its absence or damage fails that call, not
 * the open). On the tpm2 backend the
 * TPM itself also refuses, whoever asks, the distress key outside the
 * TrE's and the DCF's measurement-register states, the PSK keys and the
 * message counter's increment outside the DCF's, the anti-rollback
 * counter's increment outside normal code's, and the device
 * credentials' key (hal_rot_creds_tls_key) outside normal code's: such a
 * call fails with MAYDAY_E_DENIED from the backend (docs/rot.md "What the
 * TPM enforces").
 *
 * Measurement register (HAL_ROT_REG_LEN bytes, a PCR's model): all zeros
 * when the TrE's handle opens, changed only by extending,
 * reg = SHA-256(reg || event). A verified start-up extends exactly one
 * hal_rot_event_verified (bound to the vendor anchor: what makes a
 * start-up verified is that the vendor key's manifests and TRVs passed --
 * not an image digest, which remediation changes); a failed one extends
 * hal_rot_event_failed. The device credentials are sealed to the one value
 * a verified start-up produces (hal_rot_policy_verified), so they unseal
 * only then, and once a failure (or hal_rot_event_released, which the TrE
 * extends right after unsealing) is in the register, nothing can bring it
 * back to that value.
 */
#ifndef MAYDAY_HAL_ROT_H
#define MAYDAY_HAL_ROT_H

#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/cose.h"
#include "mayday/error.h"
#include "mayday/limits.h"
#include "mayday/psk.h"
#include "flash.h"

enum hal_rot_counter {
	HAL_ROT_COUNTER_MESSAGE  = 0, /* distress message counter (COSE partial IV, replay defence) */
	HAL_ROT_COUNTER_ROLLBACK = 1, /* anti-rollback: lowest acceptable manifest rollback value */
	HAL_ROT_COUNTER__COUNT
};

enum hal_rot_anchor {
	HAL_ROT_ANCHOR_VENDOR = 0, /* vendor image/DCF signing public key */
	HAL_ROT_ANCHOR_HEMS   = 1, /* H(e)MS acknowledgement signing public key */
	HAL_ROT_ANCHOR__COUNT
};

enum hal_rot_role {
	HAL_ROT_ROLE_TRE    = 1,
	HAL_ROT_ROLE_DCF    = 2,
	HAL_ROT_ROLE_NORMAL = 3
};

#define HAL_ROT_REG_LEN   32    /* the measurement register: SHA-256 */
#define HAL_ROT_CREDS_MAX 16384 /* the sealed device credentials' plaintext, bytes */

struct hal_rot;

/* `spec`: "file" or "tpm2:TCTI" (above); NULL means the MAYDAY_ROT
 * environment variable, else "file"; an unknown name is MAYDAY_E_INVALID.
 * `flash` is borrowed and must outlive the RoT. Every item is loaded and
 * checked here: MAYDAY_E_NOTFOUND if one is missing, MAYDAY_E_MALFORMED if
 * the device ID, the counters record or the PSK is damaged, MAYDAY_E_KEY if
 * a key is unreadable, not P-256 or fails its check (the distress key: its
 * private and public halves disagree, or it is not the key it was
 * provisioned with), MAYDAY_E_UNSUPPORTED for an unknown counters format. The PSK is the one optional item: a RoT without it opens
 * (hal_rot_psk_keys then says MAYDAY_E_NOTFOUND), one with half of it (a
 * psk_kid without a PSK, or the reverse) or with a PSK or kid of the wrong
 * size does not. A corrupted counters record is never reset: the TrE halts. */
MAYDAY_NODISCARD enum mayday_err hal_rot_open(struct hal_rot **out, const char *spec,
					      struct hal_flash *flash);
/* hal_rot_open in `role` (above); hal_rot_open is HAL_ROT_ROLE_DCF. A role
 * loads only its items, so only their absence or damage fails its open:
 * the DCF role never reads the seal secret or the sealed credentials, the
 * normal role never reads the distress key or the PSK. The TRE role also
 * loads the seal secret when the RoT has one (a RoT provisioned without
 * device credentials opens; hal_rot_unseal_creds then says
 * MAYDAY_E_NOTFOUND); one of the wrong size fails with MAYDAY_E_MALFORMED.
 * MAYDAY_E_INVALID for an unknown role. */
MAYDAY_NODISCARD enum mayday_err hal_rot_open_role(struct hal_rot **out, const char *spec,
						   struct hal_flash *flash,
						   enum hal_rot_role role);
enum hal_rot_role hal_rot_role_of(const struct hal_rot *rot);
void hal_rot_close(struct hal_rot *rot); /* NULL-safe; wipes key material */

/* NUL-terminated; `out` holds MAYDAY_DEVICE_ID_MAX + 1 bytes. */
MAYDAY_NODISCARD enum mayday_err hal_rot_device_id(struct hal_rot *rot,
						   char out[MAYDAY_DEVICE_ID_MAX + 1]);
/* A signer over the distress key; kid = device ID. Valid while rot is open. */
MAYDAY_NODISCARD enum mayday_err hal_rot_signer(struct hal_rot *rot, struct mayday_signer *out);
/* The distress key's public half as provisioned (the key the H(e)MS
 * enrolled). Caller owns *out (EVP_PKEY_free). */
MAYDAY_NODISCARD enum mayday_err hal_rot_distress_public(struct hal_rot *rot, EVP_PKEY **out);
/* Known-answer test of the distress key, whatever the backend: one COSE
 * signature made through hal_rot_signer over a fixed payload must verify
 * with hal_rot_distress_public. MAYDAY_E_KEY if it does not (a device
 * whose indications nobody could verify), other errors as the calls it
 * makes. mayday-boot runs it at every start-up (device/boot/README.md). */
MAYDAY_NODISCARD enum mayday_err hal_rot_self_test(struct hal_rot *rot);
/* Caller owns *out (EVP_PKEY_free). */
MAYDAY_NODISCARD enum mayday_err hal_rot_anchor(struct hal_rot *rot, enum hal_rot_anchor which,
						EVP_PKEY **out);

/* The distress key as an OpenSSL key handle, for the DCF's TLS client (the
 * DCF partition's dcf-cert.pem certifies this key). Caller owns *out
 * (EVP_PKEY_free). This is a handle, not a copy of the key bytes: the file
 * backend hands a reference to the key it already holds in memory (wiped
 * when the last reference is freed); the tpm2 backend, and the remote one
 * (mayday-rot-agent), hand a key that holds only the public half and signs
 * through the TPM or the agent (rot_tls_key.h), so the TLS handshake
 * signature is made inside the TPM and the key never leaves it. The key
 * signs only while the RoT is open. Callers give it only to OpenSSL.
 * MAYDAY_E_UNSUPPORTED from a backend that offers no TLS key (the DCF's tls
 * method then fails that attempt and the DCF tries its next method). */
MAYDAY_NODISCARD enum mayday_err hal_rot_tls_key(struct hal_rot *rot, EVP_PKEY **out);

/* NORMAL role only (else MAYDAY_E_DENIED): the device credentials' key as
 * an OpenSSL key handle, for normal code's CWMP TLS client, when the
 * backend holds that key itself rather than in the sealed bundle (the
 * bundle then carries the certificate chain and no private key). The tpm2
 * backend's key (docs/rot.md) is a TPM signing key whose policy is
 * PolicyPCR on hal_rot_policy_released (normal code's state): each
 * CertificateVerify is one TPM2_Sign in a policy session on the PCR's
 * current value (rot_tls_key.h), which the TPM refuses (MAYDAY_E_DENIED,
 * and the handshake fails) unless this start-up verified and released the
 * credentials. Caller owns *out (EVP_PKEY_free); it signs while the RoT is
 * open. MAYDAY_E_NOTFOUND if the device was provisioned without such a key
 * (its bundle holds the private key) or the key is missing from the TPM,
 * MAYDAY_E_MALFORMED if the TPM's key is not the layout's (both logged);
 * MAYDAY_E_UNSUPPORTED from a backend that never holds one (file, the
 * agent's). */
MAYDAY_NODISCARD enum mayday_err hal_rot_creds_tls_key(struct hal_rot *rot, EVP_PKEY **out);

/* The keys of the PSK distress method (docs/protocol.md §12.2), derived from
 * the device's PSK inside the backend; the PSK itself is never handed out.
 * The caller owns *out and wipes it (mayday_psk_keys_wipe) as soon as it is
 * done; on any error *out is wiped. MAYDAY_E_NOTFOUND if the device was
 * provisioned without a PSK; MAYDAY_E_UNSUPPORTED from a backend without
 * PSK storage.
 * The file backend keeps the PSK in memory while the RoT is open and runs
 * mayday_psk_derive. The tpm2 backend imports, at provisioning, the HKDF
 * pseudorandom key PRK = HKDF-Extract(salt = psk_kid, IKM = psk) as a
 * non-duplicable keyed-hash (HMAC-SHA256) object -- not the PSK itself,
 * since Extract keys its HMAC with the salt -- and run HKDF-Expand inside the
 * TPM: every derived value is at most 32 bytes, i.e. one TPM2_HMAC(PRK,
 * info || 0x01) each. Only the derived keys leave the TPM (AES-GCM runs in
 * software), and they are no use for anything but this method. */
MAYDAY_NODISCARD enum mayday_err hal_rot_psk_keys(struct hal_rot *rot,
						  struct mayday_psk_keys *out);

/* TRE role only (else MAYDAY_E_DENIED): reg = SHA-256(reg || event). */
MAYDAY_NODISCARD enum mayday_err hal_rot_extend(struct hal_rot *rot,
						const uint8_t event[HAL_ROT_REG_LEN]);
/* TRE role only (else MAYDAY_E_DENIED): the device credentials unsealed
 * with the register's current value into out (HAL_ROT_CREDS_MAX bytes are
 * enough): a PEM bundle, the device's private key, its certificate, then
 * the CA certificate(s) that vouch for the ACS; without the private key
 * when the RoT holds it (hal_rot_creds_tls_key). MAYDAY_E_NOTFOUND if the
 * RoT holds none; MAYDAY_E_SIGNATURE if the register does not hold the
 * value they were sealed to (the start-up did not verify, or the
 * credentials were already released) or the blob is damaged. The caller
 * wipes out (OPENSSL_cleanse); on error it is wiped here. */
MAYDAY_NODISCARD enum mayday_err hal_rot_unseal_creds(struct hal_rot *rot, uint8_t *out,
						      size_t cap, size_t *len);

/* The register's events and the policy value (rot_measure.c; pure). The
 * vendor key is borrowed. MAYDAY_E_KEY if it cannot be encoded. */
MAYDAY_NODISCARD enum mayday_err hal_rot_event_verified(EVP_PKEY *vendor,
							uint8_t ev[HAL_ROT_REG_LEN]);
void hal_rot_event_failed(uint32_t reason, uint8_t ev[HAL_ROT_REG_LEN]); /* MAYDAY_REASON_* */
void hal_rot_event_released(uint8_t ev[HAL_ROT_REG_LEN]);
void hal_rot_reg_extend(uint8_t reg[HAL_ROT_REG_LEN], const uint8_t ev[HAL_ROT_REG_LEN]);
/* zeros extended with hal_rot_event_verified(vendor): the value the device
 * credentials are sealed to. */
MAYDAY_NODISCARD enum mayday_err hal_rot_policy_verified(EVP_PKEY *vendor,
							 uint8_t policy[HAL_ROT_REG_LEN]);
/* hal_rot_policy_verified(vendor) extended with hal_rot_event_released:
 * the value normal code runs with (the one computation of it), to which
 * the tpm2 backend binds the device credentials' key
 * (hal_rot_creds_tls_key) and the anti-rollback counter's increments
 * (rot_tpm2_policy.c). */
MAYDAY_NODISCARD enum mayday_err hal_rot_policy_released(EVP_PKEY *vendor,
							 uint8_t policy[HAL_ROT_REG_LEN]);

MAYDAY_NODISCARD enum mayday_err hal_rot_counter_read(struct hal_rot *rot,
						      enum hal_rot_counter which, uint64_t *value);
/* value+1, durably stored before it is returned in *value. Every counter call
 * re-reads the stored record (errors as for hal_rot_open); after a power cut
 * the stored value is the old one or the new one. MAYDAY_E_TOOBIG at UINT64_MAX. */
MAYDAY_NODISCARD enum mayday_err hal_rot_counter_next(struct hal_rot *rot,
						      enum hal_rot_counter which, uint64_t *value);
/* Raise to `to` (no-op if equal); MAYDAY_E_ROLLBACK if `to` is below the
 * current value. The tpm2 backend's counters only increment one by one (NV
 * counters), so it refuses a jump of more than HAL_ROT_TPM2_JUMP_MAX with
 * MAYDAY_E_TOOBIG before incrementing anything, and a power cut during its
 * advance leaves the counter between the old value and `to` (never below
 * the old value): advance again. */
MAYDAY_NODISCARD enum mayday_err hal_rot_counter_advance(struct hal_rot *rot,
							 enum hal_rot_counter which, uint64_t to);

/* The largest step hal_rot_counter_advance takes on the tpm2 backend: each
 * step is one TPM2_NV_Increment and one read (about 1 ms on swtpm, tens of
 * ms and NV wear on a discrete TPM, which may also answer TPM_RC_NV_RATE
 * part way: MAYDAY_E_IO, advance again), so at most seconds; a legitimate
 * rollback value or message counter never jumps this far. The tpm2
 * backend's counters take a single writer: next refuses (MAYDAY_E_RETRY)
 * rather than return a value another process may also get. */
#define HAL_ROT_TPM2_JUMP_MAX 256u

/* Provisioning of the file backend (mayday-provision only): writes the RoT
 * partition with the given identity, key (and its public half, which open
 * checks the key against) and anchors, counters at zero
 * (each item with hal_flash_write_atomic; an existing RoT is overwritten).
 * The device ID doubles as the COSE kid, so it must be 1..MAYDAY_KID_MAX
 * bytes of printable ASCII without spaces (else MAYDAY_E_INVALID); all keys
 * must be P-256 (else MAYDAY_E_KEY). Keys are borrowed. */
MAYDAY_NODISCARD enum mayday_err hal_rot_file_provision(struct hal_flash *flash,
							const char *device_id,
							EVP_PKEY *distress_key,
							EVP_PKEY *vendor_pub, EVP_PKEY *hems_pub);

/* Provisioning of the file backend, after hal_rot_file_provision: stores the
 * device's PSK and its psk_kid (kid_len MAYDAY_PSK_KID_MIN..MAX, else
 * MAYDAY_E_INVALID), each with hal_flash_write_atomic, replacing any PSK the
 * RoT had. The two are separate items: should the process die between them,
 * the RoT holds a kid without a PSK (or, when replacing, a kid and a PSK that
 * do not belong together), which hal_rot_open rejects or the H(e)MS refuses;
 * provision the device again. Borrowed; the caller wipes `psk`. */
MAYDAY_NODISCARD enum mayday_err hal_rot_file_provision_psk(struct hal_flash *flash,
							    const uint8_t psk[MAYDAY_PSK_LEN],
							    const uint8_t *kid, size_t kid_len);

/* Provisioning of the file backend, after hal_rot_file_provision: a fresh
 * random seal secret and the device credentials `plain` (the PEM bundle
 * hal_rot_unseal_creds returns, 1..HAL_ROT_CREDS_MAX bytes) sealed to
 * hal_rot_policy_verified(vendor_pub), each with hal_flash_write_atomic
 * (the secret first: interrupted between the two, the old blob no longer
 * unseals and the device gets no credentials until provisioned again).
 * Borrowed; the caller wipes `plain`. */
MAYDAY_NODISCARD enum mayday_err hal_rot_file_provision_creds(struct hal_flash *flash,
							      EVP_PKEY *vendor_pub,
							      const uint8_t *plain, size_t len);

/* Provisioning of the tpm2 backend (mayday-provision only; the layout is
 * docs/rot.md "TPM 2.0 backend"). */
#define HAL_ROT_TPM2_PCR_DEFAULT 15u
#define HAL_ROT_TPM2_OWNER_AUTH_MIN 16
#define HAL_ROT_TPM2_OWNER_AUTH_MAX 32 /* a SHA-256 digest: the TPM's limit */
struct hal_rot_tpm2_provision_args {
	const char *tcti;       /* the spec's ARG after "tpm2:", e.g. "swtpm:path=SOCK" */
	const char *device_id;  /* rules as hal_rot_file_provision */
	EVP_PKEY *vendor_pub;   /* borrowed; P-256 */
	EVP_PKEY *hems_pub;     /* borrowed; P-256 */
	const uint8_t *psk;     /* optional: MAYDAY_PSK_LEN bytes, or NULL */
	const uint8_t *psk_kid; /* with psk: MAYDAY_PSK_KID_MIN..MAX bytes */
	size_t psk_kid_len;
	const uint8_t *creds;   /* optional: the device credentials (PEM bundle), or NULL */
	size_t creds_len;       /* 1..HAL_ROT_CREDS_MAX with creds */
	/* optional, instead of creds: the device credentials' key is made in
	 * the TPM (docs/rot.md, 0x81000A14) and this is called once with its
	 * public half (borrowed) to return the bundle to seal: the key's
	 * certificate, then the CA certificate(s), no private key; *pem is
	 * malloc'd (1..HAL_ROT_CREDS_MAX bytes), freed here. */
	enum mayday_err (*creds_issue)(void *ctx, EVP_PKEY *creds_pub, uint8_t **pem,
				       size_t *len);
	void *creds_issue_ctx;
	struct hal_flash *flash; /* with creds: device-creds.sealed goes to its HAL_PART_ROT */
	unsigned pcr;           /* the measurement PCR, 8..15; 0 = HAL_ROT_TPM2_PCR_DEFAULT */
	/* The TPM's owner and lockout authorization (HAL_ROT_TPM2_OWNER_AUTH_MIN
	 * ..MAX bytes, random, required): provisioning sets the owner auth to
	 * it, authorizing with it if the TPM already has one set, and the
	 * lockout auth to it if that is empty (one already set is left as it
	 * is: its holder can TPM2_Clear the TPM, after which it does not open) (so
	 * re-provisioning needs the value the first provisioning escrowed; a
	 * TPM owned with another value is MAYDAY_E_DENIED). The caller escrows
	 * it before the call (mayday-provision: PKI/devices/<ID>.tpm-owner-auth)
	 * and wipes it; the running RoT never uses it. */
	const uint8_t *owner_auth;
	size_t owner_auth_len;
	/* optional: an initialised TSS2_TCTI_CONTEXT * to talk through instead
	 * of opening `tcti` (which then only names it in log lines); borrowed.
	 * The tests interpose one that cuts the TPM's power at command N. */
	void *tcti_context;
};
/* Provisions the TPM behind args->tcti (owner hierarchy): sets the owner
 * and lockout authorization to args->owner_auth, removes whatever mayday
 * objects and NV indices it holds, then creates the
 * primary, the distress key (generated inside the TPM; only its public half
 * ever leaves), the PSK's PRK, the device credentials' key (with
 * creds_issue; likewise) and the seal object when given, defines and
 * write-locks the device ID, anchors and layout record, and defines the
 * counters (their bases in the layout record). The layout record is written
 * last: interrupted anywhere before it, the TPM holds no layout record and
 * hal_rot_open says MAYDAY_E_NOTFOUND; provision again. *distress_pub (the
 * caller's, EVP_PKEY_free) is the distress key's public half, for the DCF
 * certificate and the enrolment. MAYDAY_E_INVALID / MAYDAY_E_KEY for bad
 * arguments as hal_rot_file_provision, MAYDAY_E_IO if the TPM does not
 * answer, MAYDAY_E_UNSUPPORTED where the tpm2 backend is not linked.
 * Borrowed; the caller wipes psk and creds. */
MAYDAY_NODISCARD enum mayday_err
hal_rot_tpm2_provision(const struct hal_rot_tpm2_provision_args *args, EVP_PKEY **distress_pub);

#endif
