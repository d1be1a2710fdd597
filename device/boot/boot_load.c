/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copy-while-measuring into a memfd, then seal it against any change, so the
 * file that is executed cannot differ from the file that was measured. The
 * memfd is created executable explicitly where the kernel knows the flag
 * (Linux >= 6.3 may default to non-executable memfds).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot_load.h"
#include "log.h"
#include "boot_verify.h"

/* MFD_EXEC from <linux/memfd.h> (kernel ABI, Linux >= 6.3); older kernels
 * reject it with EINVAL and create executable memfds anyway. */
#define BOOT_MFD_EXEC 0x0010U

/* The copy target; `failed` tells a failed copy from a failed read. */
struct copy {
	int fd;
	bool failed;
};

static enum mayday_err write_all(void *ctx, const uint8_t *data, size_t len)
{
	struct copy *c = ctx;

	while (len > 0) {
		ssize_t n = write(c->fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->failed = true;
			return MAYDAY_E_IO;
		}
		data += n;
		len -= (size_t)n;
	}
	return MAYDAY_OK;
}

static int memfd_exec(const char *name)
{
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd = memfd_create(name, flags | BOOT_MFD_EXEC);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, flags);
	return fd;
}

enum mayday_err boot_load_component(struct boot_measure *m, struct hal_flash *f, const char *part,
				    const struct mayday_trv *trv, int *fd_out,
				    struct mayday_component_evidence *ev)
{
	uint8_t digest[MAYDAY_DIGEST_LEN] = { 0 };
	uint64_t size = 0;
	enum mayday_err rc;
	struct copy c = { memfd_exec(trv->name), false };
	int fd = c.fd;

	if (fd < 0) {
		log_info("%s/%s: memfd_create: %m", part, trv->name);
		rc = MAYDAY_E_IO;
		goto out;
	}
	rc = boot_measure_file(m, f, part, trv->name, write_all, &c, &size, digest);
	if (c.failed) {
		log_info("%s/%s: copying into memory: %m", part, trv->name);
		goto out;
	}
	if (rc == MAYDAY_E_POWER || rc == MAYDAY_E_NOMEM || rc == MAYDAY_E_INTERNAL)
		goto out;
	if (boot_verify_compare(trv, rc == MAYDAY_OK, size, digest, ev) != 0) {
		log_info("%s/%s: changed since it was verified (%s)", part, trv->name,
			 rc == MAYDAY_OK ? "digest differs" : mayday_strerror(rc));
		rc = rc == MAYDAY_OK ? MAYDAY_E_MISMATCH : MAYDAY_E_NOTFOUND;
		goto out;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		log_info("%s/%s: sealing the loaded copy: %m", part, trv->name);
		rc = MAYDAY_E_IO;
		goto out;
	}
	*fd_out = fd;
	fd = -1;
	rc = MAYDAY_OK;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
