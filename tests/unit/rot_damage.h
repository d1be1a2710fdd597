/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: damage the file RoT's distress key the way a failing flash
 * cell would, in place (HAL_PART_ROT/distress.key.pem), for the tests of
 * what the RoT (test_rot_file) and secure start-up (test_boot_*) make of
 * it. Every helper asserts (cmocka) instead of returning errors.
 */
#ifndef MAYDAY_TEST_ROT_DAMAGE_H
#define MAYDAY_TEST_ROT_DAMAGE_H

#include "hal/flash.h"

/* Invert bit `bit` of the private scalar as stored: 0 is its least
 * significant bit, 255 its most significant (the scalar is the 32-byte
 * OCTET STRING of the ECPrivateKey, big-endian). Only that bit changes in
 * the DER; the PEM is re-wrapped around it. */
void rot_damage_flip_scalar(struct hal_flash *f, unsigned bit);

/* Re-encode the stored key without its public point (PKCS#8 allows that;
 * OpenSSL then computes the point from the scalar on load), so a pairwise
 * check alone can no longer see a damaged scalar. */
void rot_damage_drop_point(struct hal_flash *f);

#endif
