/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image directory: what a vendor's build system produces for one normal
 * code image, and what `mayday-provision bundle --image DIR` signs.
 *
 *   DIR/image.ini      which files make the image, in bundle order:
 *                        [image]
 *                        entry     = mayday-normal  ; executed by mayday-boot; must be a
 *                                                     ; designated component
 *                        component = mayday-normal  ; designated: a mismatch fails start-up
 *                        component = rootfs.img
 *                        optional  = notes.txt      ; measured, not designated
 *   DIR/<name>         each listed component, a regular file (never a symlink)
 *
 * Product class, image version and anti-rollback value are the bundle
 * command's options, not the directory's: one build can be signed for
 * several classes. Files in DIR that image.ini does not list are ignored.
 * No component may be named manifest.cose or start with .tmp- (reserved on
 * the device: mayday_image_manifest_check). Lines are shorter than 199
 * bytes and never indented (no continuation lines).
 */
#ifndef MAYDAY_PROV_IMAGE_H
#define MAYDAY_PROV_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/manifest.h"

#define PROV_IMAGE_INI     "image.ini"
#define PROV_IMAGE_INI_MAX (16 * 1024)  /* bytes of image.ini read, at most */
#define PROV_IMAGE_LINE_MAX 199         /* a line this long or longer is refused (inih's
					 * buffer is 200 bytes and splits longer lines) */

/* Reads DIR/image.ini into m->entry and m->trv[] (names and designation),
 * then hashes each component into its TRV's size and digest. m->kind is set
 * to MAYDAY_MANIFEST_IMAGE; class, version and rollback are left alone.
 * At most MAYDAY_MAX_COMPONENTS components. Reports each failure once
 * (file, line, what) and returns MAYDAY_E_INVALID for a bad image.ini. */
MAYDAY_NODISCARD enum mayday_err prov_image_load(const char *dir, struct mayday_manifest *m);

/* Opens DIR/NAME for reading (O_NOFOLLOW, a regular file only); returns the
 * descriptor (caller closes) or -1 with the reason logged. *size: its size. */
int prov_image_open(const char *dir, const char *name, uint64_t *size);

#endif
