/* SPDX-License-Identifier: Apache-2.0 */
/* LD_PRELOAD shim for test_provision_bundle: the second time the program
 * opens a file whose name ends in $MAYDAY_TEST_MUTATE, one byte of it is
 * inverted first. mayday-provision bundle --image opens each component
 * twice (hashed into its TRV, then copied), so this changes a component
 * between the two, deterministically, without racing the program. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int seen;

static void maybe_mutate(const char *path)
{
	const char *want = getenv("MAYDAY_TEST_MUTATE");
	size_t n = want ? strlen(want) : 0, len = strlen(path);
	unsigned char b;
	int fd;

	if (!n || len < n || strcmp(path + len - n, want) != 0 || ++seen != 2)
		return;
	int (*real_open)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	fd = real_open(path, O_RDWR);
	if (fd < 0)
		return;
	if (pread(fd, &b, 1, 0) == 1) {
		b = (unsigned char)~b;
		(void)!pwrite(fd, &b, 1, 0);
	}
	close(fd);
}

#define SHIM(name)                                                                  \
	int name(const char *path, int flags, ...)                                  \
	{                                                                           \
		int (*real)(const char *, int, ...) =                               \
			(int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name);   \
		mode_t mode = 0;                                                    \
		if (flags & O_CREAT) {                                              \
			va_list ap;                                                 \
			va_start(ap, flags);                                        \
			mode = (mode_t)va_arg(ap, int);                             \
			va_end(ap);                                                 \
		}                                                                   \
		maybe_mutate(path);                                                 \
		return real(path, flags, mode);                                     \
	}

SHIM(open)
SHIM(open64)
