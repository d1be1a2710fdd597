/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `device --rot-agent PATH`: mayday-rot-agent, the program through which a
 * static mayday-boot and mayday-dcf reach a RoT backend they cannot link
 * (the tpm2 backend's tss2 libraries: device/hal/rot_agent.h), copied with
 * its dynamic loader (HAL_ROT_AGENT_LOADER) and every shared library the
 * loader says it loads (prov_elf.h), by soname, into two places:
 *   dcf/   the DCF partition, each file listed and measured in the DCF
 *          manifest: the DCF starts this copy, so a changed agent or
 *          library fails secure start-up like any file of the partition;
 *   tre/   the TrE's own directory beside the partitions: mayday-boot needs
 *          the RoT (the vendor anchor is in it) before it has verified
 *          anything, so it cannot use the partition's copy; tre/ stands for
 *          the TrE's read-only storage on a device, as trusted as
 *          mayday-boot itself and not measured by it (docs/rot.md, "The
 *          RoT agent").
 */
#ifndef MAYDAY_PROV_ROTAGENT_H
#define MAYDAY_PROV_ROTAGENT_H

#include "mayday/manifest.h"

struct hal_flash;

#define PROV_ROTAGENT_TRE_DIR "tre" /* in the device directory */

/* 1 if `agent` is a 64-bit ELF program with an interpreter (logged if not). */
int prov_rotagent_check(const char *agent);

/* Into the DCF partition, one designated TRV per file appended to m (a
 * file the partition holds already, the same soname, is shared); and into
 * DEVICE/tre/. 1 on success; 0 with the reason logged. */
int prov_rotagent_write(struct hal_flash *f, const char *device_dir, const char *agent,
			struct mayday_manifest *m);

#endif
