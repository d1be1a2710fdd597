/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TrE's half of the credential split (docs/rot.md, "Device
 * credentials"): the RoT's measurement register records how the start-up
 * ended, and only a verified one unseals normal code's device credentials
 * and hands them to it as an inherited descriptor.
 *
 * The descriptor is a memfd (MFD_ALLOW_SEALING, not close-on-exec, so the
 * fexecve'd program inherits it) holding the PEM bundle of
 * hal_rot_unseal_creds, sealed against every change (F_SEAL_WRITE, GROW,
 * SHRINK, SEAL) before it is handed over; its number is passed on the
 * command line (--creds-fd N). Nothing of it is ever written to flash.
 */
#ifndef MAYDAY_BOOT_CREDS_H
#define MAYDAY_BOOT_CREDS_H

#include <stdbool.h>
#include <openssl/evp.h>

#include "boot_decide.h"
#include "rot.h"

/* Extends the register with the decision's outcome: hal_rot_event_verified
 * (vendor anchor `vendor`, borrowed) for START_NORMAL, else
 * hal_rot_event_failed with the evidence's reason (0 for a halt). Called
 * once per start-up, by boot_decide_measure; `vendor` may be NULL unless d
 * is START_NORMAL. */
MAYDAY_NODISCARD enum mayday_err boot_creds_measure(struct hal_rot *rot, EVP_PKEY *vendor,
						    const struct boot_decision *d);

/* *fd = -1, and nothing unsealed, unless d is START_NORMAL; then the device
 * credentials are unsealed into a sealed memfd, *fd (the caller's: it
 * passes it to normal code and closes it if normal code cannot be
 * started). Whatever happens, the register is then extended with
 * hal_rot_event_released, so this handle can never unseal them again.
 * Errors: hal_rot_unseal_creds's (MAYDAY_E_NOTFOUND: the device has no
 * device credentials), MAYDAY_E_IO for the memfd; *fd is -1 then.
 * *capped says whether the register no longer holds the verified value
 * (true unless d is START_NORMAL and the released extend failed): when
 * false, the caller must not start normal code at all, because with a
 * TPM the PCR outlives this handle and normal code could unseal itself. */
MAYDAY_NODISCARD enum mayday_err boot_creds_handoff(struct hal_rot *rot,
						    const struct boot_decision *d, int *fd,
						    bool *capped);

#endif
