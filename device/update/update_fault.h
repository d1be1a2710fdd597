/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outcomes of an installation and the TR-069 fault codes they are reported
 * with (TR-069 Amendment 6, A.5.1: Download/TransferComplete faults). The
 * CWMP session reports update_fault_code() in TransferComplete's FaultCode
 * and update_status_name() (plus the detail) in its FaultString.
 *
 *   status                   code  TR-069 meaning / why this code
 *   UPDATE_OK                0     no fault
 *   UPDATE_E_STREAM          9010  download failure: the stream failed (I/O,
 *                                  connection lost) before the bundle ended;
 *                                  a download tells 9012/9013/9015-9017
 *                                  apart (update_result.transfer_fault)
 *   UPDATE_E_CORRUPTED       9018  file corrupted: bad header or manifest
 *                                  encoding, payload shorter or longer than
 *                                  announced, digest mismatch
 *   UPDATE_E_AUTH            9019  file authentication failure: the manifest
 *                                  signature does not verify with the vendor
 *                                  anchor
 *   UPDATE_E_ROLLBACK        9019  authentic, but its anti-rollback value is
 *                                  below the RoT counter: the signature has
 *                                  been revoked for this device, which is an
 *                                  authentication failure, not corruption
 *   UPDATE_E_PRODUCT_CLASS   9018  authentic, but an image of another product
 *                                  class: not a usable file for this device
 *   UPDATE_E_TOO_BIG         9010  the image exceeds the device's maximum image
 *                                  size: the download cannot be done (TR-069
 *                                  has no "insufficient space" code in
 *                                  9010-9020; the FaultString says which)
 *   UPDATE_E_INTERNAL        9002  internal error (HAL, RoT, memory)
 *   UPDATE_E_POWER           9002  the device lost power (simulation); never
 *                                  reported over the wire, since a device
 *                                  without power reports nothing
 *   UPDATE_E_DENIED          9001  request denied: the device's state forbids
 *                                  an install (boot state unreadable)
 */
#ifndef MAYDAY_UPDATE_FAULT_H
#define MAYDAY_UPDATE_FAULT_H

enum update_status {
	UPDATE_OK = 0,
	UPDATE_E_STREAM,
	UPDATE_E_CORRUPTED,
	UPDATE_E_AUTH,
	UPDATE_E_ROLLBACK,
	UPDATE_E_PRODUCT_CLASS,
	UPDATE_E_TOO_BIG,
	UPDATE_E_INTERNAL,
	UPDATE_E_POWER,
	UPDATE_E_DENIED,
	UPDATE_E__COUNT
};

/* TR-069 FaultCode (0 for UPDATE_OK; 9002 for anything unknown). */
unsigned update_fault_code(enum update_status st);
/* Short static name ("file-corrupted", ...); never NULL. */
const char *update_status_name(enum update_status st);

#endif
