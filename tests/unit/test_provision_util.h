/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the mayday-provision tests: running the tool, temporary
 * directories, and checking a device with libmayday and plain hashing. */
#ifndef MAYDAY_TEST_PROVISION_UTIL_H
#define MAYDAY_TEST_PROVISION_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/manifest.h"

#define TP_DEVICE_ID "femto-prov-1"
#define TP_CLASS     "femto-a"
#define TP_PATH_MAX  512

struct tp_world {
	char root[TP_PATH_MAX];    /* temporary; removed by tp_world_free */
	char pki[TP_PATH_MAX];     /* root/pki */
	char dev[TP_PATH_MAX];     /* root/dev */
	char normal[TP_PATH_MAX];  /* root/normal.bin, the "normal entry program" */
	EVP_PKEY *vendor_pub;      /* loaded once the PKI exists */
};

/* Run mayday-provision with the NULL-terminated arguments; its exit status
 * (or -1 if it did not exit normally). Its stdout is discarded. */
int tp_provision(const char *arg, ...) __attribute__((sentinel));
/* The same, its stdout written to the file `out` (created or truncated). */
int tp_provision_to(const char *out, const char *arg, ...) __attribute__((sentinel));

/* A fresh world; with_pki runs `init`, with_device also `device` (3 components
 * of 5000 bytes, image version 2.1.0, rollback 3, udp:127.0.0.1:7701). */
void tp_world_init(struct tp_world *w, int with_pki, int with_device);
void tp_world_free(struct tp_world *w);

/* dir/part/name into out (asserts it fits). */
void tp_path(char *out, const char *dir, const char *part, const char *name);
/* Whole file, malloc'd (caller frees); NULL if absent. */
uint8_t *tp_read(const char *path, size_t *len);
/* SHA-256 and size of a file (asserts it exists). */
void tp_digest(const char *path, uint8_t digest[MAYDAY_DIGEST_LEN], uint64_t *size);

/* Read DEV/part/manifest.cose and verify it with `vendor_pub`. */
enum mayday_err tp_manifest(const char *dev, const char *part, EVP_PKEY *vendor_pub,
			    struct mayday_manifest *m);
/* 1 if DEV/part/<trv name> has exactly the TRV's size and digest. */
int tp_trv_matches(const char *dev, const char *part, const struct mayday_trv *t);

#endif
