/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RoT agent into the DCF partition and the TrE's directory
 * (prov_rotagent.h). The plan is prov_elf's, as for the IKE daemon; the
 * loader goes in under the one name both share (ld.so), so with the IPsec
 * method as well the partition holds one loader and one copy of each
 * library.
 */
#include "prov_rotagent.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/flash.h"
#include "mayday/file.h"
#include "hal/rot_agent.h"
#include "prov_elf.h"
#include "prov_flash.h"
#include "prov_fs.h"
#include "prov_log.h"

int prov_rotagent_check(const char *agent)
{
	char loader[PROV_PATH_MAX];

	return prov_elf_interp(agent, loader, sizeof(loader));
}

static int make_plan(const char *agent, struct prov_elf_plan *p)
{
	char loader[PROV_PATH_MAX];

	return prov_elf_interp(agent, loader, sizeof(loader)) &&
	       prov_elf_plan_add(p, HAL_ROT_AGENT_LOADER, loader, 0755) &&
	       prov_elf_plan_add(p, HAL_ROT_AGENT_NAME, agent, 0755) &&
	       prov_elf_add_closure(p, loader, agent);
}

/* Plain files in DEVICE/tre (not a flash partition: nothing on the device
 * writes there but provisioning). */
static int write_tre(const char *device_dir, const struct prov_elf_plan *p, uint64_t *bytes)
{
	char dir[PROV_PATH_MAX], dst[PROV_PATH_MAX];
	enum mayday_err rc = prov_fs_join(dir, sizeof(dir), device_dir, PROV_ROTAGENT_TRE_DIR);

	if (rc == MAYDAY_OK)
		rc = prov_fs_mkdirs(dir, 0700);
	for (unsigned i = 0; rc == MAYDAY_OK && i < p->n; i++) {
		uint8_t *data = NULL;
		size_t len = 0;
		rc = prov_fs_join(dst, sizeof(dst), dir, p->files[i].name);
		if (rc == MAYDAY_OK)
			rc = prov_fs_read_all(p->files[i].src, 512u << 20, &data, &len);
		if (rc == MAYDAY_OK)
			rc = mayday_file_write_durable(dst, data, len, (mode_t)p->files[i].mode);
		free(data);
		*bytes += len;
		if (rc != MAYDAY_OK)
			prov_log_error("cannot copy %s into %s: %s", p->files[i].src, dir,
				       mayday_strerror(rc));
	}
	return rc == MAYDAY_OK;
}

int prov_rotagent_write(struct hal_flash *f, const char *device_dir, const char *agent,
			struct mayday_manifest *m)
{
	struct prov_elf_plan *p = calloc(1, sizeof(*p));
	uint64_t bytes = 0, tre_bytes = 0;
	uint32_t first = m->n_trv;
	int ok = 0;

	if (!p) {
		prov_log_error("out of memory");
		return 0;
	}
	if (!make_plan(agent, p))
		goto out;
	for (unsigned i = 0; i < p->n; i++) {
		if (mayday_manifest_find(m, p->files[i].name))
			continue; /* the IKE daemon's copy, the same soname and loader */
		if (m->n_trv >= MAYDAY_MANIFEST_FILES_MAX) {
			prov_log_error("the DCF partition would hold more than the %d files one "
				       "manifest lists", MAYDAY_MANIFEST_FILES_MAX);
			goto out;
		}
		struct mayday_trv *t = &m->trv[m->n_trv++];
		t->designated = true;
		enum mayday_err rc = prov_flash_copy_in(f, HAL_PART_DCF, p->files[i].name,
							p->files[i].src, p->files[i].mode, t);
		if (rc != MAYDAY_OK) {
			prov_log_error("cannot copy %s into %s/%s: %s", p->files[i].src,
				       HAL_PART_DCF, p->files[i].name, mayday_strerror(rc));
			goto out;
		}
		bytes += t->size;
	}
	if (!write_tre(device_dir, p, &tre_bytes))
		goto out;
	prov_log_info("RoT agent in the DCF partition: %" PRIu32 " files, %" PRIu64 " bytes; "
		      "in %s/: %u files, %" PRIu64 " bytes", m->n_trv - first, bytes,
		      PROV_ROTAGENT_TRE_DIR, p->n, tre_bytes);
	ok = 1;
out:
	free(p);
	return ok;
}
