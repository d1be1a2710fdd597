/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A dynamically linked program and everything it loads, as a list of files
 * to put into a partition: the IKE daemon (prov_ipsec.c) and the RoT agent
 * (prov_rotagent.c) go into the DCF partition this way.
 *
 * The dependency closure is what the loader itself says (`LOADER --list
 * FILE`, as ldd does, run with an empty environment so no LD_LIBRARY_PATH
 * of the vendor's shell sneaks in): asking the loader instead of walking
 * DT_NEEDED here means RUNPATHs, $ORIGIN and the cache resolve exactly as
 * they would for the program on this host. The loader is the one the
 * program names (PT_INTERP); only 64-bit ELF is read. Its output is bounded
 * (64 KiB) and every line it prints must parse, else the plan fails.
 */
#ifndef MAYDAY_PROV_ELF_H
#define MAYDAY_PROV_ELF_H

#include "mayday/manifest.h"
#include "prov_fs.h"

#define PROV_ELF_LIST_OUTPUT_MAX (64u * 1024)

struct prov_elf_file {
	char name[MAYDAY_NAME_MAX + 1]; /* in the partition: the soname for a library */
	char src[PROV_PATH_MAX];
	unsigned mode;
};

/* Large (a manifest's worth of paths): allocate it. */
struct prov_elf_plan {
	struct prov_elf_file files[MAYDAY_MANIFEST_FILES_MAX];
	unsigned n;
	char libc_dir[1024];  /* where libc.so.6 was found, once a closure named it */
};

/* Add src as partition file `name` (once: a name already planned is kept).
 * 0 with the reason logged if the plan is full or the name unusable. */
int prov_elf_plan_add(struct prov_elf_plan *p, const char *name, const char *src, unsigned mode);
/* PT_INTERP of a 64-bit ELF file into out; 0, logged, if it has none. */
int prov_elf_interp(const char *path, char *out, size_t cap);
/* Each library `loader --list elf` names, by soname. 0, logged, on any
 * line that does not resolve. */
int prov_elf_add_closure(struct prov_elf_plan *p, const char *loader, const char *elf);

#endif
