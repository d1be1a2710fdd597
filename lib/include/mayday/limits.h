/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Limits that cross a boundary (wire, flash). Every decoder enforces them;
 * docs/protocol.md states them. Changing one is a protocol change.
 */
#ifndef MAYDAY_LIMITS_H
#define MAYDAY_LIMITS_H

#define MAYDAY_PROTOCOL_VERSION 1

#define MAYDAY_DEVICE_ID_MAX   64   /* bytes of UTF-8, no NUL on the wire */
#define MAYDAY_NAME_MAX        64   /* component name */
#define MAYDAY_VERSION_STR_MAX 32   /* image / DCF version strings */
#define MAYDAY_CLASS_MAX       32   /* product class */
#define MAYDAY_URL_MAX         255
#define MAYDAY_KID_MAX         64   /* = MAYDAY_DEVICE_ID_MAX: an indication's kid is its device ID */
#define MAYDAY_MAX_COMPONENTS  32   /* per image manifest, and failed components per indication */
/* Files one manifest may list. A DCF partition that carries its IKE daemon
 * (docs/ipsec.md: charon, its libraries, plugins and credentials) needs more
 * than an image's components; an image manifest stays within
 * MAYDAY_MAX_COMPONENTS (mayday-provision), so its failures always fit an
 * indication. */
#define MAYDAY_MANIFEST_FILES_MAX 64
#define MAYDAY_DIGEST_LEN      32   /* SHA-256 */
#define MAYDAY_ES256_SIG_LEN   64   /* r || s, big-endian, 32 bytes each (RFC 9053) */

#define MAYDAY_INDICATION_MAX  8192 /* encoded COSE_Sign1 indication, bytes (the largest valid one: 5669, version 2: 5759) */
#define MAYDAY_ACK_MAX         1024 /* encoded acknowledgement, either form (single: the largest
				       * valid one is 501; batch form: 892), bytes */
/* Batch acknowledgements (docs/protocol.md §7.2): leaves under one signed
 * root, and the longest audit path such a tree has (ceil(log2(1024))). */
#define MAYDAY_ACK_BATCH_LEAVES_MAX 1024
#define MAYDAY_ACK_BATCH_PATH_MAX   10
#define MAYDAY_BUILD_COMMIT_MAX    80  /* a manifest's build commit (mayday/build_record.h) */
#define MAYDAY_BUILD_TOOLCHAIN_MAX 128 /* a manifest's build toolchain */
#define MAYDAY_MANIFEST_MAX    8192 /* encoded COSE_Sign1 manifest, bytes (the largest valid one: 7805) */
#define MAYDAY_PSK_DATAGRAM_MAX (MAYDAY_INDICATION_MAX + 64) /* COSE_Encrypt0 datagram, either direction (mayday/psk.h) */
#define MAYDAY_EVIDENCE_MAX    8192 /* encoded evidence (TrE -> DCF), bytes (the largest valid one: 5364) */

#endif
