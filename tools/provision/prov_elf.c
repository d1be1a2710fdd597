/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A program's files for a partition (prov_elf.h says how and why).
 */
#include "prov_elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prov_log.h"

int prov_elf_plan_add(struct prov_elf_plan *p, const char *name, const char *src, unsigned mode)
{
	for (unsigned i = 0; i < p->n; i++)
		if (strcmp(p->files[i].name, name) == 0)
			return 1;
	if (p->n == MAYDAY_MANIFEST_FILES_MAX) {
		prov_log_error("more than the %d files one manifest lists",
			       MAYDAY_MANIFEST_FILES_MAX);
		return 0;
	}
	if (strlen(name) > MAYDAY_NAME_MAX || !mayday_name_is_safe(name) ||
	    strlen(src) >= PROV_PATH_MAX) {
		prov_log_error("cannot put %s into the DCF partition as \"%s\"", src, name);
		return 0;
	}
	struct prov_elf_file *f = &p->files[p->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->src, sizeof(f->src), "%s", src);
	f->mode = mode;
	return 1;
}

/* PT_INTERP of a 64-bit ELF file into out. */
int prov_elf_interp(const char *path, char *out, size_t cap)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;

	if (fd < 0)
		goto out;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph) || eh.e_phnum > 256)
		goto out;
	for (unsigned i = 0; i < eh.e_phnum && !ok; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			goto out;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz < 2 || ph.p_filesz > cap ||
		    pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz ||
		    out[ph.p_filesz - 1] != '\0' || out[0] != '/')
			goto out;
		ok = 1;
	}
out:
	if (fd >= 0)
		close(fd);
	if (!ok)
		prov_log_error("%s: not a 64-bit ELF program with an interpreter", path);
	return ok;
}

/* `loader --list elf`, its stdout into buf (NUL-terminated). */
static int run_list(const char *loader, const char *elf, char *buf, size_t cap)
{
	int fds[2], status = 0;
	size_t len = 0;
	pid_t pid;

	if (pipe(fds) != 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		char *const argv[] = { (char *)loader, (char *)"--list", (char *)elf, NULL };
		char *const envp[] = { NULL };
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execve(loader, argv, envp);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return 0;
	}
	for (;;) {
		ssize_t n = read(fds[0], buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap - 1)
			break;
	}
	close(fds[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (len == cap - 1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		prov_log_error("%s --list %s failed or said too much", loader, elf);
		return 0;
	}
	return 1;
}

/* Each "\tSONAME => /path (0x...)" line of the loader's list becomes
 * partition file SONAME; "\t/path/ld... (0x...)" is the loader itself and
 * "\tlinux-vdso.so.1 (0x...)" the kernel's, neither a file to copy. */
int prov_elf_add_closure(struct prov_elf_plan *p, const char *loader, const char *elf)
{
	char *buf = malloc(PROV_ELF_LIST_OUTPUT_MAX), *line, *save = NULL;
	int ok = 0;

	if (!buf || !run_list(loader, elf, buf, PROV_ELF_LIST_OUTPUT_MAX))
		goto out;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char soname[MAYDAY_NAME_MAX + 1], path[PROV_PATH_MAX];
		char *arrow = strstr(line, " => ");
		while (*line == '\t' || *line == ' ')
			line++;
		if (!arrow)
			continue;   /* the loader, the vDSO */
		*arrow = '\0';
		const char *rest = arrow + 4;
		size_t plen = strcspn(rest, " ");
		if (strcmp(line, "") == 0 || strlen(line) > MAYDAY_NAME_MAX || rest[0] != '/' ||
		    plen >= sizeof(path)) {
			prov_log_error("%s: the loader cannot resolve %s (%s)", elf, line, rest);
			goto out;
		}
		snprintf(soname, sizeof(soname), "%s", line);
		memcpy(path, rest, plen);
		path[plen] = '\0';
		if (strcmp(soname, "libc.so.6") == 0) {
			char *slash = strrchr(path, '/');
			if ((size_t)(slash - path) >= sizeof(p->libc_dir)) {
				prov_log_error("%s: path too long", path);
				goto out;
			}
			snprintf(p->libc_dir, sizeof(p->libc_dir), "%.*s", (int)(slash - path), path);
		}
		if (!prov_elf_plan_add(p, soname, path, 0644))
			goto out;
	}
	ok = 1;
out:
	free(buf);
	return ok;
}

